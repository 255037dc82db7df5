/*
 * job.c - the master's event loop.  See docs/architecture.md for the
 * message flow; in short:
 *
 *   master --TASK--> mapper k (one PUSH socket per mapper, at most
 *                              MAPPERS_CREDIT tasks outstanding per mapper)
 *   mapper --RESULT--> reducer (one PULL socket per reducer, shared by all
 *                               mappers; with -R N each reducer gets its
 *                               partition's part of every chunk)
 *   reducer --ACK--> master, mapper --READY/FAIL--> master (one PULL socket)
 *   master --FINISH--> every reducer when every chunk is acknowledged by all
 *   reducer --DONE--> master when its output (or part) is written
 *
 * The master tracks every chunk in flight (chunks.h), so a PUSH socket's
 * silent drop of what was queued to a dead mapper costs nothing: the chunks
 * that mapper held are simply sent again.  Signals (SIGCHLD, SIGINT,
 * SIGTERM, SIGHUP) arrive through a signalfd polled with the control socket, so
 * every event is handled on one thread, in one loop.
 *
 * The loop's state is job_t (job_int.h); the table of mappers and their
 * credit is mappers.c, handing chunks out and taking their answers is in
 * feed.c, failed attempts in failure.c, the child
 * processes in children.c, the reducers in reducers.c, remote mappers in
 * remote.c.
 */
#include "job.h"
#include "job_int.h"

#include "chunks.h"
#include "cleanup.h"
#include "log.h"
#include "mappers.h"
#include "mem.h"
#include "proc.h"
#include "progress.h"
#include "proto_msg.h"
#include "shring.h"
#include "spawn.h"
#include "transport.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int job__fail(job_t *job, int code, const char *fmt, ...)
{
    if (job->state == JOB_FAILED)
        return job->e->code;
    char text[ERR_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    job->state = JOB_FAILED;
    return err_set(job->e, code, "%s", text);
}

const char *job__reducer_name(const job_t *job, const reducer_t *r, char *buf, size_t len)
{
    if (job->n_reducers == 1)
        snprintf(buf, len, "the reducer");
    else
        snprintf(buf, len, "reducer %u/%u", r->index, job->n_reducers);
    return buf;
}

static int s_setup(job_t *job)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    if (strlen(tmp) + sizeof "/mr-XXXXXX" > sizeof job->dir)
        return job__fail(job, -ENAMETOOLONG,
                         "TMPDIR %s is too long for Unix socket paths; "
                         "set TMPDIR to a shorter directory",
                         tmp);
    snprintf(job->dir, sizeof job->dir, "%s/mr-XXXXXX", tmp);
    if (!mkdtemp(job->dir)) {
        job->dir[0] = '\0';
        return job__fail(job, -errno, "cannot create a runtime directory in %s: %s", tmp,
                         strerror(errno));
    }
    cleanup_add_dir(job->dir); /* removed even if we die of a fatal signal */
    snprintf(job->control_ep, sizeof job->control_ep, "ipc://%s/control", job->dir);
    for (uint32_t i = 0; i < job->n_reducers; i++) {
        reducer_t *r = &job->reducers[i];
        if (job->n_reducers == 1)
            snprintf(r->results_ep, sizeof r->results_ep, "ipc://%s/results", job->dir);
        else
            snprintf(r->results_ep, sizeof r->results_ep, "ipc://%s/results%u", job->dir, i);
    }
    err_t e;
    err_init(&e);
    /* Parts, indexes and spills of a key-grouped job live in a private
     * directory under --tmpdir, made now: an unwritable one fails the job
     * before any process starts. */
    if (job->cfg->mode == PROTO_MODE_GROUPED) {
        const char *tmpdir =
            job->cfg->args->tmpdir ? job->cfg->args->tmpdir : scratch_default_tmpdir();
        job->scratch = scratch_new(tmpdir, job->n_reducers, job->n_reducers > 1, &e);
        if (!job->scratch)
            return job__fail(job, e.code, "%s", e.text);
    }
    char secret[JOB_ENDPOINT_MAX];
    snprintf(secret, sizeof secret, "%s/secret", job->dir);
    if (token_secret_create(&job->secret, secret, &e) < 0)
        return job__fail(job, e.code, "%s", e.text);

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    job->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (job->sigfd < 0)
        return job__fail(job, -errno, "signalfd: %s", strerror(errno));

    job->ctx = transport_ctx_new();
    if (!job->ctx)
        return job__fail(job, -ENOMEM, "cannot create a ZeroMQ context");
    job->control =
        transport_open(job->ctx, TRANSPORT_PULL, job->control_ep, true, JOB_CONTROL_MAX, &e);
    if (!job->control)
        return job__fail(job, e.code, "control socket: %s", e.text);
    for (uint32_t i = 0; i < job->n_reducers; i++) {
        reducer_t *r = &job->reducers[i];
        r->feed = transport_open(job->ctx, TRANSPORT_PUSH, r->results_ep, false, 0, &e);
        if (!r->feed)
            return job__fail(job, e.code, "reducer socket: %s", e.text);
    }
    return 0;
}

