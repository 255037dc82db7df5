/*
 * afile.c - writing a user's file whole or not at all.  See afile.h.
 *
 * Two mistakes this module exists to prevent, both seen in mr before it:
 * writing to a fixed `NAME.tmp` with fopen("w") (which destroys an
 * unrelated NAME.tmp, and writes into whatever a symbolic link planted
 * there points to), and renaming over a symbolic link or a device name
 * (`--stats /dev/stdout` as root replaced the /dev/stdout link with a
 * regular file).
 */
#include "afile.h"

#include "cleanup.h"
#include "mem.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Symbolic links followed before giving up, as the kernel's own limit. */
#define AFILE_MAX_LINKS 40

/* The temporary file's name is `.` NAME `.mr-XXXXXX`: NAME is cut so that
 * the whole fits in NAME_MAX (a 250-byte -o name was refused when it was
 * not). */
#define AFILE_SUFFIX ".mr-XXXXXX"
#define AFILE_BASE_MAX (NAME_MAX - 1 - (sizeof AFILE_SUFFIX - 1))

/* Names tried before giving up on creating a temporary file: each is
 * random, so a second collision means someone is creating them on purpose. */
#define AFILE_TRIES 100

typedef enum afile_kind {
    AFILE_TEMP,   /* a temporary file beside target, renamed onto it */
    AFILE_DIRECT, /* a device or pipe at target, written in place */
    AFILE_ALIAS,  /* a descriptor we hold (stdout...), written in place */
} afile_kind_t;

struct afile {
    afile_kind_t kind; /* how the file is written */
    char *name;        /* owned: "LABEL PATH" for messages */
    char *target;      /* owned: the file written, symbolic links resolved */
    char *temp;        /* owned: the temporary file (AFILE_TEMP), NULL once gone */
    int alias;         /* AFILE_ALIAS: the descriptor named */
    int fd;            /* owned descriptor, -1 until opened (or once in stream) */
    FILE *stream;      /* owned stream on fd, NULL until afile_stream */
    bool no_replace;   /* AFILE_NO_REPLACE */
    bool set_mode;     /* give the file `mode` when it is committed */
    mode_t mode;       /* the exact mode asked for, or the old file's */
};

int afile_alias(const char *path)
{
    if (strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0)
        return STDOUT_FILENO;
    if (strcmp(path, "/dev/stderr") == 0)
        return STDERR_FILENO;
    const char *num = NULL;
    if (strncmp(path, "/dev/fd/", 8) == 0)
        num = path + 8;
    else if (strncmp(path, "/proc/self/fd/", 14) == 0)
        num = path + 14;
    uint64_t n = 0;
    if (!num || proc_parse_u64(num, &n) < 0 || n > INT_MAX)
        return -1;
    return (int)n;
}

/* Follows the symbolic links of path to the name they finally give, which
 * need not exist, into out (PATH_MAX bytes).  Returns the descriptor the
 * name is an alias of (afile_alias, at any step: /dev/stdout is a link to
 * /proc/self/fd/1), -1 for a plain name, or -errno. */
static int s_resolve(const char *path, char *out)
{
    char cur[PATH_MAX];
    char link[PATH_MAX];
    if (strlen(path) >= sizeof cur)
        return -ENAMETOOLONG;
    memcpy(cur, path, strlen(path) + 1);
    for (int hops = 0;; hops++) {
        int fd = afile_alias(cur);
        if (fd >= 0)
            return fd;
        struct stat st;
        if (lstat(cur, &st) < 0) {
            if (errno != ENOENT)
                return -errno;
            break; /* a new file (or a dangling link's target) */
        }
        if (!S_ISLNK(st.st_mode))
            break;
        if (hops == AFILE_MAX_LINKS)
            return -ELOOP;
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n < 0)
            return -errno;
        link[n] = '\0';
        /* A relative link is relative to the directory holding it. */
        const char *slash = strrchr(cur, '/');
        size_t dir_len = link[0] == '/' || !slash ? 0 : (size_t)(slash - cur) + 1;
        if (dir_len + (size_t)n >= sizeof cur)
            return -ENAMETOOLONG;
        memmove(cur + dir_len, link, (size_t)n + 1);
    }
    memcpy(out, cur, strlen(cur) + 1);
    return -1;
}

