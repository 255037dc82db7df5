/*
 * remote.c - the master's --listen side: mappers on other hosts.
 *
 * A remote mr-mapper connects a DEALER to the master's ROUTER at --listen
 * and says HELLO with the digest of its plugin file.  The master refuses a
 * different plugin or protocol version (REFUSE, with the reason, logged on
 * both sides).  Otherwise it binds a PUSH socket for that mapper on an
 * ephemeral TCP port, exactly like a local mapper's ipc:// one, and answers
 * WELCOME with the mapper's id, that port, every reducer's TCP port (each
 * announced with LISTEN), the mode and the plugin argument.  From
 * then on the mapper is one more entry in the mapper table: it says READY,
 * gets TASKs within its credit (the chunk's bytes travel in the payload),
 * PUSHes RESULTs to the reducer, and reports READY and FAIL on the DEALER.
 *
 * Liveness: a remote mapper sends HEARTBEAT every second from a thread of
 * its own (so a long map() does not silence it) and the master sends one to
 * each remote mapper.  A mapper silent for --heartbeat seconds (host down,
 * cable pulled, SIGKILL) is dead: its socket is closed, which drops what
 * PUSH had queued to it, and the chunks it held are re-sent.  Unlike a
 * local crash, this charges no chunk: the network failed, not the record.
 *
 * With --server-key, every TCP socket here is a CURVE server and a ZAP
 * handler admits only the public keys of --authorized-keys.
 */
#include "job_int.h"

#include "keys.h"
#include "log.h"
#include "mem.h"
#include "plugin.h"
#include "proc.h"
#include "zap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Seconds between the master's heartbeats to each remote mapper. */
#define REMOTE_BEAT_SECONDS 1.0

/* Remote mappers one job takes at once: each costs a socket and a port. */
#define REMOTE_MAX_MAPPERS 1024

/* Remote mappers that joined and have not said READY yet.  A peer that
 * says HELLO and nothing more costs a socket and a port until --heartbeat
 * declares it dead: this bounds what a flood of HELLOs can take. */
#define REMOTE_MAX_PENDING 64

/* Mapper ids one job hands out to remote mappers, dead ones included: each
 * costs an entry in the mapper table for the rest of the job. */
#define REMOTE_MAX_JOINS 65536

/* Pending joins one key may hold, so that one key holder cannot take every
 * pending place and lock the others out. */
#define REMOTE_MAX_PENDING_PER_KEY 8

/* Seconds a joined mapper has to say READY (a real one needs only to load
 * its plugin): a join kept alive by heartbeats alone is dropped after. */
#define REMOTE_READY_SECONDS 30.0

/* How long a remote mapper's task socket may linger at close so that its
 * STOP reaches it. */
#define REMOTE_LINGER_MS 500

struct remote {
    void *join;                             /* ROUTER bound at --listen, owned */
    char host[256];                         /* host part of --listen: where task sockets bind */
    bool ports_known;                       /* every reducer's LISTEN came: joins may go on */
    unsigned char digest[PROTO_DIGEST_LEN]; /* digest of the -m plugin file */
    double next_beat;                       /* when heartbeats are next due */
    bool announced;                         /* "waiting for remote mappers" was printed */
    keys_pair_t server;                     /* our CURVE key pair, when secure */
    bool secure;                            /* --server-key given */
    keys_allow_t *allow;                    /* owned allow-list, when secure */
    zap_t *zap;                             /* owned ZAP handler, when secure */
};

static int s_secure_server(void *sock, void *arg)
{
    struct remote *r = arg;
    err_t e;
    err_init(&e);
    return keys_curve_server(sock, &r->server, &e);
}

/* The CURVE setup of a remote mapper's task socket: only the key it joined
 * with may connect, or another key holder could pull its chunks. */
typedef struct task_secure {
    struct remote *r; /* the --listen state */
    const char *peer; /* the key the socket is for, Z85 */
} task_secure_t;

static int s_secure_task(void *sock, void *arg)
{
    task_secure_t *t = arg;
    err_t e;
    err_init(&e);
    return keys_curve_server_for(sock, &t->r->server, t->peer, &e);
}

