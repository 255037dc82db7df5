/*
 * transport.c - ZeroMQ sockets, sends, receives and polls.  See transport.h.
 */
#include "transport.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *transport_ctx_new(void)
{
    void *ctx = zmq_ctx_new();
    if (ctx)
        zmq_ctx_set(ctx, ZMQ_BLOCKY, 0);
    return ctx;
}

void transport_ctx_destroy(void **ctx_p)
{
    if (!*ctx_p)
        return;
    while (zmq_ctx_term(*ctx_p) < 0 && errno == EINTR)
        ;
    *ctx_p = NULL;
}

static int s_zmq_type(transport_kind_t kind)
{
    switch (kind) {
    case TRANSPORT_PUSH: return ZMQ_PUSH;
    case TRANSPORT_PULL: return ZMQ_PULL;
    case TRANSPORT_ROUTER: return ZMQ_ROUTER;
    default: return ZMQ_DEALER;
    }
}

void *transport_open_with(void *ctx, transport_kind_t kind, const char *endpoint, bool bind,
                          const transport_opts_t *opts, err_t *e)
{
    void *sock = zmq_socket(ctx, s_zmq_type(kind));
    if (!sock) {
        err_set(e, -errno, "zmq_socket: %s", zmq_strerror(errno));
        return NULL;
    }
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    int64_t max = opts && opts->max_msg ? (int64_t)opts->max_msg : 65536;
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
    /* Processes start together, so a connect often precedes its peer's bind;
     * retrying every 10 ms instead of libzmq's 100 ms cut a small job's
     * start-up time by most of a tenth of a second.  A local (ipc) peer is
     * a sibling process a few milliseconds from its bind, and a failed
     * connect to a socket file costs microseconds: retrying every 1 ms,
     * backing off to 8, took an empty job from 21 to 15 ms (issue 14).  A
     * TCP peer is another host: 10 ms, backing off to 200. */
    bool local = strncmp(endpoint, "ipc://", 6) == 0;
    int ivl = local ? 1 : 10;
    int ivl_max = local ? 8 : 200;
    zmq_setsockopt(sock, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(sock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    if (strncmp(endpoint, "tcp://[", 7) == 0) {
        /* An IPv6 address (tcp://[::1]:P) works only with this on: without
         * it the bind failed with "No such device".  Only then: on an IPv4
         * address it would make peers appear as ::ffff:10.0.0.2. */
        int on = 1;
        zmq_setsockopt(sock, ZMQ_IPV6, &on, sizeof on);
    }
    if (kind == TRANSPORT_ROUTER) {
        /* A reply to a peer that is gone is an error we see, not a silent
         * drop. */
        int on = 1;
        zmq_setsockopt(sock, ZMQ_ROUTER_MANDATORY, &on, sizeof on);
    }
    if (opts && opts->secure && opts->secure(sock, opts->secure_arg) < 0) {
        err_set(e, -EINVAL, "%s: cannot set up CURVE security", endpoint);
        zmq_close(sock);
        return NULL;
    }
    /* A refused handshake is reported once, at once: a monitor attached
     * after the connect could miss it, and libzmq does not retry it. */
    if (opts && opts->auth_watch)
        *opts->auth_watch = transport_watch_auth(ctx, sock, "open");
    int rc = bind ? zmq_bind(sock, endpoint) : zmq_connect(sock, endpoint);
    if (rc < 0) {
        int code = errno;
        err_set(e, -code, "%s %s: %s", bind ? "bind" : "connect", endpoint, zmq_strerror(code));
        if (opts && opts->auth_watch)
            transport_close(opts->auth_watch, 0);
        zmq_close(sock);
        return NULL;
    }
    return sock;
}

void *transport_open(void *ctx, transport_kind_t kind, const char *endpoint, bool bind,
                     size_t max_msg, err_t *e)
{
    transport_opts_t opts = { .max_msg = max_msg };
    return transport_open_with(ctx, kind, endpoint, bind, &opts, e);
}

void *transport_watch_auth(void *ctx, void *sock, const char *name)
{
    char endpoint[128];
    snprintf(endpoint, sizeof endpoint, "inproc://mr-watch-%s-%p", name, sock);
    if (zmq_socket_monitor(sock, endpoint, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) < 0)
        return NULL;
    void *watch = zmq_socket(ctx, ZMQ_PAIR);
    if (watch && zmq_connect(watch, endpoint) < 0) {
        zmq_close(watch);
        return NULL;
    }
    int linger = 0;
    if (watch)
        zmq_setsockopt(watch, ZMQ_LINGER, &linger, sizeof linger);
    return watch;
}

bool transport_auth_failed(void *watch)
{
    bool failed = false;
    for (;;) {
        /* A monitor event is two frames: 16-bit event and 32-bit value,
         * then the peer's endpoint. */
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, watch, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&part);
            return failed;
        }
        if (zmq_msg_size(&part) >= 2) {
            uint16_t event;
            memcpy(&event, zmq_msg_data(&part), sizeof event);
            if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
                failed = true;
        }
        while (zmq_msg_more(&part)) {
            zmq_msg_close(&part);
            zmq_msg_init(&part);
            if (zmq_msg_recv(&part, watch, ZMQ_DONTWAIT) < 0)
                break;
        }
        zmq_msg_close(&part);
    }
}

