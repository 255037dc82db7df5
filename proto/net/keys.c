/*
 * keys.c - CURVE key pairs, key files, allow-lists and CURVE socket options.
 * See keys.h for the file format and the contracts.
 *
 * Key files are tiny, so each is read whole into a fixed buffer (a file over
 * KEYS_FILE_MAX is refused before reading) and parsed line by line with
 * explicit lengths: no line is ever NUL-terminated in place, and every error
 * names the file and line.  Buffers that held a secret key are wiped with
 * explicit_bzero before they go out of scope.
 */
#include "keys.h"

#include "afile.h"
#include "mem.h"
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

/* The largest key file we read.  A real one is about 200 bytes; 4 KiB leaves
 * room for comments and still refuses a wrong file (a log, a binary) before
 * reading it. */
#define KEYS_FILE_MAX 4096

/* ZMQ_ZAP_ENFORCE_DOMAIN, a libzmq draft option (zmq.h declares it only under
 * ZMQ_BUILD_DRAFT_API): when set, a CURVE server whose ZAP handler is missing
 * refuses every client instead of accepting any key.  The number has been 93
 * since libzmq 4.2.3; a library without drafts answers EINVAL and we go on
 * without it. */
#define KEYS_ZMQ_ZAP_ENFORCE_DOMAIN 93

/* The 85 characters of Z85 (ZeroMQ RFC 32), in value order. */
static const char s_z85_alphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

typedef struct keys_entry {
    uint8_t key[KEYS_BIN_LEN]; /* the decoded public key */
    char *name;                /* owned name for logs ("alice.pub") */
} keys_entry_t;

struct keys_allow {
    keys_entry_t *entries; /* owned array, n used of cap */
    size_t n;              /* keys on the list */
    size_t cap;            /* room in entries */
};

/* What one key file held: the raw Z85 values of the lines found. */
typedef struct keys_file {
    char public_z85[KEYS_Z85_LEN + 1]; /* public-key value, "" when absent */
    char secret_z85[KEYS_Z85_LEN + 1]; /* secret-key value, "" when absent */
} keys_file_t;

int keys_generate(keys_pair_t *pair, err_t *e)
{
    if (zmq_curve_keypair(pair->public_z85, pair->secret_z85) < 0) {
        int code = errno;
        memset(pair, 0, sizeof *pair);
        if (code == ENOTSUP)
            return err_set(e, -ENOTSUP,
                           "cannot generate a CURVE key pair: libzmq was built "
                           "without CURVE support");
        return err_set(e, -code, "zmq_curve_keypair: %s", zmq_strerror(code));
    }
    return 0;
}

void keys_pair_fini(keys_pair_t *pair)
{
    explicit_bzero(pair, sizeof *pair);
}

int keys_z85_check(const char *text, uint8_t bin[KEYS_BIN_LEN], err_t *e)
{
    size_t len = strnlen(text, KEYS_Z85_LEN + 1);
    if (len != KEYS_Z85_LEN)
        return err_set(e, -EBADMSG, "expected a key of %d Z85 characters, got %s%zu", KEYS_Z85_LEN,
                       len > KEYS_Z85_LEN ? "more than " : "", len > KEYS_Z85_LEN ? len - 1 : len);
    for (size_t i = 0; i < len; i++) {
        if (!strchr(s_z85_alphabet, text[i]))
            return err_set(e, -EBADMSG, "character %zu of the key is not Z85 (0x%02x)", i + 1,
                           (unsigned char)text[i]);
    }
    /* The alphabet check above gives the precise message; zmq_z85_decode
     * still has the last word (it also refuses a group over 2^32 - 1). */
    uint8_t scratch[KEYS_BIN_LEN];
    uint8_t *out = bin ? bin : scratch;
    if (!zmq_z85_decode(out, text))
        return err_set(e, -EBADMSG, "the key is not valid Z85 (a 5-character group overflows)");
    return 0;
}

/* Builds "BASENAME.ext" into out, or -ENAMETOOLONG. */
static int s_path(char *out, size_t cap, const char *basename, const char *ext, err_t *e)
{
    int n = snprintf(out, cap, "%s%s", basename, ext);
    if (n < 0 || (size_t)n >= cap)
        return err_set(e, -ENAMETOOLONG, "%s%s: file name too long", basename, ext);
    return 0;
}

/* Opens path (afile.h: a temporary file beside it, mode exactly `mode`
 * from the start, so a secret is never readable by others) and writes len
 * bytes of data to it, unbuffered: no copy of a secret lingers in a stdio
 * buffer.  Returns the writer to commit, or NULL with e set. */
