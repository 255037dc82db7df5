/*
 * meter.c - the progress line of mr-run.  See meter.h for when it draws.
 *
 * It sits beside the master's event loop and owns nothing of the job: the
 * loop passes counters in, the meter keeps a short history of them for the
 * rate, and writes to a borrowed fd.  Drawing is cheap (one formatted line,
 * one write) and rate limited, so calling meter_update on every loop
 * iteration costs nothing next to the ZeroMQ traffic around it.
 */
#include "meter.h"

#include "mem.h"
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Seconds between redraws on a terminal: 10 a second looks live without
 * the flicker (and the load on a slow ssh link) of redrawing on every ACK. */
#define METER_TTY_INTERVAL 0.1

/* Seconds between lines when forced onto a file or a pipe: one a second
 * keeps a log of an hour-long job at a few thousand lines. */
#define METER_LOG_INTERVAL 1.0

/* A terminal meter stays hidden for this long, so a job that ends within a
 * second prints nothing at all (git delays its progress output the same
 * way). */
#define METER_DELAY 1.0

/* The rate is measured over the last few seconds, not the whole job: long
 * enough to smooth out chunk-sized steps (bytes arrive a whole chunk at a
 * time), short enough that the ETA follows when the job slows down, say
 * when mappers are lost or the input moves from a cached file to a cold
 * one. */
#define METER_WINDOW 5.0

/* History of (time, bytes) points kept for the rate: one every quarter of a
 * second at most, so 32 slots always cover METER_WINDOW. */
#define METER_RING 32
#define METER_RING_STEP 0.25

/* A rate measured over less than this is mostly noise (one chunk landing or
 * not): it is not shown until the history spans at least this long. */
#define METER_MIN_SPAN 0.5

/* Widest line: 80 columns less the last one, since writing into the last
 * column of a terminal leaves the cursor in a state that terminals handle
 * differently (some wrap at once, and "\r" then returns to the wrong line). */
#define METER_COLUMNS 80

/* Bar cells: as wide as the line allows between these. */
#define METER_BAR_MIN 10
#define METER_BAR_MAX 30

/* Longest line we ever build, escapes included. */
#define METER_LINE_MAX 256

typedef struct meter_point {
    double t;       /* caller's clock */
    uint64_t bytes; /* bytes_done at t */
} meter_point_t;

struct meter {
    int fd;                         /* borrowed output, usually stderr */
    bool tty;                       /* fd is a terminal: redraw in place */
    bool forced;                    /* --progress: no initial delay, always a final line */
    uint64_t total_bytes;           /* input size, 0 when unknown */
    meter_sample_t last;            /* the latest sample given */
    bool started;                   /* an update was seen: start is valid */
    double start;                   /* caller's clock at the first update */
    double now;                     /* caller's clock at the latest update */
    bool drawn;                     /* a line has been written */
    double drawn_at;                /* when the line was last written */
    bool on_screen;                 /* terminal: a line is showing, not ended by a newline */
    bool pending;                   /* meter_clear ran: redraw at the next update */
    bool finished;                  /* meter_finish ran: updates are ignored */
    bool broken;                    /* a write failed: silent from now on */
    meter_point_t ring[METER_RING]; /* recent points, oldest at ring_first */
    unsigned ring_first;            /* index of the oldest point */
    unsigned ring_len;              /* points held */
    char status[48];                /* a copy of last.status, which points here */
};

/* The fields of a line, in the order shown. */
enum {
    F_BYTES,   /* bytes done (and the total), never dropped */
    F_RATE,    /* bytes per second */
    F_ETA,     /* time left, or the elapsed time at the end */
    F_RETRIES, /* failed attempts and re-sends, when any */
    F_MAPPERS, /* mappers alive */
    F_CHUNKS,  /* chunks merged (of the total when known) */
    F_RECORDS, /* records mapped, when known */
    F_STATUS,  /* a map command's latest reporter:status, when any */
    F_COUNT
};

/* Appends to the history, at most one point per METER_RING_STEP. */
static void s_push(meter_t *m, double now, uint64_t bytes)
{
    if (m->ring_len > 0) {
        const meter_point_t *newest = &m->ring[(m->ring_first + m->ring_len - 1) % METER_RING];
        if (now - newest->t < METER_RING_STEP)
            return;
    }
    if (m->ring_len == METER_RING) {
        m->ring_first = (m->ring_first + 1) % METER_RING;
        m->ring_len--;
    }
    m->ring[(m->ring_first + m->ring_len) % METER_RING] = (meter_point_t){ now, bytes };
    m->ring_len++;
}

