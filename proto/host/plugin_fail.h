/*
 * plugin_fail.h - the reason a plugin gives for a failing callback
 * (mr_fail() in mr.h), from the call to the user's error line.
 *
 * Every emitter the engine hands a plugin points its failure at
 * plugin_fail_note, which keeps the message, escaped and capped, in a slot
 * of the calling thread.  Whoever reports the failed callback (the mapper's
 * FAIL, the reducer's DONE, mr-stream's error) words it with
 * plugin_fail_why, which takes the message out of the slot.
 *
 * One slot per thread, not one per emitter: a process calls its plugins
 * from one thread (mr.h), so the last message noted on that thread is the
 * failing callback's, and the six kinds of emitter (the mapper's collector,
 * the combine step, the reducer's writer, mr-stream's three) need one field
 * each, not a buffer and an accessor each.
 */
#ifndef MR_PLUGIN_FAIL_H
#define MR_PLUGIN_FAIL_H

#include "mr.h"

#include <stddef.h>

/* At most this many characters of a message are kept, counted after
 * escaping, so that the error line stays one readable line. */
#define PLUGIN_FAIL_MAX 160

/* mr_emitter_t.failure for every emitter of the engine: keeps message (NULL:
 * none) for plugin_fail_why, escaped as the engine quotes records (bytes
 * outside printable ASCII, the quote and the backslash as \xHH) and cut
 * after PLUGIN_FAIL_MAX characters, with "..." when cut.  Replaces what an
 * earlier call kept.  self is unused. */
void plugin_fail_note(mr_emitter_t *self, const char *message);

/* Words a failed call for an error message: "CALLBACK() returned RC", and
 * when the callback gave a reason, ": 'REASON'" after it, into buf (len
 * bytes, truncated to fit).  Clears the slot.  Returns buf. */
const char *plugin_fail_why(const char *callback, int rc, char *buf, size_t len);

/* Forgets the kept message: for a failure that is reported without it (the
 * engine's own limit, met inside the callback). */
void plugin_fail_clear(void);

#endif
