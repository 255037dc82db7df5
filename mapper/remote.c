/*
 * remote.c - mr-mapper --connect: lend this host's cores to a master on
 * another host.
 *
 * One session per job: connect a DEALER to the master's --listen endpoint,
 * say HELLO with our plugin's digest, and wait for WELCOME (our id, the
 * ports of our task socket and of the reducer, the mode and the plugin
 * argument) or REFUSE (printed, and the reason is logged on the master
 * too).  Then load the plugin with that argument, connect the task PULL and
 * the result PUSH, and serve tasks exactly like a local mapper until STOP.
 * A thread of our own sends HEARTBEAT every second on its own socket, so a
 * long map() never makes us look dead; the master's heartbeats tell us when
 * it is gone.
 *
 * -j N runs N worker processes (this program again, with -j 1) under a
 * supervisor.  --persist makes each worker start a new session after each
 * job, reconnecting until a master answers, so a pool of hosts stands ready.
 */
#include "mapper_int.h"

#include "keys.h"
#include "log.h"
#include "mem.h"
#include "proc.h"
#include "transport.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Seconds a worker waits for WELCOME before it gives up (without
 * --persist) or reconnects (with it). */
#define REMOTE_JOIN_SECONDS 10

/* A remote chunk or result frame: as large as a local one. */
#define REMOTE_MAX_MSG ((size_t)2 << 30)

typedef struct session {
    mapper_t *m;                  /* the mapper being set up (borrowed) */
    char host[256];               /* host part of --connect */
    keys_pair_t client;           /* our CURVE keys, when secure */
    char server_pub[64];          /* the master's public key (Z85), when secure */
    bool secure;                  /* --key given */
    char arg[PROTO_TEXT_MAX + 1]; /* the plugin argument from WELCOME */
    pthread_t beat;               /* heartbeat thread */
    bool beating;                 /* beat was started */
    atomic_bool stop;             /* tells beat to end */
    void *watch;                  /* reports a refused CURVE handshake, owned */
} session_t;

static int s_secure_client(void *sock, void *arg)
{
    session_t *s = arg;
    err_t e;
    err_init(&e);
    return keys_curve_client(sock, &s->client, s->server_pub, &e);
}

/* Connects a socket to endpoint (CURVE when secure); watch, when not NULL,
 * gets a monitor of refused handshakes made before the connect. */
static void *s_open(session_t *s, transport_kind_t kind, const char *endpoint, void **watch,
                    err_t *e)
{
    transport_opts_t opts = { .max_msg = REMOTE_MAX_MSG, .auth_watch = watch };
    if (s->secure) {
        opts.secure = s_secure_client;
        opts.secure_arg = s;
    }
    return transport_open_with(s->m->ctx, kind, endpoint, false, &opts, e);
}

/* The heartbeat thread: HEARTBEAT every second on a DEALER of its own. */
static void *s_beat(void *arg)
{
    session_t *s = arg;
    err_t e;
    err_init(&e);
    void *sock = s_open(s, TRANSPORT_DEALER, s->m->opts.connect, NULL, &e);
    if (!sock)
        return NULL;
    buf_t header;
    buf_init(&header, 256);
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_HEARTBEAT);
    msg.mapper = s->m->opts.id;
    proto_msg_encode(&msg, &header);
    /* The master answers every heartbeat.  No answer for --heartbeat
     * seconds, or a REFUSE (it dropped us: we looked dead or stuck), while
     * the main thread may be stuck in map() for good: end the process, so a
     * --persist supervisor starts a fresh worker instead. */
    double answered = proc_now();
    while (!atomic_load(&s->stop)) {
        transport_send(sock, &header, NULL, 0, TRANSPORT_DONTWAIT);
        for (int i = 0; i < 10 && !atomic_load(&s->stop); i++) {
            transport_msg_t tm;
            if (transport_recv(sock, &tm, 100) < 0)
                continue;
            proto_msg_t reply;
            int rc = proto_msg_decode(transport_msg_data(&tm, 0), transport_msg_size(&tm, 0),
                                      &reply, &e);
            transport_msg_close(&tm);
            if (rc == 0 && reply.type == PROTO_REFUSE) {
                log_error("%s; exiting", reply.text);
                _exit(3);
            }
            if (rc == 0)
                answered = proc_now();
        }
        if (proc_now() - answered > s->m->opts.heartbeat) {
            log_error("the master at %s has not answered for %.1f s; exiting", s->m->opts.connect,
                      proc_now() - answered);
            _exit(3);
        }
    }
    buf_fini(&header);
    transport_close(&sock, 0);
    return NULL;
}

