/*
 * serve.c - the reducer's work between start and DONE: it opens the output
 * and the merging state of its mode, binds the results socket (and, for
 * remote mappers, a TCP port behind CURVE and a ZAP allow-list), then
 * takes each RESULT: checks its token and its payload, merges it exactly
 * once (ordered: through the reorder buffer; otherwise as it arrives, seen
 * once), and ACKs it to the master, or FAILs one it cannot use.  On FINISH
 * it writes the key groups (or feeds them to --reduce-cmd).  Part of the
 * reducer library; main.c parses the command line and sends DONE.
 */
#include "reducer_int.h"

#include "afile.h"
#include "cleanup.h"
#include "keycmp.h"
#include "log.h"
#include "mem.h"
#include "partition.h"
#include "plugin_counter.h"
#include "proc.h"
#include "proc_child.h"
#include "taskenv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Largest RESULT frame accepted, matching the mapper's cap on one chunk's
 * output. */
#define REDUCER_MAX_MSG ((size_t)2 << 30)

/* Results held ahead of the next one to write in --ordered mode, when the
 * master gives no --window (it always does: its own window, since it never
 * has more chunks open than that). */
#define REDUCER_REORDER_CAP 1024

static void s_result_free(void *item)
{
    result_t *r = item;
    if (!r)
        return;
    proto_pairs_fini(&r->pairs);
    transport_msg_close(&r->tm);
    if (r->ring)
        shring_release(r->ring, r->slot); /* written or dropped: the mapper may reuse it */
    free(r);
}

int reducer__send_control(reducer_t *r, const proto_msg_t *msg)
{
    buf_reset(&r->header);
    proto_msg_encode(msg, &r->header);
    return transport_send(r->control, &r->header, NULL, 0, 0);
}

static int s_secure_server(void *sock, void *arg)
{
    reducer_t *r = arg;
    err_t e;
    err_init(&e);
    return keys_curve_server(sock, &r->server, &e);
}

/* Binds the TCP port remote mappers push results to (a CURVE server with a
 * ZAP allow-list when keys are given) and tells the master which port. */
static int s_listen(reducer_t *r, err_t *e)
{
    transport_opts_t opts = { .max_msg = REDUCER_MAX_MSG };
    if (r->opts.server_key) {
        if (keys_read_secret(r->opts.server_key, &r->server, e) < 0 ||
            keys_load_authorized(r->opts.authorized, &r->allow, e) < 0)
            return e->code;
        r->zap = zap_start(r->ctx, r->allow, false, e);
        if (!r->zap)
            return e->code;
        opts.secure = s_secure_server;
        opts.secure_arg = r;
    }
    char endpoint[300];
    snprintf(endpoint, sizeof endpoint, "tcp://%s:*", r->opts.listen_host);
    r->remote = transport_open_with(r->ctx, TRANSPORT_PULL, endpoint, true, &opts, e);
    if (!r->remote)
        return e->code;
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_LISTEN);
    msg.result_port = (uint32_t)transport_port(r->remote);
    msg.reducer = r->opts.partition;
    return reducer__send_control(r, &msg);
}

