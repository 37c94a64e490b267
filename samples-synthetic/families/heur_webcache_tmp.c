/* Heuristic-only sample: a plain native module whose file lives under a
 * non-DLL extension (webcache.tmp); IIS loads any extension. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = { "WebCacheModule" };

INERT_REGISTER_MODULE(k_traits)