int remote__setup(job_t *job)
{
    const args_t *a = job->cfg->args;
    if (!a->listen)
        return 0;
    struct remote *r = mem_calloc(1, sizeof *r);
    job->remote = r;
    err_t e;
    err_init(&e);
    if (transport_endpoint_host(a->listen, r->host, sizeof r->host) < 0)
        return job__fail(job, -EINVAL, "--listen %s: expected tcp://HOST:PORT", a->listen);
    if (plugin_digest(a->mapper, r->digest, &e) < 0)
        return job__fail(job, e.code, "%s", e.text);
    if (a->server_key) {
        if (keys_read_secret(a->server_key, &r->server, &e) < 0)
            return job__fail(job, e.code, "--server-key: %s", e.text);
        if (keys_load_authorized(a->authorized, &r->allow, &e) < 0)
            return job__fail(job, e.code, "--authorized-keys: %s", e.text);
        r->zap = zap_start(job->ctx, r->allow, false, &e);
        if (!r->zap)
            return job__fail(job, e.code, "ZAP handler: %s", e.text);
        r->secure = true;
    }
    transport_opts_t opts = { .max_msg = 1 << 16 };
    if (r->secure) {
        opts.secure = s_secure_server;
        opts.secure_arg = r;
    }
    r->join = transport_open_with(job->ctx, TRANSPORT_ROUTER, a->listen, true, &opts, &e);
    if (!r->join)
        return job__fail(job, e.code, "--listen: %s", e.text);
    log_info("listening for remote mappers on %s (%s)", a->listen,
             r->secure ? "CURVE, authorized keys only" : "insecure");
    return 0;
}

void remote__poll_items(job_t *job, transport_poll_item_t *items, int *n)
{
    struct remote *r = job->remote;
    /* HELLOs wait in the socket until every reducer's port is known. */
    if (r && r->join && r->ports_known)
        items[(*n)++] = (transport_poll_item_t){ .sock = r->join, .fd = -1 };
}

static void s_reply(job_t *job, const char *rid, size_t rid_len, const proto_msg_t *msg)
{
    buf_reset(&job->header);
    proto_msg_encode(msg, &job->header);
    transport_send_to(job->remote->join, rid, rid_len, &job->header, NULL, 0);
}

static void s_refuse(job_t *job, const char *rid, size_t rid_len, int code, const char *why,
                     const char *who)
{
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_REFUSE);
    msg.status = code;
    snprintf(msg.text, sizeof msg.text, "%.400s", why);
    s_reply(job, rid, rid_len, &msg);
    log_warn("refused a remote mapper (%s): %s", who, why);
}

static void s_hex(const unsigned char *d, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[16] = '\0';
}

/* Guided chunk sizes shrink towards the end by the number of mappers
 * sharing the input: tells the splitter how many are connected now, as
 * remote mappers join and go. */
static void s_count_workers(job_t *job)
{
    split_set_workers(job->cfg->split, mappers_alive(job->mappers));
}

