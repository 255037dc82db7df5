/*
 * feed.c - handing chunks to mappers and taking their answers: the next
 * chunk (a re-queued one first, lowest index, then a new cut while the
 * window has room), each mapper's credit of MAPPERS_CREDIT unanswered attempts
 * (held, so that an answer counts once and only for an attempt the mapper
 * holds), the ACKs that close chunks, and FINISH to the reducer once every
 * chunk is merged.  Part of the master's event loop (job.c); failures of
 * attempts are failure.c's.
 */
#include "job_int.h"

#include "chunks.h"
#include "log.h"
#include "proc.h"
#include "proto_msg.h"
#include "split.h"
#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

unsigned feed__requeue(job_t *job, mapper_t *m)
{
    size_t pos = 0;
    chunk_t *c;
    unsigned held = 0;
    while ((c = chunks_iter(job->chunks, &pos))) {
        if (c->state == CHUNK_ASSIGNED && c->mapper == m->id) {
            c->state = CHUNK_PENDING;
            held++;
        }
    }
    m->inflight = 0;
    return held;
}

/* Sends chunk c to mapper m. */
static int s_send_task(job_t *job, mapper_t *m, chunk_t *c)
{
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_TASK);
    msg.chunk = c->index;
    msg.attempt = c->sends;
    msg.n_skip = c->n_skip;
    if (c->n_skip)
        memcpy(msg.skip, c->skip, c->n_skip * sizeof *c->skip);
    msg.offset = c->src.offset;
    msg.length = c->src.len;
    msg.source = c->src.input; /* the task environment names it, inline or not */
    token_make(&job->secret, c->index, c->sends, m->id, m->peer, msg.token);
    /* A chunk of a mapped file is read by the (local) mapper itself; pipe
     * chunks travel as the payload. */
    bool inline_bytes = c->src.owned != NULL;
    /* A remote mapper cannot read our files, nor can anyone open stdin
     * redirected from a file by name: those get the bytes, copied from the
     * mapping by zmq_send on this thread.  Not zero-copy: libzmq's I/O
     * thread would read the mapping, and a page that vanishes (the file
     * truncated) would be a SIGBUS there, or an EFAULT that libzmq asserts
     * on, where fmap.h cannot turn it into an error. */
    bool from_map =
        !inline_bytes && (m->remote || !split_input_path(job->cfg->split, c->src.input));
    msg.input = inline_bytes || from_map ? PROTO_INPUT_INLINE : c->src.input;
    buf_reset(&job->header);
    proto_msg_encode(&msg, &job->header);
    int rc = transport_send(m->sock, &job->header, inline_bytes || from_map ? c->src.data : NULL,
                            c->src.len, TRANSPORT_DONTWAIT);
    if (rc == -EAGAIN)
        job->retry_soon = true;
    if (rc < 0)
        return rc;
    if (c->sends > 0)
        job->st->resent++;
    c->sends++;
    c->state = CHUNK_ASSIGNED;
    c->mapper = m->id;
    c->sent_seq = job->send_seq++;
    c->sent_at = proc_now();
    timeline_begin(job->timeline, m->id, c->index, msg.attempt, c->sent_at);
    if (m->inflight == 0)
        m->last_change = c->sent_at;
    m->held[m->inflight++] = (attempt_t){ .chunk = c->index, .attempt = msg.attempt, .acked = 0 };
    job->st->sends++;
    return 0;
}

/* The next chunk to hand out: a re-queued one first (lowest index, so the
 * ordered output is never held up by a chunk waiting behind new ones), then
 * a newly cut one while the window has room. */
static chunk_t *s_next_chunk(job_t *job)
{
    chunk_t *c = chunks_next_pending(job->chunks);
    if (c || job->input_done || chunks_full(job->chunks))
        return c;
    split_chunk_t sc;
    err_t e;
    err_init(&e);
    int rc = split_next(job->cfg->split, &sc, &e);
    if (rc == -EAGAIN) {
        job->wait_input = true;
        return NULL;
    }
    if (rc < 0) {
        job__fail(job, rc, "%s", e.text);
        return NULL;
    }
    if (rc == 0) {
        job->input_done = true;
        return NULL;
    }
    job->st->input_bytes += sc.len;
    job->st->chunks++;
    return chunks_add(job->chunks, &sc);
}

/* Hands out chunks one credit at a time, round robin over ready mappers. */
void feed__send(job_t *job)
{
    bool progress = true;
    while (progress && job->state == JOB_RUNNING) {
        progress = false;
        for (size_t i = 0; i < mappers_size(job->mappers) && job->state == JOB_RUNNING; i++) {
            mapper_t *m = mappers_at(job->mappers, i);
            if (!m->sock || !m->ready || m->inflight >= MAPPERS_CREDIT)
                continue;
            chunk_t *c = s_next_chunk(job);
            if (!c)
                return;
            if (s_send_task(job, m, c) == 0)
                progress = true;
        }
    }
}

