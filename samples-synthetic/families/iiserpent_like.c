/* ESET Group 13 IISerpent traits (x86). Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "?DisplayModuleConfig=1",
    "?ReloadModuleConfig=1",
    "/mconfig/lunlian.txt",
    "folderlinkpath",
    "onlymobilespider",
    "redirectreferer",
    "loadSuccessfull : ",
};

INERT_REGISTER_MODULE(k_traits)