static afile_t *s_write(const char *path, const char *data, size_t len, mode_t mode, bool overwrite,
                        err_t *e)
{
    afile_t *f = afile_open(path, NULL, overwrite ? 0 : AFILE_NO_REPLACE, (int)mode, e);
    int fd = f ? afile_fd(f, e) : -1;
    if (fd < 0) {
        afile_destroy(&f);
        return NULL;
    }
    int rc = proc_write_all(fd, data, len);
    if (rc < 0) {
        err_set(e, rc, "%s: write: %s", path, strerror(-rc));
        afile_destroy(&f);
    }
    return f;
}

int keys_write(const keys_pair_t *pair, const char *basename, bool overwrite, err_t *e)
{
    char key_path[PATH_MAX];
    char pub_path[PATH_MAX];
    char text[512];
    int rc;

    if (keys_z85_check(pair->public_z85, NULL, e) < 0 ||
        keys_z85_check(pair->secret_z85, NULL, e) < 0)
        return err_prefix(e, "key pair to write: ");
    if ((rc = s_path(key_path, sizeof key_path, basename, ".key", e)) < 0 ||
        (rc = s_path(pub_path, sizeof pub_path, basename, ".pub", e)) < 0)
        return rc;
    if (!overwrite) {
        struct stat st;
        if (lstat(key_path, &st) == 0)
            return err_set(e, -EEXIST, "%s already exists; not overwriting it", key_path);
        if (lstat(pub_path, &st) == 0)
            return err_set(e, -EEXIST, "%s already exists; not overwriting it", pub_path);
    }

    /* The texts are fixed but for the keys, checked above, so they fit. */
    int n = snprintf(text, sizeof text,
                     "# mr CURVE key pair (format: proto/net/keys.h).  SECRET: keep this file\n"
                     "# mode 0600 and never copy it; hand out the .pub file instead.\n"
                     "public-key = %s\n"
                     "secret-key = %s\n",
                     pair->public_z85, pair->secret_z85);
    afile_t *key = s_write(key_path, text, (size_t)n, 0600, overwrite, e);
    explicit_bzero(text, sizeof text);
    if (!key)
        return e->code;

    n = snprintf(text, sizeof text,
                 "# mr CURVE public key (format: proto/net/keys.h).  Copy this file into the\n"
                 "# master's authorized keys directory to let its holder attach.\n"
                 "public-key = %s\n",
                 pair->public_z85);
    afile_t *pub = s_write(pub_path, text, (size_t)n, 0644, overwrite, e);
    if (!pub) {
        afile_destroy(&key);
        return e->code;
    }

    /* Without overwrite a commit links rather than renames, so it fails
     * instead of replacing a file that appeared meanwhile. */
    rc = afile_commit(&key, e);
    if (rc < 0) {
        afile_destroy(&pub);
        return rc;
    }
    rc = afile_commit(&pub, e);
    if (rc < 0) {
        /* Half a pair is worse than none: a .key without its .pub invites a
         * second run with -f that replaces a key someone may already use. */
        unlink(key_path);
        return rc;
    }
    return 0;
}

/* Reads the whole file at path, at most KEYS_FILE_MAX bytes, into buf
 * (KEYS_FILE_MAX + 2 bytes: one to see that a file grew past the cap while
 * we read, one for the NUL).  With secret, refuses a file that group or
 * others may read or write. */
