/* SessionManager (Kaspersky 2022, Gelsemium; PwC, ExtraHop) traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "SessionManagerModuleFactory",
    "Session Manager Works OK",
    "error to open file for read/write",
    "attachment; filename = \"cool.html\"",
    "Complete Write To File :",
    "SM_SESSION=",
    "C:\\GodLike\\sessionmanagermodule\\x64\\Release\\sessionmanagermodule.pdb",
};

INERT_REGISTER_MODULE(k_traits)
