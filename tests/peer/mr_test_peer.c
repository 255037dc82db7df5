/*
 * mr_test_peer.c - mr-test-peer: a participant in an mr job that does on
 * purpose what a broken or hostile one might, for the integration tests
 * (scripts/it_remote.sh).  Built beside the programs, never installed.
 *
 * It speaks the protocol through the engine's own codec and transport
 * (proto_msg_encode, transport_*, keys_*), so it sends exactly the frames a
 * real peer would, and authenticates like a remote mapper (--key,
 * --server-pub): the checks it serves are about what an authorized key may
 * still not do.  Each command is one misbehaviour; a new test adds its own
 * command beside these:
 *
 *   hello    join (HELLO with -m's digest, then WELCOME) and leave
 *   take N   join, say READY, take N tasks and vanish without a word: a host
 *            lost while it holds work
 *   finish   join, then push FINISH to the reducer's result port, which only
 *            the master's ipc socket may end a job through
 *   garbage  send malformed messages to --connect (no join), then one
 *            well-formed message that the master logs, so that a test knows
 *            when the master has read all of them
 *   forge, steal, beat-as, bighead, flood: the hostile ones, in
 *            peer_attack.c (an authorized key trying what it may not)
 *
 * What it did goes to stdout, one line per event ("welcome mapper=3 ...",
 * "task chunk=0 attempt=1 bytes=65536", "sent truncated"), for the test to
 * read.  Exit status: 0 done, 1 failed (why on stderr), 2 usage.
 */
#include "buf.h"
#include "err.h"
#include "keys.h"
#include "log.h"
#include "plugin.h"
#include "proc.h"
#include "proto_msg.h"
#include "transport.h"

#include "peer.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Exit statuses. */
#define EXIT_FAILED 1
#define EXIT_USAGE 2

/* Seconds between our heartbeats while we wait for tasks: well inside the
 * smallest --heartbeat a master takes (0.2 s), so the master never drops us
 * before we choose to vanish. */
#define PEER_BEAT_SECONDS 0.1

/* A TASK carries a chunk, as large as a mapper takes. */
#define PEER_MAX_MSG ((size_t)2 << 30)

/* The mapper id our well-formed messages name when we have none: ids start
 * at 1, so no mapper has it. */
#define PEER_NOBODY 0

static const char s_usage[] =
    "usage: mr-test-peer [options] COMMAND [ARG...]\n"
    "\n"
    "A participant in an mr job that misbehaves on purpose, for the tests.\n"
    "\n"
    "  hello               join (HELLO, WELCOME) and leave\n"
    "  take N              join, say READY, take N tasks, vanish without a word\n"
    "  finish              join, push FINISH{--total} to the reducer's result port\n"
    "  garbage [KIND...]   send malformed messages, then a well-formed one that\n"
    "                      the master logs; KIND: empty bytes truncated trailing\n"
    "                      fields type payload (default: all but payload)\n"
    "  forge CHUNK MAPPER  join, push RESULTs for CHUNK in MAPPER's name to the\n"
    "                      reducer: forged pairs under wrong tokens, and a\n"
    "                      malformed payload\n"
    "  steal PORT          join, then connect to another mapper's task PORT\n"
    "  beat-as MAPPER      join, then send HEARTBEATs in MAPPER's name\n"
    "  bighead BYTES       join, push a RESULT whose header is BYTES of nils\n"
    "  flood N             N joins that never say READY, each on its own\n"
    "                      connection\n"
    "  failforge           join, take a task, FAIL it under a forged token\n"
    "  slotforge           join, take a task, RESULT naming a local result slot\n"
    "  partforge           join, take a task, RESULT to --reducer with a key of\n"
    "                      another reducer (a key-grouped job with -R 2 or more)\n"
    "\n"
    "  --connect EP        the master's --listen endpoint (garbage --push: its\n"
    "                      control socket)\n"
    "  -m PLUGIN.so        the plugin whose digest HELLO carries\n"
    "  --key FILE          our CURVE key pair (mr-keygen)\n"
    "  --server-pub FILE   the master's public key\n"
    "  --total N           FINISH's chunk count (default 0)\n"
    "  --push              garbage: a plain PUSH socket instead of a DEALER\n"
    "  --deadline SECONDS  how long to wait for the master (default 30)\n"
    "  --name TEXT         the host name HELLO gives (default mr-test-peer)\n"
    "  --reducer I         push results to reducer I's port (default 0)\n";

