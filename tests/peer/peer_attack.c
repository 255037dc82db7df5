/*
 * peer_attack.c - the hostile commands of mr-test-peer: what a peer holding
 * an authorized key tries once it has joined (docs/architecture.md, "Trust
 * model"), for scripts/it_hostile.sh.
 *
 *   forge CHUNK MAPPER  RESULTs for CHUNK in MAPPER's name pushed to the
 *                       reducer's TCP port: forged pairs (EVILKEY counted a
 *                       million times) under a zero token, under the token
 *                       of another attempt's guess, and a malformed payload;
 *                       none may be merged, acknowledged or charged
 *   steal PORT          a PULL connected to another mapper's task PORT: the
 *                       handshake must be refused (it prints "refused")
 *   beat-as MAPPER      HEARTBEATs in MAPPER's name for --deadline seconds:
 *                       the master must drop them, not keep MAPPER alive
 *   bighead BYTES       a RESULT whose header frame is BYTES of msgpack nils
 *                       (an array of them): refused before it is unpacked
 *   failforge           join, take one task, and FAIL it under a zero token
 *                       from the right connection and key: the master must
 *                       drop it and charge nothing; then vanish
 *   slotforge           join, take one task of a lines job, and answer it
 *                       with a RESULT that names result slot 0 (shring.h)
 *                       instead of carrying the lines, under the task's own
 *                       token: the reducer must refuse it (only a local
 *                       mapper's slots exist), FAIL the chunk on our behalf
 *                       and never read a slot; then vanish
 *   partforge           join, take one task of a key-grouped job with -R N,
 *                       and answer it to reducer --reducer with pairs
 *                       whose key is another reducer's (PARTKEYn, counted
 *                       a million times), under the task's own token: the
 *                       reducer must refuse it and FAIL the chunk on our
 *                       behalf, merging nothing; then vanish
 *   flood N             N HELLOs, each from a connection of its own, none
 *                       followed by READY: past the cap on pending joins the
 *                       master refuses (it prints how many were refused)
 *
 * Each prints what it did, one line per event, for the test to read.
 */
#include "peer.h"

#include "partition.h"
#include "plugin.h"
#include "proc.h"
#include "proto_pairs.h"
#include "shring.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The forged count: a million, as 8 little-endian bytes. */
#define ATTACK_EVIL_COUNT 1000000u

/* Reads a numeric command argument no larger than max. */
static int s_arg(peer_t *p, int i, uint64_t max, uint64_t *out, err_t *e)
{
    if (proc_parse_u64(p->opts.args[i], out) < 0 || *out > max)
        return err_set(e, -EINVAL, "%s: '%s' is not a number up to %llu", p->opts.command,
                       p->opts.args[i], (unsigned long long)max);
    return 0;
}

/* Closes a PUSH after what it queued has left, or the deadline. */
static void s_flush(peer_t *p, void **sock)
{
    transport_close(sock, (int)(p->opts.deadline * 1000));
}

