/*
 * serve.c - a mapper's work, local or remote: loading the plugin and the
 * collector, saying READY, then the task loop: PULL a TASK, find its bytes
 * (carried inline, or the part of an input file it names, mapped on first
 * use), call map() on each record or run --map-cmd over the chunk, and PUSH
 * one RESULT to each reducer, or a FAIL to the master, until STOP.  Remote,
 * it also watches the master's heartbeats on the DEALER.  Part of the mapper
 * library: main.c (a local mapper) and remote.c (a worker joined to a master
 * on another host) both serve through mapper__serve.
 */
#include "mapper_int.h"

#include "collect.h"
#include "command.h"
#include "err.h"
#include "fmap.h"
#include "plugin.h"
#include "plugin_counter.h"
#include "plugin_fail.h"
#include "proc.h"
#include "progress.h"
#include "proto_msg.h"
#include "recscan.h"
#include "taskenv.h"
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mapper__load(mapper_t *m, const char *combiner, err_t *e)
{
    if (m->opts.plugin) {
        m->plugin = plugin_open(m->opts.plugin, e);
        if (!m->plugin)
            return e->code;
        if (!plugin_desc(m->plugin)->map)
            return err_set(e, -EINVAL, "plugin %s has no map function", m->opts.plugin);
        if (plugin_init(m->plugin, m->opts.arg, e) < 0)
            return e->code;
    }
    const plugin_t *comb = NULL;
    if (combiner && m->opts.plugin && strcmp(combiner, m->opts.plugin) == 0) {
        comb = m->plugin;
    } else if (combiner) {
        m->combiner = plugin_open(combiner, e);
        if (!m->combiner || plugin_init(m->combiner, m->opts.arg, e) < 0)
            return e->code;
        comb = m->combiner;
    }
    /* A command prints counts as decimal text ("word<TAB>1"), a plugin that
     * sums 8-byte counts takes binary ones: convert, never pass "1" on to be
     * read as a count of 0. */
    m->text_counts = m->opts.map_cmd && comb && plugin_desc(comb)->combine &&
                     plugin_combine_kind(plugin_desc(comb)) == MR_COMBINE_SUM_U64;
    if (m->opts.mode == PROTO_MODE_GROUPED)
        m->collect = collect_new(comb ? plugin_desc(comb) : NULL, comb ? plugin_state(comb) : NULL,
                                 MAPPER_MAX_MSG);
    else
        m->collect = collect_new_lines(MAPPER_MAX_MSG, m->opts.delim);
    return 0;
}

void mapper__close_results(mapper_t *m)
{
    for (uint32_t i = 0; i < m->n_results; i++)
        transport_close(&m->results[i], 0);
    m->n_results = 0;
}

int mapper__send_control(mapper_t *m, const proto_msg_t *msg)
{
    buf_reset(&m->header);
    proto_msg_encode(msg, &m->header);
    return transport_send(m->dealer ? m->dealer : m->control, &m->header, NULL, 0, 0);
}

/* Reports a failed record to the master, which knows the chunk's bytes and
 * quotes the record itself. */
static int s_send_fail(mapper_t *m, const proto_msg_t *task, uint64_t offset, int status,
                       const char *why)
{
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_FAIL);
    msg.chunk = task->chunk;
    msg.attempt = task->attempt;
    msg.mapper = m->opts.id;
    msg.offset = offset;
    msg.status = status;
    memcpy(msg.token, task->token, sizeof msg.token);
    snprintf(msg.text, sizeof msg.text, "%.400s", why);
    progress_slot_t *slot = m->progress ? progress_slot(m->progress) : &m->idle;
    /* Not valid while it is written: a kill between the stores must not
     * leave one FAIL's chunk with another's attempt. */
    atomic_store_explicit(&slot->failed, 0, memory_order_release);
    atomic_store_explicit(&slot->failed_chunk, task->chunk, memory_order_relaxed);
    atomic_store_explicit(&slot->failed_offset, offset, memory_order_relaxed);
    atomic_store_explicit(&slot->failed_attempt, task->attempt, memory_order_relaxed);
    atomic_store_explicit(&slot->failed, 1, memory_order_release);
    return mapper__send_control(m, &msg);
}

/* The error for a chunk whose file changed under us: the master fails the
 * job at once on it (a retry cannot read what is gone). */
static int s_changed(const char *path, err_t *e)
{
    return err_set(e, -ESTALE, "input %s changed while it was read", path);
}