static int s_secure_client(void *sock, void *arg)
{
    peer_t *p = arg;
    err_t e;
    err_init(&e);
    return keys_curve_client(sock, &p->client, p->server_pub, &e);
}

/* Connects a socket of kind to endpoint, a CURVE client when secure; watch,
 * when not NULL, gets a monitor of refused handshakes. */
void *peer_open(peer_t *p, transport_kind_t kind, const char *endpoint, void **watch, err_t *e)
{
    transport_opts_t opts = { .max_msg = PEER_MAX_MSG, .auth_watch = watch };
    if (p->secure) {
        opts.secure = s_secure_client;
        opts.secure_arg = p;
    }
    return transport_open_with(p->ctx, kind, endpoint, false, &opts, e);
}

/* Sends msg (and a payload when not NULL) on sock. */
int peer_send(peer_t *p, void *sock, const proto_msg_t *msg, const void *payload, size_t len)
{
    buf_reset(&p->header);
    int rc = proto_msg_encode(msg, &p->header);
    if (rc == 0)
        rc = transport_send(sock, &p->header, payload, len, 0);
    return rc;
}

/* Answers to our heartbeats and the master's own: read and dropped, except
 * a REFUSE (the master dropped us), which ends the command. */
int peer_drain(peer_t *p, err_t *e)
{
    transport_msg_t tm;
    while (transport_recv(p->dealer, &tm, 0) == 0) {
        proto_msg_t msg;
        err_t why;
        err_init(&why);
        int rc =
            proto_msg_decode(transport_msg_data(&tm, 0), transport_msg_size(&tm, 0), &msg, &why);
        transport_msg_close(&tm);
        if (rc == 0 && msg.type == PROTO_REFUSE)
            return err_set(e, -ECONNREFUSED, "the master dropped us: %s", msg.text);
    }
    return 0;
}

/* HELLO with the plugin's digest, then WELCOME (kept in p->welcome) or
 * REFUSE.  0, -EACCES (our key refused), -EPROTO (refused: e says why) or
 * -ETIMEDOUT. */
void *peer_open_results(peer_t *p, char *endpoint, size_t len, err_t *e)
{
    uint32_t port = p->welcome.result_port;
    if (p->opts.reducer > 0 || p->welcome.n_ports > 0) {
        if (p->opts.reducer >= p->welcome.n_ports) {
            err_set(e, -EINVAL, "--reducer %u: the job has %u reducers", p->opts.reducer,
                    p->welcome.n_ports ? p->welcome.n_ports : 1);
            return NULL;
        }
        port = p->welcome.ports[p->opts.reducer];
    }
    snprintf(endpoint, len, "tcp://%s:%u", p->host, port);
    return peer_open(p, TRANSPORT_PUSH, endpoint, NULL, e);
}

