/*
 * main.c - mr-reducer: the one process that merges results and writes the
 * job's output.
 *
 * It binds the results PULL socket that every mapper PUSHes to, merges each
 * chunk's RESULT exactly once (the first completion wins; later copies are
 * acknowledged as duplicates and dropped), ACKs every RESULT it can use to
 * the master (and FAILs, on the mapper's behalf, one it cannot read),
 * and on FINISH writes what remains and answers DONE.  Modes:
 *   ordered    results wait in a reorder buffer and are written by index
 *   unordered  results are written as they arrive
 *   grouped    pairs are merged by key (group.h) and written at FINISH;
 *              past --memory they spill as sorted runs into --spill-dir,
 *              merged at FINISH, and --index writes the key index there
 * This file holds the command line and DONE; the rest is serve.c's.
 */
#include "reducer_int.h"

#include "counters.h"
#include "keycmp.h"
#include "log.h"
#include "partition.h"
#include "plugin_counter.h"
#include "proc.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long the final DONE may wait to leave before we exit anyway. */
#define REDUCER_DONE_LINGER_MS 5000

static int s_parse(reducer_opts_t *o, int argc, char **argv, err_t *e)
{
    static const struct option options[] = {
        { "results", required_argument, NULL, 'R' },
        { "control", required_argument, NULL, 'C' },
        { "mode", required_argument, NULL, 'M' },
        { "output", required_argument, NULL, 'o' },
        { "arg", required_argument, NULL, 'a' },
        { "sort", no_argument, NULL, 's' },
        { "listen-host", required_argument, NULL, 'L' },
        { "server-key", required_argument, NULL, 'K' },
        { "authorized-keys", required_argument, NULL, 'A' },
        { "reduce-cmd", required_argument, NULL, 'D' },
        { "window", required_argument, NULL, 'W' },
        { "secret", required_argument, NULL, 'S' },
        { "null", no_argument, NULL, '0' },
        { "partition", required_argument, NULL, 'P' },
        { "memory", required_argument, NULL, 'm' },
        { "spill-dir", required_argument, NULL, 'T' },
        { "index", required_argument, NULL, 'I' },
        { "key-compare", required_argument, NULL, 'k' },
        { "partition-fields", required_argument, NULL, 'p' },
        { "key-field-separator", required_argument, NULL, 't' },
        { "result-slots", required_argument, NULL, 'I' + 256 },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->partitions = 1;
    o->mode = PROTO_MODE_ORDERED;
    o->term = '\n';
    const char *mode = "ordered";
    const char *key_compare = NULL;
    const char *partition_fields = NULL;
    char key_sep = '\t';
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":r:o:0", options, NULL)) != -1) {
        switch (c) {
        case 'R': o->results = optarg; break;
        case 'C': o->control = optarg; break;
        case 'M': mode = optarg; break;
        case 'o': o->output = optarg; break;
        case 'r': o->plugin = optarg; break;
        case 'a': o->arg = optarg; break;
        case 's': o->sort = true; break;
        case '0': o->term = '\0'; break;
        case 'L': o->listen_host = optarg; break;
        case 'K': o->server_key = optarg; break;
        case 'A': o->authorized = optarg; break;
        case 'D': o->reduce_cmd = optarg; break;
        case 'S': o->secret = optarg; break;
        case 'P': {
            /* I/N: 0 <= I < N <= PARTITION_MAX */
            char text[32];
            snprintf(text, sizeof text, "%s", optarg);
            char *slash = strchr(text, '/');
            uint64_t i = 0;
            uint64_t n = 0;
            if (slash)
                *slash = '\0';
            if (!slash || proc_parse_u64(text, &i) < 0 || proc_parse_u64(slash + 1, &n) < 0 ||
                n == 0 || n > PARTITION_MAX || i >= n)
                return err_set(e, -EINVAL, "invalid --partition '%s': expected I/N, I < N <= %d",
                               optarg, PARTITION_MAX);
            o->partition = (uint32_t)i;
            o->partitions = (uint32_t)n;
            break;
        }
        case 'm':
            if (proc_parse_u64(optarg, &o->memory) < 0)
                return err_set(e, -EINVAL, "invalid --memory '%s': expected bytes", optarg);
            break;
        case 'T': o->spill_dir = optarg; break;
        case 'I': o->index = optarg; break;
        case 'k': key_compare = optarg; break;
        case 'p': partition_fields = optarg; break;
        case 't':
            if (strlen(optarg) != 1)
                return err_set(e, -EINVAL, "invalid --key-field-separator '%s': one byte", optarg);
            key_sep = optarg[0];
            break;
        case 'I' + 256: o->slots = optarg; break;
        case 'W': {
            uint64_t n = 0;
            if (proc_parse_u64(optarg, &n) < 0 || n == 0 || n > (1u << 20))
                return err_set(e, -EINVAL, "invalid --window '%s'", optarg);
            o->window = (size_t)n;
            break;
        }
        default:
            return err_set(e, -EINVAL, "bad option '%s' (mr-reducer is started by mr-run)",
                           argv[optind - 1]);
        }
    }
    if (proto_mode_parse(mode, &o->mode) < 0)
        return err_set(e, -EINVAL, "unknown --mode '%s'", mode);
    if (!o->results || !o->control || !o->output || !o->secret ||
        (o->mode == PROTO_MODE_GROUPED && !o->plugin && !o->reduce_cmd))
        return err_set(e, -EINVAL,
                       "needs --results, --control, --output, --secret (and -r when "
                       "grouped); mr-reducer is started by mr-run");
    if (keycmp_parse(&o->order, key_compare, key_sep, e) < 0 ||
        keycmp_parse(&o->part_fields, partition_fields, key_sep, e) < 0)
        return e->code;
    if (o->order.n && !o->reduce_cmd)
        return err_set(e, -EINVAL, "--key-compare needs --reduce-cmd");
    if (o->memory && !o->spill_dir)
        return err_set(e, -EINVAL, "--memory needs --spill-dir");
    if (o->index && (o->mode != PROTO_MODE_GROUPED || o->reduce_cmd))
        return err_set(e, -EINVAL, "--index needs a grouped job with a plugin (-r)");
    return 0;
}

