/*
 * fuzz_split.c - libFuzzer harness for master/split.c: the cutter that
 * turns the inputs into chunks on record boundaries.
 *
 * The first bytes of an input choose the set-up, the rest are the records:
 * the chunk size (1 to 64 bytes, so that a small input makes many chunks),
 * the terminator ('\n' or NUL), one to three inputs, each a mapped file (a
 * memfd) or a pipe read as a stream, guided sizes with their feedback, and
 * blocking or not; in non-blocking mode the pipes get their bytes a piece
 * (1 to 255 bytes) at a time, each only when split_next said -EAGAIN, so
 * records arrive split across reads.  Properties: split_next never fails on
 * these inputs, says -EAGAIN only while a pipe really waits for bytes, and
 * never reads outside them (ASan); each input's chunks come in order, after
 * the previous input's, and cover it exactly (offsets contiguous from 0,
 * bytes equal, no chunk empty or spanning two inputs); every chunk ends
 * just after a terminator except the last of its input; no chunk exceeds
 * the chunk size (guided: the largest guided size; streams: always the
 * chunk size) unless it is one record; and where the sizes are fixed each
 * chunk is greedy, as many whole records as fit, so a file and a pipe of
 * the same bytes are cut alike.  Seeds: tests/fuzz/corpus/fuzz_split/.
 */
#include "fuzz.h"
#include "split.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUZZ_HEADER 7       /* set-up bytes before the records */
#define FUZZ_MAX_INPUTS 3   /* inputs one run may have */
#define FUZZ_PIPE_MAX 60000 /* more than this is a file: a pipe holds 64 KiB */

/* One input as the harness made it. */
typedef struct fuzz_input {
    const char *data; /* its bytes (in the fuzzer's input) */
    size_t len;       /* their count */
    bool stream;      /* a pipe rather than a mapped file */
    int fd;           /* memfd, or the pipe's write end until it is all written */
    int read_fd;      /* the pipe's read end, -1 for a file */
    char path[32];    /* /proc/self/fd/N, the name split_new opens */
    size_t written;   /* bytes of it written into the pipe or file */
    uint64_t covered; /* bytes of it the chunks have covered */
} fuzz_input_t;

/* The set-up byte at i, 0 past the end. */
static uint8_t s_byte(const uint8_t *data, size_t size, size_t i)
{
    return i < size ? data[i] : 0;
}

/* Writes up to n more of in's bytes; false when the system said no. */
static bool s_write(fuzz_input_t *in, size_t n)
{
    size_t end = in->len - in->written < n ? in->len : in->written + n;
    while (in->written < end) {
        ssize_t done = write(in->fd, in->data + in->written, end - in->written);
        if (done <= 0)
            return false;
        in->written += (size_t)done;
    }
    return true;
}

/* Makes in's file or pipe with its first `first` bytes in it; false when
 * the system said no (not a finding). */
static bool s_make(fuzz_input_t *in, size_t first)
{
    in->read_fd = -1;
    if (in->stream) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
            return false;
        in->read_fd = fds[0];
        in->fd = fds[1];
        snprintf(in->path, sizeof in->path, "/proc/self/fd/%d", in->read_fd);
    } else {
        in->fd = memfd_create("fuzz_split", MFD_CLOEXEC);
        if (in->fd < 0)
            return false;
        snprintf(in->path, sizeof in->path, "/proc/self/fd/%d", in->fd);
        first = in->len;
    }
    return s_write(in, first);
}

/* Closes the descriptors of in that split_new no longer needs: every one
 * but the write end of a pipe that still has bytes to come. */
static void s_close(fuzz_input_t *in, bool all)
{
    if (in->fd >= 0 && (all || in->written == in->len)) {
        close(in->fd);
        in->fd = -1;
    }
    if (in->read_fd >= 0)
        close(in->read_fd);
    in->read_fd = -1;
}

/* Gives the first pipe still waiting for bytes its next piece (closing it
 * after its last); false when no pipe waits. */
static bool s_feed(fuzz_input_t *in, size_t n_inputs, size_t piece)
{
    for (size_t i = 0; i < n_inputs; i++) {
        if (in[i].stream && in[i].fd >= 0) {
            FUZZ_CHECK(s_write(&in[i], piece), "a pipe takes a piece");
            s_close(&in[i], false);
            return true;
        }
    }
    return false;
}

/* Where the record starting at off in in ends (just past its terminator, or
 * at the end of the input). */
static size_t s_record_end(const fuzz_input_t *in, size_t off, char delim)
{
    const char *p = memchr(in->data + off, delim, in->len - off);
    return p ? (size_t)(p - in->data) + 1 : in->len;
}