static int s_slurp(const char *path, char *buf, bool secret, err_t *e)
{
    int fd;
    while ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (fd < 0) {
        int code = errno;
        if (code == ENOENT)
            return err_set(e, -ENOENT, "%s: no such file", path);
        return err_set(e, -code, "%s: %s", path, strerror(code));
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0) {
        rc = err_set(e, -errno, "%s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = err_set(e, -EINVAL, "%s: not a regular file", path);
    } else if (st.st_size > KEYS_FILE_MAX) {
        rc = err_set(e, -EFBIG, "%s: %lld bytes; a key file has at most %d", path,
                     (long long)st.st_size, KEYS_FILE_MAX);
    } else if (secret && (st.st_mode & 077)) {
        rc = err_set(e, -EPERM,
                     "%s: secret key file is accessible by group or others (mode %04o); "
                     "run chmod 600 %s, and make a new key pair if others may have read it",
                     path, (unsigned)(st.st_mode & 07777), path);
    }
    size_t len = 0;
    while (rc == 0 && len <= KEYS_FILE_MAX) {
        ssize_t r = read(fd, buf + len, KEYS_FILE_MAX + 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = err_set(e, -errno, "%s: read: %s", path, strerror(errno));
        else if (r == 0)
            break;
        else
            len += (size_t)r;
    }
    close(fd);
    if (rc == 0 && len > KEYS_FILE_MAX)
        rc = err_set(e, -EFBIG, "%s: a key file has at most %d bytes", path, KEYS_FILE_MAX);
    buf[rc == 0 ? len : 0] = '\0';
    if (rc == 0 && strlen(buf) != len)
        rc = err_set(e, -EBADMSG, "%s: holds a NUL byte; not a key file", path);
    return rc;
}

static bool s_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Parses one non-comment line [p, p+len) into out.  line is for messages. */
static int s_parse_line(const char *path, unsigned line, const char *p, size_t len, bool secret,
                        keys_file_t *out, err_t *e)
{
    const char *eq = memchr(p, '=', len);
    if (!eq)
        return err_set(e, -EBADMSG, "%s:%u: expected `public-key = KEY` or `secret-key = KEY`",
                       path, line);
    const char *name = p;
    size_t name_len = (size_t)(eq - p);
    while (name_len && s_blank(name[name_len - 1]))
        name_len--;
    const char *value = eq + 1;
    size_t value_len = len - (size_t)(value - p);
    while (value_len && s_blank(*value)) {
        value++;
        value_len--;
    }

    char *slot;
    if (name_len == 10 && memcmp(name, "public-key", 10) == 0) {
        slot = out->public_z85;
    } else if (name_len == 10 && memcmp(name, "secret-key", 10) == 0) {
        if (!secret)
            return err_set(e, -EBADMSG,
                           "%s:%u: a secret key in a public key file; refusing it "
                           "(hand out BASENAME.pub, and make a new pair if this "
                           "file was shared)",
                           path, line);
        slot = out->secret_z85;
    } else {
        return err_set(e, -EBADMSG, "%s:%u: unknown name `%.*s` (expected public-key%s)", path,
                       line, (int)(name_len > 40 ? 40 : name_len), name,
                       secret ? " or secret-key" : "");
    }
    if (slot[0])
        return err_set(e, -EBADMSG, "%s:%u: %.10s given twice", path, line, name);
    if (value_len != KEYS_Z85_LEN)
        return err_set(e, -EBADMSG, "%s:%u: %.10s: expected %d Z85 characters, got %zu", path, line,
                       name, KEYS_Z85_LEN, value_len);
    memcpy(slot, value, KEYS_Z85_LEN);
    slot[KEYS_Z85_LEN] = '\0';
    if (keys_z85_check(slot, NULL, e) < 0) {
        explicit_bzero(slot, KEYS_Z85_LEN + 1);
        return err_prefix(e, "%s:%u: %.10s: ", path, line, name);
    }
    return 0;
}

/* Reads and parses the key file at path into out (wiped on failure). */
static int s_read_file(const char *path, bool secret, keys_file_t *out, err_t *e)
{
    char buf[KEYS_FILE_MAX + 2];
    memset(out, 0, sizeof *out);
    int rc = s_slurp(path, buf, secret, e);
    const char *p = buf;
    unsigned line = 0;
    while (rc == 0 && *p) {
        line++;
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *next = nl ? nl + 1 : p + len;
        while (len && s_blank(*p)) {
            p++;
            len--;
        }
        while (len && s_blank(p[len - 1]))
            len--;
        if (len && *p != '#')
            rc = s_parse_line(path, line, p, len, secret, out, e);
        p = next;
    }
    explicit_bzero(buf, sizeof buf);
    if (rc == 0 && !out->public_z85[0])
        rc = err_set(e, -EBADMSG, "%s: no public-key line", path);
    if (rc == 0 && secret && !out->secret_z85[0])
        rc = err_set(e, -EBADMSG, "%s: no secret-key line", path);
    if (rc < 0)
        explicit_bzero(out, sizeof *out);
    return rc;
}

int keys_read_secret(const char *path, keys_pair_t *pair, err_t *e)
{
    keys_file_t file;
    int rc = s_read_file(path, true, &file, e);
    if (rc < 0)
        return rc;
    char derived[KEYS_Z85_LEN + 1];
    if (zmq_curve_public(derived, file.secret_z85) < 0) {
        int code = errno;
        rc = err_set(e, -code, "%s: cannot derive the public key: %s", path, zmq_strerror(code));
    } else if (memcmp(derived, file.public_z85, KEYS_Z85_LEN) != 0) {
        rc = err_set(e, -EKEYREJECTED,
                     "%s: public-key is not the secret key's public key (the file was edited "
                     "or assembled from two pairs)",
                     path);
    } else {
        memcpy(pair->public_z85, file.public_z85, sizeof pair->public_z85);
        memcpy(pair->secret_z85, file.secret_z85, sizeof pair->secret_z85);
    }
    explicit_bzero(&file, sizeof file);
    return rc;
}

int keys_read_public(const char *path, char *z85out, err_t *e)
{
    keys_file_t file;
    int rc = s_read_file(path, false, &file, e);
    if (rc < 0)
        return rc;
    memcpy(z85out, file.public_z85, KEYS_Z85_LEN + 1);
    return 0;
}

keys_allow_t *keys_allow_new(void)
{
    return mem_calloc(1, sizeof(keys_allow_t));
}

void keys_allow_destroy(keys_allow_t **self_p)
{
    keys_allow_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->n; i++)
        free(self->entries[i].name);
    free(self->entries);
    free(self);
    *self_p = NULL;
}

keys_allow_t *keys_allow_dup(const keys_allow_t *self)
{
    keys_allow_t *copy = keys_allow_new();
    copy->cap = copy->n = self->n;
    copy->entries = mem_calloc(self->n, sizeof(keys_entry_t));
    for (size_t i = 0; i < self->n; i++) {
        memcpy(copy->entries[i].key, self->entries[i].key, KEYS_BIN_LEN);
        copy->entries[i].name = mem_strdup(self->entries[i].name);
    }
    return copy;
}

int keys_allow_add(keys_allow_t *self, const char *public_z85, const char *name, err_t *e)
{
    uint8_t key[KEYS_BIN_LEN];
    int rc = keys_z85_check(public_z85, key, e);
    if (rc < 0)
        return err_prefix(e, "%s: ", name);
    if (keys_allow_find(self, key) >= 0)
        return 0;
    if (self->n >= KEYS_ALLOW_MAX)
        return err_set(e, -E2BIG, "%s: more than %d authorized keys", name, KEYS_ALLOW_MAX);
    if (self->n == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 8;
        self->entries = mem_realloc(self->entries, self->cap * sizeof(keys_entry_t));
    }
    memcpy(self->entries[self->n].key, key, KEYS_BIN_LEN);
    self->entries[self->n].name = mem_strdup(name);
    self->n++;
    return 0;
}

size_t keys_allow_size(const keys_allow_t *self)
{
    return self->n;
}

long keys_allow_find(const keys_allow_t *self, const uint8_t key[KEYS_BIN_LEN])
{
    /* A linear scan: lists hold a handful of mappers, and a refusal is not
     * a hot path.  Public keys are not secret, so memcmp's timing is fine. */
    for (size_t i = 0; i < self->n; i++) {
        if (memcmp(self->entries[i].key, key, KEYS_BIN_LEN) == 0)
            return (long)i;
    }
    return -1;
}

const char *keys_allow_name(const keys_allow_t *self, size_t i)
{
    return i < self->n ? self->entries[i].name : NULL;
}

/* scandir filter: visible names ending in ".pub". */
static int s_is_pub(const struct dirent *d)
{
    size_t len = strlen(d->d_name);
    return d->d_name[0] != '.' && len > 4 && memcmp(d->d_name + len - 4, ".pub", 4) == 0;
}

int keys_load_authorized(const char *dir, keys_allow_t **allow_p, err_t *e)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, s_is_pub, alphasort);
    if (n < 0) {
        int code = errno;
        if (code == ENOENT)
            return err_set(e, -ENOENT, "authorized keys directory %s: no such directory", dir);
        return err_set(e, -code, "authorized keys directory %s: %s", dir, strerror(code));
    }
    int rc = 0;
    if (n == 0)
        rc = err_set(e, -ENOENT,
                     "authorized keys directory %s: no *.pub files in it (with an "
                     "empty list every mapper would be refused)",
                     dir);
    else if (n > KEYS_ALLOW_MAX)
        rc = err_set(e, -E2BIG, "authorized keys directory %s: %d *.pub files, at most %d", dir, n,
                     KEYS_ALLOW_MAX);
    keys_allow_t *allow = keys_allow_new();
    for (int i = 0; i < n && rc == 0; i++) {
        char path[PATH_MAX];
        char z85[KEYS_Z85_LEN + 1];
        int len = snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (len < 0 || (size_t)len >= sizeof path)
            rc = err_set(e, -ENAMETOOLONG, "%s/%s: path too long", dir, names[i]->d_name);
        else if ((rc = keys_read_public(path, z85, e)) == 0)
            rc = keys_allow_add(allow, z85, names[i]->d_name, e);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc < 0) {
        keys_allow_destroy(&allow);
        return rc;
    }
    *allow_p = allow;
    return 0;
}

