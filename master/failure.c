/*
 * failure.c - what the master does when an attempt fails: a plugin's FAIL,
 * a mapper that dies (its progress slot names the record it died on), a
 * map() stuck past --task-timeout.  The chunk is charged a failed attempt
 * and re-queued; a record that fails twice is skipped under --skip-bad; a
 * chunk that fails --max-attempts times ends the job with an error naming
 * the input file, the byte offset and the record's first bytes.
 */
#include "job_int.h"

#include "log.h"
#include "proc.h"
#include "proc_child.h"
#include "spawn.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* Quotes the first bytes of the record at offset in c, escaping what is not
 * printable, into buf. */
static const char *s_quote(job_t *job, const chunk_t *c, uint64_t offset, char *buf, size_t len)
{
    size_t q = 0;
    buf[0] = '\0';
    if (!c->src.data || offset >= c->src.len)
        return buf;
    const char *rec = c->src.data + offset;
    size_t n = c->src.len - (size_t)offset;
    const char *end = memchr(rec, job->cfg->args->delim, n);
    if (end)
        n = (size_t)(end - rec);
    for (size_t i = 0; i < n && i < JOB_QUOTE && q + 5 < len; i++) {
        unsigned char ch = (unsigned char)rec[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\'' && ch != '\\')
            buf[q++] = (char)ch;
        else
            q += (size_t)snprintf(buf + q, len - q, "\\x%02x", ch);
    }
    if (n > JOB_QUOTE && q + 4 < len) {
        memcpy(buf + q, "...", 3);
        q += 3;
    }
    buf[q] = '\0';
    return buf;
}

/* Writes the record at offset in c to the --bad-records file. */
static void s_write_bad(job_t *job, const chunk_t *c, uint64_t offset)
{
    if (!job->bad || !c->src.data || offset >= c->src.len)
        return;
    const char *rec = c->src.data + offset;
    size_t n = c->src.len - (size_t)offset;
    const char *end = memchr(rec, job->cfg->args->delim, n);
    if (end)
        n = (size_t)(end - rec);
    fwrite(rec, 1, n, job->bad);
    fputc(job->cfg->args->delim, job->bad);
    /* A record we skip must land somewhere: a failed write fails the job. */
    if (fflush(job->bad) != 0 || ferror(job->bad))
        job__fail(job, -EIO, "--bad-records %s: %s", job->cfg->args->bad_records, strerror(errno));
}

/* One attempt at chunk c failed on the record at offset, for the reason
 * why.  Re-queues the chunk, skips the record (--skip-bad, when it failed
 * twice), or fails the job after --max-attempts. */
/* A failure that belongs to the whole chunk (offset PROTO_OFFSET_NONE: a
 * command, an output over the cap, a result the reducer refused): charged
 * and retried, never pinned on a record, so --skip-bad cannot drop an
 * innocent one. */
static void s_chunk_failed(job_t *job, chunk_t *c, const char *why)
{
    const args_t *a = job->cfg->args;
    const char *input = split_input_name(job->cfg->split, c->src.input);
    unsigned long long from = (unsigned long long)c->src.offset;
    unsigned long long to = (unsigned long long)(c->src.offset + c->src.len);
    char quote[JOB_QUOTE * 4 + 8];
    s_quote(job, c, 0, quote, sizeof quote);
    if (c->failures >= a->max_attempts) {
        job__fail(job, -ECANCELED,
                  "input %s, chunk %llu (bytes %llu-%llu): %s; failed %u attempts. The chunk "
                  "begins '%s'",
                  input, (unsigned long long)c->index, from, to, why, c->failures, quote);
        return;
    }
    log_warn("input %s, chunk %llu (bytes %llu-%llu): %s; retrying (attempt %u of %u)", input,
             (unsigned long long)c->index, from, to, why, c->failures + 1, a->max_attempts);
}

