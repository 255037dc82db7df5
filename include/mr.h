/*
 * mr.h - the public plugin interface of mr, the multi-process MapReduce engine.
 *
 * This is the only header a plugin sees.  A plugin is one shared object that
 * exports one symbol, MR_PLUGIN_SYMBOL ("mr_plugin"), a const mr_plugin
 * descriptor.  The engine finds it with one dlsym(), checks abi_version, and
 * calls the function pointers it carries.  See docs/plugins.md (and its
 * summary, mr-plugin(7)) for a complete example and examples/wordcount.c
 * for a template to copy.  Compile a plugin with
 * `cc -shared -fPIC -o x.so x.c $(pkg-config --cflags mr)`: it links nothing.
 *
 * Contract common to every callback:
 *   - Keys, values and records are opaque bytes (not NUL-terminated).
 *   - The engine owns every buffer it passes; nothing a callback receives
 *     outlives that callback.  Copy what you need to keep.
 *   - Bytes handed to mr_emit() are copied before it returns.
 *   - A callback returns 0 on success.  Any other value fails the current
 *     task; the engine reports it with the callback, chunk and record, and
 *     with the reason the callback gave through mr_fail(), if it gave one.
 *   - Each process calls the plugin from one thread only.
 *
 * The ABI.  mr_plugin_t and mr_emitter_t only ever grow at their end, and
 * every change raises MR_ABI_VERSION.  A plugin records the version it was
 * built with in mr_plugin.abi_version.  The engine loads every version from
 * 1 up to its own (mr-run --version prints the range), reads only the
 * descriptor fields that version had, and refuses a newer one, whose
 * plugin may use what this engine lacks.  So a plugin built against an
 * older header keeps working, without a rebuild.  The history:
 *
 *   1  mr_plugin_t from abi_version to reduce; mr_emitter_t with emit.
 *   2  mr_plugin_t.combine_kind (MR_COMBINE_*): the engine may merge values
 *      itself.  Read as MR_COMBINE_CUSTOM from a version-1 plugin.
 *   3  mr_emitter_t.failure and mr_fail(): a callback says why it failed.  The
 *      engine gives every emitter failure, whatever the plugin's version.
 *   4  mr_emitter_t.counter and mr_counter(): Hadoop's counters from C, as a
 *      Streaming command's reporter:counter lines give them.
 */
#ifndef MR_H
#define MR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MR_VERSION_MAJOR 0
#define MR_VERSION_MINOR 1
#define MR_VERSION_PATCH 0

/* The version of this header's ABI: see "The ABI" above for what each
 * version added. */
#define MR_ABI_VERSION 4

/* The name of the descriptor symbol the engine looks up. */
#define MR_PLUGIN_SYMBOL "mr_plugin"

/* A borrowed run of bytes; valid only during the callback that received it. */
typedef struct mr_bytes {
    const void *ptr; /* first byte; may be NULL when len is 0 */
    size_t len;      /* number of bytes */
} mr_bytes_t;

/*
 * The sink a callback writes its output to, and where it says why it
 * failed.  Call it through mr_emit(), mr_emit_value() and mr_fail().  The
 * engine makes every emitter; a plugin only receives pointers to them.
 *
 * emit() copies key and value before returning, so the plugin may reuse its
 * buffers at once.  It returns 0, or non-zero when the engine cannot accept
 * the pair (for example, the output of one chunk grew past the engine's
 * cap); a callback should then stop and return that value.
 *
 * failure() (ABI 3) records message, a NUL-terminated string, as the reason
 * for the failure the callback is about to return.  See mr_fail().
 *
 * counter() (ABI 4) adds amount to the job's counter (group, name).  See
 * mr_counter().
 */
typedef struct mr_emitter mr_emitter_t;
struct mr_emitter {
    int (*emit)(mr_emitter_t *self, const void *key, size_t key_len, const void *value,
                size_t value_len);
    void (*failure)(mr_emitter_t *self, const char *message);
    void (*counter)(mr_emitter_t *self, const char *group, const char *name, int64_t amount);
};

/* Emits one (key, value) pair.  Returns 0 or the engine's error (see above). */
static inline int mr_emit(mr_emitter_t *out, const void *key, size_t key_len, const void *value,
                          size_t value_len)
{
    return out->emit(out, key, key_len, value, value_len);
}

/* Emits a value with an empty key: in --ordered and --unordered output the
 * line is then just the value. */
static inline int mr_emit_value(mr_emitter_t *out, const void *value, size_t value_len)
{
    return out->emit(out, NULL, 0, value, value_len);
}

