/* ESET Group 8 / PwC GoodDownload traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "Cmd",
    "FliterSecurity.dll",
    "IIS7NativeModule.dll",
    "Realy path : %s",
    "Logged On Users : %d",
    "Good!Run OK!",
    "Shit!Download False!",
    "[%d]safedog",
};

INERT_REGISTER_MODULE(k_traits)