int reducer__start(reducer_t *r, err_t *e)
{
    if (token_secret_read(&r->secret, r->opts.secret, e) < 0)
        return e->code;
    /* Before any plugin is loaded: what it prints (init, reduce, a
     * constructor) goes to stderr, and the output keeps the real stdout. */
    int real_stdout = proc_guard_stdout();
    if (afile_alias(r->opts.output) == STDOUT_FILENO) {
        if (real_stdout < 0)
            return err_set(e, real_stdout, "output stdout: %s", strerror(-real_stdout));
        r->out = out_open_fd(real_stdout, "stdout");
    } else {
        if (real_stdout >= 0)
            close(real_stdout); /* closed or not, the output is elsewhere */
        r->out = out_open(r->opts.output, e);
    }
    if (!r->out)
        return e->code;
    out_set_terminator(r->out, r->opts.term);
    if (r->opts.mode == PROTO_MODE_GROUPED && r->opts.reduce_cmd) {
        r->group = group_new(NULL, NULL);
        group_set_order(r->group, &r->opts.order);
    } else if (r->opts.mode == PROTO_MODE_GROUPED) {
        r->plugin = plugin_open(r->opts.plugin, e);
        if (!r->plugin)
            return e->code;
        if (!plugin_can_reduce(r->plugin))
            return err_set(e, -EINVAL, "plugin %s has neither combine nor reduce", r->opts.plugin);
        if (plugin_init(r->plugin, r->opts.arg, e) < 0)
            return e->code;
        r->group = group_new(plugin_desc(r->plugin), plugin_state(r->plugin));
        /* What its combine and reduce count (mr_counter) goes in DONE. */
        r->reporter = reporter_new(STDERR_FILENO);
        plugin_counter_sink(reporter_counters(r->reporter), -1);
    }
    if (r->group && r->opts.memory) {
        group_set_budget(r->group, (size_t)r->opts.memory, r->opts.spill_dir);
        /* An abort (out of memory) removes the runs too; mr-run removes
         * the whole scratch directory after any end of ours. */
        cleanup_add_dir(r->opts.spill_dir);
    }
    if (r->opts.index) {
        /* Now, so that an unwritable place fails before any work. */
        r->index = run_writer_new(r->opts.index, e);
        if (!r->index)
            return err_prefix(e, "--index: ");
    }
    if (r->opts.mode == PROTO_MODE_ORDERED)
        r->reorder =
            reorder_new(r->opts.window ? r->opts.window : REDUCER_REORDER_CAP, s_result_free);
    else
        r->seen = seen_new();
    r->results = transport_open(r->ctx, TRANSPORT_PULL, r->opts.results, true, REDUCER_MAX_MSG, e);
    if (!r->results)
        return e->code;
    return r->opts.listen_host ? s_listen(r, e) : 0;
}