/* Bytes per second from the oldest point still inside the window (or the
 * newest one, when updates were too sparse to leave any) up to now; -1 when
 * the span is too short to mean anything. */
static double s_rate(const meter_t *m, double now, uint64_t bytes)
{
    const meter_point_t *from = NULL;
    for (unsigned i = 0; i < m->ring_len; i++) {
        const meter_point_t *p = &m->ring[(m->ring_first + i) % METER_RING];
        from = p;
        if (p->t >= now - METER_WINDOW)
            break;
    }
    if (!from || now - from->t < METER_MIN_SPAN)
        return -1;
    if (bytes <= from->bytes)
        return 0;
    return (double)(bytes - from->bytes) / (now - from->t);
}

/* Writes v with 3 significant digits and unit: "9.99", "99.9", "999". */
static int s_scaled(char *buf, size_t len, double v, const char *unit)
{
    if (v < 9.995)
        return snprintf(buf, len, "%.2f%s", v, unit);
    if (v < 99.95)
        return snprintf(buf, len, "%.1f%s", v, unit);
    return snprintf(buf, len, "%.0f%s", v, unit);
}

int meter_format_bytes(char *buf, size_t len, uint64_t bytes)
{
    static const char *const units[] = { " KiB", " MiB", " GiB", " TiB", " PiB", " EiB" };
    if (bytes < 1024)
        return snprintf(buf, len, "%u B", (unsigned)bytes);
    double v = (double)bytes / 1024;
    size_t u = 0;
    /* 1023.5 and up would print as "1024": show it as 1.00 of the next unit. */
    while (v >= 1023.5 && u + 1 < sizeof units / sizeof *units) {
        v /= 1024;
        u++;
    }
    return s_scaled(buf, len, v, units[u]);
}

/* A count in SI units: "9999", "12.3k", "4.50M". */
static int s_format_count(char *buf, size_t len, uint64_t n)
{
    static const char *const units[] = { "k", "M", "G", "T", "P", "E" };
    if (n < 10000)
        return snprintf(buf, len, "%u", (unsigned)n);
    double v = (double)n / 1000;
    size_t u = 0;
    while (v >= 999.5 && u + 1 < sizeof units / sizeof *units) {
        v /= 1000;
        u++;
    }
    return s_scaled(buf, len, v, units[u]);
}

int meter_format_seconds(char *buf, size_t len, double seconds)
{
    if (!(seconds >= 0)) /* negative, or NaN from a caller's 0/0 */
        seconds = 0;
    if (seconds >= 100.0 * 3600)
        return snprintf(buf, len, ">99h");
    unsigned s = (unsigned)(seconds + 0.5);
    if (s < 60)
        return snprintf(buf, len, "%us", s);
    if (s < 3600)
        return snprintf(buf, len, "%um%02us", s / 60, s % 60);
    return snprintf(buf, len, "%uh%02um", s / 3600, s % 3600 / 60);
}

