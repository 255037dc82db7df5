/*
 * frame.h - the gate every msgpack frame passes before msgpack-c sees it.
 *
 * msgpack-c's C API trusts the lengths inside the bytes it unpacks: a 5-byte
 * header announcing a 2^32-element array makes it reserve gigabytes.  So
 * before unpacking we walk the frame once and require that it is exactly one
 * well-formed object, that every container count and string length fits in
 * the bytes that are left, and that nesting stays within max_depth.
 */
#ifndef MR_FRAME_H
#define MR_FRAME_H

#include "err.h"

#include <stddef.h>

/* Deepest nesting any mr frame needs (the header is flat; pairs are one
 * array of binaries). */
#define FRAME_MAX_DEPTH 4

/* Returns 0 when data[0..len) is exactly one msgpack object no deeper than
 * max_depth whose every length is backed by bytes, else -EBADMSG with the
 * byte offset of the problem in e. */
int frame_check(const void *data, size_t len, int max_depth, err_t *e);

#endif
