/*
 * main.c - mr-mapper: one mapper process.
 *
 * Loads the plugin, says READY on the master's control socket, then loops:
 * PULL a TASK, call map() on each record of the chunk, PUSH one RESULT with
 * all of the chunk's pairs to the reducer (or a FAIL to the master when the
 * plugin refuses a record).  A STOP, or the death of the master
 * (PR_SET_PDEATHSIG), ends it.  This file holds the command line and a
 * local mapper's sockets; the task loop is serve.c's, --connect remote.c's.
 */
#include "collect.h"
#include "err.h"
#include "fmap.h"
#include "log.h"
#include "mapper_int.h"
#include "mem.h"
#include "plugin.h"
#include "proc.h"
#include "progress.h"
#include "taskenv.h"
#include "transport.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char s_usage[] =
    "usage: mr-mapper --connect tcp://HOST:PORT -m PLUGIN.so [-j N] [--persist]\n"
    "                 [--key NAME.key --server-pub MASTER.pub] [--heartbeat SECONDS]\n"
    "\n"
    "Lends this host's cores to an mr-run --listen job on another host.  The plugin\n"
    "must be the same build as the master's (its digest is compared).\n"
    "\n"
    "  --connect EP        the master's --listen endpoint\n"
    "  -m, PLUGIN.so       the mapper plugin\n"
    "  -j, --jobs N        worker processes (default 1)\n"
    "  --persist           serve job after job, reconnecting when the master returns\n"
    "  --key FILE          this worker's CURVE key pair (mr-keygen)\n"
    "  --server-pub FILE   the master's public key\n"
    "  --heartbeat SECONDS give up on a silent master after this long (default 5)\n"
    "\n"
    "mr-run starts local mappers itself, with other options.\n";