/* Six random characters for a temporary file's name. */
static void s_random_name(char *out)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char bytes[6];
    if (getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != (ssize_t)sizeof bytes) {
        /* No entropy yet (early boot): O_EXCL still makes it safe. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_sec;
        for (size_t i = 0; i < sizeof bytes; i++, x = x * 6364136223846793005u + 1)
            bytes[i] = (unsigned char)(x >> 56);
    }
    for (size_t i = 0; i < sizeof bytes; i++)
        out[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
}

/* Creates the temporary file beside self->target: O_EXCL, never following
 * a link.  create_mode goes through the umask, as any new file's does. */
static int s_create_temp(afile_t *self, mode_t create_mode, err_t *e)
{
    const char *slash = strrchr(self->target, '/');
    size_t dir_len = slash ? (size_t)(slash - self->target) + 1 : 0;
    const char *base = self->target + dir_len;
    size_t base_len = strlen(base);
    if (base_len > AFILE_BASE_MAX)
        base_len = AFILE_BASE_MAX;
    size_t cap = dir_len + 1 + base_len + sizeof AFILE_SUFFIX;
    self->temp = mem_alloc(cap);
    int code = EEXIST;
    for (int i = 0; i < AFILE_TRIES && code == EEXIST; i++) {
        char rnd[7];
        s_random_name(rnd);
        rnd[6] = '\0';
        snprintf(self->temp, cap, "%.*s.%.*s.mr-%s", (int)dir_len, self->target, (int)base_len,
                 base, rnd);
        self->fd = open(self->temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
                        create_mode);
        code = self->fd < 0 ? errno : 0;
    }
    if (code) {
        free(self->temp);
        self->temp = NULL;
        return err_set(e, -code, "%s: cannot create a file in its directory: %s", self->name,
                       strerror(code));
    }
    cleanup_add_file(self->temp); /* best effort: a full table only loses that */
    return 0;
}

afile_t *afile_open(const char *path, const char *label, int flags, int mode, err_t *e)
{
    afile_t *self = mem_calloc(1, sizeof *self);
    self->fd = -1;
    self->alias = -1;
    self->no_replace = (flags & AFILE_NO_REPLACE) != 0;
    size_t n = (label ? strlen(label) + 1 : 0) + strlen(path) + 1;
    self->name = mem_alloc(n);
    snprintf(self->name, n, "%s%s%s", label ? label : "", label ? " " : "", path);

    char target[PATH_MAX];
    int rc = s_resolve(path, target);
    if (rc < -1) {
        err_set(e, rc, "%s: %s", self->name, strerror(-rc));
        goto fail;
    }
    if (rc >= 0) {
        self->kind = AFILE_ALIAS;
        self->alias = rc;
        /* The one spelling of it that afile_alias knows in any process. */
        char canon[32] = "-";
        if (rc != STDOUT_FILENO)
            snprintf(canon, sizeof canon, "/dev/fd/%d", rc);
        self->target = mem_strdup(canon);
        return self;
    }
    self->target = mem_strdup(target);
    struct stat st;
    bool exists = stat(target, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        err_set(e, -EISDIR, "%s: is a directory", self->name);
        goto fail;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        self->kind = AFILE_DIRECT;
        return self;
    }
    self->kind = AFILE_TEMP;
    /* An exact mode, or an old file's, is given at commit: until then the
     * file is 0600, so nobody else reads a secret, and whoever writes it
     * (mr-reducer, for -o) can open it even when the old file was
     * read-only. */
    self->set_mode = mode != AFILE_MODE_DEFAULT || exists;
    self->mode = mode != AFILE_MODE_DEFAULT ? (mode_t)mode : st.st_mode & 07777;
    if (s_create_temp(self, self->set_mode ? 0600 : 0666, e) < 0)
        goto fail;
    return self;
fail:
    afile_destroy(&self);
    return NULL;
}

int afile_fd(afile_t *self, err_t *e)
{
    if (self->stream)
        return fileno(self->stream);
    if (self->fd >= 0)
        return self->fd;
    if (self->kind == AFILE_ALIAS)
        self->fd = fcntl(self->alias, F_DUPFD_CLOEXEC, 3);
    else
        self->fd = open(self->target, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (self->fd < 0)
        return err_set(e, -errno, "%s: %s", self->name, strerror(errno));
    return self->fd;
}

FILE *afile_stream(afile_t *self, err_t *e)
{
    if (self->stream)
        return self->stream;
    if (afile_fd(self, e) < 0)
        return NULL;
    self->stream = fdopen(self->fd, "w");
    if (!self->stream) {
        err_set(e, -errno, "%s: %s", self->name, strerror(errno));
        return NULL;
    }
    self->fd = -1; /* the stream owns it now */
    return self->stream;
}

const char *afile_write_path(const afile_t *self)
{
    if (self->kind == AFILE_TEMP)
        return self->temp;
    return self->target;
}

bool afile_replaces(const afile_t *self)
{
    return self->kind == AFILE_TEMP;
}

/* Closes the stream or the descriptor; the errno of the first failure
 * (a write error kept by the stream, fsync, close), or 0. */
static int s_close(afile_t *self, const char **what)
{
    int code = 0;
    if (self->stream) {
        if (fflush(self->stream) != 0 || ferror(self->stream)) {
            code = errno ? errno : EIO;
            *what = "write";
        }
        int fd = fileno(self->stream);
        if (!code && self->set_mode && fchmod(fd, self->mode) < 0) {
            code = errno;
            *what = "chmod";
        }
        if (!code && self->kind == AFILE_TEMP && fsync(fd) < 0) {
            code = errno;
            *what = "fsync";
        }
        if (fclose(self->stream) != 0 && !code) {
            code = errno;
            *what = "close";
        }
        self->stream = NULL;
    } else if (self->fd >= 0) {
        if (self->set_mode && fchmod(self->fd, self->mode) < 0) {
            code = errno;
            *what = "chmod";
        }
        if (!code && self->kind == AFILE_TEMP && fsync(self->fd) < 0) {
            code = errno;
            *what = "fsync";
        }
        if (close(self->fd) < 0 && !code) {
            code = errno;
            *what = "close";
        }
    }
    self->fd = -1;
    return code;
}

/* The temporary file was renamed into place: nothing to remove any more. */
static void s_forget_temp(afile_t *self)
{
    cleanup_forget(self->temp);
    free(self->temp);
    self->temp = NULL;
}

int afile_commit(afile_t **self_p, err_t *e)
{
    afile_t *self = *self_p;
    if (!self)
        return 0;
    const char *what = NULL;
    errno = 0;
    int code = s_close(self, &what);
    int rc = 0;
    if (code) {
        rc = err_set(e, -code, "%s: %s: %s", self->name, what, strerror(code));
    } else if (self->kind == AFILE_TEMP && self->no_replace) {
        /* link, not rename: it fails rather than replace a file that
         * appeared meanwhile. */
        if (link(self->temp, self->target) < 0)
            rc = errno == EEXIST
                     ? err_set(e, -EEXIST, "%s already exists; not overwriting it", self->name)
                     : err_set(e, -errno, "%s: %s", self->name, strerror(errno));
    } else if (self->kind == AFILE_TEMP) {
        if (rename(self->temp, self->target) < 0)
            rc = err_set(e, -errno, "%s: %s", self->name, strerror(errno));
        else
            s_forget_temp(self);
    }
    afile_destroy(self_p);
    return rc;
}

void afile_destroy(afile_t **self_p)
{
    afile_t *self = *self_p;
    if (!self)
        return;
    if (self->stream)
        fclose(self->stream);
    else if (self->fd >= 0)
        close(self->fd);
    if (self->temp) {
        unlink(self->temp);
        cleanup_forget(self->temp);
    }
    free(self->temp);
    free(self->target);
    free(self->name);
    free(self);
    *self_p = NULL;
}

int afile_id(const char *path, afile_id_t *id)
{
    memset(id, 0, sizeof *id);
    char target[PATH_MAX];
    int rc = s_resolve(path, target);
    if (rc < -1)
        return rc;
    if (rc >= 0) {
        id->direct = true;
        return 0;
    }
    struct stat st;
    if (stat(target, &st) == 0) {
        id->exists = true;
        id->direct = !S_ISREG(st.st_mode);
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        return 0;
    }
    if (errno != ENOENT)
        return -errno;
    /* A new file: its directory and its name in it. */
    char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    if (strlen(base) > NAME_MAX)
        return -ENAMETOOLONG;
    memcpy(id->name, base, strlen(base) + 1);
    if (slash == target)
        slash[1] = '\0'; /* "/name": the directory is "/" */
    else if (slash)
        *slash = '\0';
    if (stat(slash ? target : ".", &st) < 0)
        return -errno;
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    return 0;
}

int afile_id_input(const char *path, afile_id_t *id)
{
    memset(id, 0, sizeof *id);
    struct stat st;
    if ((strcmp(path, "-") == 0 ? fstat(STDIN_FILENO, &st) : stat(path, &st)) < 0)
        return -errno;
    id->exists = true;
    id->direct = !S_ISREG(st.st_mode);
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    return 0;
}

bool afile_id_same(const afile_id_t *a, const afile_id_t *b)
{
    if (a->direct || b->direct || a->exists != b->exists)
        return false;
    return a->dev == b->dev && a->ino == b->ino && (a->exists || strcmp(a->name, b->name) == 0);
}