/* zmq_setsockopt with the failure named in e. */
static int s_setsockopt(void *sock, int option, const char *what, const void *value, size_t len,
                        err_t *e)
{
    if (zmq_setsockopt(sock, option, value, len) == 0)
        return 0;
    int code = errno;
    return err_set(e, -code, "zmq_setsockopt %s: %s", what, zmq_strerror(code));
}

/* Sets the ZAP domain, without which libzmq never asks the ZAP handler about
 * a plain peer, and asks it to fail closed where the library allows it:
 * otherwise a server socket whose context has no ZAP handler (not started
 * yet, or stopped) accepts every CURVE client key and every plain peer. */
static int s_zap_domain(void *sock, const char *domain, err_t *e)
{
    int rc = s_setsockopt(sock, ZMQ_ZAP_DOMAIN, "ZMQ_ZAP_DOMAIN", domain, strlen(domain), e);
    if (rc < 0)
        return rc;
    int one = 1;
    if (zmq_setsockopt(sock, KEYS_ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one) < 0 && errno != EINVAL)
        return err_set(e, -errno, "zmq_setsockopt ZMQ_ZAP_ENFORCE_DOMAIN: %s", zmq_strerror(errno));
    return 0;
}

static int s_require_curve(err_t *e)
{
    if (!zmq_has("curve"))
        return err_set(e, -ENOTSUP, "libzmq was built without CURVE support");
    return 0;
}

