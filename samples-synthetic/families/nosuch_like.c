/* PwC NoSuch traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "NoSuchHeaderError",
    "getFile: offset exceeds file size",
    "qNfn3mYyasd75Adne",
    "Uploader: WriteFile failed.",
};

INERT_REGISTER_MODULE(k_traits)
