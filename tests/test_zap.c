/*
 * test_zap.c - tests proto/net/zap.c, the ZAP handler, over real TCP sockets.
 *
 * Each test makes a context, starts the handler with an allow-list holding
 * one client key, binds a CURVE PULL server on tcp://127.0.0.1:* (the port
 * read back with ZMQ_LAST_ENDPOINT) and connects PUSH clients: the
 * authorized key gets its message through (and the receiver sees its key as
 * User-Id); an unknown key, a plain client, and a client that expects
 * another server key are refused (their message does not arrive) and the
 * unknown key's refusal is counted and logged with its address and Z85 key;
 * plain peers of a NULL server are judged by the allow_null flag; and
 * stopping the handler and terminating the context never hangs, in either
 * order.  SIGALRM turns a hang into a failure well before ctest's timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "skip.h"
#include "zap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

/* How long a message that should arrive may take, and how long one that
 * should not is waited for once the handler has refused its sender. */
#define ARRIVE_MS 5000
#define ABSENT_MS 500

/* What every test starts from. */
typedef struct fixture {
    void *ctx;           /* a fresh context */
    keys_pair_t server;  /* the server's pair */
    keys_pair_t client;  /* a pair on the allow-list, as "client.pub" */
    keys_pair_t other;   /* a pair that is not */
    keys_allow_t *allow; /* holds client's public key */
    char endpoint[64];   /* the server's bound endpoint, after s_server */
} fixture_t;

static int s_setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    err_t e;
    err_init(&e);
    f->ctx = zmq_ctx_new();
    if (!f->ctx || keys_generate(&f->server, &e) < 0 || keys_generate(&f->client, &e) < 0 ||
        keys_generate(&f->other, &e) < 0)
        return -1;
    f->allow = keys_allow_new();
    if (keys_allow_add(f->allow, f->client.public_z85, "client.pub", &e) < 0)
        return -1;
    *state = f;
    alarm(30); /* a hang fails this test instead of reaching ctest's timeout */
    return 0;
}

static int s_teardown(void **state)
{
    fixture_t *f = *state;
    if (f->ctx)
        zmq_ctx_term(f->ctx);
    keys_allow_destroy(&f->allow);
    free(f);
    alarm(0);
    return 0;
}

static long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A PULL server bound on a free loopback port: CURVE with f->server when
 * curve, else plain with the ZAP domain set.  Its endpoint goes to f. */
