/*
 * plugin_fail.c - the reason a plugin gives for a failing callback.  See
 * plugin_fail.h.
 */
#include "plugin_fail.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The message of the last mr_fail() on this thread, escaped, or "". */
static _Thread_local char s_text[PLUGIN_FAIL_MAX + 4];
/* Whether mr_fail() was called since the slot was last taken or cleared
 * (a callback may give an empty reason: that still counts as one). */
static _Thread_local bool s_noted;

void plugin_fail_note(mr_emitter_t *self, const char *message)
{
    (void)self;
    size_t q = 0;
    s_noted = message != NULL;
    if (message) {
        const unsigned char *p = (const unsigned char *)message;
        for (; *p && q < PLUGIN_FAIL_MAX; p++) {
            if (*p >= 0x20 && *p < 0x7f && *p != '\'' && *p != '\\') {
                s_text[q++] = (char)*p;
            } else {
                if (q + 4 > PLUGIN_FAIL_MAX)
                    break;
                q += (size_t)snprintf(s_text + q, sizeof s_text - q, "\\x%02x", *p);
            }
        }
        if (*p) {
            memcpy(s_text + q, "...", 3);
            q += 3;
        }
    }
    s_text[q] = '\0';
}

const char *plugin_fail_why(const char *callback, int rc, char *buf, size_t len)
{
    if (s_noted)
        snprintf(buf, len, "%s() returned %d: '%s'", callback, rc, s_text);
    else
        snprintf(buf, len, "%s() returned %d", callback, rc);
    plugin_fail_clear();
    return buf;
}

void plugin_fail_clear(void)
{
    s_noted = false;
    s_text[0] = '\0';
}
