/*
 * log.h - messages to stderr, prefixed with the program name
 * ("mr-run: ...", "mr-mapper[3]: ...").  Errors are printed by main() only;
 * the rest of the code returns them in an err_t.
 */
#ifndef MR_LOG_H
#define MR_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Sets the prefix (copied) and whether log_info is silenced (-q). */
void log_init(const char *prefix, bool quiet);

/* Calls before(arg) ahead of every message (NULL: nothing); the master
 * uses it to clear its progress line so messages start on a clean line. */
void log_set_hook(void (*before)(void *arg), void *arg);

/* Copies text a peer or a plugin chose into out (cap bytes, NUL-terminated,
 * cut short if need be) so that it is safe to print: printable ASCII stays,
 * a backslash and every other byte become \\ and \xNN.  Returns out. */
const char *log_escape(const char *text, char *out, size_t cap);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