int main(int argc, char **argv)
{
    log_init("mr-reducer", false);
    signal(SIGPIPE, SIG_IGN);
    reducer_t r;
    memset(&r, 0, sizeof r);
    buf_init(&r.header, 4096);
    err_t e;
    err_init(&e);
    if (s_parse(&r.opts, argc, argv, &e) < 0) {
        log_error("%s", e.text);
        return 2;
    }
    r.ctx = transport_ctx_new();
    if (r.ctx)
        r.control = transport_open(r.ctx, TRANSPORT_PUSH, r.opts.control, false, 0, &e);
    if (!r.control) {
        log_error("cannot reach the master: %s", e.code ? e.text : "no ZeroMQ context");
        return 1;
    }
    int rc = reducer__start(&r, &e);
    if (rc == 0)
        rc = reducer__serve(&r, &e);
    uint64_t lines = r.out ? out_lines(r.out) : 0;
    if (rc == 0)
        rc = out_close(&r.out, &e);

    proto_msg_t done;
    if (r.forged > REDUCER_FORGED_LOGGED)
        log_warn("dropped %llu RESULTs in all whose token did not match (the first %d named "
                 "above)",
                 (unsigned long long)r.forged, REDUCER_FORGED_LOGGED);
    proto_msg_init(&done, PROTO_DONE);
    done.status = rc;
    done.records = r.records;
    done.outputs = lines;
    done.reducer = r.opts.partition;
    done.keys = r.group ? group_keys_written(r.group) : 0;
    done.spilled = r.group ? group_spilled_bytes(r.group) : 0;
    done.runs = r.group ? group_runs(r.group) : 0;
    done.merge_ms = (uint64_t)(r.merge_seconds * 1000);
    snprintf(done.text, sizeof done.text, "%.400s", rc ? e.text : "");
    size_t n_counters = 0;
    if (rc == 0 && plugin_counter_error(&e) < 0) { /* a count of combine or reduce lost */
        done.status = e.code;
        snprintf(done.text, sizeof done.text, "%.400s", e.text);
    } else if (rc == 0 && r.reporter &&
               counters_encode(reporter_counters(r.reporter), done.counters, sizeof done.counters,
                               &n_counters, &e) < 0) {
        done.status = e.code;
        snprintf(done.text, sizeof done.text, "%.400s", e.text);
    }
    done.n_counters = (uint32_t)n_counters;
    reducer__send_control(&r, &done);
    reporter_destroy(&r.reporter);

    err_t ignored;
    err_init(&ignored);
    out_close(&r.out, &ignored);
    run_writer_destroy(&r.index); /* not closed: the job failed; no half index stays */
    group_destroy(&r.group);      /* and removes the runs not merged */
    reorder_destroy(&r.reorder);
    seen_destroy(&r.seen); /* after the held results: they release their slots */
    for (uint32_t i = 0; i < r.n_rings; i++)
        shring_destroy(&r.rings[i]);
    free(r.rings);
    transport_close(&r.results, 0);
    transport_close(&r.remote, 0);
    zap_stop(&r.zap);
    keys_allow_destroy(&r.allow);
    keys_pair_fini(&r.server);
    transport_close(&r.control, REDUCER_DONE_LINGER_MS);
    /* Waits (up to the linger) until DONE has left: the plugin's fini runs
     * after it, so a fini that exits or crashes cannot swallow DONE and
     * turn a finished job into a failed one. */
    transport_ctx_destroy(&r.ctx);
    plugin_destroy(&r.plugin);
    buf_fini(&r.header);
    return rc == 0 ? 0 : 1;
}