int peer_forge(peer_t *p, err_t *e)
{
    uint64_t chunk = 0;
    uint64_t mapper = 0;
    int rc;
    if ((rc = s_arg(p, 0, UINT64_MAX, &chunk, e)) < 0 ||
        (rc = s_arg(p, 1, UINT32_MAX, &mapper, e)) < 0 || (rc = peer_join(p, e)) < 0)
        return rc;
    char endpoint[300];
    void *results = peer_open_results(p, endpoint, sizeof endpoint, e);
    if (!results)
        return e->code;
    buf_t pairs;
    buf_init(&pairs, 1 << 16);
    uint8_t count[8];
    for (int i = 0; i < 8; i++)
        count[i] = (uint8_t)((uint64_t)ATTACK_EVIL_COUNT >> (8 * i));
    proto_pairs_begin(&pairs);
    proto_pairs_add(&pairs, "EVILKEY", 7, count, sizeof count);
    proto_pairs_end(&pairs, 1);

    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_RESULT);
    msg.chunk = chunk;
    msg.mapper = (uint32_t)mapper;
    msg.records = 1;
    msg.emits = 1;
    /* Attempts 0 to 3 with a zero token, then one with a token made of
     * guessable bytes: no secret, no match. */
    for (uint32_t attempt = 0; rc == 0 && attempt < 4; attempt++) {
        msg.attempt = attempt;
        rc = peer_send(p, results, &msg, pairs.data, pairs.len);
    }
    memset(msg.token, 0xa5, sizeof msg.token);
    if (rc == 0)
        rc = peer_send(p, results, &msg, pairs.data, pairs.len);
    /* And a malformed payload in MAPPER's name: had it been believed, the
     * reducer would have FAILed the chunk on MAPPER's behalf. */
    static const char junk[] = "\x92\xc4\x01";
    if (rc == 0)
        rc = peer_send(p, results, &msg, junk, sizeof junk - 1);
    buf_fini(&pairs);
    s_flush(p, &results);
    if (rc < 0)
        return err_set(e, rc, "forge: %s", strerror(-rc));
    printf("forged 6 RESULTs for chunk %llu in the name of mapper %llu to %s\n",
           (unsigned long long)chunk, (unsigned long long)mapper, endpoint);
    return 0;
}

int peer_steal(peer_t *p, err_t *e)
{
    uint64_t port = 0;
    int rc;
    if ((rc = s_arg(p, 0, 65535, &port, e)) < 0 || (rc = peer_join(p, e)) < 0)
        return rc;
    char endpoint[300];
    snprintf(endpoint, sizeof endpoint, "tcp://%s:%llu", p->host, (unsigned long long)port);
    void *watch = NULL;
    void *tasks = peer_open(p, TRANSPORT_PULL, endpoint, &watch, e);
    if (!tasks)
        return e->code;
    double deadline = proc_now() + p->opts.deadline;
    uint64_t stolen = 0;
    bool refused = false;
    while (!refused && proc_now() < deadline) {
        transport_msg_t tm;
        rc = transport_recv(tasks, &tm, 50);
        if (rc == 0) {
            stolen++;
            transport_msg_close(&tm);
        }
        refused = watch && transport_auth_failed(watch);
    }
    transport_close(&watch, 0);
    transport_close(&tasks, 0);
    printf("%s; stole %llu tasks\n", refused ? "refused" : "not refused",
           (unsigned long long)stolen);
    return 0;
}

int peer_beat_as(peer_t *p, err_t *e)
{
    uint64_t mapper = 0;
    int rc;
    if ((rc = s_arg(p, 0, UINT32_MAX, &mapper, e)) < 0 || (rc = peer_join(p, e)) < 0)
        return rc;
    proto_msg_t beat;
    proto_msg_init(&beat, PROTO_HEARTBEAT);
    beat.mapper = (uint32_t)mapper;
    double deadline = proc_now() + p->opts.deadline;
    uint64_t sent = 0;
    while (rc == 0 && proc_now() < deadline) {
        rc = peer_send(p, p->dealer, &beat, NULL, 0);
        if (rc == 0)
            sent++;
        usleep(100 * 1000);
    }
    if (rc < 0)
        return err_set(e, rc, "beat-as: %s", strerror(-rc));
    printf("sent %llu HEARTBEATs in the name of mapper %llu\n", (unsigned long long)sent,
           (unsigned long long)mapper);
    return 0;
}

int peer_bighead(peer_t *p, err_t *e)
{
    uint64_t bytes = 0;
    int rc;
    if ((rc = s_arg(p, 0, (uint64_t)1 << 30, &bytes, e)) < 0 || (rc = peer_join(p, e)) < 0)
        return rc;
    if (bytes < 5)
        return err_set(e, -EINVAL, "bighead: at least 5 bytes");
    /* array32 of n nils: 5 bytes of header, then n bytes of 0xc0. */
    uint64_t n = bytes - 5;
    unsigned char *frame = malloc(bytes);
    if (!frame)
        return err_set(e, -ENOMEM, "bighead: out of memory");
    frame[0] = 0xdd;
    for (int i = 0; i < 4; i++)
        frame[1 + i] = (unsigned char)(n >> (8 * (3 - i)));
    memset(frame + 5, 0xc0, n);
    char endpoint[300];
    void *results = peer_open_results(p, endpoint, sizeof endpoint, e);
    if (!results) {
        free(frame);
        return e->code;
    }
    buf_t header = { .data = (char *)frame, .len = bytes, .cap = bytes, .max = bytes };
    rc = transport_send(results, &header, "x", 1, 0);
    s_flush(p, &results);
    free(frame);
    if (rc < 0)
        return err_set(e, rc, "bighead: %s", strerror(-rc));
    printf("sent a header frame of %llu bytes\n", (unsigned long long)bytes);
    return 0;
}