static void s_welcome(job_t *job, const char *rid, size_t rid_len, const proto_msg_t *hello,
                      const char *peer, const char *key)
{
    struct remote *r = job->remote;
    const args_t *a = job->cfg->args;
    /* The host name is the peer's text: printed escaped, never raw (a name
     * with a newline and "mr-run: error:" would forge a line of ours). */
    char host[64];
    log_escape(hello->text, host, sizeof host);
    char who[300];
    snprintf(who, sizeof who, "host %s, pid %llu, from %s%s%s", host,
             (unsigned long long)hello->pid, peer, *key ? ", key " : "", key);
    if (memcmp(hello->digest, r->digest, PROTO_DIGEST_LEN) != 0) {
        char ours[17];
        char theirs[17];
        s_hex(r->digest, ours);
        s_hex(hello->digest, theirs);
        char why[300];
        snprintf(why, sizeof why,
                 "its plugin differs from the master's %.120s (digest %s..., "
                 "the mapper's is %s...): use the same build on every host",
                 a->mapper, ours, theirs);
        s_refuse(job, rid, rid_len, -EPROTO, why, who);
        return;
    }
    if (a->arg && strlen(a->arg) > PROTO_TEXT_MAX) {
        s_refuse(job, rid, rid_len, -E2BIG, "--arg is too long to send to a remote mapper", who);
        return;
    }
    unsigned remote_live = 0;
    unsigned pending = 0;
    unsigned pending_key = 0;
    unsigned joins = 0;
    for (size_t i = 0; i < mappers_size(job->mappers); i++) {
        const mapper_t *x = mappers_at(job->mappers, i);
        remote_live += x->remote && x->sock;
        pending += x->remote && x->sock && !x->ready;
        pending_key += x->remote && x->sock && !x->ready && strcmp(x->peer, key) == 0;
        joins += x->remote;
    }
    if (remote_live >= REMOTE_MAX_MAPPERS || joins >= REMOTE_MAX_JOINS) {
        s_refuse(job, rid, rid_len, -EUSERS, "the job has as many remote mappers as it takes", who);
        return;
    }
    if (pending >= REMOTE_MAX_PENDING || pending_key >= REMOTE_MAX_PENDING_PER_KEY) {
        s_refuse(job, rid, rid_len, -EAGAIN,
                 "too many remote mappers are joining at once; try again in a moment", who);
        return;
    }
    mapper_t *m = job__add_mapper(job);
    m->remote = true;
    memcpy(m->rid, rid, rid_len);
    m->rid_len = rid_len;
    snprintf(m->host, sizeof m->host, "%s", host);
    snprintf(m->peer, sizeof m->peer, "%s", key);
    m->last_seen = proc_now();
    m->joined = m->last_seen;
    job->st->mapper_hosts[m->id - 1] = mem_strdup(m->host);
    char label[128];
    snprintf(label, sizeof label, "mapper %u @%s", m->id, m->host);
    timeline_mapper_name(job->timeline, m->id, label);

    char endpoint[300];
    snprintf(endpoint, sizeof endpoint, "tcp://%s:*", r->host);
    transport_opts_t opts = { .max_msg = 1 << 16 };
    task_secure_t task = { .r = r, .peer = key };
    if (r->secure) {
        opts.secure = s_secure_task;
        opts.secure_arg = &task;
    }
    err_t e;
    err_init(&e);
    m->sock = transport_open_with(job->ctx, TRANSPORT_PUSH, endpoint, true, &opts, &e);
    if (!m->sock) {
        s_refuse(job, rid, rid_len, e.code, e.text, who);
        return;
    }
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_WELCOME);
    msg.mapper = m->id;
    msg.task_port = (uint32_t)transport_port(m->sock);
    /* Every reducer's port, in partition order: the mapper splits its
     * results by partition.h and pushes each part to its reducer. */
    msg.n_ports = job->n_reducers;
    for (uint32_t i = 0; i < job->n_reducers; i++)
        msg.ports[i] = job->reducers[i].port;
    msg.result_port = msg.ports[0];
    msg.mode = job->cfg->mode;
    if (a->delim == '\0')
        msg.flags |= PROTO_FLAG_NUL;
    if (job->cfg->reducer_path && strcmp(job->cfg->reducer_path, a->mapper) == 0)
        msg.flags |= PROTO_FLAG_COMBINE;
    else
        m->uncombined = job->cfg->mode == PROTO_MODE_GROUPED;
    if (a->arg) {
        msg.flags |= PROTO_FLAG_ARG;
        snprintf(msg.text, sizeof msg.text, "%s", a->arg);
    }
    s_reply(job, rid, rid_len, &msg);
    log_info("remote mapper %u joined (%s)", m->id, who);
    s_count_workers(job);
}

