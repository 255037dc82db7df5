/*
 * gatewc.c - slowwc's word count with gates instead of its sleep, so that a
 * test can hold a mapper inside map() until it chooses (it_remote.sh,
 * it_hostile.sh).  With --arg DIR: a record that starts with GATE creates
 * DIR/reached and waits until DIR/open exists; one that starts with MARK
 * creates DIR/marked.  Built by the tests with it_build_plugin, beside
 * slowwc.c (which it includes).
 */
#define mr_plugin s_slowwc /* slowwc's descriptor, renamed: this file has its own */
#include "slowwc.c"
#undef mr_plugin
#include <fcntl.h>
#include <unistd.h>
static int g_init(const char *arg, void **state)
{
    *state = arg ? strdup(arg) : NULL;
    return arg && !*state;
}
static void g_fini(void *state)
{
    free(state);
}
static void g_touch(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
}
static int g_starts(mr_bytes_t r, const char *word)
{
    size_t n = strlen(word);
    return r.len >= n && memcmp(r.ptr, word, n) == 0;
}
static int g_map(void *state, mr_bytes_t r, mr_emitter_t *out)
{
    const char *dir = state;
    if (dir && g_starts(r, "GATE")) {
        char open_path[4096];
        struct timespec tick = { 0, 10 * 1000 * 1000 };
        snprintf(open_path, sizeof open_path, "%s/open", dir);
        g_touch(dir, "reached");
        while (access(open_path, F_OK) != 0)
            nanosleep(&tick, NULL);
    }
    if (dir && g_starts(r, "MARK"))
        g_touch(dir, "marked");
    return s_map(NULL, r, out); /* slowwc's count, without its sleep */
}
const mr_plugin_t mr_plugin = { .abi_version = MR_ABI_VERSION,
                                .name = "gatewc",
                                .init = g_init,
                                .fini = g_fini,
                                .map = g_map,
                                .combine = s_combine,
                                .reduce = s_reduce };
