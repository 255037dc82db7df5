/*
 * zap.c - the ZAP handler thread.  See zap.h for what it answers and when.
 *
 * The REP socket is created and bound in the caller's thread, so a failure
 * (another handler already bound, a terminated context) comes back from
 * zap_start, and the endpoint exists before any server socket is bound; it
 * then moves to the handler thread (pthread_create is the full memory
 * barrier a ZeroMQ socket needs to change threads) and is used and closed
 * there only.  The thread is woken to stop through a plain pipe that
 * zmq_poll watches beside the socket: a pipe rather than a second inproc
 * socket, because the caller then holds no ZeroMQ socket of its own that
 * zmq_ctx_term would wait for, so stop and term work in either order.
 */
#include "zap.h"

#include "log.h"
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

/* A request has 6 frames and at most 2 of credentials (PLAIN's); frames past
 * this are drained and the request refused. */
#define ZAP_FRAMES_MAX 8

struct zap {
    pthread_t thread;               /* the handler thread */
    void *sock;                     /* REP socket at ZAP_ENDPOINT; the thread's once it runs */
    int wake[2];                    /* pipe: zap_stop writes [1], the thread polls [0] */
    keys_allow_t *allow;            /* owned copy of the allow-list, NULL for none */
    bool allow_null;                /* answer 200 to plain peers (--insecure) */
    atomic_uint_least64_t accepted; /* requests answered 200 */
    atomic_uint_least64_t refused;  /* requests answered 400 */
};

/* One request, as received (RFC 27 order; REP has removed the delimiter). */
typedef struct zap_request {
    zmq_msg_t frames[ZAP_FRAMES_MAX]; /* version, id, domain, address, identity, mechanism, creds */
    int n;                            /* frames received and open */
    bool too_many;                    /* more than ZAP_FRAMES_MAX frames arrived */
} zap_request_t;

enum { F_VERSION, F_ID, F_DOMAIN, F_ADDRESS, F_IDENTITY, F_MECHANISM, F_CREDENTIALS };

/* Whether frame i of r holds exactly the string s. */
static bool s_frame_is(zap_request_t *r, int i, const char *s)
{
    size_t len = strlen(s);
    return i < r->n && zmq_msg_size(&r->frames[i]) == len &&
           memcmp(zmq_msg_data(&r->frames[i]), s, len) == 0;
}

/* Copies frame i of r into out as printable text (for logs only). */
static void s_frame_text(zap_request_t *r, int i, char *out, size_t cap)
{
    size_t len = i < r->n ? zmq_msg_size(&r->frames[i]) : 0;
    const unsigned char *data = i < r->n ? zmq_msg_data(&r->frames[i]) : NULL;
    if (len > cap - 1)
        len = cap - 1;
    for (size_t k = 0; k < len; k++)
        out[k] = data[k] >= 0x20 && data[k] < 0x7f ? (char)data[k] : '?';
    out[len] = '\0';
}

/* Receives the frames of one request; 0 or -errno (-ETERM ends the thread). */
static int s_recv(void *sock, zap_request_t *r)
{
    r->n = 0;
    r->too_many = false;
    for (;;) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, sock, 0) < 0) {
            int code = errno;
            zmq_msg_close(&frame);
            if (code == EINTR)
                continue;
            return -code;
        }
        bool more = zmq_msg_more(&frame);
        if (r->n < ZAP_FRAMES_MAX) {
            r->frames[r->n++] = frame;
        } else {
            r->too_many = true;
            zmq_msg_close(&frame);
        }
        if (!more)
            return 0;
    }
}

static void s_request_close(zap_request_t *r)
{
    for (int i = 0; i < r->n; i++)
        zmq_msg_close(&r->frames[i]);
    r->n = 0;
}

