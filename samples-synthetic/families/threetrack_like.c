/* PwC ThreeTrack (related to RGDoor; built from StripHeaders 1.0.5).
 * CreateFileA/WriteFile are imported, never called. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "C:\\Users\\T\\Desktop\\er\\StripHeaders-1.0.5\\x64\\Release\\w3trc.pdb",
    "c:\\windows\\temp\\adobeproducttemp\\",
    "w3trcModule.dll",
};

INERT_REGISTER_MODULE(k_traits,
    KEEP_IMPORT(CreateFileA); KEEP_IMPORT(WriteFile))