static int s_write_pairs(reducer_t *r, proto_pairs_t *pairs, err_t *e)
{
    mr_bytes_t k;
    mr_bytes_t v;
    while (proto_pairs_next(pairs, &k, &v)) {
        int rc = r->group ? group_add(r->group, k, v, e)
                          : out_line(r->out, k.ptr, k.len, v.ptr, v.len, e);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Writes (or, key-grouped, merges) one fresh result.  Lines need no work
 * per record: the mapper formatted them. */
static int s_write_result(reducer_t *r, result_t *item, err_t *e)
{
    if (item->ring)
        return out_write(r->out, item->lines, item->lines_len, item->header.outputs, e);
    if (item->header.flags & PROTO_RESULT_LINES)
        return out_write(r->out, transport_msg_data(&item->tm, 1), transport_msg_size(&item->tm, 1),
                         item->header.outputs, e);
    return s_write_pairs(r, &item->pairs, e);
}

/* Mapper id's result slots, mapped on its first shared RESULT.  NULL with
 * why set when there are none. */
static shring_t *s_ring(reducer_t *r, uint32_t id, err_t *why)
{
    if (id >= SHRING_ID_MAX) {
        err_set(why, -EBADMSG, "no result slots for mapper %u", id);
        return NULL;
    }
    if (id >= r->n_rings) {
        uint32_t n = id + 1 > 2 * r->n_rings ? id + 1 : 2 * r->n_rings;
        r->rings = mem_realloc(r->rings, n * sizeof *r->rings);
        memset(r->rings + r->n_rings, 0, (n - r->n_rings) * sizeof *r->rings);
        r->n_rings = n;
    }
    if (!r->rings[id]) {
        char path[PATH_MAX];
        if (shring_path(r->opts.slots, id, path, sizeof path) < 0) {
            err_set(why, -EBADMSG, "no result slots for mapper %u: path too long", id);
            return NULL;
        }
        r->rings[id] = shring_open(path, why);
        if (!r->rings[id])
            why->code = -EBADMSG;
    }
    return r->rings[id];
}

/* A RESULT whose lines wait in the mapper's result slot (shring.h): only
 * a local mapper's (its token is checked, and it came over the private
 * ipc socket: a remote peer can neither write the slots nor name them),
 * and only when this job gave its mappers slots. */
static int s_check_shared(reducer_t *r, result_t *item, err_t *why)
{
    if (!item->local || !r->opts.slots || r->opts.mode == PROTO_MODE_GROUPED)
        return err_set(why, -EBADMSG, "RESULT names a result slot%s",
                       item->local ? ", and this job has none" : " from a remote peer");
    shring_t *ring = s_ring(r, item->header.mapper, why);
    if (!ring ||
        shring_lookup(ring, transport_msg_data(&item->tm, 1), transport_msg_size(&item->tm, 1),
                      &item->lines, &item->lines_len, &item->slot, why) < 0)
        return -EBADMSG;
    item->ring = ring; /* from now on released with the item */
    return 0;
}

/* Checks that a RESULT's payload is what this mode expects and decodes
 * pairs.  0 or -EBADMSG with the reason in why. */
static int s_check_result(reducer_t *r, result_t *item, err_t *why)
{
    if (item->tm.n_parts != 2)
        return err_set(why, -EBADMSG, "RESULT without a payload");
    bool lines = (item->header.flags & PROTO_RESULT_LINES) != 0;
    if (lines != (r->opts.mode != PROTO_MODE_GROUPED))
        return err_set(why, -EBADMSG, "RESULT of %s where %s were expected",
                       lines ? "lines" : "pairs", lines ? "pairs" : "lines");
    if (item->header.flags & PROTO_RESULT_SHARED)
        return s_check_shared(r, item, why);
    if (lines)
        return 0;
    int rc = proto_pairs_decode(transport_msg_data(&item->tm, 1), transport_msg_size(&item->tm, 1),
                                &item->pairs, why);
    if (rc < 0 || r->opts.partitions == 1)
        return rc;
    /* Every key must be ours: a mapper that split by another function (a
     * build with another hash) would otherwise scatter a key's values over
     * two reducers, and the output would hold the key twice. */
    proto_pairs_t walk = item->pairs;
    mr_bytes_t k;
    mr_bytes_t v;
    while (proto_pairs_next(&walk, &k, &v)) {
        uint32_t owner = keycmp_partition(&r->opts.part_fields, k.ptr, k.len, r->opts.partitions);
        if (owner != r->opts.partition)
            return err_set(why, -EBADMSG,
                           "RESULT holds a key of partition %u/%u, and this reducer is %u/%u",
                           owner, r->opts.partitions, r->opts.partition, r->opts.partitions);
    }
    return 0;
}

/* Acknowledges a result that held `held` pairs or lines. */
static int s_ack(reducer_t *r, const proto_msg_t *res, uint64_t held, bool fresh)
{
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_ACK);
    msg.chunk = res->chunk;
    msg.attempt = res->attempt;
    msg.mapper = res->mapper;
    msg.fresh = fresh;
    msg.outputs = held;
    msg.emits = res->emits;
    msg.reducer = r->opts.partition;
    /* The first completion's counters only: a retry never counts twice.
     * With -R N only partition 0's part of a chunk carries them (the
     * mapper's s_map_chunk, mapper/serve.c), so a chunk's counters arrive once. */
    if (fresh) {
        msg.n_counters = res->n_counters;
        memcpy(msg.counters, res->counters, res->n_counters);
    }
    return reducer__send_control(r, &msg);
}

/* Tells the master that a result could not be used, so that it charges the
 * chunk with a failed attempt and sends it again. */
static int s_refuse(reducer_t *r, const proto_msg_t *res, const err_t *why)
{
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_FAIL);
    msg.chunk = res->chunk;
    msg.attempt = res->attempt;
    msg.mapper = res->mapper;
    msg.status = why->code;
    msg.offset = PROTO_OFFSET_NONE;
    memcpy(msg.token, res->token, sizeof msg.token); /* checked: it is that mapper's attempt */
    snprintf(msg.text, sizeof msg.text, "reducer refused the result: %.400s", why->text);
    return reducer__send_control(r, &msg);
}