int peer_flood(peer_t *p, err_t *e)
{
    uint64_t n = 0;
    int rc = s_arg(p, 0, 4096, &n, e);
    if (rc < 0)
        return rc;
    proto_msg_t hello;
    proto_msg_init(&hello, PROTO_HELLO);
    hello.pid = (uint64_t)getpid();
    snprintf(hello.text, sizeof hello.text, "%s", p->opts.name ? p->opts.name : "flood");
    if (plugin_digest(p->opts.plugin, hello.digest, e) < 0)
        return e->code;
    void **socks = calloc(n, sizeof *socks);
    if (!socks)
        return err_set(e, -ENOMEM, "flood: out of memory");
    for (uint64_t i = 0; rc == 0 && i < n; i++) {
        socks[i] = peer_open(p, TRANSPORT_DEALER, p->opts.connect, NULL, e);
        if (!socks[i])
            rc = e->code;
        else
            rc = peer_send(p, socks[i], &hello, NULL, 0);
    }
    /* Every answer: WELCOME or REFUSE, by the deadline. */
    uint64_t welcomed = 0;
    uint64_t refused = 0;
    double deadline = proc_now() + p->opts.deadline;
    while (rc == 0 && welcomed + refused < n && proc_now() < deadline) {
        for (uint64_t i = 0; i < n; i++) {
            transport_msg_t tm;
            if (!socks[i] || transport_recv(socks[i], &tm, 0) != 0)
                continue;
            proto_msg_t msg;
            if (proto_msg_decode(transport_msg_data(&tm, 0), transport_msg_size(&tm, 0), &msg,
                                 NULL) == 0) {
                welcomed += msg.type == PROTO_WELCOME;
                refused += msg.type == PROTO_REFUSE;
            }
            transport_msg_close(&tm);
        }
        usleep(10 * 1000);
    }
    for (uint64_t i = 0; i < n; i++)
        transport_close(&socks[i], 0);
    free(socks);
    if (rc < 0)
        return rc;
    printf("flood of %llu: %llu welcomed, %llu refused\n", (unsigned long long)n,
           (unsigned long long)welcomed, (unsigned long long)refused);
    return 0;
}

int peer_failforge(peer_t *p, err_t *e)
{
    int rc = peer_join(p, e);
    if (rc < 0)
        return rc;
    void *tasks = peer_ready(p, e);
    if (!tasks)
        return e->code;
    proto_msg_t task;
    size_t bytes = 0;
    rc = peer_next_task(p, tasks, proc_now() + p->opts.deadline, &task, &bytes, e);
    transport_close(&tasks, 0);
    if (rc < 0)
        return rc;
    proto_msg_t fail;
    proto_msg_init(&fail, PROTO_FAIL);
    fail.chunk = task.chunk;
    fail.attempt = task.attempt;
    fail.mapper = p->welcome.mapper;
    fail.offset = 0;
    fail.status = -ECANCELED;
    snprintf(fail.text, sizeof fail.text, "forged failure");
    /* fail.token stays zero: not the token the TASK carried. */
    rc = peer_send(p, p->dealer, &fail, NULL, 0);
    transport_close(&p->dealer, (int)(p->opts.deadline * 1000));
    if (rc < 0)
        return err_set(e, rc, "failforge: %s", strerror(-rc));
    printf("failed chunk %llu attempt %u under a forged token\n", (unsigned long long)fail.chunk,
           fail.attempt);
    return 0;
}

