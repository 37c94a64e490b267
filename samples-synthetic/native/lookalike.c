/* Benign DLL whose export names merely resemble IIS entry points.
 * None of them is an exact IIS export name, so no role applies. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

BOOL WINAPI DllMain(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h; (void)reason; (void)reserved;
    return TRUE;
}
int WINAPI RegisterModuleHelper(int x) { return x + 1; }
BOOL WINAPI MyGetExtensionVersion(void *ver) { (void)ver; return FALSE; }
DWORD WINAPI HttpFilterProcEx(void *a, DWORD b, void *c) { (void)a; (void)b; (void)c; return 0; }