/* Fills the optional fields of st's line, "" where one does not apply. */
static void s_fields(char field[F_COUNT][48], const meter_state_t *st)
{
    const meter_sample_t *s = &st->sample;
    char a[16], b[16];
    for (int i = 0; i < F_COUNT; i++)
        field[i][0] = '\0';

    meter_format_bytes(a, sizeof a, s->bytes_done);
    if (st->total_bytes > 0) {
        meter_format_bytes(b, sizeof b, st->total_bytes);
        snprintf(field[F_BYTES], sizeof field[F_BYTES], "%s/%s", a, b);
    } else {
        snprintf(field[F_BYTES], sizeof field[F_BYTES], "%s", a);
    }
    if (st->rate >= 0) {
        uint64_t rate = st->rate < 1e18 ? (uint64_t)(st->rate + 0.5) : UINT64_MAX;
        meter_format_bytes(a, sizeof a, rate);
        snprintf(field[F_RATE], sizeof field[F_RATE], "%s/s", a);
    }
    if (st->phase == METER_RUNNING && s->stage[0]) {
        /* Every chunk is mapped: the bar is full, and the line says what
         * the job still waits for, so a long final merge is not a silent
         * 100%. */
        snprintf(field[F_ETA], sizeof field[F_ETA], "%s", s->stage);
    } else if (st->phase == METER_RUNNING) {
        if (st->total_bytes > s->bytes_done && st->rate > 0) {
            meter_format_seconds(a, sizeof a, (double)(st->total_bytes - s->bytes_done) / st->rate);
            snprintf(field[F_ETA], sizeof field[F_ETA], "ETA %s", a);
        }
    } else {
        meter_format_seconds(a, sizeof a, st->elapsed);
        snprintf(field[F_ETA], sizeof field[F_ETA], "%s %s",
                 st->phase == METER_DONE ? "done in" : "failed after", a);
    }
    if (s->retries > 0) {
        s_format_count(a, sizeof a, s->retries);
        snprintf(field[F_RETRIES], sizeof field[F_RETRIES], "%s %s", a,
                 s->retries == 1 ? "retry" : "retries");
    }
    if (s->status && s->status[0])
        snprintf(field[F_STATUS], sizeof field[F_STATUS], "%s", s->status);
    snprintf(field[F_MAPPERS], sizeof field[F_MAPPERS], "%u mapper%s", (unsigned)s->mappers_alive,
             s->mappers_alive == 1 ? "" : "s");
    if (s->chunks_total > 0) {
        s_format_count(a, sizeof a, s->chunks_done);
        s_format_count(b, sizeof b, s->chunks_total);
        snprintf(field[F_CHUNKS], sizeof field[F_CHUNKS], "%s/%s chunks", a, b);
    } else if (s->chunks_done > 0) {
        s_format_count(a, sizeof a, s->chunks_done);
        snprintf(field[F_CHUNKS], sizeof field[F_CHUNKS], "%s chunk%s", a,
                 s->chunks_done == 1 ? "" : "s");
    }
    if (s->records_done > 0) {
        s_format_count(a, sizeof a, s->records_done);
        snprintf(field[F_RECORDS], sizeof field[F_RECORDS], "%s records", a);
    }
}

int meter_format(char *buf, size_t len, const meter_state_t *st)
{
    if (len == 0)
        return 0;
    size_t width = st->width ? st->width : METER_COLUMNS - 1;
    char field[F_COUNT][48];
    s_fields(field, st);
    bool bar = st->total_bytes > 0;

    /* Drop fields, least useful first, until the rest and a bar of at
     * least METER_BAR_MIN cells fit.  "[" cells "] 100%" is cells + 7. */
    static const int drop_order[] = { F_STATUS,  F_RECORDS, F_CHUNKS, F_MAPPERS,
                                      F_RETRIES, F_RATE,    F_ETA };
    size_t dropped = 0, rest, cells = 0;
    for (;;) {
        rest = 0;
        for (size_t i = 0; i < F_COUNT; i++)
            if (field[i][0])
                rest += (rest ? 2 : 0) + strlen(field[i]);
        size_t need = bar ? 7 + METER_BAR_MIN + (rest ? 2 + rest : 0) : rest;
        if (need <= width || dropped == sizeof drop_order / sizeof *drop_order)
            break;
        field[drop_order[dropped++]][0] = '\0';
    }
    if (bar) {
        size_t fixed = 7 + (rest ? 2 + rest : 0);
        cells = width > fixed + METER_BAR_MIN ? width - fixed : METER_BAR_MIN;
        if (cells > METER_BAR_MAX)
            cells = METER_BAR_MAX;
    }

    char line[METER_LINE_MAX];
    size_t n = 0;
    if (bar) {
        double frac = (double)st->sample.bytes_done / (double)st->total_bytes;
        if (frac > 1)
            frac = 1;
        /* Truncated, not rounded: 100% and a full bar mean all of it. */
        size_t full = (size_t)(frac * (double)cells);
        line[n++] = '[';
        for (size_t i = 0; i < cells; i++)
            line[n++] = i < full ? '#' : '.';
        n += (size_t)snprintf(line + n, sizeof line - n, "] %3u%%", (unsigned)(frac * 100));
    }
    for (size_t i = 0; i < F_COUNT; i++) {
        if (!field[i][0])
            continue;
        int w = snprintf(line + n, sizeof line - n, "%s%s", n ? "  " : "", field[i]);
        if (w < 0 || (size_t)w >= sizeof line - n)
            break;
        n += (size_t)w;
    }
    /* Narrower than any useful line (a tiny terminal): cut, ASCII only. */
    if (n > width)
        n = width;
    if (n > len - 1)
        n = len - 1;
    memcpy(buf, line, n);
    buf[n] = '\0';
    return (int)n;
}

