/*
 * keys.h - CURVE key pairs, key files, the allow-list of mapper keys, and
 * the socket options that turn a ZeroMQ socket into a CURVE server or client.
 *
 * Remote mappers attach to a job over TCP; every such socket is encrypted and
 * authenticated with CURVE (zmq_curve(7)).  CURVE alone authenticates nobody:
 * a CURVE server accepts any client key unless a ZAP handler (zap.h) vets it,
 * and this module produces the allow-list that handler checks.  With zap.h it
 * is the only place besides transport.c that calls zmq_*.
 *
 * Key file format (written by keys_write and mr-keygen, read strictly here).
 * A text file of lines; blank lines and lines whose first non-blank character
 * is '#' are ignored; every other line is `NAME = VALUE` (blanks around the
 * '=' and at either end of the line are optional), where NAME is
 * `public-key` or `secret-key` and VALUE is exactly 40 characters of Z85
 * (ZeroMQ RFC 32) encoding a 32-byte key.  A name may appear once.
 *
 *     BASENAME.key (mode 0600, secret)      BASENAME.pub (mode 0644)
 *     # mr CURVE key pair ...               # mr CURVE public key ...
 *     public-key = <40 chars of Z85>        public-key = <40 chars of Z85>
 *     secret-key = <40 chars of Z85>
 *
 * A .key file must hold both keys, the public key must be the one the secret
 * key derives, and the file must not be readable or writable by group or
 * others (like ssh, we refuse a secret that may have leaked).  A .pub file must
 * hold the public key and nothing else: a secret-key line there is refused,
 * since it means a secret was about to be handed out.
 */
#ifndef MR_KEYS_H
#define MR_KEYS_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYS_Z85_LEN 40 /* characters of Z85 in one key */
#define KEYS_BIN_LEN 32 /* bytes in one decoded key */

/* The ZAP domain keys_curve_server and keys_null_server set; the ZAP handler
 * sees it in every request from mr's sockets. */
#define KEYS_ZAP_DOMAIN "mr"

/* The ZAP domain of a socket that only one key may reach (a remote mapper's
 * task socket): this prefix, then the key in Z85. */
#define KEYS_ZAP_DOMAIN_FOR "mr-for:"

/* The most keys an allow-list holds (keys_load_authorized refuses more), so a
 * directory filled by mistake cannot make us allocate without bound. */
#define KEYS_ALLOW_MAX 4096

/* A CURVE key pair, as Z85 text.  Caller-owned; keys_pair_fini wipes it. */
typedef struct keys_pair {
    char public_z85[KEYS_Z85_LEN + 1]; /* public key, Z85, NUL-terminated */
    char secret_z85[KEYS_Z85_LEN + 1]; /* secret key, Z85, NUL-terminated; never log it */
} keys_pair_t;

/* An allow-list of client public keys, each with a name for logs. */
typedef struct keys_allow keys_allow_t;

/* Fills pair with a fresh key pair (zmq_curve_keypair).  0, or -ENOTSUP when
 * libzmq was built without CURVE, with the reason in e. */
int keys_generate(keys_pair_t *pair, err_t *e);

/* Wipes both keys (explicit_bzero), so the secret does not linger in memory. */
void keys_pair_fini(keys_pair_t *pair);

/* Writes BASENAME.key (both keys, mode 0600) and BASENAME.pub (public key,
 * mode 0644) in the format above.  Each file is written to a temporary file
 * beside it and moved into place, so a reader never sees half a key.  Without
 * overwrite, fails with -EEXIST (and writes nothing) when either file exists;
 * with it, replaces them.  0 or -errno, with the file named in e. */
int keys_write(const keys_pair_t *pair, const char *basename, bool overwrite, err_t *e);

/* Reads a .key file into pair.  0 or -errno: -ENOENT (missing), -EPERM (group
 * or others may read or write it), -EBADMSG (malformed: e names the file and
 * line), -EKEYREJECTED (the public key is not the secret key's), -EFBIG (over
 * 4 KiB), -EINVAL (not a regular file), or open's -errno.  e names the file. */
int keys_read_secret(const char *path, keys_pair_t *pair, err_t *e);

