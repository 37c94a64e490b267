/* Heuristic-only sample (x86 ISAPI filter): password capture keywords next
 * to an OWA logon path. Nothing is read or written. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "/owa/auth/logon.aspx",
    "username=",
    "password=",
    "C:\\ProgramData\\Microsoft\\owa_cache.log",
};

INERT_ISAPI_FILTER(k_traits)