static void *s_server(fixture_t *f, bool curve)
{
    err_t e;
    err_init(&e);
    void *s = zmq_socket(f->ctx, ZMQ_PULL);
    assert_non_null(s);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    if (curve)
        assert_int_equal(keys_curve_server(s, &f->server, &e), 0);
    else
        assert_int_equal(keys_null_server(s, &e), 0);
    assert_int_equal(zmq_bind(s, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof f->endpoint;
    assert_int_equal(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, f->endpoint, &len), 0);
    assert_non_null(strstr(f->endpoint, "tcp://127.0.0.1:"));
    return s;
}

/* A PUSH client in its own context (as a remote mapper would be) that
 * connects to f->endpoint with pair and server_z85 (pair NULL: plain) and
 * queues one message. */
static void *s_client(fixture_t *f, void *ctx, const keys_pair_t *pair, const char *server_z85,
                      const char *text)
{
    err_t e;
    err_init(&e);
    void *c = zmq_socket(ctx, ZMQ_PUSH);
    assert_non_null(c);
    int zero = 0;
    zmq_setsockopt(c, ZMQ_LINGER, &zero, sizeof zero);
    if (pair)
        assert_int_equal(keys_curve_client(c, pair, server_z85, &e), 0);
    assert_int_equal(zmq_connect(c, f->endpoint), 0);
    /* With ZMQ_IMMEDIATE off (the default) the message is queued at once and
     * leaves when, and only when, a handshake succeeds. */
    assert_int_equal(zmq_send(c, text, strlen(text), ZMQ_DONTWAIT), (int)strlen(text));
    return c;
}

/* Waits up to ms for a message on s; returns its size (copied into msg) or
 * -1.  The User-Id property goes to user (64 bytes) when not NULL. */
static int s_recv(void *s, long ms, char *out, size_t cap, char *user)
{
    zmq_pollitem_t item = { s, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll(&item, 1, ms) <= 0)
        return -1;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    int n = zmq_msg_recv(&msg, s, ZMQ_DONTWAIT);
    if (n >= 0) {
        size_t len = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
        memcpy(out, zmq_msg_data(&msg), len);
        out[len] = '\0';
        if (user) {
            const char *id = zmq_msg_gets(&msg, "User-Id");
            snprintf(user, 64, "%s", id ? id : "");
        }
    }
    zmq_msg_close(&msg);
    return n;
}

/* Waits up to ms for the handler's refused counter to reach n. */
static bool s_wait_refused(zap_t *zap, uint64_t n, long ms)
{
    long end = s_now_ms() + ms;
    while (zap_stats(zap).refused < n) {
        if (s_now_ms() > end)
            return false;
        usleep(10000);
    }
    return true;
}

/* Whether this libzmq has ZMQ_ZAP_ENFORCE_DOMAIN (a draft option). */
static bool s_has_enforce(void *ctx)
{
    void *s = zmq_socket(ctx, ZMQ_PULL);
    int one = 1;
    bool ok = zmq_setsockopt(s, 93, &one, sizeof one) == 0;
    zmq_close(s);
    return ok;
}

/* The usage example: handler first, then the server, then clients. */
static void test_authorized_client_gets_through(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    zap_t *zap = zap_start(f->ctx, f->allow, false, &e);
    assert_non_null(zap);
    void *server = s_server(f, true);

    void *cctx = zmq_ctx_new();
    void *client = s_client(f, cctx, &f->client, f->server.public_z85, "hello");
    char text[16];
    char user[64];
    assert_int_equal(s_recv(server, ARRIVE_MS, text, sizeof text, user), 5);
    assert_string_equal(text, "hello");
    assert_string_equal(user, f->client.public_z85);
    zap_stats_t st = zap_stats(zap);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(st.refused, 0);

    zmq_close(client);
    zmq_ctx_term(cctx);
    zmq_close(server);
    zap_stop(&zap);
    assert_null(zap);
    zap_stop(&zap); /* accepts NULL */
}

/* Runs fn with stderr going to a file; returns what was written (free it). */
static char *s_capture_stderr(void (*fn)(fixture_t *, void *), fixture_t *f, void *arg)
{
    char path[] = "/tmp/test_zap.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    fn(f, arg);
    dup2(saved, STDERR_FILENO);
    close(saved);
    char *out = calloc(1, 8192);
    ssize_t n = pread(fd, out, 8191, 0);
    assert_true(n >= 0);
    close(fd);
    unlink(path);
    return out;
}

/* Connects a client with f->other and waits for its refusal. */
static void s_unknown_key_attempt(fixture_t *f, void *arg)
{
    zap_t *zap = arg;
    void *server = s_server(f, true);
    void *cctx = zmq_ctx_new();
    void *client = s_client(f, cctx, &f->other, f->server.public_z85, "intruder");
    bool refused = s_wait_refused(zap, 1, ARRIVE_MS);
    char text[16];
    int got = s_recv(server, ABSENT_MS, text, sizeof text, NULL);
    zmq_close(client);
    zmq_ctx_term(cctx);
    zmq_close(server);
    assert_true(refused);
    assert_int_equal(got, -1);
}

static void test_unknown_key_is_refused_and_logged(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    zap_t *zap = zap_start(f->ctx, f->allow, false, &e);
    assert_non_null(zap);
    char *log = s_capture_stderr(s_unknown_key_attempt, f, zap);
    zap_stats_t st = zap_stats(zap);
    assert_true(st.refused >= 1); /* the client retries, so maybe more */
    assert_int_equal(st.accepted, 0);
    if (!strstr(log, f->other.public_z85) || !strstr(log, "127.0.0.1") || !strstr(log, "warning"))
        fail_msg("refusal log lacks the key, the address or the level:\n%s", log);
    assert_null(strstr(log, f->other.secret_z85));
    free(log);
    zap_stop(&zap);
}

/* A socket made for one key (a remote mapper's task socket) refuses every
 * other key, authorized or not, and takes its own. */
static void test_socket_for_one_key(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    assert_int_equal(keys_allow_add(f->allow, f->other.public_z85, "other.pub", &e), 0);
    zap_t *zap = zap_start(f->ctx, f->allow, false, &e);
    assert_non_null(zap);
    void *server = zmq_socket(f->ctx, ZMQ_PULL);
    int zero = 0;
    zmq_setsockopt(server, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(keys_curve_server_for(server, &f->server, f->client.public_z85, &e), 0);
    assert_int_equal(zmq_bind(server, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof f->endpoint;
    assert_int_equal(zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, f->endpoint, &len), 0);

    void *cctx = zmq_ctx_new();
    void *thief = s_client(f, cctx, &f->other, f->server.public_z85, "steal");
    assert_true(s_wait_refused(zap, 1, ARRIVE_MS));
    void *owner = s_client(f, cctx, &f->client, f->server.public_z85, "mine");
    char text[16];
    char user[64];
    assert_int_equal(s_recv(server, ARRIVE_MS, text, sizeof text, user), 4);
    assert_string_equal(text, "mine");
    assert_string_equal(user, f->client.public_z85);
    assert_int_equal(s_recv(server, ABSENT_MS, text, sizeof text, NULL), -1);
    assert_int_equal(zap_stats(zap).accepted, 1);

    assert_int_equal(keys_curve_server_for(server, &f->server, "not a key", &e), -EINVAL);
    zmq_close(thief);
    zmq_close(owner);
    zmq_ctx_term(cctx);
    zmq_close(server);
    zap_stop(&zap);
}

static void test_plain_client_is_refused(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    zap_t *zap = zap_start(f->ctx, f->allow, false, &e);
    assert_non_null(zap);
    void *server = s_server(f, true);
    void *cctx = zmq_ctx_new();
    void *client = s_client(f, cctx, NULL, NULL, "plain");
    char text[16];
    /* The mechanisms differ (NULL against CURVE), so the handshake fails
     * before ZAP is even asked. */
    assert_int_equal(s_recv(server, 2 * ABSENT_MS, text, sizeof text, NULL), -1);
    assert_int_equal(zap_stats(zap).accepted, 0);
    zmq_close(client);
    zmq_ctx_term(cctx);
    zmq_close(server);
    zap_stop(&zap);
}

static void test_wrong_server_key_is_refused(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    zap_t *zap = zap_start(f->ctx, f->allow, false, &e);
    assert_non_null(zap);
    void *server = s_server(f, true);
    void *cctx = zmq_ctx_new();
    /* An authorized client that expects another server: it must not talk. */
    void *client = s_client(f, cctx, &f->client, f->other.public_z85, "misdirected");
    char text[16];
    assert_int_equal(s_recv(server, 2 * ABSENT_MS, text, sizeof text, NULL), -1);
    assert_int_equal(zap_stats(zap).accepted, 0);
    zmq_close(client);
    zmq_ctx_term(cctx);
    zmq_close(server);
    zap_stop(&zap);
}

/* A plain server with a ZAP domain: plain peers only with allow_null. */
static void test_null_mechanism_needs_allow_null(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    zap_t *zap = zap_start(f->ctx, f->allow, false, &e);
    assert_non_null(zap);
    void *server = s_server(f, false);
    void *cctx = zmq_ctx_new();
    void *client = s_client(f, cctx, NULL, NULL, "plain");
    assert_true(s_wait_refused(zap, 1, ARRIVE_MS));
    char text[16];
    assert_int_equal(s_recv(server, ABSENT_MS, text, sizeof text, NULL), -1);
    assert_int_equal(zap_stats(zap).accepted, 0);
    zmq_close(client);
    zmq_close(server);
    zap_stop(&zap);

    /* --insecure: the same peer is let in. */
    zap = zap_start(f->ctx, NULL, true, &e);
    assert_non_null(zap);
    server = s_server(f, false);
    client = s_client(f, cctx, NULL, NULL, "plain");
    assert_int_equal(s_recv(server, ARRIVE_MS, text, sizeof text, NULL), 5);
    assert_string_equal(text, "plain");
    assert_int_equal(zap_stats(zap).accepted, 1);
    assert_int_equal(zap_stats(zap).refused, 0);
    zmq_close(client);
    zmq_ctx_term(cctx);
    zmq_close(server);
    zap_stop(&zap);
}

/* Where libzmq can (ZMQ_ZAP_ENFORCE_DOMAIN), a CURVE server without a
 * handler refuses even a key that would be authorized, rather than accept
 * everyone. */
static void test_no_handler_fails_closed(void **state)
{
    fixture_t *f = *state;
    if (!s_has_enforce(f->ctx))
        SKIP_BECAUSE("this libzmq lacks the draft option ZMQ_ZAP_ENFORCE_DOMAIN");
    void *server = s_server(f, true);
    void *cctx = zmq_ctx_new();
    void *client = s_client(f, cctx, &f->client, f->server.public_z85, "early");
    char text[16];
    assert_int_equal(s_recv(server, 2 * ABSENT_MS, text, sizeof text, NULL), -1);
    zmq_close(client);
    zmq_ctx_term(cctx);
    zmq_close(server);
}

static void test_one_handler_per_context(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    zap_t *zap = zap_start(f->ctx, f->allow, false, &e);
    assert_non_null(zap);
    zap_t *second = zap_start(f->ctx, f->allow, false, &e);
    assert_null(second);
    assert_int_equal(e.code, -EADDRINUSE);
    assert_non_null(strstr(e.text, ZAP_ENDPOINT));
    zap_stop(&zap);

    /* Once stopped, the endpoint is free again. */
    zap = zap_start(f->ctx, f->allow, false, &e);
    assert_non_null(zap);
    zap_stop(&zap);
}

/* The allow-list is copied: the caller may free its own at once. */
static void test_allow_list_is_copied(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    zap_t *zap = zap_start(f->ctx, f->allow, false, &e);
    assert_non_null(zap);
    keys_allow_destroy(&f->allow);
    void *server = s_server(f, true);
    void *cctx = zmq_ctx_new();
    void *client = s_client(f, cctx, &f->client, f->server.public_z85, "hello");
    char text[16];
    assert_int_equal(s_recv(server, ARRIVE_MS, text, sizeof text, NULL), 5);
    zmq_close(client);
    zmq_ctx_term(cctx);
    zmq_close(server);
    zap_stop(&zap);
}

static void test_stop_then_term_does_not_hang(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    zap_t *zap = zap_start(f->ctx, f->allow, false, &e);
    assert_non_null(zap);
    void *server = s_server(f, true);
    zmq_close(server);
    zap_stop(&zap);
    assert_int_equal(zmq_ctx_term(f->ctx), 0);
    f->ctx = NULL;
}

/* The wrong order still ends: the thread sees ETERM and closes its socket,
 * so the term returns, and zap_stop then only joins. */
static void test_term_then_stop_does_not_hang(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    zap_t *zap = zap_start(f->ctx, f->allow, false, &e);
    assert_non_null(zap);
    assert_int_equal(zmq_ctx_term(f->ctx), 0);
    f->ctx = NULL;
    zap_stop(&zap);
    assert_null(zap);
}

static void test_start_on_terminated_context_fails(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    void *ctx = zmq_ctx_new();
    zmq_ctx_shutdown(ctx);
    zap_t *zap = zap_start(ctx, f->allow, false, &e);
    assert_null(zap);
    assert_true(e.code < 0);
    assert_non_null(strstr(e.text, "ZAP handler"));
    zmq_ctx_term(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_authorized_client_gets_through, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_key_is_refused_and_logged, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_socket_for_one_key, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_plain_client_is_refused, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_server_key_is_refused, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_null_mechanism_needs_allow_null, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_no_handler_fails_closed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_one_handler_per_context, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_allow_list_is_copied, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_stop_then_term_does_not_hang, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_term_then_stop_does_not_hang, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_start_on_terminated_context_fails, s_setup,
                                        s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