/* HELLO, then WELCOME or REFUSE.  0, -EPROTO (refused: e says why) or
 * -ETIMEDOUT. */
static int s_join(session_t *s, err_t *e)
{
    mapper_t *m = s->m;
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_HELLO);
    msg.pid = (uint64_t)getpid();
    if (gethostname(msg.text, sizeof msg.text) < 0)
        snprintf(msg.text, sizeof msg.text, "?");
    msg.text[PROTO_TEXT_MAX] = '\0';
    if (plugin_digest(m->opts.plugin, msg.digest, e) < 0)
        return e->code;
    int rc = mapper__send_control(m, &msg);
    if (rc < 0)
        return err_set(e, rc, "%s: %s", m->opts.connect, strerror(-rc));
    double deadline = proc_now() + REMOTE_JOIN_SECONDS;
    for (;;) {
        transport_msg_t tm;
        rc = transport_recv(m->dealer, &tm, 250);
        if (s->watch && transport_auth_failed(s->watch))
            return err_set(e, -EACCES,
                           "the master at %s refused our key %s (it is not in its "
                           "--authorized-keys)",
                           m->opts.connect, m->opts.key);
        if (rc == -EAGAIN || rc == -EINTR) {
            if (proc_now() > deadline)
                return err_set(e, -ETIMEDOUT,
                               "no answer from the master at %s within %d s "
                               "(is mr-run --listen running there, and does it accept our "
                               "key?)",
                               m->opts.connect, REMOTE_JOIN_SECONDS);
            continue;
        }
        if (rc < 0)
            return err_set(e, rc, "%s: %s", m->opts.connect, strerror(-rc));
        rc = proto_msg_decode(transport_msg_data(&tm, 0), transport_msg_size(&tm, 0), &msg, e);
        transport_msg_close(&tm);
        if (rc < 0)
            return err_prefix(e, "the master at %s: ", m->opts.connect);
        if (msg.type == PROTO_REFUSE)
            return err_set(e, -EPROTO, "the master at %s refused us: %s", m->opts.connect,
                           msg.text);
        if (msg.type == PROTO_WELCOME)
            break;
    }
    m->opts.id = msg.mapper;
    m->opts.mode = msg.mode == PROTO_MODE_GROUPED     ? "grouped"
                   : msg.mode == PROTO_MODE_UNORDERED ? "unordered"
                                                      : "ordered";
    m->opts.delim = (msg.flags & PROTO_FLAG_NUL) ? '\0' : '\n';
    snprintf(s->arg, sizeof s->arg, "%s", msg.text);
    m->opts.arg = (msg.flags & PROTO_FLAG_ARG) ? s->arg : NULL;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "mr-mapper[%u]", m->opts.id);
    log_init(prefix, false);
    if (mapper__load(m, (msg.flags & PROTO_FLAG_COMBINE) ? m->opts.plugin : NULL, e) < 0)
        return e->code;
    char endpoint[300];
    snprintf(endpoint, sizeof endpoint, "tcp://%s:%u", s->host, msg.task_port);
    m->tasks = s_open(s, TRANSPORT_PULL, endpoint, NULL, e);
    if (!m->tasks)
        return e->code;
    /* One PUSH per reducer, in partition order: WELCOME lists every
     * reducer's port (its own CURVE server when the job has keys); none
     * listed means one reducer, at result_port. */
    if (msg.n_ports == 0) {
        msg.n_ports = 1;
        msg.ports[0] = msg.result_port;
    }
    for (uint32_t i = 0; i < msg.n_ports; i++) {
        snprintf(endpoint, sizeof endpoint, "tcp://%s:%u", s->host, msg.ports[i]);
        m->results[i] = s_open(s, TRANSPORT_PUSH, endpoint, NULL, e);
        if (!m->results[i])
            return e->code;
        m->n_results = i + 1;
    }
    collect_set_partitions(m->collect, m->n_results);
    log_info("joined the job at %s as mapper %u", m->opts.connect, m->opts.id);
    return 0;
}

