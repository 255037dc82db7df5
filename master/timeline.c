/*
 * timeline.c - records chunk attempts during the job and draws them as an
 * SVG at its end.  See timeline.h for what the picture shows.
 *
 * Recording is an append to an array plus a short list of the bars still
 * open: a mapper holds at most its credit of tasks, so that list stays a
 * few entries per mapper and a linear search of it is the cheapest lookup.
 * Drawing sorts the bars by lane and start time once, stacks the bars that
 * overlap within a lane (a mapper holds one chunk it maps and one queued
 * behind it) into rows, and writes plain <rect> and <text> elements with
 * fixed colours, so that any viewer shows it the same, scripts and web
 * fonts off.
 */
#include "timeline.h"

#include "afile.h"
#include "mem.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Layout in pixels: a 1000 px time axis is wide enough to see one chunk of
 * a few hundred on a mapper's lane, and fits a laptop screen unscaled. */
#define SVG_WIDTH 1200
#define SVG_LEFT 180 /* the lane labels' column */
#define SVG_RIGHT 20
#define SVG_PLOT (SVG_WIDTH - SVG_LEFT - SVG_RIGHT)
#define SVG_TOP 64    /* heading and legend */
#define SVG_ROW 12    /* a row of bars: 10 px bars, 2 px apart */
#define SVG_BAR 10    /* a bar's height */
#define SVG_PAD 3     /* above and below the rows of a lane */
#define SVG_AXIS 40   /* the time axis under the lanes */
#define SVG_MIN_BAR 1 /* a bar of a few microseconds still shows */
#define SVG_GAP 1     /* bars end short, so back-to-back chunks on a row stay apart */

/* Rows of overlapping bars per lane.  Two is the normal case (MAPPERS_CREDIT);
 * a mapper answering late for re-sent work may need a third; past four the
 * last row is shared rather than the lane growing without bound. */
#define SVG_ROWS_MAX 4

/* Characters of a lane label shown; the label column holds about 28. */
#define SVG_LABEL_CHARS 26

typedef struct bar {
    uint64_t chunk;   /* chunk index */
    uint32_t mapper;  /* the lane */
    uint32_t attempt; /* TASK.attempt: 0 for the first send */
    /* Seconds after start.  A float keeps them to within a millisecond
     * for 4.5 hours and 8 ms for a day and a half, finer than a pixel of
     * the picture either way, and keeps the record at 32 bytes. */
    float begin;     /* when the TASK went out */
    float end;       /* when the answer came, unused while open */
    uint8_t outcome; /* timeline_outcome_t */
    bool open;       /* no answer yet */
} bar_t;

_Static_assert(sizeof(bar_t) <= 32, "timeline.h promises 32 bytes per attempt");

typedef struct lane_name {
    uint32_t mapper; /* whose lane */
    char *label;     /* owned, NUL-terminated, raw bytes (escaped on output) */
} lane_name_t;

struct timeline {
    double start;       /* time 0 of the axis, caller's clock */
    bar_t *bars;        /* owned, in begin order */
    size_t n_bars;      /* bars recorded */
    size_t cap_bars;    /* bars allocated */
    size_t max_bars;    /* the cap on n_bars */
    uint64_t dropped;   /* begins past the cap, not recorded */
    uint32_t *open;     /* owned: indices of the open bars, in no order */
    size_t n_open;      /* entries used in open */
    size_t cap_open;    /* entries allocated in open */
    lane_name_t *names; /* owned lane labels, in no order */
    size_t n_names;     /* entries used in names */
    size_t cap_names;   /* entries allocated in names */
};

/* Okabe and Ito's palette, which stays distinguishable with the common
 * colour-vision deficiencies; failed is the loudest. */
static const struct {
    const char *name;  /* as the legend and the tooltips say it */
    const char *fill;  /* bar colour */
    const char *extra; /* further attributes of the bar */
} s_outcomes[TIMELINE_OUTCOMES] = {
    [TIMELINE_MERGED] = { "merged", "#009E73", "" },
    [TIMELINE_DUPLICATE] = { "duplicate", "#56B4E9", "" },
    [TIMELINE_FAILED] = { "failed", "#D55E00", "" },
    [TIMELINE_REQUEUED] = { "requeued", "#E69F00", "" },
    [TIMELINE_UNFINISHED] = { "unfinished", "#BBBBBB",
                              " stroke=\"#555555\" stroke-dasharray=\"2,2\"" },
};

timeline_t *timeline_new(double start)
{
    timeline_t *t = mem_calloc(1, sizeof *t);
    t->start = start;
    t->max_bars = TIMELINE_MAX_BARS;
    return t;
}