static void s_on_join(job_t *job, const char *rid, size_t rid_len, transport_msg_t *tm)
{
    char peer[64];
    transport_msg_peer(tm, 0, peer, sizeof peer);
    char key[TRANSPORT_USER_MAX];
    transport_msg_user(tm, 0, key, sizeof key);
    proto_msg_t msg;
    err_t e;
    err_init(&e);
    int rc = proto_msg_decode(transport_msg_data(tm, 0), transport_msg_size(tm, 0), &msg, &e);
    if (rc == -EPROTO) {
        char why[ERR_TEXT_MAX + 32];
        snprintf(why, sizeof why, "%s; this master speaks %d", e.text, PROTO_VERSION);
        s_refuse(job, rid, rid_len, rc, why, peer);
        return;
    }
    if (rc < 0) {
        log_warn("dropped a message from %s on --listen: %s", peer, e.text);
        return;
    }
    if (msg.type == PROTO_HELLO) {
        s_welcome(job, rid, rid_len, &msg, peer, key);
        return;
    }
    mapper_t *m = mappers_find(job->mappers, msg.mapper);
    /* Every message after HELLO must come from the key that joined as that
     * mapper, and READY and FAIL from the very connection (heartbeats have
     * a connection of their own, in the mapper's heartbeat thread): another
     * peer may not keep it "alive", report for it or fail its chunks. */
    bool same_conn = m && m->rid_len == rid_len && memcmp(m->rid, rid, rid_len) == 0;
    if (m && m->remote &&
        (strcmp(m->peer, key) != 0 || (msg.type != PROTO_HEARTBEAT && !same_conn))) {
        log_warn("dropped %s from %s%s%s: it is not the peer that joined as remote mapper %u",
                 proto_type_name(msg.type), peer, *key ? ", key " : "", key, msg.mapper);
        return;
    }
    if (!m || !m->remote || !m->sock) {
        /* A mapper we declared dead (silent, or stuck in map()) may still
         * be alive: tell its heartbeat thread, which then ends the process
         * rather than spin on for nobody. */
        if (msg.type == PROTO_HEARTBEAT && m && m->remote && m->dropped) {
            proto_msg_t no;
            proto_msg_init(&no, PROTO_REFUSE);
            no.status = -ETIMEDOUT;
            snprintf(no.text, sizeof no.text, "the master dropped mapper %u", msg.mapper);
            s_reply(job, rid, rid_len, &no);
            return;
        }
        log_warn("dropped %s from %s: no such remote mapper %u", proto_type_name(msg.type), peer,
                 msg.mapper);
        return;
    }
    m->last_seen = proc_now();
    if (msg.type == PROTO_HEARTBEAT) {
        s_reply(job, rid, rid_len, &msg); /* the heartbeat thread's proof of life */
        return;
    }
    if (msg.type != PROTO_READY && msg.type != PROTO_FAIL) {
        log_warn("dropped %s from %s: not expected from remote mapper %u",
                 proto_type_name(msg.type), peer, msg.mapper);
        return;
    }
    job__on_message(job, &msg);
}

void remote__on_ready(job_t *job, const transport_poll_item_t *items, int first)
{
    struct remote *r = job->remote;
    if (!r || !r->join || !r->ports_known || !items[first].ready)
        return;
    char rid[TRANSPORT_ID_MAX];
    size_t rid_len = 0;
    transport_msg_t tm;
    while (job->state == JOB_RUNNING) {
        int rc = transport_recv_from(r->join, rid, &rid_len, &tm, 0);
        if (rc == -EBADMSG) {
            char peer[64];
            log_warn("dropped a message from %s on --listen: more than one header frame",
                     transport_msg_peer(&tm, 0, peer, sizeof peer));
            transport_msg_close(&tm);
            continue;
        }
        if (rc < 0)
            break;
        s_on_join(job, rid, rid_len, &tm);
        transport_msg_close(&tm);
    }
}

long remote__tick_ms(const job_t *job)
{
    if (!job->remote)
        return 1000;
    long ms = (long)(job->cfg->args->heartbeat * 250);
    return ms < 50 ? 50 : ms > 250 ? 250 : ms;
}

/* A remote mapper is gone (silent) or stuck: close its socket, which drops
 * what was queued to it, and re-send what it held.  Losing a host is not
 * the record's fault, so a chunk is charged a failed attempt only when it
 * was stuck, or lost with remote mappers twice (a record that kills every
 * remote mapper it meets must still end the job after --max-attempts). */
