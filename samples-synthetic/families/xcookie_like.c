/* ESET Group 3 / PwC XCookie traits. Inert. */
#include "common.h"
#include <wincrypt.h>

static const char *const k_traits[] KEEP = {
    ".?AVBackdoorHttpModuleFactory@@",
    "IIS-Backdoor.dll",
    "X-Cookie",
};

INERT_REGISTER_MODULE(k_traits,
    KEEP_IMPORT(CreateProcessA); KEEP_IMPORT(CryptStringToBinaryA))