mapper_t *job__add_mapper(job_t *job)
{
    mapper_t *m = mappers_add(job->mappers);
    size_t n = mappers_size(job->mappers);
    job->st->mapper_chunks =
        mem_realloc(job->st->mapper_chunks, n * sizeof *job->st->mapper_chunks);
    job->st->mapper_hosts = mem_realloc(job->st->mapper_hosts, n * sizeof *job->st->mapper_hosts);
    job->st->mapper_chunks[n - 1] = 0;
    job->st->mapper_hosts[n - 1] = NULL;
    job->st->n_mappers = (uint32_t)n;
    return m;
}

bool job__shared_results(const job_t *job)
{
    return job->cfg->mode != PROTO_MODE_GROUPED && job->n_reducers == 1;
}

size_t job__partition_argv(const args_t *a, char **argv, size_t n)
{
    if (a->partition_fields) {
        argv[n++] = "--partition-fields";
        argv[n++] = (char *)a->partition_fields;
    }
    if (a->key_field_sep) {
        argv[n++] = "--key-field-separator";
        argv[n++] = (char *)a->key_field_sep;
    }
    return n;
}

int job__spawn_mapper(job_t *job)
{
    int rc = job__start_mapper(job);
    return rc < 0 ? rc : children__confirm(job);
}

int job__start_mapper(job_t *job)
{
    const args_t *a = job->cfg->args;
    mapper_t *m = job__add_mapper(job);
    char label[32];
    snprintf(label, sizeof label, "mapper %u", m->id);
    timeline_mapper_name(job->timeline, m->id, label);
    snprintf(m->endpoint, sizeof m->endpoint, "ipc://%s/m%u", job->dir, m->id);

    err_t e;
    err_init(&e);
    m->sock = transport_open(job->ctx, TRANSPORT_PUSH, m->endpoint, true, 0, &e);
    if (!m->sock)
        return job__fail(job, e.code, "mapper %u socket: %s", m->id, e.text);

    char progress[JOB_ENDPOINT_MAX];
    snprintf(progress, sizeof progress, "%s/p%u", job->dir, m->id);
    m->progress = progress_open(progress, true, &e);
    if (!m->progress)
        return job__fail(job, e.code, "mapper %u: %s", m->id, e.text);

    /* Its result slots, like its progress slot, made here and named in our
     * private directory: without them (no memfd) its results go through
     * the socket, as a remote mapper's do. */
    char slots[JOB_ENDPOINT_MAX];
    bool want_slots = job__shared_results(job) && m->id < SHRING_ID_MAX;
    if (want_slots && shring_path(job->dir, m->id, slots, sizeof slots) == 0)
        m->slots = shring_create(slots, &e);
    bool have_slots = m->slots >= 0;
    if (want_slots && !have_slots)
        log_warn("mapper %u sends its results through the socket: %s", m->id, e.text);

    char path[PATH_MAX + 16];
    char id[16];
    snprintf(path, sizeof path, "%s/mr-mapper", job->cfg->bin_dir);
    snprintf(id, sizeof id, "%u", m->id);
    char *argv[32 + 2 * PARTITION_MAX];
    int n = 0;
    argv[n++] = path;
    argv[n++] = "--tasks";
    argv[n++] = m->endpoint;
    argv[n++] = "--control";
    argv[n++] = job->control_ep;
    for (uint32_t i = 0; i < job->n_reducers; i++) {
        argv[n++] = "--results"; /* in partition order */
        argv[n++] = job->reducers[i].results_ep;
    }
    argv[n++] = "--id";
    argv[n++] = id;
    argv[n++] = "--progress";
    argv[n++] = progress;
    if (have_slots) {
        argv[n++] = "--result-slots";
        argv[n++] = slots;
    }
    argv[n++] = "--mode";
    argv[n++] = (char *)proto_mode_name(job->cfg->mode);
    char key_fields[16];
    if (a->map_cmd) {
        argv[n++] = "--map-cmd";
        argv[n++] = (char *)a->map_cmd;
        if (a->key_fields) {
            snprintf(key_fields, sizeof key_fields, "%u", a->key_fields);
            argv[n++] = "--key-fields";
            argv[n++] = key_fields;
        }
        if (a->field_sep) {
            argv[n++] = "--field-separator";
            argv[n++] = (char *)a->field_sep;
        }
    } else {
        argv[n++] = "-m";
        argv[n++] = (char *)a->mapper;
    }
    if (job->cfg->reducer_path) {
        argv[n++] = "-c";
        argv[n++] = (char *)job->cfg->reducer_path;
    }
    if (a->arg) {
        argv[n++] = "--arg";
        argv[n++] = (char *)a->arg;
    }
    if (a->delim == '\0')
        argv[n++] = "-0";
    n = job__partition_argv(a, argv, n);
    /* A local mapper maps the input files itself: chunk bytes never cross
     * a socket, and the master never touches them. */
    size_t n_inputs = split_inputs(job->cfg->split);
    char **full = mem_calloc((size_t)n + 4 * n_inputs + 1, sizeof *full);
    char(*ids)[48] = mem_calloc(n_inputs ? n_inputs : 1, sizeof *ids);
    memcpy(full, argv, (size_t)n * sizeof *argv);
    for (size_t i = 0; i < n_inputs; i++) {
        const char *input = split_input_path(job->cfg->split, (uint32_t)i);
        full[n++] = "--input";
        /* A .gz input is named too: its (inline) chunks' environment says
         * which file they are of. */
        full[n++] = (char *)(input ? input : split_input_arg(job->cfg->split, (uint32_t)i));
        if (input && split_input_id(job->cfg->split, (uint32_t)i, ids[i], sizeof ids[i]) == 0) {
            full[n++] = "--input-id";
            full[n++] = ids[i];
        }
    }
    full[n] = NULL;
    pid_t pid = spawn_start(full, true, &m->exec_fd, &e);
    free(full);
    free(ids);
    if (pid < 0)
        return job__fail(job, pid, "%s", e.text);
    m->pid = pid;
    m->group = pid;
    return 0;
}