/* Columns the line may use on fd: the terminal's width when narrower than
 * 80, so that the line never wraps (a wrapped line cannot be redrawn with
 * "\r"), less the last column. */
static unsigned s_width(const meter_t *m)
{
    struct winsize ws;
    unsigned cols = METER_COLUMNS;
    if (m->tty && ioctl(m->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && ws.ws_col < cols)
        cols = ws.ws_col;
    return cols - 1;
}

/* Writes the line for the latest sample; the final one ends with "\n". */
static void s_draw(meter_t *m, meter_phase_t phase, double rate)
{
    meter_state_t st = {
        .total_bytes = m->total_bytes,
        .sample = m->last,
        .rate = rate,
        .elapsed = m->started ? m->now - m->start : 0,
        .phase = phase,
        .width = s_width(m),
    };
    char out[METER_LINE_MAX + 16];
    size_t n = 0;
    if (m->tty)
        out[n++] = '\r';
    n += (size_t)meter_format(out + n, METER_LINE_MAX, &st);
    if (m->tty) {
        /* Clears what a longer previous line left to the right. */
        memcpy(out + n, "\x1b[K", 3);
        n += 3;
    }
    if (!m->tty || phase != METER_RUNNING)
        out[n++] = '\n';
    if (proc_write_all(m->fd, out, n) < 0) {
        m->broken = true;
        return;
    }
    m->drawn = true;
    m->drawn_at = m->now;
    m->on_screen = m->tty && phase == METER_RUNNING;
    m->pending = false;
}

meter_t *meter_new(int fd, bool force, bool quiet, uint64_t total_bytes)
{
    bool tty = isatty(fd) == 1;
    if (quiet || fd < 0 || (!tty && !force))
        return NULL;
    meter_t *m = mem_calloc(1, sizeof *m);
    m->fd = fd;
    m->tty = tty;
    m->forced = force;
    m->total_bytes = total_bytes;
    return m;
}

void meter_destroy(meter_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    meter_t *m = *self_p;
    if (m->on_screen && !m->broken)
        proc_write_all(m->fd, "\n", 1);
    free(m);
    *self_p = NULL;
}

/* Whether the line is due at now. */
static bool s_due(const meter_t *m, double now)
{
    if (m->tty) {
        if (!m->forced && now - m->start < METER_DELAY)
            return false;
        return !m->drawn || m->pending || now - m->drawn_at >= METER_TTY_INTERVAL;
    }
    return !m->drawn || now - m->drawn_at >= METER_LOG_INTERVAL;
}

void meter_update(meter_t *m, const meter_sample_t *s, double now)
{
    if (!m || m->finished || m->broken)
        return;
    if (!m->started) {
        m->started = true;
        m->start = now;
    }
    m->last = *s;
    snprintf(m->status, sizeof m->status, "%s", s->status ? s->status : "");
    m->last.status = m->status; /* the caller's text lives only for the call */
    m->now = now;
    if (s_due(m, now))
        s_draw(m, METER_RUNNING, s_rate(m, now, s->bytes_done));
    s_push(m, now, s->bytes_done);
}

void meter_clear(meter_t *m)
{
    if (!m || !m->on_screen || m->broken)
        return;
    if (proc_write_all(m->fd, "\r\x1b[K", 4) < 0)
        m->broken = true;
    m->on_screen = false;
    m->pending = true;
}

void meter_finish(meter_t *m, bool ok)
{
    if (!m || m->finished)
        return;
    m->finished = true;
    if (m->broken || (m->tty && !m->forced && !m->drawn))
        return;
    /* The whole job's average: the window's rate says how the end went,
     * not how the job went. */
    double elapsed = m->started ? m->now - m->start : 0;
    double rate = elapsed > 0 ? (double)m->last.bytes_done / elapsed : -1;
    s_draw(m, ok ? METER_DONE : METER_FAILED, rate);
}