void timeline_destroy(timeline_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    timeline_t *t = *self_p;
    for (size_t i = 0; i < t->n_names; i++)
        free(t->names[i].label);
    free(t->names);
    free(t->open);
    free(t->bars);
    free(t);
    *self_p = NULL;
}

void timeline_set_limit(timeline_t *t, size_t max_bars)
{
    if (t && max_bars < TIMELINE_MAX_BARS)
        t->max_bars = max_bars;
}

size_t timeline_bars(const timeline_t *t)
{
    return t ? t->n_bars : 0;
}

uint64_t timeline_dropped(const timeline_t *t)
{
    return t ? t->dropped : 0;
}

const char *timeline_outcome_name(timeline_outcome_t outcome)
{
    return outcome < TIMELINE_OUTCOMES ? s_outcomes[outcome].name : "?";
}

void timeline_begin(timeline_t *t, uint32_t mapper, uint64_t chunk, uint32_t attempt, double now)
{
    if (!t)
        return;
    if (t->n_bars >= t->max_bars) {
        t->dropped++;
        return;
    }
    if (t->n_bars == t->cap_bars) {
        size_t cap = t->cap_bars ? t->cap_bars * 2 : 256;
        if (cap > t->max_bars)
            cap = t->max_bars;
        t->bars = mem_realloc(t->bars, cap * sizeof *t->bars);
        t->cap_bars = cap;
    }
    if (t->n_open == t->cap_open) {
        t->cap_open = t->cap_open ? t->cap_open * 2 : 64;
        t->open = mem_realloc(t->open, t->cap_open * sizeof *t->open);
    }
    t->open[t->n_open++] = (uint32_t)t->n_bars;
    t->bars[t->n_bars++] = (bar_t){
        .chunk = chunk,
        .mapper = mapper,
        .attempt = attempt,
        .begin = (float)(now - t->start),
        .end = (float)(now - t->start),
        .outcome = TIMELINE_UNFINISHED,
        .open = true,
    };
}

/* Closes the bar at open[i] and forgets it from the open list. */
static void s_close(timeline_t *t, size_t i, timeline_outcome_t outcome, double now)
{
    assert(outcome < TIMELINE_OUTCOMES);
    bar_t *b = &t->bars[t->open[i]];
    b->end = (float)(now - t->start);
    b->outcome = (uint8_t)(outcome < TIMELINE_OUTCOMES ? outcome : TIMELINE_UNFINISHED);
    b->open = false;
    t->open[i] = t->open[--t->n_open];
}

void timeline_end(timeline_t *t, uint32_t mapper, uint64_t chunk, uint32_t attempt,
                  timeline_outcome_t outcome, double now)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_open; i++) {
        const bar_t *b = &t->bars[t->open[i]];
        if (b->mapper == mapper && b->chunk == chunk && b->attempt == attempt) {
            s_close(t, i, outcome, now);
            return;
        }
    }
}

size_t timeline_end_mapper(timeline_t *t, uint32_t mapper, timeline_outcome_t outcome, double now)
{
    size_t closed = 0;
    /* Backwards, so that the entry s_close moves into slot i was seen. */
    for (size_t i = t ? t->n_open : 0; i-- > 0;) {
        if (t->bars[t->open[i]].mapper == mapper) {
            s_close(t, i, outcome, now);
            closed++;
        }
    }
    return closed;
}

void timeline_mapper_name(timeline_t *t, uint32_t mapper, const char *label)
{
    if (!t || !label)
        return;
    size_t n = strnlen(label, TIMELINE_LABEL_MAX);
    char *copy = mem_alloc(n + 1);
    memcpy(copy, label, n);
    copy[n] = '\0';
    for (size_t i = 0; i < t->n_names; i++) {
        if (t->names[i].mapper == mapper) {
            free(t->names[i].label);
            t->names[i].label = copy;
            return;
        }
    }
    if (t->n_names == t->cap_names) {
        t->cap_names = t->cap_names ? t->cap_names * 2 : 16;
        t->names = mem_realloc(t->names, t->cap_names * sizeof *t->names);
    }
    t->names[t->n_names++] = (lane_name_t){ mapper, copy };
}

/* Writes up to max_chars characters of s as XML text or attribute content:
 * markup characters become entities, and what XML 1.0 cannot carry at all
 * (control characters, invalid or overlong UTF-8, surrogates, U+FFFE/FFFF)
 * becomes '?'.  A label can come from a remote mapper's HELLO, so it is
 * untrusted bytes.  Returns true when s was cut short. */
