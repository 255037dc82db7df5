/*
 * test_timeline.c - tests master/timeline.c, the --timeline SVG: the file
 * is well-formed XML (checked here, and by Python's parser where there is
 * one), holds one bar per attempt coloured by its outcome plus the legend,
 * escapes whatever a lane label holds, draws open attempts as unfinished,
 * stops recording at the cap and says so, and names the path when it
 * cannot be written.
 */
#include "timeline.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdir.h"

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "timeline");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

static void s_path(char *path, size_t len, const char *name)
{
    snprintf(path, len, "%s/%s", s_dir, name);
}

/* The whole file as a string. */
static char *s_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *text = malloc((size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = '\0';
    fclose(f);
    return text;
}

static size_t s_count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* A small XML well-formedness check, so the test means something where
 * Python is missing: balanced tags, quoted attributes without '<', only the
 * five predefined entities, no control characters, one root element. */
static bool s_well_formed(const char *s)
{
    const char *stack[32];
    size_t lens[32];
    int depth = 0, roots = 0;
    const char *p = s;
    if (strncmp(p, "<?xml ", 6) == 0) {
        p = strstr(p, "?>");
        if (!p)
            return false;
        p += 2;
    }
    while (*p) {
        unsigned char c = (unsigned char)*p;
        if (c == '<' && p[1] == '/') {
            const char *name = p + 2;
            size_t n = strcspn(name, ">");
            if (depth == 0 || name[n] != '>' || n != lens[depth - 1] ||
                strncmp(name, stack[depth - 1], n) != 0)
                return false;
            depth--;
            p = name + n + 1;
        } else if (c == '<') {
            const char *name = p + 1;
            size_t n = strcspn(name, " />\n");
            if (n == 0)
                return false;
            if (depth == 0 && ++roots > 1)
                return false;
            const char *q = name + n;
            for (;;) {
                while (*q == ' ' || *q == '\n')
                    q++;
                if (q[0] == '/' && q[1] == '>') {
                    q += 2;
                    break;
                }
                if (*q == '>') {
                    if (depth == 32)
                        return false;
                    stack[depth] = name;
                    lens[depth++] = n;
                    q++;
                    break;
                }
                size_t an =
                    strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:");
                if (an == 0 || q[an] != '=' || q[an + 1] != '"')
                    return false;
                q += an + 2;
                while (*q && *q != '"' && *q != '<')
                    q++;
                if (*q != '"')
                    return false;
                q++;
            }
            p = q;
        } else if (c == '&') {
            static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
            size_t i = 0;
            while (i < 5 && strncmp(p, ents[i], strlen(ents[i])) != 0)
                i++;
            if (i == 5)
                return false;
            p += strlen(ents[i]);
        } else if ((c < 0x20 && c != '\n' && c != '\t') || c == '>') {
            return false;
        } else {
            p++;
        }
    }
    return depth == 0 && roots == 1;
}

/* Checks path with our checker, and with Python's XML parser if present. */
static void s_assert_xml(const char *path)
{
    char *text = s_slurp(path);
    assert_true(s_well_formed(text));
    free(text);
    if (system("command -v python3 >/dev/null 2>&1") != 0)
        return;
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof cmd,
             "python3 -c \"import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])\" '%s'",
             path);
    assert_int_equal(system(cmd), 0);
}

/* 1. The usage example: record attempts as the event loop sees them, draw
 * the picture at the end. */
