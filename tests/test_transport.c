/*
 * test_transport.c - tests proto/net/transport.c's parsing of a
 * "tcp://HOST:PORT" endpoint, the one form --listen and --connect take
 * (the sockets themselves are exercised by test_keys, test_zap and the
 * integration scripts).
 */
#include "transport.h"

#include <errno.h>
#include <string.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* 1. The usage example: the host of a --listen endpoint. */
static void test_usage(void **state)
{
    (void)state;
    char host[64];
    assert_int_equal(transport_endpoint_host("tcp://10.0.0.5:7070", host, sizeof host), 0);
    assert_string_equal(host, "10.0.0.5");
}

/* IPv6 keeps its brackets; "*" and port 0 are ports; any host name. */
static void test_forms(void **state)
{
    (void)state;
    char host[64];
    assert_int_equal(transport_endpoint_host("tcp://[::1]:7070", host, sizeof host), 0);
    assert_string_equal(host, "[::1]");
    assert_int_equal(transport_endpoint_host("tcp://0.0.0.0:*", host, sizeof host), 0);
    assert_string_equal(host, "0.0.0.0");
    assert_int_equal(transport_endpoint_host("tcp://host-a.example:0", host, sizeof host), 0);
    assert_string_equal(host, "host-a.example");
    assert_int_equal(transport_endpoint_host("tcp://h:65535", host, sizeof host), 0);
}

/* Anything else is -EINVAL, and host is left alone. */
static void test_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "ipc:///tmp/x",
        "tcp://",
        "tcp://:7070",
        "tcp://host",
        "tcp://host:",
        "tcp://host:7x",
        "tcp://host:65536",
        "tcp://host:123456",
        "tcp://host:-1",
        "tcp://host: 70",
        "TCP://host:70",
        "tcp:/host:70",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char host[64] = "untouched";
        assert_int_equal(transport_endpoint_host(bad[i], host, sizeof host), -EINVAL);
        assert_string_equal(host, "untouched");
    }
}

/* A host that does not fit is refused, not cut: a cut name would be
 * another host. */
static void test_host_too_long(void **state)
{
    (void)state;
    char host[8];
    assert_int_equal(transport_endpoint_host("tcp://1234567:1", host, sizeof host), 0);
    assert_string_equal(host, "1234567");
    assert_int_equal(transport_endpoint_host("tcp://12345678:1", host, sizeof host), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_host_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