static int s_parse(mapper_opts_t *o, int argc, char **argv, err_t *e)
{
    static const struct option options[] = {
        { "tasks", required_argument, NULL, 't' },
        { "control", required_argument, NULL, 'C' },
        { "results", required_argument, NULL, 'R' },
        { "id", required_argument, NULL, 'I' },
        { "mode", required_argument, NULL, 'M' },
        { "arg", required_argument, NULL, 'a' },
        { "null", no_argument, NULL, '0' },
        { "progress", required_argument, NULL, 'P' },
        { "result-slots", required_argument, NULL, 'P' + 256 },
        { "input", required_argument, NULL, 'i' },
        { "input-id", required_argument, NULL, 'i' + 256 },
        { "connect", required_argument, NULL, 'X' },
        { "map-cmd", required_argument, NULL, 'M' + 256 },
        { "key-fields", required_argument, NULL, 'K' + 256 },
        { "partition-fields", required_argument, NULL, 'p' + 256 },
        { "key-field-separator", required_argument, NULL, 't' + 256 },
        { "field-separator", required_argument, NULL, 'F' + 256 },
        { "jobs", required_argument, NULL, 'j' },
        { "key", required_argument, NULL, 'k' },
        { "server-pub", required_argument, NULL, 'S' },
        { "persist", no_argument, NULL, 'p' },
        { "heartbeat", required_argument, NULL, 'H' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->delim = '\n';
    o->mode = PROTO_MODE_ORDERED;
    o->jobs = 1;
    o->heartbeat = 5;
    o->key_fields = 1;
    o->field_sep = "\t";
    int c;
    uint64_t n = 0;
    const char *partition_fields = NULL;
    char key_sep = '\t';
    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":m:c:0j:h", options, NULL)) != -1) {
        switch (c) {
        case 't': o->tasks = optarg; break;
        case 'C': o->control = optarg; break;
        case 'R':
            if (o->n_results == PROTO_REDUCERS_MAX)
                return err_set(e, -EINVAL, "more than %d --results", PROTO_REDUCERS_MAX);
            o->results[o->n_results++] = optarg;
            break;
        case 'I':
            if (proc_parse_u64(optarg, &n) < 0 || n == 0 || n > UINT32_MAX)
                return err_set(e, -EINVAL, "invalid --id '%s'", optarg);
            o->id = (uint32_t)n;
            break;
        case 'M':
            if (proto_mode_parse(optarg, &o->mode) < 0)
                return err_set(e, -EINVAL, "unknown --mode '%s'", optarg);
            break;
        case 'a': o->arg = optarg; break;
        case 'P': o->progress = optarg; break;
        case 'P' + 256: o->slots = optarg; break;
        case 'i':
            o->inputs = mem_realloc(o->inputs, (o->n_inputs + 1) * sizeof *o->inputs);
            o->input_ids = mem_realloc(o->input_ids, (o->n_inputs + 1) * sizeof *o->input_ids);
            o->input_ids[o->n_inputs] = NULL;
            o->inputs[o->n_inputs++] = optarg;
            break;
        case 'i' + 256:
            if (o->n_inputs == 0)
                return err_set(e, -EINVAL, "--input-id before any --input");
            o->input_ids[o->n_inputs - 1] = optarg;
            break;
        case 'm': o->plugin = optarg; break;
        case 'M' + 256: o->map_cmd = optarg; break;
        case 'K' + 256:
            if (proc_parse_u64(optarg, &n) < 0 || n == 0 || n > 1000)
                return err_set(e, -EINVAL, "invalid --key-fields '%s'", optarg);
            o->key_fields = (unsigned)n;
            break;
        case 'F' + 256: o->field_sep = *optarg ? optarg : "\t"; break;
        case 'p' + 256: partition_fields = optarg; break;
        case 't' + 256:
            if (strlen(optarg) != 1)
                return err_set(e, -EINVAL, "invalid --key-field-separator '%s': one byte", optarg);
            key_sep = optarg[0];
            break;
        case 'c': o->combiner = optarg; break;
        case '0': o->delim = '\0'; break;
        case 'X': o->connect = optarg; break;
        case 'j':
            if (proc_parse_u64(optarg, &n) < 0 || n == 0 || n > 1024)
                return err_set(e, -EINVAL, "invalid -j '%s': expected 1 to 1024", optarg);
            o->jobs = (unsigned)n;
            break;
        case 'k': o->key = optarg; break;
        case 'S': o->server_pub = optarg; break;
        case 'p': o->persist = true; break;
        case 'H': {
            char *end = NULL;
            o->heartbeat = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(o->heartbeat >= 0.2))
                return err_set(e, -EINVAL, "invalid --heartbeat '%s'", optarg);
            break;
        }
        case 'h': fputs(s_usage, stdout); exit(0);
        default: return err_set(e, -EINVAL, "bad option '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (keycmp_parse(&o->part_fields, partition_fields, key_sep, e) < 0)
        return e->code;
    if (o->connect) {
        if (!o->plugin)
            return err_set(e, -EINVAL,
                           "--connect needs -m PLUGIN.so, the same build as the "
                           "master's (see --help)");
        if (!o->key != !o->server_pub)
            return err_set(e, -EINVAL, "--key and --server-pub go together");
        return 0;
    }
    if (!o->tasks || !o->control || !o->n_results || !o->id || (!o->plugin == !o->map_cmd))
        return err_set(e, -EINVAL,
                       "needs --tasks, --control, --results, --id and -m "
                       "(mr-mapper is started by mr-run)");
    return 0;
}

/* A local mapper: everything comes from mr-run's command line. */
static int s_start(mapper_t *m, err_t *e)
{
    if (m->opts.progress) {
        m->progress = progress_open(m->opts.progress, false, e);
        if (!m->progress)
            return e->code;
    }
    if (m->opts.slots) {
        /* Without them (no /proc to open the link through) our results go
         * through the socket, as a remote mapper's do: slower, not wrong. */
        err_t why;
        err_init(&why);
        m->ring = shring_open(m->opts.slots, &why);
        if (!m->ring)
            log_warn("results go through the socket: %s", why.text);
    }
    bool grouped = m->opts.mode == PROTO_MODE_GROUPED;
    if (mapper__load(m, grouped ? m->opts.combiner : NULL, e) < 0)
        return e->code;
    m->maps = mem_calloc(m->opts.n_inputs + 1, sizeof *m->maps);
    m->ctx = transport_ctx_new();
    if (!m->ctx)
        return err_set(e, -ENOMEM, "cannot create a ZeroMQ context");
    m->tasks = transport_open(m->ctx, TRANSPORT_PULL, m->opts.tasks, false, MAPPER_MAX_MSG, e);
    if (!m->tasks)
        return e->code;
    m->control = transport_open(m->ctx, TRANSPORT_PUSH, m->opts.control, false, 0, e);
    if (!m->control)
        return e->code;
    /* One PUSH per reducer, in partition order (mr-run -R). */
    for (uint32_t i = 0; i < m->opts.n_results; i++) {
        m->results[i] = transport_open(m->ctx, TRANSPORT_PUSH, m->opts.results[i], false, 0, e);
        if (!m->results[i])
            return e->code;
        m->n_results = i + 1;
    }
    collect_set_partitions(m->collect, m->n_results);
    collect_set_partition_fields(m->collect, &m->opts.part_fields);
    return 0;
}

int main(int argc, char **argv)
{
    log_init("mr-mapper", false);
    mapper_t m;
    memset(&m, 0, sizeof m);
    buf_init(&m.header, 4096);
    err_t e;
    err_init(&e);
    int status = 1;
    if (s_parse(&m.opts, argc, argv, &e) < 0) {
        log_error("%s", e.text);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    fmap_install(); /* an input that shrinks under map() is an error, not a SIGBUS */
    char prefix[32];
    snprintf(prefix, sizeof prefix, "mr-mapper[%u]", m.opts.id);
    log_init(prefix, false);
    if (m.opts.connect) {
        status = mapper__remote_main(&m, argc, argv);
    } else if (s_start(&m, &e) == 0 && mapper__serve(&m, &e) == 0) {
        status = 0;
    } else {
        log_error("%s", e.text);
    }
    transport_close(&m.tasks, 0);
    transport_close(&m.control, 0);
    mapper__close_results(&m);
    transport_ctx_destroy(&m.ctx);
    collect_destroy(&m.collect);
    plugin_destroy(&m.combiner);
    plugin_destroy(&m.plugin);
    progress_destroy(&m.progress);
    shring_destroy(&m.ring);
    taskenv_destroy(&m.env);
    reporter_destroy(&m.reporter);
    for (size_t i = 0; m.maps && i < m.opts.n_inputs; i++) {
        if (m.maps[i].data) {
            fmap_unmap(m.maps[i].data, m.maps[i].size);
            close(m.maps[i].fd);
        }
    }
    free(m.maps);
    free(m.opts.inputs);
    free(m.opts.input_ids);
    buf_fini(&m.header);
    return status;
}