int transport_port(void *sock)
{
    char endpoint[256];
    size_t len = sizeof endpoint;
    if (zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, endpoint, &len) < 0)
        return 0;
    endpoint[sizeof endpoint - 1] = '\0';
    const char *colon = strrchr(endpoint, ':');
    if (!colon || strncmp(endpoint, "tcp://", 6) != 0)
        return 0;
    return (int)strtol(colon + 1, NULL, 10);
}

int transport_endpoint_host(const char *endpoint, char *host, size_t len)
{
    if (strncmp(endpoint, "tcp://", 6) != 0)
        return -EINVAL;
    const char *start = endpoint + 6;
    const char *colon = strrchr(start, ':');
    if (!colon || colon == start || (size_t)(colon - start) >= len)
        return -EINVAL;
    const char *port = colon + 1;
    if (strcmp(port, "*") != 0) {
        size_t digits = strspn(port, "0123456789");
        if (digits == 0 || digits > 5 || port[digits] != '\0' || strtol(port, NULL, 10) > 65535)
            return -EINVAL;
    }
    memcpy(host, start, (size_t)(colon - start));
    host[colon - start] = '\0';
    return 0;
}

int transport_send_to(void *router, const void *id, size_t id_len, const buf_t *header,
                      const void *payload, size_t payload_len)
{
    for (;;) {
        if (zmq_send(router, id, id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
            break;
        if (errno != EINTR)
            return -errno;
    }
    return transport_send(router, header, payload, payload_len, 0);
}

static int s_recv(void *sock, transport_msg_t *m, long timeout_ms, bool keep);

int transport_recv_from(void *router, void *id, size_t *id_len, transport_msg_t *m, long timeout_ms)
{
    transport_msg_t whole;
    m->n_parts = 0;
    int rc = s_recv(router, &whole, timeout_ms, true);
    if (rc < 0 && rc != -EBADMSG)
        return rc;
    /* Two parts are kept: the routing id and the header.  A routed message
     * with a payload is not part of the protocol: refused, with the header
     * left in m so that the caller can name the sender. */
    if (rc == 0 && (whole.n_parts != 2 || zmq_msg_size(&whole.parts[0]) > TRANSPORT_ID_MAX))
        rc = -EBADMSG;
    *id_len = 0;
    if (rc == 0) {
        *id_len = zmq_msg_size(&whole.parts[0]);
        memcpy(id, zmq_msg_data(&whole.parts[0]), *id_len);
    }
    if (whole.n_parts == 2) {
        m->n_parts = 1;
        zmq_msg_init(&m->parts[0]);
        zmq_msg_move(&m->parts[0], &whole.parts[1]);
    }
    transport_msg_close(&whole);
    return rc;
}

int transport_poll_many(transport_poll_item_t *items, int n, long timeout_ms)
{
    zmq_pollitem_t zitems[8];
    if (n > 8)
        return -EINVAL;
    for (int i = 0; i < n; i++) {
        zitems[i] =
            (zmq_pollitem_t){ items[i].sock, items[i].sock ? 0 : items[i].fd, ZMQ_POLLIN, 0 };
        items[i].ready = false;
    }
    if (zmq_poll(zitems, n, timeout_ms) < 0)
        return -errno;
    for (int i = 0; i < n; i++)
        items[i].ready = (zitems[i].revents & ZMQ_POLLIN) != 0;
    return 0;
}

void transport_close(void **sock_p, int linger_ms)
{
    if (!*sock_p)
        return;
    int linger = linger_ms;
    zmq_setsockopt(*sock_p, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(*sock_p);
    *sock_p = NULL;
}

int transport_send(void *sock, const buf_t *header, const void *payload, size_t payload_len,
                   int flags)
{
    int zflags = (flags & TRANSPORT_DONTWAIT) ? ZMQ_DONTWAIT : 0;
    int more = payload ? ZMQ_SNDMORE : 0;
    for (;;) {
        if (zmq_send(sock, header->data, header->len, zflags | more) >= 0)
            break;
        if (errno != EINTR)
            return -errno;
    }
    if (!payload)
        return 0;
    zmq_msg_t msg;
    if (flags & TRANSPORT_ZEROCOPY) {
        zmq_msg_init_data(&msg, (void *)payload, payload_len, NULL, NULL);
    } else {
        zmq_msg_init_size(&msg, payload_len);
        if (payload_len)
            memcpy(zmq_msg_data(&msg), payload, payload_len);
    }
    /* Once the first part is queued the rest cannot fail with EAGAIN. */
    for (;;) {
        if (zmq_msg_send(&msg, sock, 0) >= 0)
            return 0;
        if (errno != EINTR) {
            int code = errno;
            zmq_msg_close(&msg);
            return -code;
        }
    }
}

/* transport_recv's body; keep: on a refused message, keep its first two
 * parts open in m rather than closing them. */
static int s_recv(void *sock, transport_msg_t *m, long timeout_ms, bool keep)
{
    m->n_parts = 0;
    if (timeout_ms >= 0) {
        bool ready = false;
        bool unused = false;
        int rc = transport_poll(sock, -1, timeout_ms, &ready, &unused);
        if (rc < 0)
            return rc;
        if (!ready)
            return -EAGAIN;
    }
    bool refused = false;
    for (;;) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, sock, 0) < 0) {
            int code = errno;
            zmq_msg_close(&part);
            if (code == EINTR && m->n_parts == 0 && !refused)
                return -EINTR;
            if (code == EINTR)
                continue;
            transport_msg_close(m);
            return -code;
        }
        bool more = zmq_msg_more(&part);
        if (m->n_parts < 2 && !refused) {
            m->parts[m->n_parts++] = part;
        } else {
            refused = true;
            zmq_msg_close(&part);
        }
        if (!more)
            break;
    }
    if (refused) {
        if (!keep)
            transport_msg_close(m);
        return -EBADMSG;
    }
    return 0;
}

