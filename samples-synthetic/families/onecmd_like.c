/* ESET Group 11 / PwC OneCmd traits (strings shifted by 2). Inert. */
#include "common.h"
#include <windns.h>

static const char *const k_traits[] KEEP = {
    "JVVRaeof",            /* "HTTP_cmd" + 2 */
    "zkpzz0cnnuqwnw0eqo",  /* "xinxx.allsoulu.com" + 2 */
    "&reurl=",
    "&jump=1",
};

INERT_REGISTER_MODULE(k_traits, KEEP_IMPORT(DnsQuery_A))
