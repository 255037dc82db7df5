/*
 * plugin.c - dlopen, descriptor lookup, ABI check, init and fini.
 */
#include "plugin.h"

#include "mem.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct plugin {
    void *handle;            /* dlopen handle, owned */
    const mr_plugin_t *desc; /* descriptor inside the loaded object */
    char *path;              /* owned copy of the path given */
    void *state;             /* what init returned */
    bool inited;             /* init succeeded, so fini is due */
};

plugin_t *plugin_open(const char *path, err_t *e)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        err_set(e, -errno, "plugin %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        err_set(e, -EINVAL, "plugin %s: not a regular file", path);
        return NULL;
    }
    /* dlopen searches the library path for a name without a slash; a user
     * who types wordcount.so means the file in the current directory. */
    char *local = NULL;
    if (!strchr(path, '/')) {
        size_t n = strlen(path) + 3;
        local = mem_alloc(n);
        memcpy(local, "./", 2);
        memcpy(local + 2, path, n - 2);
    }
    void *handle = dlopen(local ? local : path, RTLD_NOW | RTLD_LOCAL);
    free(local);
    if (!handle) {
        const char *why = dlerror();
        err_set(e, -ENOEXEC, "plugin %s: cannot load: %s", path, why ? why : "unknown error");
        return NULL;
    }
    dlerror();
    const mr_plugin_t *desc = dlsym(handle, MR_PLUGIN_SYMBOL);
    if (!desc) {
        err_set(e, -ENOENT,
                "plugin %s: symbol %s not found (define `const mr_plugin_t %s` "
                "as in include/mr.h)",
                path, MR_PLUGIN_SYMBOL, MR_PLUGIN_SYMBOL);
        dlclose(handle);
        return NULL;
    }
    if (desc->abi_version < PLUGIN_ABI_OLDEST || desc->abi_version > MR_ABI_VERSION) {
        err_set(e, -EPROTO, "plugin %s: %s.abi_version is %u, this mr supports %d to %d", path,
                MR_PLUGIN_SYMBOL, desc->abi_version, PLUGIN_ABI_OLDEST, MR_ABI_VERSION);
        dlclose(handle);
        return NULL;
    }
    plugin_t *self = mem_calloc(1, sizeof *self);
    self->handle = handle;
    self->desc = desc;
    self->path = mem_strdup(path);
    return self;
}

int plugin_init(plugin_t *self, const char *arg, err_t *e)
{
    if (!self->desc->init) {
        self->inited = true;
        return 0;
    }
    int rc = self->desc->init(arg, &self->state);
    if (rc != 0)
        return err_set(e, -ECANCELED, "plugin %s: init returned %d%s", self->path, rc,
                       arg ? "" : " (does it need --arg?)");
    self->inited = true;
    return 0;
}

void plugin_destroy(plugin_t **self_p)
{
    plugin_t *self = *self_p;
    if (!self)
        return;
    if (self->inited && self->desc->fini)
        self->desc->fini(self->state);
    dlclose(self->handle);
    free(self->path);
    free(self);
    *self_p = NULL;
}

const mr_plugin_t *plugin_desc(const plugin_t *self)
{
    return self->desc;
}

void *plugin_state(const plugin_t *self)
{
    return self->state;
}

const char *plugin_path(const plugin_t *self)
{
    return self->path;
}

const char *plugin_name(const plugin_t *self)
{
    return self->desc->name ? self->desc->name : self->path;
}

int plugin_digest(const char *path, unsigned char out[32], err_t *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, -errno, "plugin %s: %s", path, strerror(errno));
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    unsigned char buf[1 << 16];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int code = errno;
            close(fd);
            return err_set(e, -code, "plugin %s: %s", path, strerror(code));
        }
        crypto_generichash_update(&st, buf, (size_t)n);
    }
    close(fd);
    crypto_generichash_final(&st, out, 32);
    return 0;
}

bool plugin_can_reduce(const plugin_t *self)
{
    return self->desc->combine || self->desc->reduce;
}
