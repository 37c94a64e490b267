/* PwC reGeorgIIS traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "Socks connect error: ",
    "Clear Rules Success!",
    "tn7rM2851XVvOFbc",
    "GetFromSource: ",
};

INERT_REGISTER_MODULE(k_traits)
