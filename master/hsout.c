/*
 * hsout.c - mr-streaming's output directory: made, committed as Hadoop's
 * FileOutputCommitter does, or abandoned.  See hsout.h.
 *
 * The parts are rewritten line by line rather than renamed because
 * TextOutputFormat's form (key, separator, value) is not what a reduce
 * command prints: a line without a TAB gets one.  The pass reads each part
 * once; the output of a Streaming job is small next to its input, and the
 * reducers that wrote it stay untouched.
 */
#include "hsout.h"

#include "line.h"
#include "mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void hsout_temporary(const char *dir, char *buf, size_t len)
{
    snprintf(buf, len, "%s/_temporary", dir);
}

/* Makes the directories above dir that are missing, as Hadoop's mkdirs
 * does for an output path; errors show when dir itself is made. */
static void s_make_parents(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0'; /* "out/" is out itself, not a parent */
    for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        (void)mkdir(path, 0777);
        *p = '/';
    }
}

int hsout_make(const char *dir, err_t *e)
{
    s_make_parents(dir);
    if (mkdir(dir, 0777) < 0) {
        if (errno == EEXIST)
            return err_set(e, -EEXIST,
                           "output directory %s already exists (as in Hadoop: remove it, or "
                           "give another -output)",
                           dir);
        return err_set(e, -errno, "output directory %s: %s", dir, strerror(errno));
    }
    char tmp[4096];
    hsout_temporary(dir, tmp, sizeof tmp);
    if (mkdir(tmp, 0777) < 0) {
        int rc = err_set(e, -errno, "%s: %s", tmp, strerror(errno));
        rmdir(dir);
        return rc;
    }
    return 0;
}

/* Finds the fields-th sep in line[0, len): its offset, or len. */
static size_t s_key_end(const char *line, size_t len, const char *sep, size_t sep_len,
                        unsigned fields)
{
    size_t at = 0;
    for (unsigned k = 0; k < fields; k++) {
        const char *hit = memmem(line + at, len - at, sep, sep_len);
        if (!hit)
            return len;
        if (k + 1 == fields)
            return (size_t)(hit - line);
        at = (size_t)(hit - line) + sep_len;
    }
    return len;
}

/* Writes from's lines to to in form.  0 or -errno with e set. */
static int s_rewrite(const char *from, const char *to, const hsout_form_t *form, err_t *e)
{
    FILE *in = fopen(from, "re");
    if (!in)
        return err_set(e, -errno, "%s: %s", from, strerror(errno));
    FILE *out = fopen(to, "wxe");
    if (!out) {
        int rc = err_set(e, -errno, "%s: %s", to, strerror(errno));
        fclose(in);
        return rc;
    }
    size_t sep_len = strlen(form->sep);
    /* TextOutputFormat writes the separator for an empty key too. */
    line_form_t text = { form->text_sep, strlen(form->text_sep), '\n', true };
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    while ((got = getline(&line, &cap, in)) > 0) {
        size_t len = (size_t)got;
        if (line[len - 1] == '\n')
            len--;
        size_t key = s_key_end(line, len, form->sep, sep_len, form->fields);
        size_t value = key < len ? key + sep_len : len;
        line_piece_t piece[LINE_PIECES];
        int n = line_pieces(&text, line, key, line + value, len - value, piece);
        for (int i = 0; i < n; i++)
            fwrite(piece[i].ptr, 1, piece[i].len, out);
    }
    if (ferror(in))
        rc = err_set(e, -EIO, "%s: read error", from);
    free(line);
    fclose(in);
    if (fflush(out) != 0 || fsync(fileno(out)) < 0) {
        if (rc == 0)
            rc = err_set(e, -errno, "%s: %s", to, strerror(errno));
    }
    if (fclose(out) != 0 && rc == 0)
        rc = err_set(e, -errno, "%s: %s", to, strerror(errno));
    return rc;
}

static int s_is_part(const char *name)
{
    return strncmp(name, "part-", 5) == 0;
}

static int s_by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int hsout_commit(const char *dir, const hsout_form_t *form, err_t *e)
{
    char tmp[4096];
    hsout_temporary(dir, tmp, sizeof tmp);
    DIR *d = opendir(tmp);
    if (!d)
        return err_set(e, -errno, "%s: %s", tmp, strerror(errno));
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!s_is_part(de->d_name))
            continue;
        names = mem_realloc(names, (n + 1) * sizeof *names);
        names[n++] = mem_strdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, s_by_name);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char from[8192];
        char to[8192];
        snprintf(from, sizeof from, "%s/%s", tmp, names[i]);
        snprintf(to, sizeof to, "%s/%s", dir, names[i]);
        struct stat st;
        if (rc == 0 && !(form->lazy && stat(from, &st) == 0 && st.st_size == 0))
            rc = s_rewrite(from, to, form, e);
        unlink(from);
        free(names[i]);
    }
    free(names);
    if (rc == 0 && rmdir(tmp) < 0)
        rc = err_set(e, -errno, "%s: %s", tmp, strerror(errno));
    if (rc == 0) {
        char success[8192];
        snprintf(success, sizeof success, "%s/_SUCCESS", dir);
        int fd = open(success, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0)
            rc = err_set(e, -errno, "%s: %s", success, strerror(errno));
        else
            close(fd);
    }
    return rc;
}

/* Removes dir's part-* and _SUCCESS files, then dir if it is empty. */
static void s_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!s_is_part(de->d_name) && strcmp(de->d_name, "_SUCCESS") != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

void hsout_abandon(const char *dir)
{
    char tmp[4096];
    hsout_temporary(dir, tmp, sizeof tmp);
    s_empty(tmp);
    s_empty(dir);
}
