/* Heuristic-only sample: command execution (CreateProcessA import and a
 * cmd.exe command line) beside cookie parsing. CreateProcessA is
 * referenced, never called. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "Cookie",
    "cmd.exe /c ",
    "; path=/",
};

INERT_REGISTER_MODULE(k_traits, KEEP_IMPORT(CreateProcessA); KEEP_IMPORT(CreatePipe))