/* Finds the bytes of a TASK that names an input file instead of carrying
 * them: maps the file on first use.  0, -ESTALE when the file no longer
 * holds the chunk, or -errno, with e set. */
static int s_task_bytes(mapper_t *m, const proto_msg_t *task, const char **data, size_t *len,
                        err_t *e)
{
    if (!m->maps || task->input >= m->opts.n_inputs ||
        strcmp(m->opts.inputs[task->input], "-") == 0)
        return err_set(e, -EPROTO, "chunk %llu names input %u, which this mapper cannot read",
                       (unsigned long long)task->chunk, task->input);
    const char *path = m->opts.inputs[task->input];
    input_map_t *in = &m->maps[task->input];
    if (!in->data) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
            int code = errno;
            if (fd >= 0)
                close(fd);
            return err_set(e, -code, "input %s: %s", path, strerror(code));
        }
        /* The master saw bytes in it, in the file it opened: a file renamed
         * over the path since (logrotate, an editor's save) is another. */
        char id[48];
        snprintf(id, sizeof id, "%llu:%llu", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
        const char *want = m->opts.input_ids ? m->opts.input_ids[task->input] : NULL;
        if (st.st_size == 0 || (want && strcmp(want, id) != 0)) {
            close(fd);
            return s_changed(path, e);
        }
        int code = 0;
        in->size = (size_t)st.st_size;
        in->data = fmap_map(fd, in->size, &code);
        if (!in->data) {
            close(fd);
            return err_set(e, code, "input %s: cannot map it: %s", path, strerror(-code));
        }
        in->fd = fd;
    }
    if (task->offset > in->size || task->length > in->size - task->offset)
        return s_changed(path, e);
    *data = in->data + task->offset;
    *len = (size_t)task->length;
    return 0;
}

/* After a chunk of a file was mapped, before its result is sent: whether
 * the file still holds the chunk, and no page of it vanished (it read as
 * zeros, fmap.h).  A file that only changed elsewhere is the master's to
 * find (split_check).  0 or -ESTALE with e set. */
static int s_task_check(mapper_t *m, const proto_msg_t *task, err_t *e)
{
    if (task->input == PROTO_INPUT_INLINE || !m->maps || task->input >= m->opts.n_inputs)
        return 0;
    const input_map_t *in = &m->maps[task->input];
    struct stat st;
    if (!in->data || (!fmap_lost(in->data) && fstat(in->fd, &st) == 0 &&
                      (uint64_t)st.st_size >= task->offset + task->length))
        return 0;
    return s_changed(m->opts.inputs[task->input], e);
}

/* Drops a mapped file chunk's pages from our resident set once mapped: the
 * page cache keeps them, and the mapper's memory stays one chunk deep. */
static void s_task_release(mapper_t *m, const proto_msg_t *task)
{
    input_map_t *in = &m->maps[task->input];
    proc_release_pages(in->data, in->size, (size_t)task->offset, (size_t)task->length);
}

/* Calls map() on every record of the chunk but the skipped ones.  Returns
 * 0, or 1 after reporting a failed record to the master. */
static int s_run_plugin(mapper_t *m, const proto_msg_t *task, const char *data, size_t len,
                        progress_slot_t *slot, uint64_t *records, int *rc)
{
    const mr_plugin_t *p = plugin_desc(m->plugin);
    void *state = plugin_state(m->plugin);
    mr_emitter_t *out = collect_emitter(m->collect);
    size_t off = 0;
    uint32_t next_skip = 0;
    err_t e;
    err_init(&e);
    if (!m->reporter)
        m->reporter = reporter_new(STDERR_FILENO);
    reporter_reset(m->reporter); /* this attempt's counters only (mr_counter) */
    plugin_counter_sink(reporter_counters(m->reporter), -1);
    recscan_t scan;
    recscan_init(&scan, data, len, m->opts.delim);
    while (off < len) {
        const char *rec = data + off;
        size_t end = recscan_next(&scan, off);
        size_t rec_len = end - off;
        size_t at = off;
        off = end < len ? end + 1 : len;
        while (next_skip < task->n_skip && task->skip[next_skip] < at)
            next_skip++;
        if (next_skip < task->n_skip && task->skip[next_skip] == at)
            continue;
        /* Publish the record before calling into user code: if map()
         * crashes or hangs, the master reads exactly which record it was. */
        atomic_store_explicit(&slot->offset, at, memory_order_relaxed);
        progress_tick(slot);
        mr_bytes_t record = { rec, rec_len };
        int prc = p->map(state, record, out);
        if (prc != 0 || collect_error(m->collect, &e) < 0) {
            /* The engine's own limits (output over the cap) fail the chunk;
             * the plugin's refusal fails this record. */
            if (collect_error(m->collect, &e) < 0) {
                plugin_fail_clear();
                *rc = s_send_fail(m, task, PROTO_OFFSET_NONE, e.code, e.text);
            } else {
                char why[PLUGIN_FAIL_MAX + 64];
                plugin_fail_why("map", prc, why, sizeof why);
                *rc = s_send_fail(m, task, at, -ECANCELED, why);
            }
            return 1;
        }
        (*records)++;
    }
    return 0;
}