static void test_usage(void **state)
{
    (void)state;
    timeline_t *t = timeline_new(100.0);
    timeline_mapper_name(t, 1, "mapper 1");
    timeline_mapper_name(t, 2, "mapper 2 @hostB");

    timeline_begin(t, 1, 0, 0, 100.0); /* TASK chunk 0 to mapper 1 */
    timeline_begin(t, 2, 1, 0, 100.1);
    timeline_begin(t, 1, 2, 0, 100.2);                /* queued behind chunk 0 */
    timeline_end(t, 1, 0, 0, TIMELINE_MERGED, 101.0); /* fresh ACK */
    timeline_end(t, 2, 1, 0, TIMELINE_FAILED, 101.5); /* FAIL */
    timeline_begin(t, 2, 1, 1, 101.6);                /* sent again */
    timeline_end(t, 1, 2, 0, TIMELINE_MERGED, 102.0); /* fresh ACK */
    timeline_end(t, 2, 1, 1, TIMELINE_MERGED, 103.0); /* fresh ACK */
    assert_int_equal(timeline_bars(t), 4);

    char path[PATH_MAX];
    s_path(path, sizeof path, "usage.svg");
    err_t e;
    err_init(&e);
    assert_int_equal(timeline_write_svg(t, path, 103.5, &e), 0);
    assert_int_equal(e.code, 0);
    timeline_destroy(&t);
    assert_null(t);
    timeline_destroy(&t);
    timeline_destroy(NULL);

    s_assert_xml(path);
    char *svg = s_slurp(path);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_null(strstr(svg, "<script"));
    assert_null(strstr(svg, "@font-face"));
    assert_int_equal(s_count(svg, "<rect class=\"bar "), 4);
    assert_int_equal(s_count(svg, "<rect class=\"legend "), TIMELINE_OUTCOMES);
    assert_int_equal(s_count(svg, "<rect class=\"lane\""), 2);
    assert_int_equal(s_count(svg, "class=\"bar o-merged\""), 3);
    assert_int_equal(s_count(svg, "class=\"bar o-failed\""), 1);
    assert_non_null(strstr(svg, ">mapper 2 @hostB<title>"));
    assert_non_null(strstr(svg, "4 attempts on 2 mappers over 3.500 s"));
    /* Tooltips: attempts counted from 1, duration, times on the axis. */
    assert_non_null(strstr(svg, "<title>chunk 1, attempt 1, failed: 1.400 s (0.100 s to 1.500 s)"
                                "</title>"));
    assert_non_null(strstr(svg, "<title>chunk 1, attempt 2, merged: 1.400 s (1.600 s to 3.000 s)"
                                "</title>"));
    /* Lane summary, with the busy time (mapper 1: 0 to 2 s of 3.5). */
    assert_non_null(strstr(svg, "mapper 1: 2 attempts, 2 merged; busy 2.000 s of 3.500 s (57%)"));
    /* Axis: ticks every 0.5 s (about 8 over 3.5 s), in seconds. */
    assert_non_null(strstr(svg, ">0 s</text>"));
    assert_non_null(strstr(svg, ">0.5 s</text>"));
    assert_non_null(strstr(svg, ">3.5 s</text>"));
    assert_null(strstr(svg, ">4 s</text>"));
    free(svg);
}

/* Every outcome has its class and colour, on the bar and in the legend. */
static void test_outcomes_coloured(void **state)
{
    (void)state;
    static const struct {
        timeline_outcome_t outcome;
        const char *name;
        const char *fill;
    } cases[] = {
        { TIMELINE_MERGED, "merged", "#009E73" },
        { TIMELINE_DUPLICATE, "duplicate", "#56B4E9" },
        { TIMELINE_FAILED, "failed", "#D55E00" },
        { TIMELINE_REQUEUED, "requeued", "#E69F00" },
        { TIMELINE_UNFINISHED, "unfinished", "#BBBBBB" },
    };
    timeline_t *t = timeline_new(0);
    for (uint32_t i = 0; i < 5; i++) {
        timeline_begin(t, i + 1, i, 0, i);
        timeline_end(t, i + 1, i, 0, cases[i].outcome, i + 0.5);
    }
    char path[PATH_MAX];
    s_path(path, sizeof path, "outcomes.svg");
    assert_int_equal(timeline_write_svg(t, path, 5, NULL), 0);
    timeline_destroy(&t);
    s_assert_xml(path);
    char *svg = s_slurp(path);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(timeline_outcome_name(cases[i].outcome), cases[i].name);
        char want[128];
        snprintf(want, sizeof want, "<rect class=\"bar o-%s\"", cases[i].name);
        assert_int_equal(s_count(svg, want), 1);
        char *bar = strstr(svg, want);
        char fill[32];
        snprintf(fill, sizeof fill, "fill=\"%s\"", cases[i].fill);
        assert_non_null(strstr(bar, fill));
        assert_true(strstr(bar, fill) < strstr(bar, "</rect>"));
        snprintf(want, sizeof want, "<rect class=\"legend o-%s\"", cases[i].name);
        assert_int_equal(s_count(svg, want), 1);
        assert_non_null(strstr(strstr(svg, want), fill));
    }
    assert_string_equal(timeline_outcome_name(TIMELINE_OUTCOMES), "?");
    free(svg);
}