/* Handles one RESULT, taking ownership of item. */
static int s_on_result(reducer_t *r, result_t *item, err_t *e)
{
    /* First: was this attempt given to the peer that sent it?  A RESULT
     * that fails its token is nobody's: dropped and logged with the peer,
     * never merged, acknowledged or charged to a chunk or a mapper. */
    char peer[TRANSPORT_USER_MAX];
    transport_msg_user(&item->tm, 0, peer, sizeof peer);
    if (!token_check(&r->secret, &item->header, peer)) {
        char addr[64];
        /* Each is named up to a point; past it a flood of tiny forgeries
         * would only flood stderr: they are counted, and the count said at
         * the end. */
        if (++r->forged <= REDUCER_FORGED_LOGGED)
            log_warn("dropped a RESULT for chunk %llu in the name of mapper %u from %s%s%s: its "
                     "token does not match what the master assigned",
                     (unsigned long long)item->header.chunk, item->header.mapper,
                     transport_msg_peer(&item->tm, 0, addr, sizeof addr), *peer ? ", key " : "",
                     peer);
        s_result_free(item);
        return 0;
    }
    err_t why;
    err_init(&why);
    if (s_check_result(r, item, &why) < 0) {
        log_warn("chunk %llu from mapper %u: %s", (unsigned long long)item->header.chunk,
                 item->header.mapper, why.text);
        s_refuse(r, &item->header, &why);
        s_result_free(item);
        return 0;
    }
    proto_msg_t header = item->header;
    uint64_t held = header.flags & PROTO_RESULT_LINES ? header.outputs : item->pairs.count;
    int fresh = 0;
    int rc = 0;
    if (r->reorder) {
        fresh = reorder_put(r->reorder, header.chunk, item);
        if (fresh == 1) {
            item = NULL;
            r->records += header.records;
            result_t *next;
            while (rc == 0 && (next = reorder_pop(r->reorder))) {
                rc = s_write_result(r, next, e);
                s_result_free(next);
            }
        }
    } else {
        fresh = seen_add(r->seen, header.chunk);
        if (fresh == 1) {
            r->records += header.records;
            rc = s_write_result(r, item, e);
        }
    }
    s_result_free(item);
    if (fresh < 0) {
        log_warn("chunk %llu from mapper %u: index out of range, dropped",
                 (unsigned long long)header.chunk, header.mapper);
        return 0;
    }
    if (rc < 0)
        return rc;
    s_ack(r, &header, held, fresh == 1);
    return 0;
}

/* --reduce-cmd: runs the command with the job's output as its stdout and
 * feeds it every pair, sorted by key, as key<TAB>value lines (Hadoop
 * Streaming's reducer contract).  Its exit status decides. */
