/* PwC BlackMould (GALLIUM) traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "To configure ApplicationHost.config file OK...",
    "Install Filter start...",
    "srvhttp.log",
};

INERT_REGISTER_MODULE(k_traits)