int peer_join(peer_t *p, err_t *e)
{
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_HELLO);
    msg.pid = (uint64_t)getpid();
    snprintf(msg.text, sizeof msg.text, "%s", p->opts.name ? p->opts.name : "mr-test-peer");
    if (plugin_digest(p->opts.plugin, msg.digest, e) < 0)
        return e->code;
    int rc = peer_send(p, p->dealer, &msg, NULL, 0);
    if (rc < 0)
        return err_set(e, rc, "HELLO to %s: %s", p->opts.connect, strerror(-rc));
    double deadline = proc_now() + p->opts.deadline;
    for (;;) {
        transport_msg_t tm;
        rc = transport_recv(p->dealer, &tm, 100);
        if (p->watch && transport_auth_failed(p->watch))
            return err_set(e, -EACCES, "the master at %s refused our key %s", p->opts.connect,
                           p->opts.key);
        if (rc == -EAGAIN || rc == -EINTR) {
            if (proc_now() > deadline)
                return err_set(e, -ETIMEDOUT, "no WELCOME from %s within %g s", p->opts.connect,
                               p->opts.deadline);
            continue;
        }
        if (rc < 0)
            return err_set(e, rc, "%s: %s", p->opts.connect, strerror(-rc));
        rc = proto_msg_decode(transport_msg_data(&tm, 0), transport_msg_size(&tm, 0), &msg, e);
        transport_msg_close(&tm);
        if (rc < 0)
            return err_prefix(e, "the master at %s: ", p->opts.connect);
        if (msg.type == PROTO_REFUSE)
            return err_set(e, -EPROTO, "the master refused us: %s", msg.text);
        if (msg.type == PROTO_WELCOME)
            break;
    }
    p->welcome = msg;
    printf("welcome mapper=%u task_port=%u result_port=%u\n", msg.mapper, msg.task_port,
           msg.result_port);
    return 0;
}

void *peer_ready(peer_t *p, err_t *e)
{
    char endpoint[300];
    snprintf(endpoint, sizeof endpoint, "tcp://%s:%u", p->host, p->welcome.task_port);
    void *tasks = peer_open(p, TRANSPORT_PULL, endpoint, NULL, e);
    if (!tasks)
        return NULL;
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_READY);
    msg.mapper = p->welcome.mapper;
    msg.pid = (uint64_t)getpid();
    int rc = peer_send(p, p->dealer, &msg, NULL, 0);
    if (rc < 0) {
        transport_close(&tasks, 0);
        err_set(e, rc, "READY: %s", strerror(-rc));
        return NULL;
    }
    return tasks;
}

int peer_next_task(peer_t *p, void *tasks, double deadline, proto_msg_t *task, size_t *bytes,
                   err_t *e)
{
    proto_msg_t beat;
    proto_msg_init(&beat, PROTO_HEARTBEAT);
    beat.mapper = p->welcome.mapper;
    for (;;) {
        int rc = 0;
        if (proc_now() >= p->next_beat) {
            p->next_beat = proc_now() + PEER_BEAT_SECONDS;
            rc = peer_send(p, p->dealer, &beat, NULL, 0);
            if (rc < 0)
                return err_set(e, rc, "HEARTBEAT: %s", strerror(-rc));
            if ((rc = peer_drain(p, e)) < 0)
                return rc;
        }
        transport_msg_t tm;
        rc = transport_recv(tasks, &tm, 50);
        if (rc == -EAGAIN || rc == -EINTR) {
            if (proc_now() > deadline)
                return err_set(e, -ETIMEDOUT, "no task within %g s", p->opts.deadline);
            continue;
        }
        if (rc < 0)
            return err_set(e, rc, "tasks: %s", strerror(-rc));
        rc = proto_msg_decode(transport_msg_data(&tm, 0), transport_msg_size(&tm, 0), task, e);
        *bytes = transport_msg_size(&tm, 1);
        transport_msg_close(&tm);
        if (rc < 0)
            return rc;
        if (task->type == PROTO_TASK)
            return 0;
    }
}

/* take N: READY, then N tasks taken and never answered.  We heartbeat while
 * we wait, so that the master loses us when we vanish, not before. */