static bool s_put_text(FILE *f, const char *s, size_t max_chars)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t chars = 0; *p; chars++) {
        if (chars == max_chars)
            return true;
        unsigned c = *p;
        if (c < 0x80) {
            switch (c) {
            case '&': fputs("&amp;", f); break;
            case '<': fputs("&lt;", f); break;
            case '>': fputs("&gt;", f); break;
            case '"': fputs("&quot;", f); break;
            case '\'': fputs("&apos;", f); break;
            default: fputc(c < 0x20 || c == 0x7f ? '?' : (int)c, f);
            }
            p++;
            continue;
        }
        size_t len = c >= 0xc2 && c <= 0xdf   ? 2
                     : c >= 0xe0 && c <= 0xef ? 3
                     : c >= 0xf0 && c <= 0xf4 ? 4
                                              : 0;
        unsigned cp = len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
        size_t i = 1;
        for (; i < len && (p[i] & 0xc0) == 0x80; i++)
            cp = cp << 6 | (p[i] & 0x3f);
        bool ok = len > 0 && i == len && !(len == 3 && cp < 0x800) &&
                  !(len == 4 && (cp < 0x10000 || cp > 0x10ffff)) &&
                  !(cp >= 0xd800 && cp <= 0xdfff) && cp != 0xfffe && cp != 0xffff;
        if (ok) {
            fwrite(p, 1, len, f);
            p += len;
        } else {
            fputc('?', f);
            p++;
        }
    }
    return false;
}

/* A bar as drawn: which one, its lane and row. */
typedef struct placed {
    float begin;   /* sort key within a lane */
    uint32_t lane; /* index into the sorted lane ids */
    uint32_t bar;  /* index into t->bars */
    uint32_t row;  /* row within the lane */
} placed_t;

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int s_cmp_placed(const void *a, const void *b)
{
    const placed_t *x = a, *y = b;
    if (x->lane != y->lane)
        return (x->lane > y->lane) - (x->lane < y->lane);
    if (x->begin != y->begin)
        return (x->begin > y->begin) - (x->begin < y->begin);
    return (x->bar > y->bar) - (x->bar < y->bar);
}

/* Index of id in the sorted lanes[n]. */
static uint32_t s_lane_of(const uint32_t *lanes, size_t n, uint32_t id)
{
    const uint32_t *hit = bsearch(&id, lanes, n, sizeof *lanes, s_cmp_u32);
    assert(hit);
    return (uint32_t)(hit - lanes);
}

/* A tick spacing of 1, 2 or 5 times a power of ten giving about 8 ticks. */
static double s_tick_step(double span)
{
    static const double mult[] = { 1, 2, 5 };
    double step = 0.001;
    for (int decade = 0; decade < 30; decade++, step *= 10)
        for (size_t i = 0; i < sizeof mult / sizeof *mult; i++)
            if (step * mult[i] * 8 >= span)
                return step * mult[i];
    return step;
}

/* Per-lane figures for the label's tooltip. */
typedef struct lane_info {
    uint32_t id;                        /* mapper id */
    uint32_t rows;                      /* rows of bars, at least 1 */
    double y;                           /* top of the lane */
    double busy;                        /* seconds with at least one bar open */
    uint64_t counts[TIMELINE_OUTCOMES]; /* bars per outcome */
    uint64_t total;                     /* bars */
} lane_info_t;

static const char *s_label(const timeline_t *t, uint32_t mapper)
{
    for (size_t i = 0; i < t->n_names; i++)
        if (t->names[i].mapper == mapper)
            return t->names[i].label;
    return NULL;
}

/* The bar's end as drawn: an open bar runs to the end of the picture. */
static double s_bar_end(const bar_t *b, double until)
{
    double end = b->open ? until : b->end;
    return end < b->begin ? b->begin : end;
}

