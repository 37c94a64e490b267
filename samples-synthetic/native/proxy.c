/* Proxy DLL: its only role export, RegisterModule, is a forwarder to
 * realmod.RegisterModule (see defs/proxy.def). It contains no code of its own
 * beyond DllMain. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

BOOL WINAPI DllMain(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h; (void)reason; (void)reserved;
    return TRUE;
}
