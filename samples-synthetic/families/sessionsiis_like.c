/* PwC SessionsIIS traits; internal DLL name Rewrite.dll via the .def. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    ".?AVHostRewriteModule@@",
    "_sessionsID",
    "If-Modified-Since",
    "Sat, 29 Oct 2021 19:43:31 GMT",
    "popen() failed!",
    "D:\\work\\eNe\\x64\\Release\\eNe.pdb",
};

INERT_REGISTER_MODULE(k_traits)
