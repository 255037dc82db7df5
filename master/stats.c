/*
 * stats.c - job statistics as JSON.  Keys are stable: scripts read them.
 */
#include "stats.h"

#include "afile.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Writes s as a JSON string, quotes included. */
static void s_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* "counters": {"GROUP": {"NAME": N, ...}, ...}, in bytewise order. */
static void s_json_counters(FILE *f, counters_t *c)
{
    fprintf(f, "  \"counters\": {");
    const char *last = NULL;
    size_t n = c ? counters_count(c) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *group;
        const char *name;
        int64_t value;
        counters_at(c, i, &group, &name, &value);
        if (!last || strcmp(last, group) != 0) {
            fprintf(f, "%s", last ? "}, " : "");
            s_json_string(f, group);
            fprintf(f, ": {");
        } else {
            fprintf(f, ", ");
        }
        s_json_string(f, name);
        fprintf(f, ": %" PRId64, value);
        last = group;
    }
    fprintf(f, "%s},\n", n ? "}" : "");
}

void stats_print_counters(FILE *f, const job_stats_t *st)
{
    size_t n = st->counters ? counters_count(st->counters) : 0;
    if (n == 0)
        return;
    fprintf(f, "Counters: %zu\n", n + 4);
    fprintf(f, "\tJob Counters\n");
    fprintf(f, "\t\tLaunched map tasks=%" PRIu64 "\n", st->sends);
    fprintf(f, "\t\tFailed map tasks=%" PRIu64 "\n", st->failed_attempts);
    fprintf(f, "\tMap-Reduce Framework\n");
    fprintf(f, "\t\tMap input records=%" PRIu64 "\n", st->records);
    fprintf(f, "\t\tMap input bytes=%" PRIu64 "\n", st->input_bytes);
    const char *last = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *group;
        const char *name;
        int64_t value;
        counters_at(st->counters, i, &group, &name, &value);
        if (!last || strcmp(last, group) != 0)
            fprintf(f, "\t%s\n", group);
        fprintf(f, "\t\t%s=%" PRId64 "\n", name, value);
        last = group;
    }
}

int stats_write(const char *path, const job_stats_t *st, const char *mode, unsigned jobs, err_t *e)
{
    afile_t *file = afile_open(path, "stats", 0, AFILE_MODE_DEFAULT, e);
    FILE *f = file ? afile_stream(file, e) : NULL;
    if (!f) {
        afile_destroy(&file);
        return e->code;
    }
    fprintf(f, "{\n");
    fprintf(f, "  \"mode\": \"%s\",\n", mode);
    fprintf(f, "  \"jobs\": %u,\n", jobs);
    fprintf(f, "  \"input_bytes\": %llu,\n", (unsigned long long)st->input_bytes);
    fprintf(f, "  \"records\": %llu,\n", (unsigned long long)st->records);
    fprintf(f, "  \"chunks\": %llu,\n", (unsigned long long)st->chunks);
    fprintf(f, "  \"output_records\": %llu,\n", (unsigned long long)st->outputs);
    fprintf(f, "  \"sends\": %llu,\n", (unsigned long long)st->sends);
    fprintf(f, "  \"resent_chunks\": %llu,\n", (unsigned long long)st->resent);
    fprintf(f, "  \"failed_attempts\": %llu,\n", (unsigned long long)st->failed_attempts);
    fprintf(f, "  \"mappers_lost\": %llu,\n", (unsigned long long)st->mappers_lost);
    fprintf(f, "  \"timeouts\": %llu,\n", (unsigned long long)st->timeouts);
    fprintf(f, "  \"skipped_records\": %llu,\n", (unsigned long long)st->skipped);
    fprintf(f, "  \"mapper_chunks\": {");
    for (uint32_t i = 0; i < st->n_mappers; i++)
        fprintf(f, "%s\"%u\": %llu", i ? ", " : "", i + 1,
                (unsigned long long)st->mapper_chunks[i]);
    fprintf(f, "},\n");
    fprintf(f, "  \"mapper_hosts\": {");
    const char *sep = "";
    for (uint32_t i = 0; st->mapper_hosts && i < st->n_mappers; i++) {
        if (!st->mapper_hosts[i])
            continue;
        fprintf(f, "%s\"%u\": \"", sep, i + 1);
        for (const char *p = st->mapper_hosts[i]; *p; p++)
            fputc(*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 ? '?' : *p, f);
        fputc('"', f);
        sep = ", ";
    }
    fprintf(f, "},\n");
    /* One object per reducer (-R), by partition: what it held and wrote,
     * what it spilled, and how long its final merge and write took. */
    fprintf(f, "  \"reducers\": [");
    for (uint32_t i = 0; st->reducers && i < st->n_reducers; i++) {
        const job_reducer_stats_t *r = &st->reducers[i];
        fprintf(f,
                "%s\n    {\"partition\": %u, \"keys\": %llu, \"output_records\": %llu, "
                "\"bytes_spilled\": %llu, \"runs\": %llu, \"merge_seconds\": %.3f, "
                "\"reduce_seconds\": %.6f}",
                i ? "," : "", i, (unsigned long long)r->keys, (unsigned long long)r->outputs,
                (unsigned long long)r->bytes_spilled, (unsigned long long)r->runs,
                (double)r->merge_ms / 1000, r->seconds);
    }
    fprintf(f, "%s],\n", st->n_reducers ? "\n  " : "");
    fprintf(f, "  \"assemble_seconds\": %.6f,\n", st->merge_seconds);
    s_json_counters(f, st->counters);
    fprintf(f, "  \"wall_seconds\": %.6f\n", st->wall_seconds);
    fprintf(f, "}\n");
    return afile_commit(&file, e); /* reports any write error of the stream */
}