static int s_take(peer_t *p, err_t *e)
{
    uint64_t want = 0;
    if (proc_parse_u64(p->opts.args[0], &want) < 0 || want == 0)
        return err_set(e, -EINVAL, "take %s: expected a number of tasks, 1 or more",
                       p->opts.args[0]);
    int rc = peer_join(p, e);
    if (rc < 0)
        return rc;
    void *tasks = peer_ready(p, e);
    if (!tasks)
        return e->code;
    double deadline = proc_now() + p->opts.deadline;
    uint64_t got = 0;
    while (rc == 0 && got < want) {
        proto_msg_t msg;
        size_t bytes = 0;
        rc = peer_next_task(p, tasks, deadline, &msg, &bytes, e);
        if (rc == -ETIMEDOUT)
            err_set(e, rc, "%llu of %llu tasks within %g s", (unsigned long long)got,
                    (unsigned long long)want, p->opts.deadline);
        if (rc < 0)
            break;
        got++;
        printf("task chunk=%llu attempt=%u bytes=%zu\n", (unsigned long long)msg.chunk, msg.attempt,
               bytes);
    }
    /* Vanish: no RESULT, no FAIL, and no heartbeat from now on. */
    transport_close(&tasks, 0);
    if (rc == 0)
        printf("vanished holding %llu tasks\n", (unsigned long long)got);
    return rc;
}

/* finish: FINISH{--total} pushed to the reducer's TCP port, as a remote
 * mapper pushes its RESULTs there. */
static int s_finish(peer_t *p, err_t *e)
{
    int rc = peer_join(p, e);
    if (rc < 0)
        return rc;
    char endpoint[300];
    void *results = peer_open_results(p, endpoint, sizeof endpoint, e);
    if (!results)
        return e->code;
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_FINISH);
    msg.total = p->opts.total;
    rc = peer_send(p, results, &msg, NULL, 0);
    /* The linger is what delivers it: close waits for the handshake and the
     * send, up to the deadline. */
    transport_close(&results, (int)(p->opts.deadline * 1000));
    if (rc < 0)
        return err_set(e, rc, "%s: %s", endpoint, strerror(-rc));
    printf("sent FINISH total=%llu to %s\n", (unsigned long long)p->opts.total, endpoint);
    return 0;
}

/* Builds garbage of one kind from good, a well-formed [version, type,
 * mapper] header whose elements are one byte each (checked by the caller),
 * into out.  Sets *payload when the kind is a header with a payload frame.
 * false for an unknown kind. */
static bool s_garbage(const char *kind, const buf_t *good, buf_t *out, bool *payload)
{
    const unsigned char *g = (const unsigned char *)good->data;
    buf_reset(out);
    *payload = false;
    if (strcmp(kind, "empty") == 0)
        return true;
    if (strcmp(kind, "bytes") == 0) {
        /* 0xc1 is the one byte msgpack never uses. */
        static const unsigned char never[8] = { 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1 };
        buf_append(out, never, sizeof never);
        return true;
    }
    if (strcmp(kind, "truncated") == 0) {
        buf_append(out, g, good->len - 1);
        return true;
    }
    if (strcmp(kind, "trailing") == 0) {
        buf_append(out, g, good->len);
        buf_append(out, g + good->len - 1, 1); /* a second object after the array */
        return true;
    }
    if (strcmp(kind, "fields") == 0) {
        unsigned char shorter = (unsigned char)(g[0] - 1); /* one element fewer */
        buf_append(out, &shorter, 1);
        buf_append(out, g + 1, good->len - 2);
        return true;
    }
    if (strcmp(kind, "type") == 0) {
        buf_append(out, g, good->len);
        out->data[2] = 0x7f; /* a type number no version has had */
        return true;
    }
    if (strcmp(kind, "payload") == 0) {
        buf_append(out, g, good->len);
        *payload = true;
        return true;
    }
    return false;
}

/* garbage: each KIND as one message, then a well-formed HEARTBEAT from
 * nobody, which the master refuses with a log line of its own. */