/* One job: join, serve, clean up.  0 after STOP, else a negative code. */
static int s_session(mapper_t *m, err_t *e)
{
    session_t s;
    memset(&s, 0, sizeof s);
    s.m = m;
    if (strncmp(m->opts.connect, "tcp://", 6) != 0)
        return err_set(e, -EINVAL, "--connect %s: expected tcp://HOST:PORT", m->opts.connect);
    const char *start = m->opts.connect + 6;
    const char *colon = strrchr(start, ':');
    if (!colon || colon == start)
        return err_set(e, -EINVAL, "--connect %s: expected tcp://HOST:PORT", m->opts.connect);
    snprintf(s.host, sizeof s.host, "%.*s", (int)(colon - start), start);
    if (m->opts.key) {
        if (keys_read_secret(m->opts.key, &s.client, e) < 0 ||
            keys_read_public(m->opts.server_pub, s.server_pub, e) < 0)
            return e->code;
        s.secure = true;
    }
    m->ctx = transport_ctx_new();
    if (!m->ctx)
        return err_set(e, -ENOMEM, "cannot create a ZeroMQ context");
    int rc = 0;
    m->dealer = s_open(&s, TRANSPORT_DEALER, m->opts.connect, s.secure ? &s.watch : NULL, e);
    if (!m->dealer)
        rc = e->code;
    if (rc == 0)
        rc = s_join(&s, e);
    if (rc == 0) {
        s.beating = pthread_create(&s.beat, NULL, s_beat, &s) == 0;
        rc = mapper__serve(m, e);
    }
    atomic_store(&s.stop, true);
    if (s.beating)
        pthread_join(s.beat, NULL);
    transport_close(&m->tasks, 0);
    mapper__close_results(m);
    transport_close(&s.watch, 0);
    transport_close(&m->dealer, 0);
    transport_ctx_destroy(&m->ctx);
    collect_destroy(&m->collect);
    plugin_destroy(&m->combiner);
    plugin_destroy(&m->plugin);
    keys_pair_fini(&s.client);
    return rc;
}

/* -j N: runs N copies of this program with -j 1 and waits for them; with
 * --persist, restarts the ones that end. */
static int s_supervise(mapper_t *m, int argc, char **argv)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0) {
        log_error("cannot find my own executable: %s", strerror(errno));
        return 1;
    }
    self[n] = '\0';
    char **child_argv = mem_calloc((size_t)argc + 3, sizeof *child_argv);
    child_argv[0] = self;
    for (int i = 1; i < argc; i++)
        child_argv[i] = argv[i];
    child_argv[argc] = "-j";
    child_argv[argc + 1] = "1";
    pid_t *pids = mem_calloc(m->opts.jobs, sizeof *pids);
    pid_t parent = getpid();
    int status = 0;
    unsigned running = 0;
    for (bool first = true;; first = false) {
        for (unsigned i = 0; i < m->opts.jobs && (first || m->opts.persist); i++) {
            if (pids[i])
                continue;
            pid_t pid = fork();
            if (pid == 0) {
                proc_die_with_parent(parent);
                execv(self, child_argv);
                _exit(127);
            }
            if (pid > 0) {
                pids[i] = pid;
                running++;
            } else {
                log_error("cannot start worker %u: %s", i + 1, strerror(errno));
                status = 1;
            }
        }
        int ws = 0;
        pid_t pid = waitpid(-1, &ws, 0);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            break;
        for (unsigned i = 0; i < m->opts.jobs; i++)
            if (pids[i] == pid)
                pids[i] = 0;
        running--;
        if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
            status = 1;
        if (m->opts.persist) {
            sleep(1);
            continue;
        }
        if (running == 0)
            break;
    }
    free(pids);
    free(child_argv);
    return status;
}

int mapper__remote_main(mapper_t *m, int argc, char **argv)
{
    if (m->opts.jobs > 1)
        return s_supervise(m, argc, argv);
    bool told = false;
    for (;;) {
        err_t e;
        err_init(&e);
        int rc = s_session(m, &e);
        if (!m->opts.persist) {
            if (rc < 0)
                log_error("%s", e.text);
            return rc < 0 ? 1 : 0;
        }
        if (rc < 0 && (!told || rc != -ETIMEDOUT))
            log_warn("%s; trying again", e.text);
        told = rc == -ETIMEDOUT;
        if (rc == 0)
            log_info("job done; waiting for the next one at %s", m->opts.connect);
        sleep(1);
    }
}
