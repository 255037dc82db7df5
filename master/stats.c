/*
 * stats.c - job statistics as JSON.  Keys are stable: scripts read them.
 */
#include "stats.h"

#include "mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int stats_write(const char *path, const job_stats_t *st, const char *mode, unsigned jobs, err_t *e)
{
    size_t n = strlen(path) + 16;
    char *tmp = mem_alloc(n);
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        int code = errno;
        free(tmp);
        return err_set(e, -code, "stats %s: %s", path, strerror(code));
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
    fprintf(f, "  \"wall_seconds\": %.6f\n", st->wall_seconds);
    fprintf(f, "}\n");
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) < 0) {
        int code = errno ? errno : EIO;
        unlink(tmp);
        free(tmp);
        return err_set(e, -code, "stats %s: %s", path, strerror(code));
    }
    free(tmp);
    return 0;
}
