/*
 * no_symbol.c - a shared object that exports no mr_plugin descriptor (its
 * author misspelt it): the engine must say which symbol it looked for.
 */
#include "mr.h"

const mr_plugin_t mr_plugins = { .abi_version = MR_ABI_VERSION, .name = "no_symbol" };