int transport_recv(void *sock, transport_msg_t *m, long timeout_ms)
{
    return s_recv(sock, m, timeout_ms, false);
}

const void *transport_msg_data(transport_msg_t *m, int i)
{
    return i < m->n_parts ? zmq_msg_data(&m->parts[i]) : NULL;
}

size_t transport_msg_size(transport_msg_t *m, int i)
{
    return i < m->n_parts ? zmq_msg_size(&m->parts[i]) : 0;
}

void transport_msg_move(transport_msg_t *dst, transport_msg_t *src)
{
    dst->n_parts = 0;
    for (int i = 0; i < src->n_parts; i++) {
        zmq_msg_init(&dst->parts[i]);
        zmq_msg_move(&dst->parts[i], &src->parts[i]);
        zmq_msg_close(&src->parts[i]);
        dst->n_parts++;
    }
    src->n_parts = 0;
}

const char *transport_msg_peer(transport_msg_t *m, int i, char *buf, size_t len)
{
    const char *addr = i < m->n_parts ? zmq_msg_gets(&m->parts[i], "Peer-Address") : NULL;
    snprintf(buf, len, "%s", addr ? addr : "?");
    return buf;
}

const char *transport_msg_user(transport_msg_t *m, int i, char *buf, size_t len)
{
    const char *user = i < m->n_parts ? zmq_msg_gets(&m->parts[i], "User-Id") : NULL;
    snprintf(buf, len, "%s", user ? user : "");
    return buf;
}

void transport_msg_close(transport_msg_t *m)
{
    for (int i = 0; i < m->n_parts; i++)
        zmq_msg_close(&m->parts[i]);
    m->n_parts = 0;
}

int transport_poll(void *sock, int fd, long timeout_ms, bool *sock_ready, bool *fd_ready)
{
    zmq_pollitem_t items[2] = {
        { sock, 0, ZMQ_POLLIN, 0 },
        { NULL, fd, ZMQ_POLLIN, 0 },
    };
    int n = fd >= 0 ? 2 : 1;
    *sock_ready = false;
    *fd_ready = false;
    if (zmq_poll(items, n, timeout_ms) < 0)
        return -errno;
    *sock_ready = (items[0].revents & ZMQ_POLLIN) != 0;
    *fd_ready = n == 2 && (items[1].revents & ZMQ_POLLIN) != 0;
    return 0;
}