void job__on_message(job_t *job, const proto_msg_t *msg)
{
    switch (msg->type) {
    case PROTO_READY: {
        mapper_t *m = mappers_find(job->mappers, msg->mapper);
        if (m && m->sock)
            m->ready = true;
        break;
    }
    case PROTO_ACK: feed__on_ack(job, msg); break;
    case PROTO_FAIL: failure__on_fail(job, msg); break;
    case PROTO_DONE: reducers__on_done(job, msg); break;
    case PROTO_LISTEN: remote__on_listen(job, msg); break;
    default:
        log_warn("control message %s refused: not expected by the master",
                 proto_type_name(msg->type));
    }
}

static void s_on_message(job_t *job, transport_msg_t *tm)
{
    proto_msg_t msg;
    err_t e;
    err_init(&e);
    if (proto_msg_decode(transport_msg_data(tm, 0), transport_msg_size(tm, 0), &msg, &e) < 0) {
        log_warn("control message refused: %s", e.text);
        return;
    }
    if (tm->n_parts != 1) {
        log_warn("control message %s refused: unexpected payload", proto_type_name(msg.type));
        return;
    }
    job__on_message(job, &msg);
}

/* Handles every control message queued, waiting up to wait_ms for the
 * first. */
void job__drain_control(job_t *job, long wait_ms)
{
    transport_msg_t tm;
    for (;; wait_ms = 0) {
        int rc = transport_recv(job->control, &tm, wait_ms);
        if (rc == -EBADMSG) {
            log_warn("control message refused: more than two frames");
            continue;
        }
        if (rc < 0)
            break;
        s_on_message(job, &tm);
        transport_msg_close(&tm);
    }
}

static void s_cleanup(job_t *job)
{
    size_t n_mappers = job->mappers ? mappers_size(job->mappers) : 0;
    mappers_destroy(&job->mappers); /* its sockets close before the context */
    err_t e;
    err_init(&e);
    if (job->bad_file && afile_commit(&job->bad_file, &e) < 0)
        job__fail(job, e.code, "%s", e.text);
    transport_close(&job->control, 0);
    for (uint32_t i = 0; i < job->n_reducers; i++)
        transport_close(&job->reducers[i].feed, 0);
    remote__destroy(job);
    transport_ctx_destroy(&job->ctx);
    if (job->dir[0]) {
        char path[JOB_ENDPOINT_MAX];
        snprintf(path, sizeof path, "%s/control", job->dir);
        unlink(path);
        for (uint32_t i = 0; i < job->n_reducers; i++)
            unlink(job->reducers[i].results_ep + strlen("ipc://"));
        snprintf(path, sizeof path, "%s/secret", job->dir);
        unlink(path);
        for (size_t id = 1; id <= n_mappers; id++) {
            snprintf(path, sizeof path, "%s/m%zu", job->dir, id);
            unlink(path);
            if (shring_path(job->dir, (uint32_t)id, path, sizeof path) == 0)
                unlink(path); /* a remote mapper's is not there */
        }
        rmdir(job->dir);
        cleanup_forget(job->dir);
    }
    if (job->sigfd >= 0)
        close(job->sigfd);
    /* The signals stay blocked: main still has to rename or remove the
     * output, and a SIGINT landing now must not kill us half way.  Any that
     * arrived is dropped at exit. */
    scratch_destroy(&job->scratch);
    chunks_destroy(&job->chunks);
    meter_destroy(&job->meter);
    timeline_destroy(&job->timeline);
    buf_fini(&job->header);
    free(job->reducers);
}

