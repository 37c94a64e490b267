/* ESET Group 6 ISN / IISniff traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "isn7 config reloaded",
    "isn_reloadconfig",
    "isn_getlog",
    "isn7.dll",
    "get POST failed %d",
    "D:\\soft\\Programming\\C++\\projects\\isapi\\isn7\\Release\\isn7.pdb",
};

INERT_REGISTER_MODULE(k_traits)