/*
 * Says why the callback that received out is failing, and returns 1, for
 * the callback to return:
 *
 *     if (tab == NULL)
 *         return mr_fail(out, "no tab in the record");
 *
 * The engine copies message before mr_fail returns (so a stack buffer
 * filled by snprintf will do) and puts it in the error the user sees,
 * quoted, with the quote, the backslash and bytes other than printable
 * ASCII escaped (\xHH), and cut after 160 characters:
 *
 *     input logs.txt, record at byte offset 1200 (chunk 0): map() returned 1:
 *     'no tab in the record'; failed 4 attempts. The record begins '...'
 *
 * Call it only on the way out of a failing callback (map, combine, reduce):
 * the engine reads the message when the callback returns non-zero, so one
 * left by a callback that then returns 0 may be reported with a later
 * failure.  A later call replaces an earlier one.  message may be NULL (no
 * reason).  init has no emitter: an init that fails may print its reason to
 * stderr, which is mr-run's (a remote mapper's: mr-mapper's).
 */
static inline int mr_fail(mr_emitter_t *out, const char *message)
{
    if (out->failure)
        out->failure(out, message);
    return 1;
}

/*
 * Adds amount to the job's counter (group, name), as a Hadoop Streaming
 * command's `reporter:counter:GROUP,NAME,AMOUNT` line on stderr does:
 *
 *     mr_counter(out, "quality", "bad temperature", 1);
 *
 * group and name are NUL-terminated and copied before mr_counter returns;
 * control bytes in them become spaces, and they are cut after 128 and 64
 * bytes.  mr-run sums a chunk's counts from its first successful attempt
 * only (a retried chunk never counts twice) with those of the reduce, and
 * prints them at the end and in --stats; under Hadoop, mr-stream writes
 * them as reporter:counter lines.  A job holds at most 120 counters: a
 * callback that adds a 121st fails its task, saying so.
 */
static inline void mr_counter(mr_emitter_t *out, const char *group, const char *name,
                              int64_t amount)
{
    if (out->counter)
        out->counter(out, group, name, amount);
}

/*
 * The plugin descriptor.  Define exactly one, named mr_plugin:
 *
 *     const mr_plugin_t mr_plugin = { .abi_version = MR_ABI_VERSION, .map = my_map, ... };
 *
 * Every function pointer but map is optional (NULL).  A plugin without map can
 * serve only as a reducer (-r).  A plugin without combine and reduce can serve
 * only as a mapper, in --ordered or --unordered mode.
 */
typedef struct mr_plugin {
    /* MR_ABI_VERSION of the header the plugin was built with.  The engine
     * refuses versions newer than its own, or older than 1 (see "The ABI"). */
    uint32_t abi_version;

    /* A short name for messages, e.g. "wordcount".  May be NULL. */
    const char *name;

    /*
     * Called once per process before any other callback (a --persist
     * remote mapper, which serves job after job, calls init and fini once
     * per job, with that job's arg).  arg is the string
     * given to mr-run --arg, or NULL when none was given; it stays valid until
     * fini.  Store per-process state in *state (initially NULL); the engine
     * passes it back to every callback.  Return 0, or non-zero to refuse to
     * start (the job then fails before any chunk is mapped).
     */
    int (*init)(const char *arg, void **state);

    /* Called once when the process ends normally; frees what init made. */
    void (*fini)(void *state);

    /*
     * Maps one record (without its terminator) to zero or more pairs through
     * out.  Called once per record, in input order within a chunk.
     */
    int (*map)(void *state, mr_bytes_t record, mr_emitter_t *out);

    /*
     * Merges two values of the same key into one, which it must emit exactly
     * once with mr_emit_value().  Must be associative and commutative: the
     * engine calls it inside mappers (per chunk, as a combiner) and in the
     * reducer (across chunks), in no fixed order.  Having combine (or reduce)
     * makes the job key-grouped; combine also keeps memory per distinct key,
     * not per occurrence.
     */
    int (*combine)(void *state, mr_bytes_t key, mr_bytes_t a, mr_bytes_t b, mr_emitter_t *out);

    /*
     * Produces the final output for one key.  values holds every value of the
     * key, or exactly one value when the plugin also has combine.  Each
     * emitted pair becomes one output line, key<TAB>value.  Without reduce,
     * the engine writes key<TAB>value for each combined value as it is.
     */
    int (*reduce)(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n_values,
                  mr_emitter_t *out);

    /*
     * (ABI 2) What combine computes, when it is one of the kinds the engine knows
     * (MR_COMBINE_*), or 0.  The engine may then merge values itself, in
     * place, without calling combine for each value: on a word count that
     * is most of the engine's own cost.  combine must still be set and
     * compute the same thing; the engine calls it for values that do not
     * fit the kind.
     */
    uint32_t combine_kind;
} mr_plugin_t;

/* combine_kind values.  MR_COMBINE_CUSTOM: only combine knows what it
 * computes.  MR_COMBINE_SUM_U64: values are 8-byte little-endian unsigned
 * integers and combine emits their sum, modulo 2^64. */
#define MR_COMBINE_CUSTOM 0
#define MR_COMBINE_SUM_U64 1

#ifdef __cplusplus
}
#endif

#endif /* MR_H */