void feed__maybe_finish(job_t *job)
{
    if (job->state != JOB_RUNNING || job->finish_sent || !job->input_done ||
        chunks_open(job->chunks) > 0)
        return;
    /* Every chunk is read and merged: the inputs must still be the files
     * that were read, or the output is of something nobody can name. */
    err_t e;
    err_init(&e);
    if (split_check(job->cfg->split, &e) < 0) {
        job__fail(job, e.code, "%s", e.text);
        return;
    }
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_FINISH);
    msg.total = chunks_cut(job->chunks);
    buf_reset(&job->header);
    proto_msg_encode(&msg, &job->header);
    job->finish_at = proc_now();
    for (uint32_t i = 0; i < job->n_reducers; i++) {
        reducer_t *r = &job->reducers[i];
        int rc = transport_send(r->feed, &job->header, NULL, 0, TRANSPORT_DONTWAIT);
        if (rc < 0) {
            char who[64];
            job__fail(job, rc, "cannot reach %s (pid %d): %s",
                      job__reducer_name(job, r, who, sizeof who), (int)r->pid, strerror(-rc));
            return;
        }
        timeline_begin(job->timeline, JOB_TIMELINE_REDUCER(i), 0, 0, job->finish_at);
    }
    job->finish_sent = true;
}

/* A chunk every reducer has merged: it is done, and counts for the
 * progress line, the guided chunk sizes and the mapper whose result
 * completed it. */
static void s_chunk_merged(job_t *job, chunk_t *c, mapper_t *m, const proto_msg_t *msg)
{
    job->bytes_done += c->src.len;
    /* A mapper that does not combine says nothing of whether combining
     * pays. */
    if (m && !m->uncombined)
        split_guided_feedback(job->cfg->split, msg->emits, c->pairs);
    if (m && m->remote)
        split_release(job->cfg->split, &c->src); /* we read it to send it */
    if (chunks_done(job->chunks, msg->chunk) && m)
        job->st->mapper_chunks[m->id - 1]++;
}

/*
 * The ACK rule with N reducers (-R): each reducer merges the first copy of
 * its part of a chunk and ACKs every copy (fresh or not: a duplicate says
 * it has it).  A chunk is merged when every reducer has it, by whichever
 * attempts; a mapper's credit for an attempt returns when every reducer
 * has answered that attempt (or one refused it: a FAIL, failure.c).
 */
void feed__on_ack(job_t *job, const proto_msg_t *msg)
{
    if (msg->reducer >= job->n_reducers) {
        log_warn("ACK refused: from reducer %u of %u", msg->reducer, job->n_reducers);
        return;
    }
    mapper_t *m = mappers_find(job->mappers, msg->mapper);
    /* Credit and progress come back only for an attempt the mapper held: a
     * result replayed by its sender (the reducer ACKs every copy) must not
     * buy it more chunks or keep a stuck map() from --task-timeout. */
    bool held = false;
    for (unsigned i = 0; m && i < m->inflight; i++)
        held |= m->held[i].chunk == msg->chunk && m->held[i].attempt == msg->attempt;
    bool answered =
        held && mappers_answered_by(m, msg->chunk, msg->attempt, msg->reducer, job->all_reducers);
    if (answered)
        m->last_change = proc_now();
    chunk_t *c = chunks_get(job->chunks, msg->chunk);
    if (!held || answered)
        timeline_end(job->timeline, msg->mapper, msg->chunk, msg->attempt,
                     msg->fresh ? TIMELINE_MERGED : TIMELINE_DUPLICATE, proc_now());
    /* The map command's counters, counted at the chunk's first success
     * only: they travel with partition 0's part of a chunk, so only
     * reducer 0's fresh ACK carries them (any other reducer's are not
     * counted: with -R N a chunk would count N times). */
    if (msg->fresh && msg->reducer == 0) {
        err_t e;
        err_init(&e);
        if (counters_merge(job->st->counters, msg->counters, msg->n_counters, &e) < 0) {
            job__fail(job, e.code, "chunk %llu's counters: %s", (unsigned long long)msg->chunk,
                      e.text);
            return;
        }
    }
    if (!c)
        return; /* done already */
    uint64_t bit = (uint64_t)1 << msg->reducer;
    if (msg->fresh)
        c->pairs += msg->outputs;
    c->merged_by |= bit; /* a duplicate too: that reducer has the chunk */
    if (c->merged_by == job->all_reducers)
        s_chunk_merged(job, c, m, msg);
}