int peer_slotforge(peer_t *p, err_t *e)
{
    int rc = peer_join(p, e);
    if (rc < 0)
        return rc;
    char endpoint[300];
    void *results = peer_open_results(p, endpoint, sizeof endpoint, e);
    if (!results)
        return e->code;
    void *tasks = peer_ready(p, e);
    if (!tasks) {
        transport_close(&results, 0);
        return e->code;
    }
    proto_msg_t task;
    size_t bytes = 0;
    rc = peer_next_task(p, tasks, proc_now() + p->opts.deadline, &task, &bytes, e);
    transport_close(&tasks, 0);
    if (rc < 0) {
        transport_close(&results, 0);
        return rc;
    }
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_RESULT);
    msg.chunk = task.chunk;
    msg.attempt = task.attempt;
    msg.mapper = p->welcome.mapper;
    msg.records = 1;
    msg.outputs = 1;
    msg.flags = PROTO_RESULT_LINES | PROTO_RESULT_SHARED;
    memcpy(msg.token, task.token, sizeof msg.token); /* the real one: we hold the task */
    unsigned char desc[SHRING_DESC_BYTES];
    shring_desc_encode(0, 4096, desc);
    rc = peer_send(p, results, &msg, desc, sizeof desc);
    s_flush(p, &results);
    transport_close(&p->dealer, 0); /* vanish */
    if (rc < 0)
        return err_set(e, rc, "slotforge: %s", strerror(-rc));
    printf("sent a RESULT naming slot 0 for chunk %llu attempt %u\n", (unsigned long long)msg.chunk,
           msg.attempt);
    return 0;
}

int peer_partforge(peer_t *p, err_t *e)
{
    int rc = peer_join(p, e);
    if (rc < 0)
        return rc;
    uint32_t n = p->welcome.n_ports;
    if (n < 2)
        return err_set(e, -EINVAL, "partforge: the job has one reducer: give -R 2 or more");
    char endpoint[300];
    void *results = peer_open_results(p, endpoint, sizeof endpoint, e);
    if (!results)
        return e->code;
    void *tasks = peer_ready(p, e);
    if (!tasks) {
        transport_close(&results, 0);
        return e->code;
    }
    proto_msg_t task;
    size_t bytes = 0;
    rc = peer_next_task(p, tasks, proc_now() + p->opts.deadline, &task, &bytes, e);
    transport_close(&tasks, 0);
    if (rc < 0) {
        transport_close(&results, 0);
        return rc;
    }
    /* The first PARTKEYn whose reducer is not the one we push to. */
    char key[32];
    int key_len = 0;
    for (unsigned i = 0;; i++) {
        key_len = snprintf(key, sizeof key, "PARTKEY%u", i);
        if (partition_of(key, (size_t)key_len, n) != p->opts.reducer)
            break;
    }
    buf_t pairs;
    buf_init(&pairs, 1 << 16);
    uint8_t count[8];
    for (int i = 0; i < 8; i++)
        count[i] = (uint8_t)((uint64_t)ATTACK_EVIL_COUNT >> (8 * i));
    proto_pairs_begin(&pairs);
    proto_pairs_add(&pairs, key, (size_t)key_len, count, sizeof count);
    proto_pairs_end(&pairs, 1);
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_RESULT);
    msg.chunk = task.chunk;
    msg.attempt = task.attempt;
    msg.mapper = p->welcome.mapper;
    msg.records = 1;
    msg.emits = 1;
    msg.outputs = 1;
    memcpy(msg.token, task.token, sizeof msg.token); /* the real one: we hold the task */
    rc = peer_send(p, results, &msg, pairs.data, pairs.len);
    buf_fini(&pairs);
    s_flush(p, &results);
    transport_close(&p->dealer, 0); /* vanish */
    if (rc < 0)
        return err_set(e, rc, "partforge: %s", strerror(-rc));
    printf("sent %s to reducer %u of %u for chunk %llu attempt %u\n", key, p->opts.reducer, n,
           (unsigned long long)msg.chunk, msg.attempt);
    return 0;
}
