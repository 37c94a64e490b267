/* PwC Dongtai traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "D:\\code\\LMIISModule-main\\x64\\Release\\Dongtai.pdb",
};

INERT_REGISTER_MODULE(k_traits)
