/* Heuristic-only sample: an otherwise plain module whose file name
 * (authmd4.dll) imitates the built-in DigestAuthenticationModule
 * (authmd5.dll), as ESET Group 1 did. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = { "DigestAuthenticationModule" };

INERT_REGISTER_MODULE(k_traits)