/* Reads a .pub file's public key into z85out (KEYS_Z85_LEN + 1 bytes).
 * 0 or -errno: -ENOENT, -EBADMSG (malformed, or it holds a secret key: e
 * names the file and line), -EFBIG, -EINVAL, or open's -errno. */
int keys_read_public(const char *path, char *z85out, err_t *e);

/* Checks that text is exactly one key in Z85 (40 characters of the Z85
 * alphabet that decode, via zmq_z85_decode) and decodes it into bin (which
 * may be NULL).  0 or -EBADMSG with the reason in e. */
int keys_z85_check(const char *text, uint8_t bin[KEYS_BIN_LEN], err_t *e);

/* Returns a new empty allow-list, owned by the caller; never NULL. */
keys_allow_t *keys_allow_new(void);

/* Frees the list; accepts NULL; NULLs *self_p. */
void keys_allow_destroy(keys_allow_t **self_p);

/* Returns a deep copy of self, owned by the caller; never NULL. */
keys_allow_t *keys_allow_dup(const keys_allow_t *self);

/* Adds a public key (Z85) under name (copied; its file name, "alice.pub").  A key
 * already on the list is not added twice (0).  0, -EBADMSG (not a key), or
 * -E2BIG past KEYS_ALLOW_MAX, with the reason in e. */
int keys_allow_add(keys_allow_t *self, const char *public_z85, const char *name, err_t *e);

/* Number of keys on the list. */
size_t keys_allow_size(const keys_allow_t *self);

/* Index of the 32-byte key on the list, or -1. */
long keys_allow_find(const keys_allow_t *self, const uint8_t key[KEYS_BIN_LEN]);

/* Name of entry i (i < size), borrowed until keys_allow_destroy. */
const char *keys_allow_name(const keys_allow_t *self, size_t i);

/* Builds *allow_p from every regular file named *.pub (not starting with '.')
 * in dir, in name order, each entry named by its file name ("alice.pub").  Any
 * malformed file fails the whole load: a typo must not silently lock a
 * mapper out, or silently let one in.  0 or -errno: -ENOENT (dir missing or
 * holding no .pub file), -ENOTDIR, -EBADMSG (a malformed file, named in e),
 * -E2BIG.  *allow_p is set only on success, owned by the caller. */
int keys_load_authorized(const char *dir, keys_allow_t **allow_p, err_t *e);

/* Makes sock a CURVE server with server's secret key and sets the ZAP domain
 * KEYS_ZAP_DOMAIN.  Where libzmq supports it (the ZMQ_ZAP_ENFORCE_DOMAIN
 * draft option, present in Debian's build), also makes the socket fail closed
 * when no ZAP handler is bound, instead of accepting any client key.  Must be
 * called before zmq_bind/zmq_connect: options apply to the endpoints bound
 * or connected afterwards, all of them (an ipc:// endpoint on the same socket
 * is CURVE too).  0 or -errno (-ENOTSUP: libzmq has no CURVE; -EBADMSG: the
 * secret key is not Z85) with the reason in e. */
int keys_curve_server(void *sock, const keys_pair_t *server, err_t *e);

/* Like keys_curve_server, for a socket that only the client whose public
 * key is peer_z85 may reach: its ZAP domain is KEYS_ZAP_DOMAIN_FOR followed
 * by peer_z85, which the ZAP handler enforces (proto/net/zap.h).  0 or -errno
 * (-EINVAL: peer_z85 is not a Z85 key). */
int keys_curve_server_for(void *sock, const keys_pair_t *server, const char *peer_z85, err_t *e);

/* Makes sock a CURVE client with its own pair, that will only talk to the
 * server whose public key is server_public_z85.  Must be called before
 * zmq_connect/zmq_bind.  0 or -errno (-EBADMSG: server key is not Z85). */
int keys_curve_client(void *sock, const keys_pair_t *client, const char *server_public_z85,
                      err_t *e);

/* Leaves sock unencrypted (NULL mechanism) but sets the ZAP domain, which is
 * what makes libzmq ask the ZAP handler about plain peers at all: the handler
 * then refuses them unless it was started with allow_null (--insecure).  Like
 * keys_curve_server it fails closed where libzmq can, so a handler must run.
 * A socket left alone (no domain) never consults ZAP.  Before zmq_bind/
 * zmq_connect.  0 or -errno. */
int keys_null_server(void *sock, err_t *e);

#endif
