/* ESET Group 14 SEO traits (x86). Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "agent-self: %s",
    "/utf.php?key=",
    "/self.php?v=",
    "now.asmkpo.co",
    "speed.wlaspsd.co",
};

INERT_REGISTER_MODULE(k_traits)
