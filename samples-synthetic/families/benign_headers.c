/* Benign-looking native module (response-header hygiene, in the style of
 * StripHeaders / HSTS modules); signed with a throwaway self-signed
 * certificate by build.sh. Must stay at level "info". Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    ".?AVCHeaderHygieneModule@@",
    ".?AVCHeaderHygieneFactory@@",
    "Server",
    "X-Powered-By",
    "X-AspNet-Version",
    "Strict-Transport-Security",
    "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options",
    "nosniff",
    "system.webServer/headerHygiene",
};

INERT_REGISTER_MODULE(k_traits)