/* Clears the progress line before a message is logged. */
static void s_meter_clear(void *arg)
{
    meter_clear(arg);
}

/* The progress line: what is merged, how fast, who is alive, retries;
 * after the map phase, the reducers writing (and the final merge: see
 * reducers__assemble). */
static void s_show_progress(job_t *job)
{
    if (!job->meter)
        return;
    meter_sample_t s = {
        .bytes_done = job->bytes_done,
        .chunks_done = chunks_cut(job->chunks) - chunks_open(job->chunks),
        .chunks_total = job->input_done ? chunks_cut(job->chunks) : 0,
        .retries = job->st->failed_attempts + job->st->resent,
    };
    char status[PROGRESS_STATUS_MAX + 1] = "";
    uint64_t newest = 0; /* the latest reporter:status of any mapper */
    s.mappers_alive = mappers_alive(job->mappers);
    for (size_t i = 0; i < mappers_size(job->mappers); i++) {
        const mapper_t *m = mappers_at(job->mappers, i);
        char text[sizeof status];
        uint64_t at =
            m->progress ? progress_status(progress_slot(m->progress), text, sizeof text) : 0;
        if (at > newest && text[0]) {
            newest = at;
            memcpy(status, text, sizeof status);
        }
    }
    s.status = status;
    if (job->finish_sent && job->state == JOB_RUNNING && job->cfg->mode == PROTO_MODE_GROUPED)
        snprintf(s.stage, sizeof s.stage, "reduce: %u/%u reducers done", job->reducers_done,
                 job->n_reducers);
    meter_update(job->meter, &s, proc_now());
}

/* Bytes of input, when every input's size is known in advance. */
static uint64_t s_total_bytes(const split_t *split)
{
    uint64_t total = 0;
    for (size_t i = 0; i < split_inputs(split); i++) {
        uint64_t size = split_input_size(split, (uint32_t)i);
        if (size == UINT64_MAX)
            return 0;
        total += size;
    }
    return total;
}

