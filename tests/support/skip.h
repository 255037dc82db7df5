/*
 * skip.h - a cmocka skip that says why.  scripts/test counts a skipped test
 * apart from the passed ones and lists it with the reason printed here.
 */
#ifndef MR_TEST_SKIP_H
#define MR_TEST_SKIP_H

/* Skips the running test, printing "skip: TEST: reason" first. */
#define SKIP_BECAUSE(reason)                                 \
    do {                                                     \
        print_message("skip: %s: %s\n", __func__, (reason)); \
        skip();                                              \
    } while (0)

#endif
