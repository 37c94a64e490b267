/* Heuristic-only sample (x64 ISAPI extension): "w3wp" + ".exe" built as a
 * stack string (two separate 32-bit immediate stores), as PwC's heuristic
 * describes. The buffer is only written. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = { "ISAPI sample" };

static void __attribute__((noinline)) build_name(void)
{
    volatile DWORD name[3];
    name[0] = 0x70773377u; /* "w3wp" */
    name[1] = 0x6578652eu; /* ".exe" */
    name[2] = 0;
    g_sink = (const void *)(size_t)name[2];
}

INERT_ISAPI_EXTENSION(k_traits, build_name())