static int s_run_reduce_cmd(reducer_t *r, err_t *e)
{
    int out_fd = out_flush_fd(r->out, e);
    if (out_fd < 0)
        return e->code;
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return err_set(e, -errno, "pipe: %s", strerror(errno));
    taskenv_t *env = taskenv_new(); /* Hadoop's task variables (taskenv.h) */
    taskenv_reduce(env, r->opts.partition, 0);
    int err[2] = { -1, -1 }; /* its stderr, for reporter: lines (reporter.h) */
    r->reporter = reporter_new(STDERR_FILENO);
    pid_t pid = pipe2(err, O_CLOEXEC) < 0 ? err_set(e, -errno, "pipe: %s", strerror(errno))
                                          : proc_spawn_shell_env(r->opts.reduce_cmd, in[0], out_fd,
                                                                 err[1], taskenv_envp(env), e);
    taskenv_destroy(&env);
    if (err[1] >= 0)
        close(err[1]);
    if (pid >= 0 && reporter_start(r->reporter, err[0], e) < 0)
        close(err[0]); /* it inherited our stderr's place: its lines are lost, not its work */
    else if (pid < 0 && err[0] >= 0)
        close(err[0]);
    close(in[0]);
    if (pid < 0) {
        close(in[1]);
        return pid;
    }
    out_t *feed = out_open_fd(in[1], "--reduce-cmd's stdin");
    out_set_always_tab(feed, true); /* an empty key stays a key: `<TAB>value` */
    err_t werr;
    err_init(&werr);
    int rc = group_write(r->group, true, feed, NULL, &werr);
    r->reduce_lines = out_lines(feed);
    if (out_close(&feed, rc == 0 ? &werr : NULL) < 0 && rc == 0)
        rc = werr.code;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    reporter_join(r->reporter); /* its stderr ends with it (or its children) */
    if (rc == 0 && reporter_error(r->reporter, &werr) < 0)
        return err_set(e, werr.code, "the reduce command: %s", werr.text);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char how[128];
        return err_set(e, -ECHILD, "the reduce command %s",
                       proc_status_text(status, how, sizeof how));
    }
    /* A command that stops reading early (head) broke our pipe: its exit
     * status, checked above, is what counts. */
    if (rc < 0 && rc != -EPIPE)
        return err_set(e, rc, "%s", werr.text);
    return 0;
}

static int s_on_finish(reducer_t *r, uint64_t total, err_t *e)
{
    bool complete = r->reorder ? reorder_next(r->reorder) == total && reorder_held(r->reorder) == 0
                               : seen_count(r->seen) == total && seen_all_below(r->seen, total);
    if (!complete)
        return err_set(e, -EPROTO, "FINISH for %llu chunks, but not all of them were merged",
                       (unsigned long long)total);
    double start = proc_now();
    int rc = 0;
    if (r->group && r->opts.reduce_cmd)
        rc = s_run_reduce_cmd(r, e);
    else if (r->group) {
        rc = group_write(r->group, r->opts.sort, r->out, r->index, e);
        if (rc == 0 && r->index)
            rc = run_writer_close(&r->index, e);
    }
    r->merge_seconds = proc_now() - start;
    return rc;
}

int reducer__serve(reducer_t *r, err_t *e)
{
    for (;;) {
        result_t *item = mem_calloc(1, sizeof *item);
        proto_pairs_init(&item->pairs);
        transport_poll_item_t items[2] = { { .sock = r->results, .fd = -1 },
                                           { .sock = r->remote, .fd = -1 } };
        int rc = transport_poll_many(items, r->remote ? 2 : 1, -1);
        bool local = items[0].ready;
        item->local = local;
        if (rc == 0)
            rc = transport_recv(local ? r->results : r->remote, &item->tm, 0);
        if (rc == -EAGAIN)
            rc = -EINTR;
        if (rc == -EINTR) {
            s_result_free(item);
            continue;
        }
        if (rc < 0) {
            s_result_free(item);
            if (rc == -EBADMSG) {
                log_warn("message refused: more than two frames");
                continue;
            }
            return err_set(e, rc, "receiving results: %s", strerror(-rc));
        }
        err_t why;
        err_init(&why);
        if (proto_msg_decode(transport_msg_data(&item->tm, 0), transport_msg_size(&item->tm, 0),
                             &item->header, &why) < 0) {
            log_warn("message refused: %s", why.text);
            s_result_free(item);
            continue;
        }
        if (item->header.type == PROTO_RESULT) {
            rc = s_on_result(r, item, e);
            if (rc < 0)
                return rc;
        } else if (item->header.type == PROTO_FINISH && local) {
            /* Only the master, on the private ipc socket, may end the job:
             * a FINISH from the network is refused below. */
            uint64_t total = item->header.total;
            s_result_free(item);
            return s_on_finish(r, total, e);
        } else {
            log_warn("message %s refused: not expected by the reducer",
                     proto_type_name(item->header.type));
            s_result_free(item);
        }
    }
}