static int s_garbage_all(peer_t *p, err_t *e)
{
    static const char *defaults[] = { "empty", "bytes", "truncated", "trailing", "fields", "type" };
    const char **kinds = (const char **)p->opts.args;
    int n = p->opts.n_args;
    if (n == 0) {
        kinds = defaults;
        n = (int)(sizeof defaults / sizeof defaults[0]);
    }
    void *sock = p->dealer;
    if (p->opts.push) {
        sock = peer_open(p, TRANSPORT_PUSH, p->opts.connect, NULL, e);
        if (!sock)
            return e->code;
    }
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_HEARTBEAT);
    msg.mapper = PEER_NOBODY;
    buf_t good;
    buf_init(&good, 64);
    int rc = proto_msg_encode(&msg, &good);
    const unsigned char *g = (const unsigned char *)good.data;
    /* The kinds are built by editing this frame byte by byte. */
    if (rc == 0 &&
        (good.len != 4 || (g[0] & 0xf0) != 0x90 || g[2] != PROTO_HEARTBEAT || g[3] != PEER_NOBODY))
        rc = err_set(e, -EPROTO,
                     "HEARTBEAT is no longer encoded as [version, 12, 0]: "
                     "update mr-test-peer's garbage");
    buf_t bad;
    buf_init(&bad, 64);
    for (int i = 0; rc == 0 && i < n; i++) {
        bool payload = false;
        if (!s_garbage(kinds[i], &good, &bad, &payload)) {
            rc = err_set(e, -EINVAL, "unknown garbage kind '%s' (see --help)", kinds[i]);
            break;
        }
        rc = transport_send(sock, &bad, payload ? "x" : NULL, payload ? 1 : 0, 0);
        if (rc == 0)
            printf("sent %s\n", kinds[i]);
    }
    if (rc == 0) {
        rc = transport_send(sock, &good, NULL, 0, 0);
        if (rc == 0)
            printf("sent HEARTBEAT from mapper %u\n", PEER_NOBODY);
    }
    if (rc < 0 && e->code == 0)
        err_set(e, rc, "%s: %s", p->opts.connect, strerror(-rc));
    /* The linger is what delivers them. */
    if (p->opts.push)
        transport_close(&sock, (int)(p->opts.deadline * 1000));
    else
        transport_close(&p->dealer, (int)(p->opts.deadline * 1000));
    buf_fini(&bad);
    buf_fini(&good);
    return rc;
}

/* Splits "tcp://HOST:PORT" into p->host; other transports leave it empty. */
static void s_host(peer_t *p)
{
    const char *ep = p->opts.connect;
    const char *colon = strrchr(ep, ':');
    if (strncmp(ep, "tcp://", 6) == 0 && colon && colon > ep + 6)
        snprintf(p->host, sizeof p->host, "%.*s", (int)(colon - (ep + 6)), ep + 6);
}

/* One command: what it is called, what it takes, what it does. */
typedef struct peer_command {
    const char *name;                /* as given on the command line */
    int n_args;                      /* arguments it takes, or -1: any number */
    bool joins;                      /* it says HELLO first (needs -m) */
    int (*run)(peer_t *p, err_t *e); /* 0, or -errno with e set */
} peer_command_t;

static const peer_command_t s_commands[] = {
    { "hello", 0, true, peer_join },          { "take", 1, true, s_take },
    { "finish", 0, true, s_finish },          { "garbage", -1, false, s_garbage_all },
    { "forge", 2, true, peer_forge },         { "steal", 1, true, peer_steal },
    { "beat-as", 1, true, peer_beat_as },     { "bighead", 1, true, peer_bighead },
    { "flood", 1, true, peer_flood },         { "failforge", 0, true, peer_failforge },
    { "slotforge", 0, true, peer_slotforge }, { "partforge", 0, true, peer_partforge },
};

