/* Native IIS module carrying the PE features the parser must handle:
 *  - imports from ws2_32.dll and oleaut32.dll by ordinal only
 *    (import libraries built by dlltool from defs/*_ord.def with NONAME),
 *  - a delay-load import of version.dll (dlltool --output-delaylib; build.sh
 *    patches the delay-import data directory, which GNU ld leaves empty),
 *  - a CodeView debug directory with a PDB path (ld --pdb=),
 *  - a VERSIONINFO resource (rich.rc),
 *  - an overlay (appended by build.sh).
 * The imported functions are referenced (address taken) but never called:
 * no network, no process creation, no file writes. */
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <windows.h>
#include <oleauto.h>
#include "iis_strings.h"

DWORD WINAPI GetFileVersionInfoSizeA(LPCSTR, LPDWORD);

/* Null terminator for the delay-import descriptor table: dlltool puts the
 * single descriptor in .text$2, and ld sorts .text$* by name, so this lands
 * right after it. */
__attribute__((section(".text$3"), used, aligned(4)))
static const unsigned char g_delay_import_terminator[32] = {0};

void *volatile g_refs[5];

BOOL WINAPI DllMain(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h; (void)reason; (void)reserved;
    return TRUE;
}

/* Only records the addresses; nothing is called. */
static void take_addresses(void)
{
    g_refs[0] = (void *)WSAStartup;
    g_refs[1] = (void *)htons;
    g_refs[2] = (void *)SysAllocString;
    g_refs[3] = (void *)SysFreeString;
    g_refs[4] = (void *)GetFileVersionInfoSizeA;
}

HRESULT WINAPI RegisterModule(DWORD server_version, void *module_info, void *global_info)
{
    (void)module_info; (void)global_info;
    if (server_version == 0xFFFFFFFFu)
        take_addresses();
    return E_NOTIMPL;
}
