/* Test-only stand-in for Windows' bcryptprimitives.dll, which wine 8.0
 * lacks and Rust's std imports (ProcessPrng, the Windows 10+ random
 * source). Built by .ci/windows.sh into a throw-away wine prefix under
 * /tmp; never shipped, never next to iisweep.exe.
 *
 * ProcessPrng fills the buffer from RtlGenRandom (advapi32's
 * SystemFunction036), which wine implements. */
#include <windows.h>

typedef BOOLEAN(WINAPI *rtl_gen_random_fn)(PVOID, ULONG);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    static rtl_gen_random_fn gen;
    if (!gen) {
        HMODULE adv = LoadLibraryA("advapi32.dll");
        if (!adv)
            return FALSE;
        gen = (rtl_gen_random_fn)GetProcAddress(adv, "SystemFunction036");
        if (!gen)
            return FALSE;
    }
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!gen(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
