/* PwC TigerIIS (Andariel, CISA AA24-207A) traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "MicrosoftCorporationValidation@#$%^&*()!US",
    "198409", "199703", "202106", "201445",
};

INERT_REGISTER_MODULE(k_traits)
