/* Plain benign DLL with no IIS exports. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

BOOL WINAPI DllMain(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h; (void)reason; (void)reserved;
    return TRUE;
}
int WINAPI AddNumbers(int a, int b) { return a + b; }
const char *WINAPI GetLibraryName(void) { return "benign sample library"; }
