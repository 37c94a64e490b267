/* PwC CookieHash (Kaspersky IISCook) traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "%ld|%ld|%s||",
    "iisc_v1.2.dll",
};

INERT_REGISTER_MODULE(k_traits)