void failure__record(job_t *job, chunk_t *c, uint64_t offset, const char *why)
{
    const args_t *a = job->cfg->args;
    const char *input = split_input_name(job->cfg->split, c->src.input);
    unsigned long long at = (unsigned long long)(c->src.offset + offset);
    char quote[JOB_QUOTE * 4 + 8];
    s_quote(job, c, offset, quote, sizeof quote);
    c->failures++;
    job->st->failed_attempts++;
    c->state = CHUNK_PENDING;

    if (offset == PROTO_OFFSET_NONE || offset >= c->src.len) {
        s_chunk_failed(job, c, why);
        return;
    }
    if (a->skip_bad && c->has_suspect && c->suspect == offset) {
        if (c->n_skip >= PROTO_SKIP_MAX) {
            job__fail(job, -E2BIG,
                      "input %s: chunk %llu has more than %d bad records; use a "
                      "smaller --chunk-size",
                      input, (unsigned long long)c->index, PROTO_SKIP_MAX);
            return;
        }
        chunks_skip(c, offset);
        s_write_bad(job, c, offset);
        job->st->skipped++;
        c->failures = 0;
        c->has_suspect = false;
        log_warn("input %s, record at byte offset %llu: %s twice; skipped (--skip-bad). "
                 "The record begins '%s'",
                 input, at, why, quote);
        return;
    }
    if (c->failures >= a->max_attempts) {
        job__fail(job, -ECANCELED,
                  "input %s, record at byte offset %llu (chunk %llu): %s; failed "
                  "%u attempts. The record begins '%s'",
                  input, at, (unsigned long long)c->index, why, c->failures, quote);
        return;
    }
    c->has_suspect = true;
    c->suspect = offset;
    log_warn("input %s, record at byte offset %llu: %s; retrying (attempt %u of %u)", input, at,
             why, c->failures + 1, a->max_attempts);
}

void failure__on_fail(job_t *job, const proto_msg_t *msg)
{
    /* Only the attempt's own mapper (or the reducer, refusing that
     * mapper's result, with the token the result carried) can fail it: a
     * FAIL in another mapper's name would charge an innocent chunk. */
    mapper_t *m = mappers_find(job->mappers, msg->mapper);
    if (!m || !token_check(&job->secret, msg, m->peer)) {
        log_warn("dropped a FAIL for chunk %llu in the name of mapper %u: its token does not "
                 "match the attempt",
                 (unsigned long long)msg->chunk, msg->mapper);
        return;
    }
    if (!mappers_answered(m, msg->chunk, msg->attempt))
        return; /* a replay, or an attempt already taken back: nothing to charge */
    m->last_change = proc_now();
    timeline_end(job->timeline, msg->mapper, msg->chunk, msg->attempt, TIMELINE_FAILED, proc_now());
    chunk_t *c = chunks_get(job->chunks, msg->chunk);
    if (!c || c->state != CHUNK_ASSIGNED || c->mapper != msg->mapper ||
        c->sends != (uint64_t)msg->attempt + 1)
        return; /* an older attempt's: the chunk has moved on */
    /* A local mapper found the input file shrunk under it (fmap.h): no
     * retry can read what is gone. */
    if (msg->status == -ESTALE && !m->remote) {
        job__fail(job, -ESTALE, "input %s changed while it was read",
                  split_input_name(job->cfg->split, c->src.input));
        return;
    }
    failure__record(job, c, msg->offset, msg->text);
}

