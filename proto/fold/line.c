/*
 * line.c - the output line in pieces, for sinks that cannot take it whole.
 * See line.h.
 */
#include "line.h"

int line_pieces(const line_form_t *f, const void *key, size_t key_len, const void *value,
                size_t value_len, line_piece_t out[LINE_PIECES])
{
    int n = 0;
    if (line_has_sep(f, key_len)) {
        out[n++] = (line_piece_t){ key, key_len, true };
        out[n++] = (line_piece_t){ f->sep, f->sep_len, false };
    }
    out[n++] = (line_piece_t){ value, value_len, true };
    out[n++] = (line_piece_t){ &f->term, 1, false };
    return n;
}
