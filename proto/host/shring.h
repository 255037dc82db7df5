/*
 * shring.h - a local mapper's shared result slots: the lines of an
 * --ordered or --unordered chunk go from a mapper to the reducer through a
 * file both map, and RESULT carries only which slot and how many bytes.
 *
 * Through the socket each byte of a result was copied four times more than
 * needed (into a ZeroMQ message, into the kernel, out of it, into the
 * output buffer) and two ZeroMQ I/O threads did that work: 20 % of the CPU
 * of an ordered upper-case job (docs/performance.md, issue 14).  Here the
 * mapper copies its lines into a slot and the reducer writes them to the
 * output from there.
 *
 * The ring is a memfd mr-run creates for each local mapper, named by a
 * link in the job's private runtime directory (0700) like its progress
 * slot; it is never shrunk, so a mapping of it cannot fault.  A slot is busy from the moment
 * the mapper takes it until the reducer has written or dropped its result:
 * the busy flags are the only state the two share.  A mapper that finds no
 * slot free, or a result larger than a slot, sends the bytes in RESULT as
 * before; remote mappers always do (their RESULTs come over TCP, where the
 * reducer refuses a slot descriptor).
 */
#ifndef MR_SHRING_H
#define MR_SHRING_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

/* Slots per mapper: its results the reorder buffer may hold (the window is
 * max(16, 4 * jobs) chunks) before it falls back to the socket. */
#define SHRING_SLOTS 16

/* Bytes of one slot: above the default chunk (1 MiB) and a --map-cmd's
 * (16 MiB).  The file is sparse: only what results touch takes memory. */
#define SHRING_SLOT_BYTES ((size_t)16 << 20)

/* Bytes of the payload frame that names a slot: slot (u32 LE), 0 (u32),
 * length (u64 LE). */
#define SHRING_DESC_BYTES 16

/* Mapper ids that get rings: the reducer keeps one pointer per id below
 * it (mr-run numbers mappers from 1, remote joins included: -j 1024 with
 * its 64 respawns each and 65,536 joins stay below).  A mapper above it
 * sends its results through the socket. */
#define SHRING_ID_MAX (1u << 20)

typedef struct shring shring_t;

/* The path of mapper id's ring in the runtime directory dir, into buf (len
 * bytes).  0, or -ENAMETOOLONG. */
int shring_path(const char *dir, uint32_t id, char *buf, size_t len);

/* mr-run: creates a ring, every slot free, in a memfd, and a symbolic
 * link to it at path (in the runtime directory).  Returns the memfd, which
 * the caller keeps open while a mapper or the reducer may open the ring
 * and closes at the end, when it also removes path; or -errno with e set. */
int shring_create(const char *path, err_t *e);

/* A mapper or the reducer: maps the ring file at path, which must be one
 * shring_create made.  Returns an owned ring or NULL with e set. */
shring_t *shring_open(const char *path, err_t *e);

/* Unmaps.  Accepts NULL; NULLs *self_p. */
void shring_destroy(shring_t **self_p);

/* Mapper: takes a free slot, marks it busy and returns its memory
 * (SHRING_SLOT_BYTES, valid until shring_destroy), or NULL when every slot
 * is busy.  *slot is set to its number. */
char *shring_acquire(shring_t *self, uint32_t *slot);

/* The reducer, once it has written or dropped the slot's result (or the
 * mapper, for a slot it took and did not send): frees the slot. */
void shring_release(shring_t *self, uint32_t slot);

/* Mapper: the payload frame naming len bytes in slot. */
void shring_desc_encode(uint32_t slot, uint64_t len, unsigned char desc[SHRING_DESC_BYTES]);

/* Reducer: the bytes a payload frame of desc_len bytes names.  Checks the
 * frame's size, the slot number, the length, that the slot is busy and
 * that no result this ring's lookups returned, not yet released, holds it;
 * 0 with *data (valid until the slot is released), *len and *slot set, or
 * -EBADMSG with the reason in e. */
int shring_lookup(shring_t *self, const void *desc, size_t desc_len, const char **data, size_t *len,
                  uint32_t *slot, err_t *e);

#endif
