/*
 * test_meter.c - tests master/meter.c, the progress line: units, durations
 * and the fields of a line; fitting the width; the rate over a sliding
 * window rather than the whole job; at most one line a second into a pipe
 * and one redraw per 100 ms on a terminal (a pseudo-terminal here), nothing
 * for a quick job; off when quiet or not a terminal; silent after a failed
 * write.
 */
#include "meter.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "skip.h"

#define MIB (1024.0 * 1024.0)

/* Everything readable on fd now (non-blocking), as a string. */
static char *s_drain(int fd)
{
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    for (;;) {
        ssize_t r = read(fd, out + n, cap - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        assert_true(n < cap - 1);
    }
    fcntl(fd, F_SETFL, flags);
    out[n] = '\0';
    return out;
}

static size_t s_count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* The last line of text (lines end with '\n'), into buf. */
static void s_last_line(const char *text, char *buf, size_t len)
{
    size_t n = strlen(text);
    assert_true(n > 0 && text[n - 1] == '\n');
    size_t start = n - 1;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    size_t l = n - 1 - start;
    assert_true(l < len);
    memcpy(buf, text + start, l);
    buf[l] = '\0';
}

/* A pseudo-terminal of cols columns in raw mode (no "\n" -> "\r\n"); false
 * where the system has none. */
static bool s_pty(int *master, int *slave, unsigned short cols)
{
    *master = posix_openpt(O_RDWR | O_NOCTTY);
    if (*master < 0)
        return false;
    if (grantpt(*master) < 0 || unlockpt(*master) < 0) {
        close(*master);
        return false;
    }
    *slave = open(ptsname(*master), O_RDWR | O_NOCTTY);
    if (*slave < 0) {
        close(*master);
        return false;
    }
    struct termios tio;
    assert_int_equal(tcgetattr(*slave, &tio), 0);
    cfmakeraw(&tio);
    assert_int_equal(tcsetattr(*slave, TCSANOW, &tio), 0);
    struct winsize ws = { .ws_row = 24, .ws_col = cols };
    assert_int_equal(ioctl(*slave, TIOCSWINSZ, &ws), 0);
    return true;
}

/* 1. The usage example: --progress into a log file or pipe writes a plain
 * line a second and a final line. */
static void test_usage(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    meter_t *m = meter_new(p[1], true, false, (uint64_t)(100 * MIB));
    assert_non_null(m);

    meter_sample_t s = { .mappers_alive = 4 };
    meter_update(m, &s, 10.0); /* drawn: the first line says it started */
    s.bytes_done = (uint64_t)(5 * MIB);
    meter_update(m, &s, 10.5); /* too soon */
    s.bytes_done = (uint64_t)(10 * MIB);
    s.chunks_done = 10;
    s.retries = 1;
    meter_update(m, &s, 11.0);
    s.bytes_done = (uint64_t)(100 * MIB);
    meter_update(m, &s, 11.2);
    meter_finish(m, true);
    meter_update(m, &s, 20.0); /* ignored after finish */
    meter_destroy(&m);
    assert_null(m);
    meter_destroy(&m);

    char *out = s_drain(p[0]);
    assert_int_equal(s_count(out, "\n"), 3);
    assert_null(strchr(out, '\r')); /* no terminal controls in a log */
    assert_null(strchr(out, '\x1b'));
    assert_non_null(strstr(out, "[..............................]   0%  0 B/100 MiB  4 mappers\n"));
    /* 10 MiB in 1 s; 90 MiB left: 9 s.  The chunk count did not fit. */
    assert_non_null(
        strstr(out, "]  10%  10.0 MiB/100 MiB  10.0 MiB/s  ETA 9s  1 retry  4 mappers\n"));
    char last[128];
    s_last_line(out, last, sizeof last);
    /* The final line: full bar, whole-job average (100 MiB in 1.2 s). */
    assert_string_equal(last,
                        "[###########] 100%  100 MiB/100 MiB  83.3 MiB/s  done in 1s  1 retry  "
                        "4 mappers");
    free(out);
    close(p[0]);
    close(p[1]);
}

/* 2. Off when quiet (even forced), or not a terminal without --progress;
 * every call accepts the NULL meter. */
static void test_off(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_null(meter_new(p[1], false, false, 0));
    assert_null(meter_new(p[1], true, true, 0));
    assert_null(meter_new(p[1], false, true, 0));
    assert_null(meter_new(-1, true, false, 0));

    meter_t *m = NULL;
    meter_sample_t s = { .bytes_done = 1 };
    meter_update(m, &s, 1.0);
    meter_clear(m);
    meter_finish(m, true);
    meter_destroy(&m);
    meter_destroy(NULL);
    char *out = s_drain(p[0]);
    assert_string_equal(out, "");
    free(out);
    close(p[0]);
    close(p[1]);

    int tty, slave;
    if (s_pty(&tty, &slave, 80)) {
        assert_null(meter_new(slave, false, true, 0)); /* -q on a terminal */
        m = meter_new(slave, false, false, 0);
        assert_non_null(m);
        meter_destroy(&m);
        close(slave);
        close(tty);
    }
}

static void test_format_bytes(void **state)
{
    (void)state;
    static const struct {
        uint64_t bytes;
        const char *text;
    } cases[] = {
        { 0, "0 B" },
        { 999, "999 B" },
        { 1023, "1023 B" },
        { 1024, "1.00 KiB" },
        { 1536, "1.50 KiB" },
        { 10234, "9.99 KiB" },
        { 10235, "10.0 KiB" },
        { 12897484, "12.3 MiB" },
        { 1047552, "1023 KiB" },
        { 1048064, "1.00 MiB" }, /* 1023.5 KiB would print "1024 KiB" */
        { 126701535232ull, "118 GiB" },
        { 5ull << 40, "5.00 TiB" },
        { UINT64_MAX, "16.0 EiB" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[16];
        int n = meter_format_bytes(buf, sizeof buf, cases[i].bytes);
        assert_string_equal(buf, cases[i].text);
        assert_int_equal(n, strlen(cases[i].text));
        assert_true(n <= 8);
    }
    char tiny[4];
    assert_int_equal(meter_format_bytes(tiny, sizeof tiny, 1536), 8); /* as snprintf */
    assert_string_equal(tiny, "1.5");
}

static void test_format_seconds(void **state)
{
    (void)state;
    static const struct {
        double seconds;
        const char *text;
    } cases[] = {
        { 0, "0s" },          { 7.4, "7s" },        { 59.4, "59s" },   { 59.6, "1m00s" },
        { 185, "3m05s" },     { 3599.4, "59m59s" }, { 3600, "1h00m" }, { 7500, "2h05m" },
        { 359999, "99h59m" }, { 360000, ">99h" },   { 1e300, ">99h" }, { -3, "0s" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[16];
        meter_format_seconds(buf, sizeof buf, cases[i].seconds);
        assert_string_equal(buf, cases[i].text);
    }
    char buf[16];
    meter_format_seconds(buf, sizeof buf, 0.0 / 0.0);
    assert_string_equal(buf, "0s");
}

/* A line with the total known: bar, percentage, bytes, rate, ETA. */
static void test_format_known_total(void **state)
{
    (void)state;
    meter_state_t st = {
        .total_bytes = (uint64_t)(100 * MIB),
        .sample = { .bytes_done = (uint64_t)(42 * MIB), .mappers_alive = 8, .retries = 3 },
        .rate = 10 * MIB,
    };
    char line[128];
    int n = meter_format(line, sizeof line, &st);
    assert_string_equal(line,
                        "[#####.......]  42%  42.0 MiB/100 MiB  10.0 MiB/s  ETA 6s  3 retries  "
                        "8 mappers");
    assert_int_equal(n, strlen(line));
    assert_true(n <= 79);

    /* No rate yet: no rate, no ETA.  A stalled job (rate 0): no ETA. */
    st.rate = -1;
    meter_format(line, sizeof line, &st);
    assert_null(strstr(line, "/s"));
    assert_null(strstr(line, "ETA"));
    st.rate = 0;
    meter_format(line, sizeof line, &st);
    assert_non_null(strstr(line, "  0 B/s  "));
    assert_null(strstr(line, "ETA"));

    /* More done than the total (a file that grew): never past 100%. */
    st.sample.bytes_done = (uint64_t)(150 * MIB);
    st.rate = MIB;
    meter_format(line, sizeof line, &st);
    assert_non_null(strstr(line, "#] 100%  150 MiB/100 MiB"));
    assert_null(strstr(line, "ETA"));
}

/* After the map phase the line says what the job waits for (the reducers,
 * the final merge) where the ETA was: a long merge is not a silent 100%. */
static void test_format_stage(void **state)
{
    (void)state;
    meter_state_t st = {
        .total_bytes = (uint64_t)(100 * MIB),
        .sample = { .bytes_done = (uint64_t)(100 * MIB), .mappers_alive = 2 },
        .rate = 10 * MIB,
    };
    snprintf(st.sample.stage, sizeof st.sample.stage, "reduce: 1/3 reducers done");
    char line[128];
    meter_format(line, sizeof line, &st);
    assert_non_null(strstr(line, "100%"));
    assert_non_null(strstr(line, "reduce: 1/3 reducers done"));
    snprintf(st.sample.stage, sizeof st.sample.stage, "merge: 42%%");
    meter_format(line, sizeof line, &st);
    assert_non_null(strstr(line, "merge: 42%"));
    /* The final line says how it ended, not the stage. */
    st.phase = METER_DONE;
    st.elapsed = 12;
    meter_format(line, sizeof line, &st);
    assert_null(strstr(line, "merge"));
    assert_non_null(strstr(line, "done in 12s"));
}

/* stdin: no total, so no bar and no ETA; chunks and records show. */
static void test_format_unknown_total(void **state)
{
    (void)state;
    meter_state_t st = {
        .sample = { .bytes_done = 3ull << 30,
                    .records_done = 4500000,
                    .chunks_done = 1234,
                    .mappers_alive = 1 },
        .rate = 118 * MIB,
    };
    char line[128];
    meter_format(line, sizeof line, &st);
    assert_string_equal(line, "3.00 GiB  118 MiB/s  1 mapper  1234 chunks  4.50M records");

    st.sample.chunks_total = 40000;
    meter_format(line, sizeof line, &st);
    assert_non_null(strstr(line, "  1234/40.0k chunks  "));
}

/* A map command's reporter:status ends the line, and is the first field
 * to go when the line is too narrow. */
static void test_format_status(void **state)
{
    (void)state;
    meter_state_t st = {
        .sample = { .bytes_done = 2048, .mappers_alive = 2, .status = "reading part 3" },
        .rate = 1024,
    };
    char line[128];
    meter_format(line, sizeof line, &st);
    assert_string_equal(line, "2.00 KiB  1.00 KiB/s  2 mappers  reading part 3");
    st.width = 30;
    meter_format(line, sizeof line, &st);
    assert_string_equal(line, "2.00 KiB  1.00 KiB/s");
    st.width = 0;
    st.sample.status = "";
    meter_format(line, sizeof line, &st);
    assert_string_equal(line, "2.00 KiB  1.00 KiB/s  2 mappers");
}

/* The final lines: elapsed time instead of the ETA. */
static void test_format_final(void **state)
{
    (void)state;
    meter_state_t st = {
        .total_bytes = 1000,
        .sample = { .bytes_done = 1000, .mappers_alive = 2 },
        .rate = 5.4,
        .elapsed = 185,
        .phase = METER_DONE,
    };
    char line[128];
    meter_format(line, sizeof line, &st);
    assert_non_null(strstr(line, "] 100%  1000 B/1000 B  5 B/s  done in 3m05s  2 mappers"));
    st.phase = METER_FAILED;
    st.sample.bytes_done = 10;
    st.elapsed = 12;
    meter_format(line, sizeof line, &st);
    assert_non_null(strstr(line, "   1%  10 B/1000 B  5 B/s  failed after 12s  2 mappers"));
}

/* Lines fit the width: the least useful fields go first, then the bar
 * narrows; a tiny width cuts the line; a small buffer truncates. */
static void test_format_fits(void **state)
{
    (void)state;
    meter_state_t st = {
        .total_bytes = UINT64_MAX / 2,
        .sample = { .bytes_done = UINT64_MAX / 3,
                    .records_done = UINT64_MAX,
                    .chunks_done = UINT64_MAX / 4,
                    .chunks_total = UINT64_MAX / 2,
                    .mappers_alive = UINT32_MAX,
                    .retries = UINT64_MAX },
        .rate = 1e30,
        .elapsed = 1e9,
    };
    char line[256];
    for (unsigned width = 1; width <= 120; width++) {
        st.width = width;
        for (int phase = METER_RUNNING; phase <= METER_FAILED; phase++) {
            st.phase = (meter_phase_t)phase;
            int n = meter_format(line, sizeof line, &st);
            assert_int_equal(n, strlen(line));
            assert_true((unsigned)n <= width);
        }
    }
    st.width = 0; /* 79 */
    st.phase = METER_RUNNING;
    int n = meter_format(line, sizeof line, &st);
    assert_true(n <= 79 && n > 60);
    assert_null(strstr(line, "records")); /* dropped first */
    assert_null(strstr(line, "chunks"));
    assert_non_null(strstr(line, "EiB/s"));

    /* 40 columns: mappers, retries and the rate give way to the ETA; 30:
     * the bar at its narrowest and the bytes. */
    st = (meter_state_t){ .total_bytes = 100,
                          .sample = { .bytes_done = 50, .mappers_alive = 3, .retries = 2 },
                          .rate = 10,
                          .width = 40 };
    meter_format(line, sizeof line, &st);
    assert_string_equal(line, "[######.......]  50%  50 B/100 B  ETA 5s");
    st.width = 30;
    meter_format(line, sizeof line, &st);
    assert_string_equal(line, "[#####......]  50%  50 B/100 B");

    char small[8];
    n = meter_format(small, sizeof small, &st);
    assert_int_equal(n, 7);
    assert_string_equal(small, "[#####.");
    assert_int_equal(meter_format(small, 0, &st), 0);
}

/* The rate follows the last seconds: after 20 s at 10 MiB/s and 10 s at
 * 1 MiB/s, it says 1 MiB/s (the whole job's average would be 7). */
static void test_rate_window(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    meter_t *m = meter_new(p[1], true, false, (uint64_t)(1000 * MIB));
    meter_sample_t s = { .mappers_alive = 2 };
    double bytes = 0;
    for (int k = 0; k <= 300; k++) {
        s.bytes_done = (uint64_t)bytes;
        meter_update(m, &s, k / 10.0);
        bytes += (k < 200 ? 10 : 1) * MIB / 10;
        if (k == 200) {
            char *out = s_drain(p[0]);
            char last[128];
            s_last_line(out, last, sizeof last);
            assert_non_null(strstr(last, "  10.0 MiB/s  "));
            free(out);
        }
    }
    char *out = s_drain(p[0]);
    char last[128];
    s_last_line(out, last, sizeof last);
    /* 210 MiB done, 790 MiB left at 1 MiB/s. */
    assert_non_null(strstr(last, "  210 MiB/1000 MiB  1.00 MiB/s  ETA 13m10s  2 mappers"));
    free(out);
    meter_destroy(&m);
    close(p[0]);
    close(p[1]);
}

/* Into a pipe: one line a second however often the loop calls. */
static void test_rate_limit_log(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    meter_t *m = meter_new(p[1], true, false, 0);
    meter_sample_t s = { .mappers_alive = 1 };
    for (int k = 0; k < 300; k++) {
        s.bytes_done = (uint64_t)k * 1000;
        meter_update(m, &s, k / 100.0);
    }
    char *out = s_drain(p[0]);
    assert_int_equal(s_count(out, "\n"), 3); /* at 0, 1 and 2 s */
    free(out);
    meter_destroy(&m); /* nothing on screen: no newline added */
    out = s_drain(p[0]);
    assert_string_equal(out, "");
    free(out);
    close(p[0]);
    close(p[1]);
}

/* On a terminal: nothing for the first second, then redraws in place at
 * most every 100 ms, within the terminal's width; the final line ends with
 * a newline. */
static void test_tty(void **state)
{
    (void)state;
    int tty, slave;
    if (!s_pty(&tty, &slave, 60))
        SKIP_BECAUSE("no pseudo-terminal (posix_openpt failed)");
    meter_t *m = meter_new(slave, false, false, (uint64_t)(100 * MIB));
    assert_non_null(m);
    meter_sample_t s = { .mappers_alive = 3 };
    for (int k = 0; k < 100; k++) {
        s.bytes_done = (uint64_t)(k * MIB / 10);
        meter_update(m, &s, 50 + k / 100.0);
    }
    char *out = s_drain(tty);
    assert_string_equal(out, ""); /* a job this quick shows nothing */
    free(out);
    for (int k = 100; k <= 150; k++) {
        s.bytes_done = (uint64_t)(k * MIB / 10);
        meter_update(m, &s, 50 + k / 100.0);
    }
    out = s_drain(tty);
    size_t draws = s_count(out, "\r");
    assert_true(draws >= 5 && draws <= 6); /* 1.0, 1.1 ... 1.5 s, give or take float rounding */
    assert_int_equal(s_count(out, "\x1b[K"), draws);
    assert_null(strchr(out, '\n'));
    /* Every line fits 59 columns. */
    for (const char *line = strchr(out, '\r'); line; line = strchr(line + 1, '\r')) {
        const char *esc = strstr(line, "\x1b[K");
        assert_non_null(esc);
        assert_true(esc - (line + 1) <= 59);
    }
    free(out);

    meter_finish(m, false);
    out = s_drain(tty);
    assert_int_equal(out[0], '\r');
    assert_non_null(strstr(out, "failed after 2s"));
    assert_non_null(strstr(out, "\x1b[K\n"));
    free(out);
    meter_destroy(&m);
    out = s_drain(tty);
    assert_string_equal(out, ""); /* finished: destroy adds nothing */
    free(out);

    /* A quick job finishes without a word on the terminal... */
    m = meter_new(slave, false, false, 100);
    s.bytes_done = 100;
    meter_update(m, &s, 1.0);
    meter_update(m, &s, 1.5);
    meter_finish(m, true);
    meter_destroy(&m);
    out = s_drain(tty);
    assert_string_equal(out, "");
    free(out);
    /* ...unless --progress asked for it. */
    m = meter_new(slave, true, false, 100);
    meter_update(m, &s, 1.0);
    meter_update(m, &s, 1.5);
    meter_finish(m, true);
    meter_destroy(&m);
    out = s_drain(tty);
    /* 59 columns: the mapper count gave way. */
    assert_non_null(strstr(out, "] 100%  100 B/100 B  200 B/s  done in 1s\x1b[K\n"));
    free(out);
    close(slave);
    close(tty);
}

/* meter_clear erases the line for a message, the next update redraws at
 * once; destroy without finish ends a line left on screen. */
static void test_clear(void **state)
{
    (void)state;
    int tty, slave;
    if (!s_pty(&tty, &slave, 80))
        SKIP_BECAUSE("no pseudo-terminal (posix_openpt failed)");
    meter_t *m = meter_new(slave, true, false, 0);
    meter_sample_t s = { .bytes_done = 5 };
    meter_update(m, &s, 1.0);
    char *out = s_drain(tty);
    assert_string_equal(out, "\r5 B  0 mappers\x1b[K");
    free(out);
    meter_clear(m);
    out = s_drain(tty);
    assert_string_equal(out, "\r\x1b[K");
    free(out);
    meter_clear(m);            /* nothing on screen: nothing to erase */
    meter_update(m, &s, 1.01); /* within 100 ms, yet redrawn */
    out = s_drain(tty);
    assert_string_equal(out, "\r5 B  0 mappers\x1b[K");
    free(out);
    meter_update(m, &s, 1.02);
    meter_destroy(&m);
    out = s_drain(tty);
    assert_string_equal(out, "\n");
    free(out);
    close(slave);
    close(tty);
}

/* A write that fails (the reader of --progress went away) silences the
 * meter instead of failing the job or retrying forever. */
static void test_broken_pipe(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN); /* as mr-run does */
    int p[2];
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    meter_t *m = meter_new(p[1], true, false, 10);
    meter_sample_t s = { .bytes_done = 1 };
    for (int k = 0; k < 5; k++)
        meter_update(m, &s, k);
    meter_finish(m, true);
    meter_destroy(&m);
    assert_null(m);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_off),
        cmocka_unit_test(test_format_bytes),
        cmocka_unit_test(test_format_seconds),
        cmocka_unit_test(test_format_known_total),
        cmocka_unit_test(test_format_unknown_total),
        cmocka_unit_test(test_format_stage),
        cmocka_unit_test(test_format_final),
        cmocka_unit_test(test_format_status),
        cmocka_unit_test(test_format_fits),
        cmocka_unit_test(test_rate_window),
        cmocka_unit_test(test_rate_limit_log),
        cmocka_unit_test(test_tty),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_broken_pipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