static int s_curve_server(void *sock, const keys_pair_t *server, const char *domain, err_t *e)
{
    int one = 1;
    int rc;
    if ((rc = s_require_curve(e)) < 0 || (rc = keys_z85_check(server->secret_z85, NULL, e)) < 0 ||
        (rc = s_setsockopt(sock, ZMQ_CURVE_SERVER, "ZMQ_CURVE_SERVER", &one, sizeof one, e)) < 0 ||
        (rc = s_setsockopt(sock, ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", server->secret_z85,
                           KEYS_Z85_LEN, e)) < 0 ||
        (rc = s_zap_domain(sock, domain, e)) < 0)
        return rc;
    return 0;
}

int keys_curve_server(void *sock, const keys_pair_t *server, err_t *e)
{
    return s_curve_server(sock, server, KEYS_ZAP_DOMAIN, e);
}

int keys_curve_server_for(void *sock, const keys_pair_t *server, const char *peer_z85, err_t *e)
{
    int rc = keys_z85_check(peer_z85, NULL, e);
    if (rc < 0)
        return err_set(e, -EINVAL, "the key a socket is for: %s", e->text);
    char domain[sizeof KEYS_ZAP_DOMAIN_FOR + KEYS_Z85_LEN];
    snprintf(domain, sizeof domain, "%s%s", KEYS_ZAP_DOMAIN_FOR, peer_z85);
    return s_curve_server(sock, server, domain, e);
}

int keys_curve_client(void *sock, const keys_pair_t *client, const char *server_public_z85,
                      err_t *e)
{
    int rc;
    if ((rc = s_require_curve(e)) < 0)
        return rc;
    if ((rc = keys_z85_check(server_public_z85, NULL, e)) < 0)
        return err_prefix(e, "server public key: ");
    if ((rc = keys_z85_check(client->public_z85, NULL, e)) < 0 ||
        (rc = keys_z85_check(client->secret_z85, NULL, e)) < 0)
        return err_prefix(e, "client key pair: ");
    if ((rc = s_setsockopt(sock, ZMQ_CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY", server_public_z85,
                           KEYS_Z85_LEN, e)) < 0 ||
        (rc = s_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY", client->public_z85,
                           KEYS_Z85_LEN, e)) < 0 ||
        (rc = s_setsockopt(sock, ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", client->secret_z85,
                           KEYS_Z85_LEN, e)) < 0)
        return rc;
    return 0;
}

int keys_null_server(void *sock, err_t *e)
{
    return s_zap_domain(sock, KEYS_ZAP_DOMAIN, e);
}