/* Sends one reply frame, retrying on EINTR. */
static int s_send(void *sock, const void *data, size_t len, bool more)
{
    while (zmq_send(sock, data, len, more ? ZMQ_SNDMORE : 0) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    return 0;
}

/* Sends the reply to r: version, request id, status code and text, user id
 * and (empty) metadata, as RFC 27 orders them. */
static int s_reply(void *sock, zap_request_t *r, const char *code, const char *text,
                   const char *user)
{
    const void *id = r->n > F_ID ? zmq_msg_data(&r->frames[F_ID]) : "";
    size_t id_len = r->n > F_ID ? zmq_msg_size(&r->frames[F_ID]) : 0;
    int rc;
    if ((rc = s_send(sock, "1.0", 3, true)) < 0 || (rc = s_send(sock, id, id_len, true)) < 0 ||
        (rc = s_send(sock, code, strlen(code), true)) < 0 ||
        (rc = s_send(sock, text, strlen(text), true)) < 0 ||
        (rc = s_send(sock, user, strlen(user), true)) < 0 || (rc = s_send(sock, "", 0, false)) < 0)
        return rc;
    return 0;
}

/* Decides one request and answers it. */
static int s_serve(zap_t *self, zap_request_t *r)
{
    char address[64];
    char domain[sizeof KEYS_ZAP_DOMAIN_FOR + KEYS_Z85_LEN];
    char mechanism[16];
    s_frame_text(r, F_ADDRESS, address, sizeof address);
    s_frame_text(r, F_DOMAIN, domain, sizeof domain);
    s_frame_text(r, F_MECHANISM, mechanism, sizeof mechanism);

    if (r->too_many || r->n <= F_MECHANISM || !s_frame_is(r, F_VERSION, "1.0")) {
        atomic_fetch_add(&self->refused, 1);
        log_warn("ZAP: refused peer %s: malformed ZAP request (%d frames)", address, r->n);
        return s_reply(self->sock, r, "400", "malformed ZAP request", "");
    }
    if (s_frame_is(r, F_MECHANISM, "CURVE")) {
        if (r->n != F_CREDENTIALS + 1 || zmq_msg_size(&r->frames[F_CREDENTIALS]) != KEYS_BIN_LEN) {
            atomic_fetch_add(&self->refused, 1);
            log_warn("ZAP: refused CURVE peer %s: malformed credentials", address);
            return s_reply(self->sock, r, "400", "malformed CURVE credentials", "");
        }
        const uint8_t *key = zmq_msg_data(&r->frames[F_CREDENTIALS]);
        long i = self->allow ? keys_allow_find(self->allow, key) : -1;
        char z85[KEYS_Z85_LEN + 1];
        zmq_z85_encode(z85, key, KEYS_BIN_LEN);
        /* A socket meant for one key (a remote mapper's task socket) takes
         * no other, authorized or not: another key holder would receive
         * that mapper's chunks. */
        size_t for_len = strlen(KEYS_ZAP_DOMAIN_FOR);
        if (i >= 0 && strncmp(domain, KEYS_ZAP_DOMAIN_FOR, for_len) == 0 &&
            strcmp(domain + for_len, z85) != 0) {
            atomic_fetch_add(&self->refused, 1);
            log_warn("ZAP: refused CURVE peer %s: key %s (%s) may not connect to a socket meant "
                     "for another key",
                     address, z85, keys_allow_name(self->allow, (size_t)i));
            return s_reply(self->sock, r, "400", "socket meant for another key", "");
        }
        if (i >= 0) {
            atomic_fetch_add(&self->accepted, 1);
            /* The user id receivers see (transport_msg_user): the key
             * itself, which no two peers share, unlike file names. */
            return s_reply(self->sock, r, "200", "OK", z85);
        }
        atomic_fetch_add(&self->refused, 1);
        log_warn("ZAP: refused CURVE peer %s (domain %s): public key %s is not authorized", address,
                 domain, z85);
        return s_reply(self->sock, r, "400", "public key not authorized", "");
    }
    if (s_frame_is(r, F_MECHANISM, "NULL")) {
        if (self->allow_null) {
            atomic_fetch_add(&self->accepted, 1);
            return s_reply(self->sock, r, "200", "OK", "");
        }
        atomic_fetch_add(&self->refused, 1);
        log_warn("ZAP: refused plain (unencrypted, unauthenticated) peer %s (domain %s)", address,
                 domain);
        return s_reply(self->sock, r, "400", "plain connections are not allowed", "");
    }
    atomic_fetch_add(&self->refused, 1);
    log_warn("ZAP: refused peer %s (domain %s): mechanism %s is not allowed", address, domain,
             mechanism);
    return s_reply(self->sock, r, "400", "mechanism not allowed", "");
}

static void *s_run(void *arg)
{
    zap_t *self = arg;
    zmq_pollitem_t items[2] = {
        { self->sock, 0, ZMQ_POLLIN, 0 },
        { NULL, self->wake[0], ZMQ_POLLIN, 0 },
    };
    for (;;) {
        if (zmq_poll(items, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break; /* ETERM: zmq_ctx_term is waiting for our socket */
        }
        if (items[1].revents & ZMQ_POLLIN)
            break;
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        zap_request_t r;
        int rc = s_recv(self->sock, &r);
        if (rc == 0)
            rc = s_serve(self, &r);
        s_request_close(&r);
        if (rc == -ETERM)
            break;
        /* Nothing else fails here short of a libzmq bug; keep serving, since
         * a handler that quits leaves the server sockets without a judge. */
        if (rc < 0)
            log_error("ZAP: %s", zmq_strerror(-rc));
    }
    /* Unbind first: zmq_close frees the inproc name only later, in libzmq's
     * reaper thread, and a zap_start right after zap_stop would find it
     * still taken. */
    zmq_unbind(self->sock, ZAP_ENDPOINT);
    zmq_close(self->sock);
    self->sock = NULL;
    return NULL;
}

zap_t *zap_start(void *zmq_ctx, const keys_allow_t *allow, bool allow_null, err_t *e)
{
    zap_t *self = mem_calloc(1, sizeof *self);
    self->allow = allow ? keys_allow_dup(allow) : NULL;
    self->allow_null = allow_null;
    atomic_init(&self->accepted, 0);
    atomic_init(&self->refused, 0);

    self->sock = zmq_socket(zmq_ctx, ZMQ_REP);
    if (!self->sock) {
        err_set(e, -errno, "ZAP handler: zmq_socket: %s", zmq_strerror(errno));
        goto fail_alloc;
    }
    int linger = 0;
    zmq_setsockopt(self->sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(self->sock, ZAP_ENDPOINT) < 0) {
        int code = errno;
        if (code == EADDRINUSE)
            err_set(e, -EADDRINUSE, "ZAP handler: this context already has one at %s",
                    ZAP_ENDPOINT);
        else
            err_set(e, -code, "ZAP handler: bind %s: %s", ZAP_ENDPOINT, zmq_strerror(code));
        goto fail_sock;
    }
    if (pipe2(self->wake, O_CLOEXEC) < 0) {
        err_set(e, -errno, "ZAP handler: pipe: %s", strerror(errno));
        goto fail_sock;
    }
    /* The thread inherits the signal mask in force at pthread_create. */
    sigset_t all;
    sigset_t old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&self->thread, NULL, s_run, self);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        err_set(e, -rc, "ZAP handler: pthread_create: %s", strerror(rc));
        goto fail_pipe;
    }
    return self;

fail_pipe:
    close(self->wake[0]);
    close(self->wake[1]);
fail_sock:
    zmq_close(self->sock);
fail_alloc:
    keys_allow_destroy(&self->allow);
    free(self);
    return NULL;
}

void zap_stop(zap_t **self_p)
{
    zap_t *self = *self_p;
    if (!self)
        return;
    /* The read end is ours until below, so this write cannot raise SIGPIPE
     * even when the thread has already ended on ETERM. */
    char byte = 0;
    while (write(self->wake[1], &byte, 1) < 0 && errno == EINTR)
        ;
    pthread_join(self->thread, NULL);
    close(self->wake[0]);
    close(self->wake[1]);
    keys_allow_destroy(&self->allow);
    free(self);
    *self_p = NULL;
}

zap_stats_t zap_stats(const zap_t *self)
{
    zap_stats_t stats = {
        .accepted = atomic_load(&self->accepted),
        .refused = atomic_load(&self->refused),
    };
    return stats;
}