void failure__on_mapper_exit(job_t *job, mapper_t *m, int status)
{
    /* What it said before it died (a FAIL with the plugin's reason) is
     * heard first, so that its own words, not a guess, are charged. */
    if (job->state == JOB_RUNNING)
        job__drain_control(job, 0);
    char how[160];
    proc_status_text(status, how, sizeof how);
    if (m->timed_out)
        snprintf(how, sizeof how, "was killed: %s longer than --task-timeout %g s",
                 job->cfg->args->map_cmd ? "the map command printed nothing for" : "map() ran",
                 job->cfg->args->task_timeout);
    pid_t pid = m->pid;
    m->pid = 0;
    if (pid > 0)
        kill(-pid, SIGKILL); /* what it started (--map-cmd, a plugin's fork) dies with it */
    m->group = 0;            /* done with: the id may be anyone's once the group is empty */
    transport_close(&m->sock, 0);
    progress_slot_t slot_copy = { 0 };
    bool busy = false;
    bool failed = false;
    if (m->progress) {
        progress_slot_t *slot = progress_slot(m->progress);
        busy = atomic_load(&slot->busy) != 0;
        atomic_store(&slot_copy.chunk, atomic_load(&slot->chunk));
        atomic_store(&slot_copy.offset, atomic_load(&slot->offset));
        failed = atomic_load(&slot->failed) != 0;
        atomic_store(&slot_copy.failed_chunk, atomic_load(&slot->failed_chunk));
        atomic_store(&slot_copy.failed_offset, atomic_load(&slot->failed_offset));
        atomic_store(&slot_copy.failed_attempt, atomic_load(&slot->failed_attempt));
    }
    progress_destroy(&m->progress);
    if (job->state != JOB_RUNNING)
        return;
    job->st->mappers_lost++;
    if (!m->ready) {
        job__fail(job, -ECHILD, "mapper %u %s before it was ready (see its message above)", m->id,
                  how);
        return;
    }
    /* Everything it held goes back to the queue.  The chunk it was mapping
     * (its progress slot says which, and on which record) is charged with a
     * failed attempt; the one merely queued behind it is re-sent free. */
    chunk_t *mapping = busy ? chunks_get(job->chunks, atomic_load(&slot_copy.chunk)) : NULL;
    if (mapping && (mapping->state != CHUNK_ASSIGNED || mapping->mapper != m->id))
        mapping = NULL;
    if (mapping)
        timeline_end(job->timeline, m->id, mapping->index, mapping->sends - 1, TIMELINE_FAILED,
                     proc_now());
    /* Its last FAIL, when the master has not acted on it yet (the attempt
     * is still this mapper's): the message died with the process, and the
     * failure counts all the same.  Had it arrived, the chunk would have
     * moved on, and nothing is charged twice. */
    chunk_t *unheard =
        failed ? chunks_get(job->chunks, atomic_load(&slot_copy.failed_chunk)) : NULL;
    if (unheard &&
        (unheard == mapping || unheard->state != CHUNK_ASSIGNED || unheard->mapper != m->id ||
         unheard->sends != (uint64_t)atomic_load(&slot_copy.failed_attempt) + 1))
        unheard = NULL;
    timeline_end_mapper(job->timeline, m->id, TIMELINE_REQUEUED, proc_now());
    unsigned held = feed__requeue(job, m);
    if (held > 0)
        log_warn("mapper %u (pid %d) %s holding %u chunk%s; re-sending %s", m->id, (int)pid, how,
                 held, held == 1 ? "" : "s", held == 1 ? "it" : "them");
    else
        log_warn("mapper %u (pid %d) %s while idle", m->id, (int)pid, how);
    if (mapping) {
        char why[200];
        snprintf(why, sizeof why, "mapper %u %s", m->id, how);
        failure__record(
            job, mapping,
            job->cfg->args->map_cmd ? PROTO_OFFSET_NONE : atomic_load(&slot_copy.offset), why);
    }
    if (unheard && job->state == JOB_RUNNING) {
        char why[300];
        snprintf(why, sizeof why, "it failed there, and mapper %u %s before its report arrived",
                 m->id, how);
        failure__record(job, unheard, atomic_load(&slot_copy.failed_offset), why);
    }
    if (job->state != JOB_RUNNING)
        return;
    if (job->respawns_left == 0) {
        job__fail(job, -ECHILD, "too many mappers died (last: mapper %u %s)", m->id, how);
        return;
    }
    job->respawns_left--;
    job__spawn_mapper(job);
}

/* --task-timeout: kills a mapper whose map() has made no progress (no new
 * record started) for longer than the timeout while it holds work. */
void failure__check_timeouts(job_t *job)
{
    double limit = job->cfg->args->task_timeout;
    if (limit <= 0)
        return;
    double now = proc_now();
    for (size_t i = 0; i < mappers_size(job->mappers); i++) {
        mapper_t *m = mappers_at(job->mappers, i);
        if (!m->pid || !m->progress || m->timed_out)
            continue;
        progress_slot_t *slot = progress_slot(m->progress);
        uint64_t calls = atomic_load(&slot->calls);
        if (calls != m->last_calls || m->inflight == 0 || !atomic_load(&slot->busy)) {
            m->last_calls = calls;
            m->last_change = now;
            continue;
        }
        if (now - m->last_change > limit) {
            m->timed_out = true;
            job->st->timeouts++;
            kill(-m->pid, SIGKILL);
        }
    }
}
