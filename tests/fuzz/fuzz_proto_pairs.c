/*
 * fuzz_proto_pairs.c - libFuzzer harness for proto/wire/proto_pairs.c: the
 * RESULT payload the reducer walks in place, without copying.
 *
 * Properties.  proto_pairs_decode of any bytes returns 0 or -EBADMSG (then
 * with the reason, and an empty cursor), reads nothing outside the frame
 * (ASan) and allocates nothing.  It agrees with msgpack-c: it accepts
 * exactly the frames that frame_check passes and msgpack-c unpacks to one
 * array of an even number of binaries, and the pairs it gives are those
 * binaries, in order.  proto_pairs_next yields exactly count pairs whose
 * keys and values lie inside the frame, then 0 for good; proto_pairs_get
 * gives the same pairs in any order (here: backwards, which rescans).  The
 * pairs re-encode (proto_pairs_begin, _add, _end) to a payload that decodes
 * to the same pairs.  Seeds: tests/fuzz/corpus/fuzz_proto_pairs/.
 */
#include "frame.h"
#include "fuzz.h"
#include "proto_pairs.h"

#include <errno.h>
#include <msgpack.h>
#include <stdbool.h>
#include <string.h>

/* Whether [ptr, ptr + len) lies inside [base, base + size). */
static bool s_inside(const void *ptr, size_t len, const void *base, size_t size)
{
    const uint8_t *p = ptr;
    const uint8_t *b = base;
    return p >= b && p <= b + size && len <= (size_t)(b + size - p);
}

static bool s_equal(mr_bytes_t a, mr_bytes_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Decodes data[0..len), checking the return and err_t contract. */
static int s_decode(const void *data, size_t len, proto_pairs_t *p)
{
    err_t e;
    err_init(&e);
    int rc = proto_pairs_decode(data, len, p, &e);
    FUZZ_CHECK(rc == 0 || rc == -EBADMSG, "decode returns 0 or -EBADMSG");
    FUZZ_CHECK(e.code == rc, "the err_t holds the code returned");
    FUZZ_CHECK((rc == 0) == (e.text[0] == '\0'), "a refusal says why");
    if (rc < 0)
        FUZZ_CHECK(p->count == 0 && p->data == NULL, "a refused frame leaves an empty cursor");
    return rc;
}

/* What msgpack-c makes of the frame: true with the array in *up when it is
 * one array of an even number of binaries (the caller destroys *up). */
static bool s_msgpack_pairs(const uint8_t *data, size_t size, msgpack_unpacked *up)
{
    msgpack_unpacked_init(up);
    err_t e;
    err_init(&e);
    /* The gate first: msgpack-c trusts counts, and would allocate what a
     * forged one says. */
    if (frame_check(data, size, FRAME_MAX_DEPTH, &e) < 0)
        return false;
    size_t off = 0;
    if (msgpack_unpack_next(up, (const char *)data, size, &off) != MSGPACK_UNPACK_SUCCESS ||
        off != size || up->data.type != MSGPACK_OBJECT_ARRAY || up->data.via.array.size % 2)
        return false;
    for (uint32_t i = 0; i < up->data.via.array.size; i++)
        if (up->data.via.array.ptr[i].type != MSGPACK_OBJECT_BIN)
            return false;
    return true;
}

static mr_bytes_t s_bin(const msgpack_object *o)
{
    mr_bytes_t b = { o->via.bin.ptr, o->via.bin.size };
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    proto_pairs_t p;
    int rc = s_decode(data, size, &p);
    msgpack_unpacked up;
    bool valid = s_msgpack_pairs(data, size, &up);
    FUZZ_CHECK((rc == 0) == valid, "pairs are what msgpack-c sees as an array of 2n binaries");
    if (rc < 0) {
        msgpack_unpacked_destroy(&up);
        proto_pairs_fini(&p);
        return 0;
    }
    FUZZ_CHECK(p.count == up.data.via.array.size / 2, "the count is msgpack-c's");

    buf_t again;
    buf_init(&again, (size_t)1 << 20);
    FUZZ_CHECK(proto_pairs_begin(&again) == 0, "a payload begins");
    mr_bytes_t key;
    mr_bytes_t value;
    size_t n = 0;
    while (proto_pairs_next(&p, &key, &value)) {
        FUZZ_CHECK(n < p.count, "next yields at most count pairs");
        FUZZ_CHECK(s_inside(key.ptr, key.len, data, size), "a key lies inside the frame");
        FUZZ_CHECK(s_inside(value.ptr, value.len, data, size), "a value lies inside the frame");
        FUZZ_CHECK(s_equal(key, s_bin(&up.data.via.array.ptr[2 * n])), "a key is msgpack-c's");
        FUZZ_CHECK(s_equal(value, s_bin(&up.data.via.array.ptr[2 * n + 1])),
                   "a value is msgpack-c's");
        FUZZ_CHECK(proto_pairs_add(&again, key.ptr, key.len, value.ptr, value.len) == 0,
                   "a pair re-encodes");
        n++;
    }
    FUZZ_CHECK(n == p.count, "next yields count pairs");
    FUZZ_CHECK(proto_pairs_next(&p, &key, &value) == 0, "next stays at the end");
    proto_pairs_end(&again, n);

    for (size_t i = p.count; i-- > 0;) {
        proto_pairs_get(&p, i, &key, &value);
        FUZZ_CHECK(s_equal(key, s_bin(&up.data.via.array.ptr[2 * i])), "get(i) gives key i");
        FUZZ_CHECK(s_equal(value, s_bin(&up.data.via.array.ptr[2 * i + 1])),
                   "get(i) gives value i");
    }

    proto_pairs_t q;
    FUZZ_CHECK(s_decode(again.data, again.len, &q) == 0, "re-encoded pairs decode");
    FUZZ_CHECK(q.count == p.count, "re-encoded pairs keep their count");
    for (size_t i = 0; i < q.count; i++) {
        proto_pairs_get(&q, i, &key, &value);
        FUZZ_CHECK(s_equal(key, s_bin(&up.data.via.array.ptr[2 * i])), "a key survives");
        FUZZ_CHECK(s_equal(value, s_bin(&up.data.via.array.ptr[2 * i + 1])), "a value survives");
    }
    proto_pairs_fini(&q);
    buf_fini(&again);
    msgpack_unpacked_destroy(&up);
    proto_pairs_fini(&p);
    return 0;
}