/* A lane label is untrusted (a remote mapper's host name): markup,
 * quotes, control characters and broken UTF-8 cannot break the file. */
static void test_escape_hostile_label(void **state)
{
    (void)state;
    timeline_t *t = timeline_new(0);
    timeline_mapper_name(t, 7, "</text><script>alert(\"x\")</script>&'");
    timeline_mapper_name(
        t, 8, "bad\x01\x1b[31m\xff\xc0\xaf\xed\xa0\x80\xef\xbf\xbf caf\xc3\xa9 \xe2\x82");
    timeline_mapper_name(t, 9, "first name");
    timeline_mapper_name(t, 9, "second name"); /* replaces */
    timeline_mapper_name(t, 10, NULL);         /* ignored */
    char longest[300];
    memset(longest, 'x', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    timeline_mapper_name(t, 11, longest);
    timeline_begin(t, 7, 0, 0, 0);
    timeline_end(t, 7, 0, 0, TIMELINE_MERGED, 1);

    char path[PATH_MAX];
    s_path(path, sizeof path, "hostile.svg");
    assert_int_equal(timeline_write_svg(t, path, 1, NULL), 0);
    timeline_destroy(&t);
    s_assert_xml(path);
    char *svg = s_slurp(path);
    assert_null(strstr(svg, "<script"));
    assert_non_null(strstr(svg, "&lt;/text&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
                                "&amp;&apos;"));
    /* Control characters and every invalid sequence become '?'; valid
     * UTF-8 stays. */
    assert_non_null(strstr(svg, "bad??[31m????????? caf\xc3\xa9 ??"));
    assert_non_null(strstr(svg, ">second name<title>"));
    assert_null(strstr(svg, "first name"));
    /* Shown cut to 26 characters with an ellipsis; kept whole (up to
     * TIMELINE_LABEL_MAX) in the tooltip. */
    assert_non_null(strstr(svg, ">xxxxxxxxxxxxxxxxxxxxxxxxxx\xe2\x80\xa6<title>"));
    char whole[TIMELINE_LABEL_MAX + 32];
    snprintf(whole, sizeof whole, "<title>%.*s: 0 attempts", TIMELINE_LABEL_MAX, longest);
    assert_non_null(strstr(svg, whole));
    assert_int_equal(s_count(svg, "<rect class=\"lane\""), 4); /* 7, 8, 9 and 11 */
    free(svg);
}

/* Attempts still open when the picture is drawn run to its end, grey and
 * called unfinished; ends that match nothing are ignored. */
static void test_open_bars_unfinished(void **state)
{
    (void)state;
    timeline_t *t = timeline_new(10);
    timeline_begin(t, 1, 5, 2, 11);
    timeline_begin(t, 1, 6, 0, 12);
    timeline_end(t, 1, 6, 0, TIMELINE_DUPLICATE, 13);
    timeline_end(t, 1, 6, 0, TIMELINE_FAILED, 14); /* already closed */
    timeline_end(t, 1, 5, 1, TIMELINE_MERGED, 14); /* other attempt */
    timeline_end(t, 2, 5, 2, TIMELINE_MERGED, 14); /* other mapper */
    timeline_end(t, 1, 9, 0, TIMELINE_MERGED, 14); /* never begun */
    timeline_end(NULL, 1, 5, 2, TIMELINE_MERGED, 14);
    timeline_begin(NULL, 1, 5, 2, 14);
    assert_int_equal(timeline_bars(t), 2);

    char path[PATH_MAX];
    s_path(path, sizeof path, "open.svg");
    assert_int_equal(timeline_write_svg(t, path, 20, NULL), 0);
    /* Writing does not close anything: a later picture extends the bar. */
    s_assert_xml(path);
    char *svg = s_slurp(path);
    assert_int_equal(s_count(svg, "<rect class=\"bar "), 2);
    assert_non_null(strstr(svg, "<title>chunk 5, attempt 3, unfinished: 9.000 s (1.000 s to "
                                "10.000 s)</title>"));
    assert_non_null(strstr(svg, "<title>chunk 6, attempt 1, duplicate: 1.000 s"));
    assert_null(strstr(svg, "bar o-merged\""));
    assert_null(strstr(svg, "bar o-failed\""));
    free(svg);

    assert_int_equal(timeline_write_svg(t, path, 30, NULL), 0);
    svg = s_slurp(path);
    assert_non_null(strstr(svg, "unfinished: 19.000 s (1.000 s to 20.000 s)"));
    free(svg);
    timeline_destroy(&t);
}

/* A lost mapper: the chunk it was mapping is charged, the rest it held is
 * requeued; bars of other mappers stay open. */
static void test_end_mapper(void **state)
{
    (void)state;
    timeline_t *t = timeline_new(0);
    timeline_begin(t, 3, 0, 0, 0);
    timeline_begin(t, 4, 1, 0, 0);
    timeline_begin(t, 3, 2, 0, 0.5);
    timeline_begin(t, 3, 3, 0, 0.6);
    timeline_end(t, 3, 0, 0, TIMELINE_FAILED, 1);
    assert_int_equal(timeline_end_mapper(t, 3, TIMELINE_REQUEUED, 1), 2);
    assert_int_equal(timeline_end_mapper(t, 3, TIMELINE_REQUEUED, 1), 0);
    assert_int_equal(timeline_end_mapper(NULL, 3, TIMELINE_REQUEUED, 1), 0);
    /* The dead mapper's late answer changes nothing. */
    timeline_end(t, 3, 2, 0, TIMELINE_MERGED, 2);

    char path[PATH_MAX];
    s_path(path, sizeof path, "lost.svg");
    assert_int_equal(timeline_write_svg(t, path, 2, NULL), 0);
    timeline_destroy(&t);
    s_assert_xml(path);
    char *svg = s_slurp(path);
    assert_int_equal(s_count(svg, "class=\"bar o-failed\""), 1);
    assert_int_equal(s_count(svg, "class=\"bar o-requeued\""), 2);
    assert_int_equal(s_count(svg, "class=\"bar o-unfinished\""), 1);
    assert_int_equal(s_count(svg, "class=\"bar o-merged\""), 0);
    assert_non_null(strstr(svg, "mapper 3: 3 attempts, 1 failed, 2 requeued"));
    free(svg);
}

/* The y attribute of the n-th bar (0-based) in svg. */
static double s_bar_y(const char *svg, int n)
{
    const char *p = svg;
    for (int i = 0; i <= n; i++) {
        p = strstr(p, "<rect class=\"bar ");
        assert_non_null(p);
        p++;
    }
    const char *y = strstr(p, " y=\"");
    assert_non_null(y);
    return strtod(y + 4, NULL);
}

/* Bars that overlap on one mapper (one mapped, one queued) are stacked in
 * rows; one that starts after both ended goes back to the first row. */
static void test_rows(void **state)
{
    (void)state;
    timeline_t *t = timeline_new(0);
    timeline_begin(t, 1, 0, 0, 0);
    timeline_begin(t, 1, 1, 0, 0.1);
    timeline_end(t, 1, 0, 0, TIMELINE_MERGED, 1);
    timeline_end(t, 1, 1, 0, TIMELINE_MERGED, 2);
    timeline_begin(t, 1, 2, 0, 2);
    timeline_end(t, 1, 2, 0, TIMELINE_MERGED, 3);
    timeline_begin(t, 2, 3, 0, 0);
    timeline_end(t, 2, 3, 0, TIMELINE_MERGED, 3);

    char path[PATH_MAX];
    s_path(path, sizeof path, "rows.svg");
    assert_int_equal(timeline_write_svg(t, path, 3, NULL), 0);
    timeline_destroy(&t);
    char *svg = s_slurp(path);
    double y0 = s_bar_y(svg, 0), y1 = s_bar_y(svg, 1), y2 = s_bar_y(svg, 2), y3 = s_bar_y(svg, 3);
    assert_true(y1 > y0);       /* overlapping: second row */
    assert_true(y2 == y0);      /* after both: first row again */
    assert_true(y3 >= y1 + 10); /* mapper 2's lane is below both rows */
    free(svg);
}

/* Past the cap, attempts are counted, not kept, and the picture says so. */
static void test_cap(void **state)
{
    (void)state;
    timeline_t *t = timeline_new(0);
    timeline_set_limit(t, 10);
    timeline_set_limit(t, (size_t)TIMELINE_MAX_BARS + 5); /* cannot raise it */
    for (uint32_t i = 0; i < 15; i++)
        timeline_begin(t, 1 + i % 3, i, 0, i * 0.1);
    for (uint32_t i = 0; i < 15; i++)
        timeline_end(t, 1 + i % 3, i, 0, TIMELINE_MERGED, i * 0.1 + 0.05);
    assert_int_equal(timeline_bars(t), 10);
    assert_int_equal(timeline_dropped(t), 5);
    assert_int_equal(timeline_bars(NULL), 0);
    assert_int_equal(timeline_dropped(NULL), 0);

    char path[PATH_MAX];
    s_path(path, sizeof path, "cap.svg");
    assert_int_equal(timeline_write_svg(t, path, 2, NULL), 0);
    timeline_destroy(&t);
    s_assert_xml(path);
    char *svg = s_slurp(path);
    assert_int_equal(s_count(svg, "<rect class=\"bar "), 10);
    assert_non_null(strstr(svg, "truncated: only the first 10 attempts were recorded; 5 later "
                                "ones are not shown"));
    free(svg);

    /* The real cap holds: TIMELINE_MAX_BARS records, no more memory. */
    t = timeline_new(0);
    for (uint32_t i = 0; i < TIMELINE_MAX_BARS + 3; i++)
        timeline_begin(t, 1, i, 0, 0);
    assert_int_equal(timeline_bars(t), TIMELINE_MAX_BARS);
    assert_int_equal(timeline_dropped(t), 3);
    timeline_destroy(&t);
}

/* No attempts at all: still a valid picture that says so. */
static void test_empty(void **state)
{
    (void)state;
    timeline_t *t = timeline_new(5);
    char path[PATH_MAX];
    s_path(path, sizeof path, "empty.svg");
    assert_int_equal(timeline_write_svg(t, path, 5, NULL), 0); /* zero span */
    timeline_destroy(&t);
    s_assert_xml(path);
    char *svg = s_slurp(path);
    assert_non_null(strstr(svg, "no attempts recorded"));
    assert_int_equal(s_count(svg, "<rect class=\"bar "), 0);
    assert_int_equal(s_count(svg, "<rect class=\"legend "), TIMELINE_OUTCOMES);
    free(svg);
}

/* Write errors name the path and leave no temporary file behind; a
 * failed write keeps the previous picture. */
static void test_write_errors(void **state)
{
    (void)state;
    timeline_t *t = timeline_new(0);
    timeline_begin(t, 1, 0, 0, 0);
    err_t e;
    err_init(&e);
    char path[PATH_MAX];
    s_path(path, sizeof path, "no/such/dir/t.svg");
    assert_int_equal(timeline_write_svg(t, path, 1, &e), -ENOENT);
    assert_int_equal(e.code, -ENOENT);
    assert_non_null(strstr(e.text, path));
    assert_non_null(strstr(e.text, "timeline"));

    /* The path is a directory: refused, and nothing is left beside it. */
    s_path(path, sizeof path, "a-directory");
    assert_int_equal(mkdir(path, 0700), 0);
    err_init(&e);
    int rc = timeline_write_svg(t, path, 1, &e);
    assert_int_equal(rc, -EISDIR);
    assert_int_equal(e.code, rc);
    assert_non_null(strstr(e.text, path));
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), -1);

    /* An unrelated NAME.tmp (the old writer's fixed name) is left alone,
     * and a link planted there is not written through. */
    s_path(path, sizeof path, "kept.svg");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(symlink("/dev/full", tmp), 0);
    err_init(&e);
    assert_int_equal(timeline_write_svg(t, path, 1, &e), 0);
    s_assert_xml(path);
    struct stat st;
    assert_int_equal(lstat(tmp, &st), 0);
    assert_true(S_ISLNK(st.st_mode));

    /* A full disk (where /dev/full exists), behind a link: the error is
     * ENOSPC, not a truncated picture, and the link stays a link. */
    s_path(path, sizeof path, "full.svg");
    if (symlink("/dev/full", path) == 0 && access("/dev/full", W_OK) == 0) {
        err_init(&e);
        assert_int_equal(timeline_write_svg(t, path, 1, &e), -ENOSPC);
        assert_non_null(strstr(e.text, path));
        assert_int_equal(lstat(path, &st), 0);
        assert_true(S_ISLNK(st.st_mode));
    }
    timeline_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_outcomes_coloured),
        cmocka_unit_test(test_escape_hostile_label),
        cmocka_unit_test(test_open_bars_unfinished),
        cmocka_unit_test(test_end_mapper),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_write_errors),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
