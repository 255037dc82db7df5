/*
 * fuzz_frame.c - libFuzzer harness for proto/wire/frame.c: frame_check, the gate
 * every msgpack frame passes before msgpack-c sees it.
 *
 * Properties, for any bytes: frame_check returns 0 or -EBADMSG with the
 * reason in the err_t, and never reads outside the frame (ASan).  A frame
 * it accepts at some depth is one that msgpack-c unpacks whole, as exactly
 * one object that uses every byte, without the gigabyte allocations the
 * gate exists to prevent (libFuzzer's malloc limit); the object's nesting
 * d decides the verdict at every depth (accepted at d, refused at d - 1,
 * so FRAME_MAX_DEPTH means what frame.h says); no proper prefix of an
 * accepted frame is accepted; and msgpack-c's own packing of the object is
 * accepted too.  Seeds: tests/fuzz/corpus/fuzz_frame/.
 */
#include "frame.h"
#include "fuzz.h"

#include <errno.h>
#include <msgpack.h>
#include <string.h>

/* A depth deeper than any mr frame but within msgpack-c's own limit (its
 * unpacker keeps a stack of 32 containers), so msgpack-c can check every
 * frame the gate accepts at this depth. */
#define FUZZ_DEEP 16

/* Nesting of o: 0 for a scalar, 1 + the deepest element for a container. */
static int s_depth(const msgpack_object *o)
{
    int deepest = 0;
    if (o->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            int d = s_depth(&o->via.array.ptr[i]);
            deepest = d > deepest ? d : deepest;
        }
        return 1 + deepest;
    }
    if (o->type == MSGPACK_OBJECT_MAP) {
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            int k = s_depth(&o->via.map.ptr[i].key);
            int v = s_depth(&o->via.map.ptr[i].val);
            deepest = k > deepest ? k : deepest;
            deepest = v > deepest ? v : deepest;
        }
        return 1 + deepest;
    }
    return 0;
}

/* frame_check, with the err_t contract checked. */
static int s_check(const void *data, size_t len, int depth)
{
    err_t e;
    err_init(&e);
    int rc = frame_check(data, len, depth, &e);
    FUZZ_CHECK(rc == 0 || rc == -EBADMSG, "frame_check returns 0 or -EBADMSG");
    FUZZ_CHECK(e.code == rc, "the err_t holds the code returned");
    FUZZ_CHECK((rc == 0) == (e.text[0] == '\0'), "a refusal says why, an acceptance says nothing");
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int at_max = s_check(data, size, FRAME_MAX_DEPTH);
    int deep = s_check(data, size, FUZZ_DEEP);
    if (deep < 0) {
        FUZZ_CHECK(at_max < 0, "a frame refused at depth 16 is refused at depth 4");
        return 0;
    }

    /* The gate said the lengths are backed by bytes: msgpack-c may look. */
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    msgpack_unpack_return ret = msgpack_unpack_next(&up, (const char *)data, size, &off);
    FUZZ_CHECK(ret == MSGPACK_UNPACK_SUCCESS, "msgpack-c unpacks an accepted frame");
    FUZZ_CHECK(off == size, "an accepted frame is one object using every byte");

    int d = s_depth(&up.data);
    FUZZ_CHECK(d <= FUZZ_DEEP, "an accepted frame nests no deeper than asked");
    FUZZ_CHECK(s_check(data, size, d) == 0, "a frame is accepted at its own depth");
    if (d > 0)
        FUZZ_CHECK(s_check(data, size, d - 1) < 0, "a frame is refused below its depth");
    FUZZ_CHECK((at_max == 0) == (d <= FRAME_MAX_DEPTH), "FRAME_MAX_DEPTH bounds the nesting");
    FUZZ_CHECK(s_check(data, size - 1, FUZZ_DEEP) < 0, "a frame less its last byte is refused");
    FUZZ_CHECK(s_check(data, size / 2, FUZZ_DEEP) < 0, "half a frame is refused");

    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    FUZZ_CHECK(msgpack_pack_object(&pk, up.data) == 0, "msgpack-c packs what it unpacked");
    FUZZ_CHECK(s_check(sb.data, sb.size, d) == 0, "msgpack-c's packing of the object is accepted");
    msgpack_sbuffer_destroy(&sb);
    msgpack_unpacked_destroy(&up);
    return 0;
}