static void s_lost(job_t *job, mapper_t *m, const char *why, bool stuck, double now)
{
    transport_close(&m->sock, 0);
    m->dropped = true;
    s_count_workers(job);
    timeline_end_mapper(job->timeline, m->id, TIMELINE_REQUEUED, now);
    job->st->mappers_lost++;
    if (stuck)
        job->st->timeouts++;
    chunk_t *charge[MAPPERS_CREDIT];
    unsigned n_charge = 0;
    size_t pos = 0;
    chunk_t *c;
    while ((c = chunks_iter(job->chunks, &pos))) {
        if (c->state != CHUNK_ASSIGNED || c->mapper != m->id)
            continue;
        if ((stuck || ++c->lost >= 2) && n_charge < MAPPERS_CREDIT)
            charge[n_charge++] = c;
    }
    unsigned held = feed__requeue(job, m);
    log_warn("remote mapper %u (%s) %s: declared dead; re-sending the %u chunk%s it held", m->id,
             m->host, why, held, held == 1 ? "" : "s");
    char text[ERR_TEXT_MAX];
    snprintf(text, sizeof text, "remote mapper %u (%.64s) %.160s while holding it", m->id, m->host,
             why);
    for (unsigned i = 0; i < n_charge && job->state == JOB_RUNNING; i++) {
        charge[i]->lost = 0;
        failure__record(job, charge[i], PROTO_OFFSET_NONE, text);
    }
}

void remote__tick(job_t *job)
{
    struct remote *r = job->remote;
    if (!r || job->state != JOB_RUNNING)
        return;
    double now = proc_now();
    bool beat = now >= r->next_beat;
    if (beat)
        r->next_beat = now + REMOTE_BEAT_SECONDS;
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_HEARTBEAT);
    unsigned live = 0;
    for (size_t i = 0; i < mappers_size(job->mappers); i++) {
        mapper_t *m = mappers_at(job->mappers, i);
        if (!m->sock)
            continue;
        if (!m->remote) {
            live++;
            continue;
        }
        double timeout = job->cfg->args->task_timeout;
        bool silent = now - m->last_seen > job->cfg->args->heartbeat;
        /* A remote map() that never returns keeps the heartbeat thread
         * alive: --task-timeout judges it by answers instead. */
        bool stuck = timeout > 0 && m->inflight > 0 && now - m->last_change > timeout;
        bool unready = !m->ready && now - m->joined > REMOTE_READY_SECONDS;
        if (silent || stuck || unready) {
            char why[160];
            if (silent)
                snprintf(why, sizeof why, "silent for %.1f s", now - m->last_seen);
            else if (unready)
                snprintf(why, sizeof why, "not READY %.0f s after joining", REMOTE_READY_SECONDS);
            else
                snprintf(why, sizeof why, "answered nothing for longer than --task-timeout %g s",
                         timeout);
            s_lost(job, m, why, stuck, now);
            continue;
        }
        live++;
        if (beat) {
            msg.mapper = m->id;
            buf_reset(&job->header);
            proto_msg_encode(&msg, &job->header);
            transport_send_to(r->join, m->rid, m->rid_len, &job->header, NULL, 0);
        }
    }
    if (live == 0 && !r->announced) {
        r->announced = true;
        log_info("waiting for remote mappers: mr-mapper --connect %s -m %s", job->cfg->args->listen,
                 job->cfg->args->mapper);
    }
}

void remote__on_listen(job_t *job, const proto_msg_t *msg)
{
    if (!job->remote || msg->reducer >= job->n_reducers || msg->result_port == 0)
        return;
    job->reducers[msg->reducer].port = msg->result_port;
    /* HELLOs wait until every reducer can take results. */
    bool known = true;
    for (uint32_t i = 0; i < job->n_reducers; i++)
        known = known && job->reducers[i].port != 0;
    job->remote->ports_known = known;
}

void remote__shutdown(job_t *job)
{
    if (!job->remote)
        return;
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_STOP);
    buf_reset(&job->header);
    proto_msg_encode(&msg, &job->header);
    for (size_t i = 0; i < mappers_size(job->mappers); i++) {
        mapper_t *m = mappers_at(job->mappers, i);
        if (m->remote && m->sock) {
            transport_send(m->sock, &job->header, NULL, 0, TRANSPORT_DONTWAIT);
            transport_close(&m->sock, REMOTE_LINGER_MS);
        }
    }
}

void remote__destroy(job_t *job)
{
    struct remote *r = job->remote;
    if (!r)
        return;
    transport_close(&r->join, 0);
    zap_stop(&r->zap);
    keys_allow_destroy(&r->allow);
    keys_pair_fini(&r->server);
    free(r);
    job->remote = NULL;
}
