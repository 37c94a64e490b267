/* ESET Group 7 IISpy / PwC FakeImage traits. Inert. */
#include "common.h"
#include <winnetwk.h>

static const char *const k_traits[] KEEP = {
    "%.8s%.8s=%.8s%.16s%.8s%.16s",
    "/credential/username",
    "/credential/password",
    "/computer/domain",
    "/computer/name",
    "/cmd",
    "X-Forwarded-Proto",
    "Sec-Fetch-Mode",
    "Cookie",
};
/* PNG signature and IEND chunk of a fake image carrier. */
static const unsigned char k_png[] KEEP = {
    0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A,
    0x00, 0x00, 0x00, 0x00, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82,
};

INERT_REGISTER_MODULE(k_traits,
    g_sink = k_png;
    KEEP_IMPORT(ImpersonateLoggedOnUser); KEEP_IMPORT(WNetAddConnection2W))
