/* ESET Group 12 SEO proxy traits. On disk it would be
 * ManagedEngineV4.1_64bit.dll; built under a neutral name. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "3389",
    "Cmd",
    "C:\\inetpub\\temp\\IIS Temporary Compressed Files\\",
    "F5XFFHttpModule.dll",
    "gtest_redir",
    "iuuq;00",
    "?xhost=",
    "Hotcss/|Hotjs/",
    "msf connect error !!",
    "unknown cmd !",
};

INERT_REGISTER_MODULE(k_traits)
