/*
 * decomp.h - compressed inputs, read as one decompressed stream.
 *
 * An input named FILE.gz (zlib), FILE.bz2 (libbz2) or FILE.xz (liblzma) is
 * handed to the mappers decompressed, the way Hadoop's TextInputFormat reads
 * it: the whole file is one stream (compressed data cannot be entered at a
 * byte offset), which the splitter (split.c) cuts into chunks exactly as it
 * cuts stdin.  Concatenated members (`cat a.gz b.gz`, pigz, bgzip, pbzip2,
 * `xz -T`) are read one after the other.  Corrupt or truncated data is an
 * error naming the file and the compressed byte offset where it was found,
 * never a short input.
 */
#ifndef MR_DECOMP_H
#define MR_DECOMP_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct decomp decomp_t;

/* Whether name's extension says it is compressed in a format we read
 * (".gz", ".bz2", ".xz"), as Hadoop chooses a codec by the extension. */
bool decomp_wanted(const char *name);

/* A decompressor reading the file open at fd (borrowed: the caller closes
 * it after decomp_destroy); name is borrowed until decomp_destroy and
 * names the file in errors.  Returns it (owned), or NULL with e set. */
decomp_t *decomp_new(int fd, const char *name, err_t *e);

/* Fills out with up to len decompressed bytes, waiting for at least one.
 * Returns their count, 0 once the last member has ended with the file, or a
 * negative code with e set: -EBADMSG for corrupt or truncated data (e names
 * the file and the compressed byte offset), -errno when reading fails. */
ssize_t decomp_read(decomp_t *self, char *out, size_t len, err_t *e);

/* Compressed bytes consumed so far. */
uint64_t decomp_consumed(const decomp_t *self);

/* Frees it; accepts NULL; NULLs *self_p.  Does not close the fd. */
void decomp_destroy(decomp_t **self_p);

#endif