/* Writes the whole document to f. */
static void s_svg(const timeline_t *t, FILE *f, double end)
{
    double until = end - t->start;
    double span = until;
    for (size_t i = 0; i < t->n_bars; i++)
        if (!t->bars[i].open && t->bars[i].end > span)
            span = t->bars[i].end;
    if (!(span > 0))
        span = 1;
    /* The axis runs to the first tick at or past the end, so that it ends
     * on a labelled second rather than an arbitrary instant. */
    double step = s_tick_step(span);
    unsigned ticks = (unsigned)(span / step);
    if (ticks * step < span * (1 - 1e-9))
        ticks++;
    double axis = ticks * step;

    /* The lanes: every mapper with a bar or a name, in id order. */
    size_t n_ids = t->n_bars + t->n_names;
    uint32_t *ids = mem_alloc((n_ids ? n_ids : 1) * sizeof *ids);
    for (size_t i = 0; i < t->n_bars; i++)
        ids[i] = t->bars[i].mapper;
    for (size_t i = 0; i < t->n_names; i++)
        ids[t->n_bars + i] = t->names[i].mapper;
    qsort(ids, n_ids, sizeof *ids, s_cmp_u32);
    size_t n_lanes = 0;
    for (size_t i = 0; i < n_ids; i++)
        if (n_lanes == 0 || ids[n_lanes - 1] != ids[i])
            ids[n_lanes++] = ids[i];
    lane_info_t *lanes = mem_calloc(n_lanes ? n_lanes : 1, sizeof *lanes);

    /* Rows: in start order within a lane, each bar takes the first row
     * free by its start (or, past SVG_ROWS_MAX, the one freed first). */
    placed_t *pl = mem_alloc((t->n_bars ? t->n_bars : 1) * sizeof *pl);
    for (size_t i = 0; i < t->n_bars; i++)
        pl[i] = (placed_t){ t->bars[i].begin, s_lane_of(ids, n_lanes, t->bars[i].mapper),
                            (uint32_t)i, 0 };
    qsort(pl, t->n_bars, sizeof *pl, s_cmp_placed);
    double row_end[SVG_ROWS_MAX];
    double busy_end = 0;
    for (size_t i = 0; i < t->n_bars; i++) {
        lane_info_t *l = &lanes[pl[i].lane];
        const bar_t *b = &t->bars[pl[i].bar];
        double b0 = b->begin, b1 = s_bar_end(b, until);
        if (i == 0 || pl[i - 1].lane != pl[i].lane) {
            for (int r = 0; r < SVG_ROWS_MAX; r++)
                row_end[r] = -1e300;
            busy_end = -1e300;
        }
        uint32_t row = 0;
        for (uint32_t r = 0; r < SVG_ROWS_MAX; r++) {
            if (row_end[r] <= b0) {
                row = r;
                break;
            }
            if (row_end[r] < row_end[row])
                row = r;
        }
        if (row_end[row] < b1)
            row_end[row] = b1;
        pl[i].row = row;
        if (row + 1 > l->rows)
            l->rows = row + 1;
        /* Busy time: the union of the lane's bars, which arrive sorted by
         * start. */
        if (b1 > busy_end) {
            l->busy += b1 - (b0 > busy_end ? b0 : busy_end);
            busy_end = b1;
        }
        l->counts[b->outcome < TIMELINE_OUTCOMES ? b->outcome : TIMELINE_UNFINISHED]++;
        l->total++;
    }
    double y = SVG_TOP;
    for (size_t i = 0; i < n_lanes; i++) {
        lanes[i].id = ids[i];
        if (lanes[i].rows == 0)
            lanes[i].rows = 1;
        lanes[i].y = y;
        y += lanes[i].rows * SVG_ROW + 2 * SVG_PAD;
    }
    double plot_bottom = n_lanes ? y : y + SVG_ROW + 2 * SVG_PAD;
    double height = plot_bottom + SVG_AXIS;

    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
            "viewBox=\"0 0 %d %.0f\" font-family=\"sans-serif\" font-size=\"11\">\n",
            SVG_WIDTH, height, SVG_WIDTH, height);
    fprintf(f, "<title>mr job timeline</title>\n");
    fprintf(f,
            "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"%d\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
            SVG_WIDTH, height);
    fprintf(f,
            "<text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"bold\">mr job timeline: "
            "%zu attempt%s on %zu mapper%s over %.3f s</text>\n",
            t->n_bars, t->n_bars == 1 ? "" : "s", n_lanes, n_lanes == 1 ? "" : "s", span);
    if (t->dropped)
        fprintf(f,
                "<text class=\"truncated\" x=\"560\" y=\"18\" fill=\"#D55E00\">truncated: only "
                "the first %zu attempts were recorded; %llu later ones are not shown</text>\n",
                t->n_bars, (unsigned long long)t->dropped);

    /* Legend. */
    for (int o = 0; o < TIMELINE_OUTCOMES; o++) {
        int x = 10 + o * 120;
        fprintf(f,
                "<rect class=\"legend o-%s\" x=\"%d\" y=\"30\" width=\"14\" height=\"%d\" "
                "fill=\"%s\"%s/>\n",
                s_outcomes[o].name, x, SVG_BAR, s_outcomes[o].fill, s_outcomes[o].extra);
        fprintf(f, "<text x=\"%d\" y=\"39\">%s</text>\n", x + 18, s_outcomes[o].name);
    }

    /* Lanes: a stripe on every other one, and the label with a summary. */
    for (size_t i = 0; i < n_lanes; i++) {
        const lane_info_t *l = &lanes[i];
        double h = l->rows * SVG_ROW + 2 * SVG_PAD;
        fprintf(f,
                "<rect class=\"lane\" x=\"0\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
                "fill=\"%s\"/>\n",
                l->y, SVG_WIDTH, h, i % 2 ? "#ffffff" : "#f2f2f2");
        fprintf(f, "<text x=\"10\" y=\"%.1f\">", l->y + SVG_PAD + SVG_BAR - 1);
        const char *label = s_label(t, l->id);
        if (label) {
            if (s_put_text(f, label, SVG_LABEL_CHARS))
                fputs("\xe2\x80\xa6", f); /* an ellipsis */
        } else {
            fprintf(f, "mapper %u", (unsigned)l->id);
        }
        fprintf(f, "<title>");
        if (label)
            s_put_text(f, label, TIMELINE_LABEL_MAX);
        else
            fprintf(f, "mapper %u", (unsigned)l->id);
        fprintf(f, ": %llu attempt%s", (unsigned long long)l->total, l->total == 1 ? "" : "s");
        for (int o = 0; o < TIMELINE_OUTCOMES; o++)
            if (l->counts[o])
                fprintf(f, ", %llu %s", (unsigned long long)l->counts[o], s_outcomes[o].name);
        fprintf(f, "; busy %.3f s of %.3f s (%.0f%%)</title></text>\n", l->busy, span,
                100 * l->busy / span);
    }
    if (n_lanes == 0)
        fprintf(f, "<text x=\"%d\" y=\"%.1f\">no attempts recorded</text>\n", SVG_LEFT,
                SVG_TOP + SVG_PAD + SVG_BAR - 1.0);

    /* Time axis: grid lines under the bars, ticks and labels below. */
    fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333333\"/>\n", SVG_LEFT,
            plot_bottom, SVG_LEFT + SVG_PLOT, plot_bottom);
    for (unsigned k = 0; k <= ticks; k++) {
        double x = SVG_LEFT + k * step / axis * SVG_PLOT;
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>\n"
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\"/>\n"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g s</text>\n",
                x, SVG_TOP, x, plot_bottom, x, plot_bottom, x, plot_bottom + 5, x, plot_bottom + 18,
                k * step);
    }
    fprintf(f,
            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">seconds since the job "
            "started</text>\n",
            SVG_LEFT + SVG_PLOT / 2, plot_bottom + 34);

    /* The bars, each with its tooltip. */
    for (size_t i = 0; i < t->n_bars; i++) {
        const bar_t *b = &t->bars[pl[i].bar];
        const lane_info_t *l = &lanes[pl[i].lane];
        double b0 = b->begin < 0 ? 0 : b->begin, b1 = s_bar_end(b, until);
        if (b1 < b0)
            b1 = b0;
        int o = b->outcome < TIMELINE_OUTCOMES ? b->outcome : TIMELINE_UNFINISHED;
        double x = SVG_LEFT + b0 / axis * SVG_PLOT;
        double w = (b1 - b0) / axis * SVG_PLOT;
        w = w > SVG_MIN_BAR + SVG_GAP ? w - SVG_GAP : w < SVG_MIN_BAR ? SVG_MIN_BAR : w;
        fprintf(f,
                "<rect class=\"bar o-%s\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" "
                "fill=\"%s\"%s><title>chunk %llu, attempt %llu, %s: %.3f s (%.3f s to %.3f s)"
                "</title></rect>\n",
                s_outcomes[o].name, x, l->y + SVG_PAD + pl[i].row * SVG_ROW, w, SVG_BAR,
                s_outcomes[o].fill, s_outcomes[o].extra, (unsigned long long)b->chunk,
                (unsigned long long)b->attempt + 1, s_outcomes[o].name, b1 - b0, b0, b1);
    }
    fprintf(f, "</svg>\n");
    free(pl);
    free(lanes);
    free(ids);
}

int timeline_write_svg(const timeline_t *t, const char *path, double end, err_t *e)
{
    assert(t && path);
    err_t err;
    err_init(&err);
    afile_t *file = afile_open(path, "timeline", 0, AFILE_MODE_DEFAULT, &err);
    FILE *f = file ? afile_stream(file, &err) : NULL;
    if (f) {
        s_svg(t, f, end);
        afile_commit(&file, &err); /* reports any write error of the stream */
    }
    afile_destroy(&file);
    if (err.code && e)
        *e = err;
    return err.code;
}
