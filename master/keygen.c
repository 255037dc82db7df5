/*
 * keygen.c - mr-keygen: makes a CURVE key pair for a master (--server-key)
 * or a remote mapper, as BASENAME.key (secret, mode 0600) and BASENAME.pub
 * (public, mode 0644), and nothing else.  The .pub of each mapper goes into
 * the master's --authorized-keys directory; the master's .pub goes to the
 * mappers.  The file format is described in proto/net/keys.h.
 */
#include "cleanup.h"
#include "keys.h"
#include "log.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* Exit statuses. */
#define EXIT_FAILED 1
#define EXIT_USAGE 2

static void s_usage(FILE *out)
{
    fputs("usage: mr-keygen [-f] BASENAME\n"
          "\n"
          "Writes a new CURVE key pair for mr: BASENAME.key holds both keys and is\n"
          "secret (mode 0600); BASENAME.pub holds the public key (mode 0644).\n"
          "Give a mapper's .pub to the master's --authorized-keys directory, and the\n"
          "master's .pub to its mappers.  Never copy a .key file.\n"
          "\n"
          "  -f, --force    replace BASENAME.key and BASENAME.pub if they exist\n"
          "  -h, --help     print this help and exit\n"
          "      --version  print the version and exit\n",
          out);
}

int main(int argc, char **argv)
{
    log_init("mr-keygen", false);
    cleanup_install(); /* no half-written key file is left by a crash */
    static const struct option options[] = {
        { "force", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    bool force = false;
    int c;
    while ((c = getopt_long(argc, argv, "fh", options, NULL)) != -1) {
        switch (c) {
        case 'f': force = true; break;
        case 'h': s_usage(stdout); return 0;
        case 'V': printf("mr-keygen %s\n", MR_VERSION_STRING); return 0;
        default: s_usage(stderr); return EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        log_error("%s", argc == optind ? "missing BASENAME" : "too many arguments");
        s_usage(stderr);
        return EXIT_USAGE;
    }
    const char *basename = argv[optind];
    if (basename[0] == '\0') {
        log_error("BASENAME is empty");
        return EXIT_USAGE;
    }

    err_t e;
    err_init(&e);
    keys_pair_t pair;
    int rc = keys_generate(&pair, &e);
    if (rc == 0)
        rc = keys_write(&pair, basename, force, &e);
    keys_pair_fini(&pair);
    if (rc < 0) {
        if (rc == -EEXIST)
            log_error("%s (use -f to replace it)", e.text);
        else
            log_error("%s", e.text);
        return EXIT_FAILED;
    }
    log_info("wrote %s.key (secret) and %s.pub (public)", basename, basename);
    return 0;
}