/* --map-cmd: each output line is a pair (key before the first tab; no tab:
 * all key) in a key-grouped job, or passes through whole otherwise. */
static int s_on_command_line(void *arg, const char *line, size_t len)
{
    mapper_t *m = arg;
    mr_emitter_t *out = collect_emitter(m->collect);
    /* Output is progress: --task-timeout then fires only on a command that
     * has printed nothing for that long, not on a long chunk. */
    progress_slot_t *slot = m->progress ? progress_slot(m->progress) : &m->idle;
    progress_tick(slot);
    if (m->opts.mode != PROTO_MODE_GROUPED)
        return mr_emit_value(out, line, len);
    size_t value_at = 0;
    size_t key_len = command_split_key(line, len, m->opts.field_sep, strlen(m->opts.field_sep),
                                       m->opts.key_fields, &value_at);
    const char *value = line + value_at;
    size_t value_len = len - value_at;
    if (!m->text_counts)
        return mr_emit(out, line, key_len, value, value_len);
    char digits[24];
    uint64_t count = 0;
    if (value_len > 0 && value_len < sizeof digits) {
        memcpy(digits, value, value_len);
        digits[value_len] = '\0';
    }
    if (value_len == 0 || value_len >= sizeof digits || proc_parse_u64(digits, &count) < 0)
        return err_set(&m->line_err, -EINVAL,
                       "map command printed the value '%.*s' for key '%.*s': the reducer "
                       "plugin sums counts (MR_COMBINE_SUM_U64), so a value must be a decimal "
                       "number below 2^64",
                       (int)(value_len < 40 ? value_len : 40), value,
                       (int)(key_len < 40 ? key_len : 40), line);
    unsigned char le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(count >> (8 * i));
    return mr_emit(out, line, key_len, le, sizeof le);
}

/* A map command's reporter:status, for the master's progress line. */
static void s_on_status(void *arg, const char *status)
{
    progress_set_status(arg, status);
}

/* Runs --map-cmd over the chunk.  Returns 0, or 1 after reporting the
 * failed attempt to the master. */
static int s_run_command(mapper_t *m, const proto_msg_t *task, const char *data, size_t len,
                         progress_slot_t *slot, uint64_t *records, int *rc)
{
    atomic_store_explicit(&slot->offset, 0, memory_order_relaxed);
    progress_tick(slot);
    err_t e;
    err_init(&e);
    err_init(&m->line_err);
    if (!m->env)
        m->env = taskenv_new();
    const char *file = task->source < m->opts.n_inputs ? m->opts.inputs[task->source] : "-";
    taskenv_map(m->env, task->chunk, task->attempt, file, task->offset, task->length);
    if (!m->reporter)
        m->reporter = reporter_new(STDERR_FILENO);
    reporter_reset(m->reporter); /* this attempt's counters only */
    command_opts_t opts = { .envp = taskenv_envp(m->env),
                            .reporter = m->reporter,
                            .on_status = s_on_status,
                            .status_arg = slot };
    if (command_run(m->opts.map_cmd, data, len, s_on_command_line, m, &opts, &e) != 0 ||
        reporter_error(m->reporter, &e) < 0) {
        err_t cerr;
        err_init(&cerr);
        if (collect_error(m->collect, &cerr) < 0)
            e = cerr;
        else if (m->line_err.code)
            e = m->line_err;
        *rc = s_send_fail(m, task, PROTO_OFFSET_NONE, e.code ? e.code : -ECHILD, e.text);
        return 1;
    }
    recscan_t scan;
    recscan_init(&scan, data, len, m->opts.delim);
    for (size_t off = 0; off < len; (*records)++) {
        size_t end = recscan_next(&scan, off);
        off = end < len ? end + 1 : len;
    }
    return 0;
}