/* Checks one chunk against its input. */
static void s_check_chunk(fuzz_input_t *in, const split_chunk_t *c, size_t chunk_size,
                          size_t guided_max, char delim)
{
    FUZZ_CHECK(c->len > 0, "no chunk is empty");
    FUZZ_CHECK(c->offset == in->covered, "chunks follow each other without gap or overlap");
    FUZZ_CHECK(c->len <= in->len - in->covered, "a chunk stays inside its input");
    FUZZ_CHECK(memcmp(c->data, in->data + c->offset, c->len) == 0,
               "a chunk holds its input's bytes");
    size_t end = (size_t)c->offset + c->len;
    FUZZ_CHECK(end == in->len || c->data[c->len - 1] == delim,
               "a chunk ends with a terminator, or at the end of its input");
    bool one_record = s_record_end(in, (size_t)c->offset, delim) == end;
    size_t limit = guided_max && !in->stream ? guided_max : chunk_size;
    FUZZ_CHECK(c->len <= limit || one_record, "a chunk is within size unless it is one record");
    if (!guided_max || in->stream) {
        /* Greedy: the next record would not have fitted. */
        bool fits = end < in->len && s_record_end(in, end, delim) - (size_t)c->offset <= chunk_size;
        FUZZ_CHECK(!fits, "a chunk takes every whole record that fits");
    }
    in->covered = end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t chunk_size = 1 + s_byte(data, size, 0) % 64;
    uint8_t how = s_byte(data, size, 1);
    uint8_t guide = s_byte(data, size, 2);
    uint8_t feedback = s_byte(data, size, 3);
    char delim = (how & 1) ? '\0' : '\n';
    size_t n_inputs = 1 + (size_t)((how >> 4) & 3) % FUZZ_MAX_INPUTS;
    bool nonblocking = how & 0x40;
    bool release = how & 0x80;
    /* Non-blocking: pipes get their bytes this many at a time (0: all). */
    size_t piece = nonblocking ? s_byte(data, size, 6) : 0;

    const char *records = size > FUZZ_HEADER ? (const char *)data + FUZZ_HEADER : "";
    size_t len = size > FUZZ_HEADER ? size - FUZZ_HEADER : 0;
    size_t cuts[FUZZ_MAX_INPUTS + 1] = { 0 };
    cuts[1] = len * s_byte(data, size, 4) / 256;
    cuts[2] = len * s_byte(data, size, 5) / 256;
    if (cuts[1] > cuts[2]) {
        size_t t = cuts[1];
        cuts[1] = cuts[2];
        cuts[2] = t;
    }
    cuts[n_inputs] = len;

    fuzz_input_t in[FUZZ_MAX_INPUTS];
    const char *names[FUZZ_MAX_INPUTS];
    bool made = true;
    for (size_t i = 0; i < n_inputs; i++) {
        size_t from = i == 0 ? 0 : cuts[i];
        in[i] = (fuzz_input_t){
            .data = records + from, .len = cuts[i + 1] - from, .fd = -1, .read_fd = -1
        };
        in[i].stream = (how >> (1 + i)) & 1 && in[i].len <= FUZZ_PIPE_MAX;
        made = made && s_make(&in[i], piece ? piece : in[i].len);
        names[i] = in[i].path;
    }
    if (!made) {
        for (size_t i = 0; i < n_inputs; i++)
            s_close(&in[i], true);
        return 0;
    }

    err_t e;
    err_init(&e);
    split_t *split = split_new(names, n_inputs, chunk_size, delim, &e);
    FUZZ_CHECK(split != NULL, "split_new opens files and pipes");
    FUZZ_CHECK(split_inputs(split) == n_inputs, "split_inputs counts the inputs");
    for (size_t i = 0; i < n_inputs; i++) {
        uint64_t known = in[i].stream ? UINT64_MAX : in[i].len;
        FUZZ_CHECK(split_input_size(split, (uint32_t)i) == known,
                   "a file's size is known in advance, a pipe's is not");
        FUZZ_CHECK((split_input_path(split, (uint32_t)i) != NULL) == (!in[i].stream && in[i].len),
                   "a mapper may open a non-empty file by name, never a pipe");
    }
    /* Now that split_new holds its own descriptors, close ours: the pipes
     * written whole reach their end. */
    for (size_t i = 0; i < n_inputs; i++)
        s_close(&in[i], false);

    size_t guided_max = 0;
    if (guide) {
        guided_max = chunk_size * (1 + guide % 32);
        split_set_guided(split, guided_max, 1 + (guide >> 5));
        if (guided_max == chunk_size)
            guided_max = 0; /* split_set_guided: not guided */
    }
    split_set_nonblocking(split, nonblocking);

    size_t current = 0;
    unsigned step = 0;
    split_chunk_t c;
    int rc;
    while ((rc = split_next(split, &c, &e)) != 0) {
        if (rc == -EAGAIN) {
            FUZZ_CHECK(nonblocking, "-EAGAIN only in non-blocking mode");
            FUZZ_CHECK(split_wait_fd(split) >= 0, "after -EAGAIN there is a descriptor to poll");
            FUZZ_CHECK(s_feed(in, n_inputs, piece), "-EAGAIN only while a pipe waits for bytes");
            continue;
        }
        FUZZ_CHECK(rc == 1, "split_next never fails on these inputs");
        FUZZ_CHECK(c.input < n_inputs && c.input >= current, "inputs are cut in order");
        for (; current < c.input; current++)
            FUZZ_CHECK(in[current].covered == in[current].len, "an input is cut whole first");
        FUZZ_CHECK((c.owned != NULL) == in[c.input].stream, "stream chunks, only, are owned");
        s_check_chunk(&in[c.input], &c, chunk_size, guided_max, delim);
        if (release)
            split_release(split, &c);
        free(c.owned);
        /* Combining pays (8 pairs in 1), does not (1 in 1), or is unknown. */
        unsigned bits = (feedback >> (2 * (step++ % 4))) & 3;
        split_guided_feedback(split, bits == 3 ? 0 : bits == 0 ? 1 : 8, 1);
    }
    for (; current < n_inputs; current++)
        FUZZ_CHECK(in[current].covered == in[current].len, "every input is cut whole");
    for (size_t i = 0; i < n_inputs; i++)
        FUZZ_CHECK(in[i].fd < 0, "split_next ends only after every pipe's end");
    split_destroy(&split);
    FUZZ_CHECK(split == NULL, "split_destroy NULLs the pointer");
    return 0;
}
