/*
 * meter.h - the one-line progress display of a long job, on stderr.
 *
 * The master's event loop hands the meter a sample of its counters on every
 * iteration; the meter decides whether to draw.  On a terminal the line is
 * redrawn in place ("\r" ... "\x1b[K") at most every 100 ms, and only once
 * the job has run for a second, so quick jobs print nothing.  Forced onto
 * something that is not a terminal (--progress into a log), it writes a
 * plain line per second instead, so the log stays readable.
 *
 * The meter never reads the clock: every time is the caller's (proc_now()),
 * which keeps the display deterministic and testable.  Formatting is a pure
 * function, meter_format, so tests need no terminal.
 */
#ifndef MR_METER_H
#define MR_METER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The counters the master shows, as of one moment. */
typedef struct meter_sample {
    uint64_t bytes_done;    /* input bytes of the chunks merged so far */
    uint64_t records_done;  /* input records mapped, 0 when unknown */
    uint64_t chunks_done;   /* chunks merged so far */
    uint64_t chunks_total;  /* chunks in the job, 0 while unknown */
    uint32_t mappers_alive; /* mappers running (or attached) now */
    uint64_t retries;       /* failed attempts plus re-sends */
    char stage[40];         /* after the map phase: what runs ("reduce: 1/2 reducers done",
                               "merge: 42%"), shown instead of the ETA; "" while mapping */
    const char *status;     /* a map command's latest reporter:status, or NULL */
} meter_sample_t;

typedef enum meter_phase {
    METER_RUNNING, /* the job goes on: show the ETA */
    METER_DONE,    /* the final line of a job that succeeded */
    METER_FAILED,  /* the final line of a job that failed */
} meter_phase_t;

/* Everything one line shows; the input of meter_format. */
typedef struct meter_state {
    uint64_t total_bytes;  /* input size, 0 when unknown (stdin): no bar, no ETA */
    meter_sample_t sample; /* the counters */
    double rate;           /* bytes per second, or < 0 while not yet known */
    double elapsed;        /* seconds since the job started (shown once it ended) */
    meter_phase_t phase;   /* running, or how it ended */
    unsigned width;        /* columns the line may use; 0 means 79 */
} meter_state_t;

typedef struct meter meter_t;

/* A meter drawing on fd (borrowed, usually 2), owned by the caller, or
 * NULL when it must stay off: quiet (-q) wins over everything, and without force (--progress) fd
 * must be a terminal.  total_bytes is the input size, 0 when unknown. */
meter_t *meter_new(int fd, bool force, bool quiet, uint64_t total_bytes);

/* Frees the meter; a line left on the terminal without meter_finish is ended
 * with a newline.  Accepts NULL and *self_p == NULL; NULLs *self_p. */
void meter_destroy(meter_t **self_p);

/* Takes the latest counters s at time now (the caller's clock) and redraws
 * when it is time to: at most every 100 ms on a terminal (after the first
 * second unless forced), every second otherwise.  m may be NULL (meter
 * off).  A failed write silences the meter for good: progress never fails
 * a job. */
void meter_update(meter_t *m, const meter_sample_t *s, double now);

/* Erases the line from the terminal so that a message can be printed; the
 * next meter_update draws it again at once.  No-op when m is NULL or fd is
 * not a terminal. */
void meter_clear(meter_t *m);

/* Draws the final line (elapsed time and the average rate, instead of the
 * ETA) from the latest sample and ends it with a newline, so later messages
 * start on a clean line.  Nothing is printed on a terminal when the meter
 * never drew (the job was quick) unless it was forced.  Later updates are
 * ignored.  m may be NULL. */
void meter_finish(meter_t *m, bool ok);

/* Writes the line st describes into buf (always terminated when len > 0),
 * fitting st->width columns: fields are dropped from the least useful
 * (records, chunks, mappers, retries, rate, ETA) until it fits, then the
 * bar narrows from 30 cells to 10.  Returns the line's length, at most
 * len - 1. */
int meter_format(char *buf, size_t len, const meter_state_t *st);

/* Writes bytes in binary units ("0 B", "999 B", "1.50 KiB", "12.3 MiB",
 * "118 GiB"), at most 8 characters.  Returns the length, as snprintf. */
int meter_format_bytes(char *buf, size_t len, uint64_t bytes);

/* Writes a duration rounded to the second ("7s", "3m05s", "2h05m",
 * ">99h").  Returns the length, as snprintf. */
int meter_format_seconds(char *buf, size_t len, double seconds);

#endif