/* A local job's lines are written straight into one of our result slots
 * (shring.h) when one is free: RESULT then carries the slot's number and
 * the length, and the reducer writes them from there.  Takes the slot for
 * the chunk about to be mapped and starts the collector in it; *slot is
 * SHRING_SLOTS when there is none (no slots, -R N, all of them held by the
 * reducer): the chunk's lines then go in RESULT. */
static void s_begin(mapper_t *m, uint32_t *slot)
{
    char *mem = NULL;
    *slot = SHRING_SLOTS;
    if (m->ring && m->n_results == 1 && collect_is_lines(m->collect))
        mem = shring_acquire(m->ring, slot);
    if (mem)
        collect_begin_into(m->collect, mem, SHRING_SLOT_BYTES);
    else
        collect_begin(m->collect);
}

/* Sends RESULT naming the slot s_begin took, when the chunk's lines are
 * still there: 0 when sent that way, 1 when the caller must send the bytes
 * (there was no slot, or the lines outgrew it), or -errno.  The slot is
 * the reducer's to release once sent, ours again otherwise. */
static int s_send_shared(mapper_t *m, proto_msg_t *msg, const buf_t *payload, uint32_t *slot)
{
    if (*slot == SHRING_SLOTS)
        return 1;
    if (!collect_in_place(m->collect)) {
        shring_release(m->ring, *slot);
        *slot = SHRING_SLOTS;
        return 1;
    }
    unsigned char desc[SHRING_DESC_BYTES];
    shring_desc_encode(*slot, payload->len, desc);
    msg->flags |= PROTO_RESULT_SHARED;
    buf_reset(&m->header);
    proto_msg_encode(msg, &m->header);
    msg->flags &= ~PROTO_RESULT_SHARED;
    int rc = transport_send(m->results[0], &m->header, desc, sizeof desc, 0);
    if (rc == 0)
        *slot = SHRING_SLOTS; /* the reducer's now */
    return rc;
}

/* Maps one chunk and sends its RESULT (or a FAIL). */
static int s_map_chunk(mapper_t *m, const proto_msg_t *task, const char *data, size_t len)
{
    uint32_t result_slot = SHRING_SLOTS;
    s_begin(m, &result_slot);
    uint64_t records = 0;
    err_t e;
    err_init(&e);
    progress_slot_t *slot = m->progress ? progress_slot(m->progress) : &m->idle;
    atomic_store_explicit(&slot->chunk, task->chunk, memory_order_relaxed);
    atomic_store_explicit(&slot->busy, 1, memory_order_release);
    int rc = 0;
    int failed = m->opts.map_cmd ? s_run_command(m, task, data, len, slot, &records, &rc)
                                 : s_run_plugin(m, task, data, len, slot, &records, &rc);
    if (failed)
        goto done;
    if (s_task_check(m, task, &e) < 0) {
        rc = s_send_fail(m, task, PROTO_OFFSET_NONE, e.code, e.text);
        goto done;
    }
    const buf_t *payload = NULL;
    if (collect_finish(m->collect, &payload, &e) < 0) {
        rc = s_send_fail(m, task, PROTO_OFFSET_NONE, e.code, e.text);
        goto done;
    }

    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_RESULT);
    msg.chunk = task->chunk;
    msg.attempt = task->attempt;
    msg.mapper = m->opts.id;
    msg.records = records;
    msg.outputs = collect_lines(m->collect);
    msg.emits = collect_emits(m->collect);
    msg.flags = collect_is_lines(m->collect) ? PROTO_RESULT_LINES : 0;
    size_t n_counters = 0;
    if (plugin_counter_error(&e) < 0) { /* a count of map or combine lost */
        rc = s_send_fail(m, task, PROTO_OFFSET_NONE, e.code, e.text);
        goto done;
    }
    if (m->reporter && counters_encode(reporter_counters(m->reporter), msg.counters,
                                       sizeof msg.counters, &n_counters, &e) < 0) {
        rc = s_send_fail(m, task, PROTO_OFFSET_NONE, e.code, e.text);
        goto done;
    }
    msg.n_counters = (uint32_t)n_counters;
    memcpy(msg.token, task->token, sizeof msg.token); /* the proof the task was ours */
    int shared = s_send_shared(m, &msg, payload, &result_slot);
    if (shared <= 0) {
        rc = shared;
        goto done;
    }
    /* Every reducer gets its part, even an empty one: a chunk is merged
     * when all of them have it.  An empty payload (a chunk with no output)
     * is still a payload frame: transport_send takes NULL to mean none.
     * The chunk's counters go with partition 0's part only, so that they
     * are counted once however many reducers there are (the master counts
     * reducer 0's fresh ACK's). */
    for (uint32_t i = 0; i < m->n_results && rc == 0; i++) {
        if (i <= 1) {
            if (i == 1)
                msg.n_counters = 0;
            buf_reset(&m->header);
            proto_msg_encode(&msg, &m->header);
        }
        const buf_t *part = m->n_results > 1 ? collect_part(m->collect, i) : payload;
        rc = transport_send(m->results[i], &m->header, part->data ? part->data : "", part->len, 0);
    }