static int s_parse(peer_opts_t *o, const peer_command_t **cmd, int argc, char **argv, err_t *e)
{
    static const struct option options[] = {
        { "connect", required_argument, NULL, 'c' },
        { "key", required_argument, NULL, 'k' },
        { "server-pub", required_argument, NULL, 'S' },
        { "total", required_argument, NULL, 'T' },
        { "push", no_argument, NULL, 'p' },
        { "deadline", required_argument, NULL, 'D' },
        { "name", required_argument, NULL, 'N' },
        { "reducer", required_argument, NULL, 'R' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->deadline = 30;
    int c;
    opterr = 0;
    /* getopt_long moves the options before the command and its arguments,
     * wherever they were given. */
    while ((c = getopt_long(argc, argv, ":m:h", options, NULL)) != -1) {
        switch (c) {
        case 'c': o->connect = optarg; break;
        case 'm': o->plugin = optarg; break;
        case 'k': o->key = optarg; break;
        case 'S': o->server_pub = optarg; break;
        case 'T':
            if (proc_parse_u64(optarg, &o->total) < 0)
                return err_set(e, -EINVAL, "invalid --total '%s'", optarg);
            break;
        case 'p': o->push = true; break;
        case 'N': o->name = optarg; break;
        case 'R': {
            uint64_t r = 0;
            if (proc_parse_u64(optarg, &r) < 0 || r >= PROTO_REDUCERS_MAX)
                return err_set(e, -EINVAL, "invalid --reducer '%s'", optarg);
            o->reducer = (uint32_t)r;
            break;
        }
        case 'D': {
            char *end = NULL;
            o->deadline = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(o->deadline > 0))
                return err_set(e, -EINVAL, "invalid --deadline '%s'", optarg);
            break;
        }
        case 'h': fputs(s_usage, stdout); exit(0);
        default: return err_set(e, -EINVAL, "bad option '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return err_set(e, -EINVAL, "missing COMMAND (see --help)");
    o->command = argv[optind];
    o->args = argv + optind + 1;
    o->n_args = argc - optind - 1;
    *cmd = NULL;
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        if (strcmp(s_commands[i].name, o->command) == 0)
            *cmd = &s_commands[i];
    if (!*cmd)
        return err_set(e, -EINVAL, "unknown command '%s' (see --help)", o->command);
    if ((*cmd)->n_args >= 0 && o->n_args != (*cmd)->n_args)
        return err_set(e, -EINVAL, "%s takes %d argument%s", o->command, (*cmd)->n_args,
                       (*cmd)->n_args == 1 ? "" : "s");
    if (!o->connect)
        return err_set(e, -EINVAL, "missing --connect (see --help)");
    if (!o->key != !o->server_pub)
        return err_set(e, -EINVAL, "--key and --server-pub go together");
    if ((*cmd)->joins && !o->plugin)
        return err_set(e, -EINVAL, "%s needs -m PLUGIN.so, for HELLO's digest", o->command);
    if (o->push && (*cmd)->run != s_garbage_all)
        return err_set(e, -EINVAL, "--push is for garbage");
    return 0;
}

static int s_run(peer_t *p, const peer_command_t *cmd, err_t *e)
{
    if (p->opts.key) {
        if (keys_read_secret(p->opts.key, &p->client, e) < 0 ||
            keys_read_public(p->opts.server_pub, p->server_pub, e) < 0)
            return e->code;
        p->secure = true;
    }
    s_host(p);
    p->ctx = transport_ctx_new();
    if (!p->ctx)
        return err_set(e, -ENOMEM, "cannot create a ZeroMQ context");
    if (!p->opts.push) {
        p->dealer =
            peer_open(p, TRANSPORT_DEALER, p->opts.connect, p->secure ? &p->watch : NULL, e);
        if (!p->dealer)
            return e->code;
    }
    return cmd->run(p, e);
}

int main(int argc, char **argv)
{
    log_init("mr-test-peer", false);
    /* flood opens a socket per join: up to the hard limit of descriptors. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    peer_t p;
    memset(&p, 0, sizeof p);
    err_t e;
    err_init(&e);
    const peer_command_t *cmd = NULL;
    if (s_parse(&p.opts, &cmd, argc, argv, &e) < 0) {
        log_error("%s", e.text);
        return EXIT_USAGE;
    }
    buf_init(&p.header, 4096);
    int rc = s_run(&p, cmd, &e);
    if (rc < 0)
        log_error("%s", e.text);
    transport_close(&p.watch, 0);
    transport_close(&p.dealer, 0);
    transport_ctx_destroy(&p.ctx);
    keys_pair_fini(&p.client);
    buf_fini(&p.header);
    return rc < 0 ? EXIT_FAILED : 0;
}