int job_run(const job_config_t *cfg, job_stats_t *st, err_t *e)
{
    memset(st, 0, sizeof *st);
    st->counters = counters_new();
    job_t job = {
        .cfg = cfg,
        .st = st,
        .e = e,
        .state = JOB_RUNNING,
        .sigfd = -1,
        .respawns_left = cfg->args->jobs * JOB_RESPAWNS_PER_MAPPER,
        .started = proc_now(),
    };
    buf_init(&job.header, JOB_HEADER_MAX);
    /* The window: enough chunks that every mapper's credit is full while a
     * few finished ones wait to be merged in order. */
    size_t window = (size_t)cfg->args->jobs * (MAPPERS_CREDIT + 2);
    /* Remote mappers join later and are not counted in -j: leave room for
     * 32 of them at full credit. */
    if (cfg->args->listen && window < 128)
        window = 128;
    job.window = window < 16 ? 16 : window;
    job.chunks = chunks_new(job.window);
    job.mappers = mappers_new();

    split_set_nonblocking(cfg->split, true);
    job.meter =
        meter_new(STDERR_FILENO, cfg->args->progress, cfg->args->quiet, s_total_bytes(cfg->split));
    if (job.meter)
        log_set_hook(s_meter_clear, job.meter);
    if (cfg->args->timeline)
        job.timeline = timeline_new(job.started);
    /* Opened before any process starts: an unwritable place fails first. */
    if (cfg->args->bad_records) {
        err_t be;
        err_init(&be);
        job.bad_file =
            afile_open(cfg->args->bad_records, "--bad-records", 0, AFILE_MODE_DEFAULT, &be);
        job.bad = job.bad_file ? afile_stream(job.bad_file, &be) : NULL;
        if (!job.bad)
            job__fail(&job, be.code, "%s", be.text);
    }
    /* -R: N reducers, each owning a partition of the keys (partition.h). */
    job.n_reducers = cfg->reducers ? cfg->reducers : 1;
    job.reducers = mem_calloc(job.n_reducers, sizeof *job.reducers);
    job.all_reducers = job.n_reducers == 64 ? UINT64_MAX : ((uint64_t)1 << job.n_reducers) - 1;
    st->n_reducers = job.n_reducers;
    st->reducers = mem_calloc(job.n_reducers, sizeof *st->reducers);
    for (uint32_t i = 0; i < job.n_reducers; i++) {
        job.reducers[i].index = i;
        job.reducers[i].exec_fd = -1;
        char label[32];
        snprintf(label, sizeof label, "reducer %u/%u", i, job.n_reducers);
        timeline_mapper_name(job.timeline, JOB_TIMELINE_REDUCER(i), label);
    }
    if (job.n_reducers > 1)
        timeline_mapper_name(job.timeline, JOB_TIMELINE_MERGE, "final merge");
    bool started = job.state == JOB_RUNNING && s_setup(&job) == 0 && remote__setup(&job) == 0;
    /* Every child is started before any exec is waited for: the execs and
     * the children's start-up overlap (issue 14). */
    for (uint32_t i = 0; started && i < job.n_reducers && job.state == JOB_RUNNING; i++)
        reducers__start(&job, &job.reducers[i]);
    for (unsigned i = 0; started && i < cfg->args->jobs && job.state == JOB_RUNNING; i++)
        job__start_mapper(&job);
    children__confirm(&job);
    /* Timeouts are checked every tick: a quarter of the timeout, so a stuck
     * map() is caught within 1.25 timeouts. */
    long tick_ms = remote__tick_ms(&job);
    if (job.meter && tick_ms > 100)
        tick_ms = 100; /* the progress line redraws ten times a second */
    if (cfg->args->task_timeout > 0 && cfg->args->task_timeout * 250 < tick_ms)
        tick_ms = (long)(cfg->args->task_timeout * 250) + 1;
    while (job.state == JOB_RUNNING) {
        feed__send(&job);
        feed__maybe_finish(&job);
        if (job.state != JOB_RUNNING)
            break;
        transport_poll_item_t items[4] = {
            { .sock = job.control, .fd = -1 },
            { .sock = NULL, .fd = job.sigfd },
        };
        int n = 2;
        int input_fd = job.wait_input ? split_wait_fd(cfg->split) : -1;
        if (input_fd >= 0)
            items[n++] = (transport_poll_item_t){ .sock = NULL, .fd = input_fd };
        job.wait_input = false;
        int first_remote = n;
        remote__poll_items(&job, items, &n);
        int rc = transport_poll_many(items, n, job.retry_soon ? 10 : tick_ms);
        job.retry_soon = false;
        if (rc < 0 && rc != -EINTR) {
            job__fail(&job, rc, "poll: %s", strerror(-rc));
            break;
        }
        if (items[0].ready)
            job__drain_control(&job, 0);
        if (items[1].ready)
            children__on_signals(&job);
        remote__on_ready(&job, items, first_remote);
        failure__check_timeouts(&job);
        remote__tick(&job);
        s_show_progress(&job);
    }
    children__shutdown(&job);
    /* Several reducers wrote parts: the output is built from them now. */
    if (job.state == JOB_SUCCEEDED && job.n_reducers > 1 && !cfg->parts)
        reducers__assemble(&job);
    st->wall_seconds = proc_now() - job.started;
    s_show_progress(&job);
    log_set_hook(NULL, NULL);
    meter_finish(job.meter, job.state == JOB_SUCCEEDED);
    if (job.timeline) {
        /* Like every side file, a picture that cannot be written fails the
         * job, before main moves -o into place. */
        err_t te;
        err_init(&te);
        if (timeline_write_svg(job.timeline, cfg->args->timeline, proc_now(), &te) < 0)
            job__fail(&job, te.code, "%s", te.text);
    }
    s_cleanup(&job);
    return job.state == JOB_SUCCEEDED ? 0 : (e->code ? e->code : -EIO);
}

void job_stats_fini(job_stats_t *st)
{
    for (uint32_t i = 0; st->mapper_hosts && i < st->n_mappers; i++)
        free(st->mapper_hosts[i]);
    free(st->mapper_hosts);
    st->mapper_hosts = NULL;
    free(st->mapper_chunks);
    st->mapper_chunks = NULL;
    free(st->reducers);
    st->reducers = NULL;
    counters_destroy(&st->counters);
}