done:
    if (result_slot != SHRING_SLOTS)
        shring_release(m->ring, result_slot); /* failed or not sent: nobody else will */
    atomic_store_explicit(&slot->busy, 0, memory_order_release);
    return rc;
}

/* Handles what the master sent on the DEALER (remote only): heartbeats. */
static void s_on_dealer(mapper_t *m)
{
    transport_msg_t tm;
    while (transport_recv(m->dealer, &tm, 0) == 0) {
        proto_msg_t msg;
        err_t e;
        err_init(&e);
        if (proto_msg_decode(transport_msg_data(&tm, 0), transport_msg_size(&tm, 0), &msg, &e) == 0)
            m->master_seen = proc_now();
        transport_msg_close(&tm);
    }
}

int mapper__serve(mapper_t *m, err_t *e)
{
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_READY);
    msg.mapper = m->opts.id;
    msg.pid = (uint64_t)getpid();
    int rc = mapper__send_control(m, &msg);
    if (rc < 0)
        return err_set(e, rc, "cannot reach the master: %s", strerror(-rc));
    m->master_seen = proc_now();
    for (;;) {
        transport_msg_t tm;
        if (m->dealer) {
            /* Remote: watch the master's heartbeats while waiting for work. */
            transport_poll_item_t items[2] = { { .sock = m->tasks, .fd = -1 },
                                               { .sock = m->dealer, .fd = -1 } };
            transport_poll_many(items, 2, 250);
            if (items[1].ready)
                s_on_dealer(m);
            if (proc_now() - m->master_seen > m->opts.heartbeat)
                return err_set(e, -ETIMEDOUT, "the master has been silent for %.1f s",
                               proc_now() - m->master_seen);
            if (!items[0].ready)
                continue;
            rc = transport_recv(m->tasks, &tm, 0);
            if (rc == -EAGAIN)
                continue;
        } else {
            rc = transport_recv(m->tasks, &tm, -1);
        }
        if (rc == -EINTR)
            continue;
        if (rc < 0)
            return err_set(e, rc, "receiving a task: %s", strerror(-rc));
        rc = proto_msg_decode(transport_msg_data(&tm, 0), transport_msg_size(&tm, 0), &msg, e);
        if (rc == 0 && msg.type == PROTO_STOP) {
            transport_msg_close(&tm);
            return 0;
        }
        if (rc == 0 &&
            (msg.type != PROTO_TASK || tm.n_parts != (msg.input == PROTO_INPUT_INLINE ? 2 : 1)))
            rc = err_set(e, -EBADMSG, "unexpected %s message from the master",
                         proto_type_name(msg.type));
        if (rc == 0 && msg.input == PROTO_INPUT_INLINE) {
            rc = s_map_chunk(m, &msg, transport_msg_data(&tm, 1), transport_msg_size(&tm, 1));
        } else if (rc == 0) {
            const char *data = NULL;
            size_t len = 0;
            err_t why;
            err_init(&why);
            rc = s_task_bytes(m, &msg, &data, &len, &why);
            if (rc == 0) {
                rc = s_map_chunk(m, &msg, data, len);
                s_task_release(m, &msg);
            } else if (rc == -ESTALE) {
                rc = s_send_fail(m, &msg, PROTO_OFFSET_NONE, why.code, why.text);
            } else {
                *e = why;
            }
        }
        transport_msg_close(&tm);
        /* A frame we cannot read means the master and we disagree about the
         * protocol: exit, and the master re-sends what we held. */
        if (rc < 0)
            return e->code ? e->code : err_set(e, rc, "sending: %s", strerror(-rc));
    }
}
