/*
 * fuzz_run.c - libFuzzer harness for proto/fold/run.c: the reader of the run
 * files a reducer spills and reads back, and of the key indexes mr-run
 * merges.
 *
 * Properties.  On any bytes, run_reader_new and run_reader_next give
 * records (1), the end (0), or -EBADMSG / -EMSGSIZE with the path and a
 * byte offset in the error; after the end or an error they keep giving
 * the same; keys come in nondecreasing bytewise order and lie inside the
 * reader's block; nothing is allocated past what the file holds (ASan's
 * and libFuzzer's memory limits watch).  A run read to its end is written
 * again by run_writer and reads back as the same records.  Seeds:
 * tests/fuzz/corpus/fuzz_run/.
 */
#include "fuzz.h"
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The records of a run, copied: keys and values back to back. */
typedef struct records {
    char *data;   /* key, value, key, value... */
    size_t *lens; /* their lengths, two a record */
    size_t n;     /* records */
    size_t used;  /* bytes in data */
    size_t last;  /* where the last record's key starts in data */
} records_t;

static void s_add(records_t *r, mr_bytes_t k, mr_bytes_t v)
{
    r->data = realloc(r->data, r->used + k.len + v.len + 1);
    r->lens = realloc(r->lens, (r->n + 1) * 2 * sizeof *r->lens);
    FUZZ_CHECK(r->data && r->lens, "memory");
    if (k.len)
        memcpy(r->data + r->used, k.ptr, k.len);
    if (v.len)
        memcpy(r->data + r->used + k.len, v.ptr, v.len);
    r->last = r->used;
    r->lens[2 * r->n] = k.len;
    r->lens[2 * r->n + 1] = v.len;
    r->used += k.len + v.len;
    r->n++;
}

/* Reads the run at path; 0 with its records in *r, or the error code. */
static int s_read(const char *path, records_t *r)
{
    err_t e;
    err_init(&e);
    memset(r, 0, sizeof *r);
    run_reader_t *rd = run_reader_new(path, &e);
    if (!rd) {
        FUZZ_CHECK(e.code == -EBADMSG || e.code == -EMSGSIZE, "open fails as damaged");
        FUZZ_CHECK(strstr(e.text, path) && strstr(e.text, "at byte"), "the error names both");
        return e.code;
    }
    mr_bytes_t k;
    mr_bytes_t v;
    int rc;
    while ((rc = run_reader_next(rd, &k, &v, &e)) == 1) {
        if (r->n) {
            mr_bytes_t prev = { r->data + r->last, r->lens[2 * (r->n - 1)] };
            FUZZ_CHECK(run_key_cmp(prev, k) <= 0, "keys ascend");
        }
        s_add(r, k, v);
    }
    if (rc < 0) {
        FUZZ_CHECK(rc == -EBADMSG || rc == -EMSGSIZE, "a damaged run fails as damaged");
        FUZZ_CHECK(e.code == rc && strstr(e.text, path) && strstr(e.text, "at byte"),
                   "the error names the path and the offset");
    }
    err_t again;
    err_init(&again);
    FUZZ_CHECK(run_reader_next(rd, &k, &v, &again) == rc, "the end or the error repeats");
    run_reader_destroy(&rd);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-run", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0, "memfd");
    FUZZ_CHECK(write(fd, data, size) == (ssize_t)size, "memfd written");
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    records_t r;
    int rc = s_read(path, &r);
    if (rc == 0) {
        /* Written again: the same records (not the same bytes: the
         * writer cuts blocks its own way). */
        char tmp[] = "/tmp/fuzz-run-XXXXXX";
        int t = mkstemp(tmp);
        FUZZ_CHECK(t >= 0, "a temporary file");
        close(t);
        unlink(tmp);
        err_t e;
        err_init(&e);
        run_writer_t *w = run_writer_new(tmp, &e);
        FUZZ_CHECK(w != NULL, "a writer");
        size_t off = 0;
        for (size_t i = 0; i < r.n; i++) {
            mr_bytes_t k = { r.data + off, r.lens[2 * i] };
            mr_bytes_t v = { r.data + off + k.len, r.lens[2 * i + 1] };
            FUZZ_CHECK(run_writer_add(w, k, v, &e) == 0, "what was read can be written");
            off += k.len + v.len;
        }
        FUZZ_CHECK(run_writer_close(&w, &e) == 0, "the writer closes");
        records_t r2;
        FUZZ_CHECK(s_read(tmp, &r2) == 0, "a written run reads back");
        FUZZ_CHECK(r2.n == r.n && r2.used == r.used &&
                       (r.used == 0 || memcmp(r2.data, r.data, r.used) == 0) &&
                       (r.n == 0 || memcmp(r2.lens, r.lens, 2 * r.n * sizeof *r.lens) == 0),
                   "the same records");
        free(r2.data);
        free(r2.lens);
        unlink(tmp);
    }
    free(r.data);
    free(r.lens);
    close(fd);
    return 0;
}
