/*
 * token.c - assignment tokens: a keyed BLAKE2b (libsodium's generichash)
 * over the attempt's identity.  See token.h.
 */
#include "token.h"

#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

/* Longest peer key that counts: a Z85 public key is 40 characters. */
#define TOKEN_PEER_MAX 64

int token_secret_create(token_secret_t *secret, const char *path, err_t *e)
{
    if (sodium_init() < 0)
        return err_set(e, -ENOSYS, "token secret: libsodium cannot start");
    randombytes_buf(secret->key, sizeof secret->key);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return err_set(e, -errno, "token secret %s: %s", path, strerror(errno));
    int rc = proc_write_all(fd, secret->key, sizeof secret->key);
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc < 0) {
        unlink(path);
        return err_set(e, rc, "token secret %s: %s", path, strerror(-rc));
    }
    return 0;
}

int token_secret_read(token_secret_t *secret, const char *path, err_t *e)
{
    if (sodium_init() < 0)
        return err_set(e, -ENOSYS, "token secret: libsodium cannot start");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return err_set(e, -errno, "token secret %s: %s", path, strerror(errno));
    uint8_t extra[TOKEN_SECRET_LEN + 1];
    ssize_t n = proc_read_full(fd, extra, sizeof extra);
    int code = n < 0 ? (int)n : 0;
    close(fd);
    if (code < 0)
        return err_set(e, code, "token secret %s: %s", path, strerror(-code));
    if (n != TOKEN_SECRET_LEN)
        return err_set(e, -EBADMSG, "token secret %s: %zd bytes, expected %d", path, n,
                       TOKEN_SECRET_LEN);
    memcpy(secret->key, extra, sizeof secret->key);
    sodium_memzero(extra, sizeof extra);
    return 0;
}

void token_make(const token_secret_t *secret, uint64_t chunk, uint32_t attempt, uint32_t mapper,
                const char *peer, uint8_t out[PROTO_TOKEN_LEN])
{
    /* Fixed-width fields, then the peer key: no two inputs share bytes. */
    uint8_t in[8 + 4 + 4 + TOKEN_PEER_MAX];
    size_t n = 0;
    for (int i = 0; i < 8; i++)
        in[n++] = (uint8_t)(chunk >> (8 * i));
    for (int i = 0; i < 4; i++)
        in[n++] = (uint8_t)(attempt >> (8 * i));
    for (int i = 0; i < 4; i++)
        in[n++] = (uint8_t)(mapper >> (8 * i));
    size_t peer_len = strnlen(peer, TOKEN_PEER_MAX);
    memcpy(in + n, peer, peer_len);
    n += peer_len;
    crypto_generichash(out, PROTO_TOKEN_LEN, in, n, secret->key, sizeof secret->key);
}

bool token_check(const token_secret_t *secret, const proto_msg_t *msg, const char *peer)
{
    uint8_t want[PROTO_TOKEN_LEN];
    token_make(secret, msg->chunk, msg->attempt, msg->mapper, peer, want);
    return sodium_memcmp(want, msg->token, PROTO_TOKEN_LEN) == 0;
}
