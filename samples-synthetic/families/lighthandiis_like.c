/* PwC LightHandIIS (Andariel / Onyx Sleet) traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    ".?AVCIISModuleFactory@@",
    "Read Body Failed!",
    "Upload Success!",
    "Create File Failed!",
    "A:\\tool\\Backup\\IIS-Backup\\x64\\Release\\IIS-Backup.pdb",
    "ASPSESSIONIDQQSBTCRA=; path=/",
};

INERT_REGISTER_MODULE(k_traits)
