/* Inert IIS component skeleton for iisweep tests.
 *
 * Which entry points exist is chosen with -D flags; which of them are
 * exported (and under what names / ordinals) is chosen by the .def file.
 * Every entry point only returns an error code / FALSE: no network, no
 * process creation, no file writes.
 *
 *   -DWITH_IIS_STRINGS   keep the httpserv.h default-handler strings
 *   -DF_RM               RegisterModule
 *   -DF_GEV -DF_HEP -DF_TE   GetExtensionVersion / HttpExtensionProc / TerminateExtension
 *   -DF_GFV -DF_HFP -DF_TF   GetFilterVersion / HttpFilterProc / TerminateFilter
 *   -DF_HELPERS          two helper functions (exported by ordinal only in ordinal_mixed)
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#ifdef WITH_IIS_STRINGS
#include "iis_strings.h"
#endif

BOOL WINAPI DllMain(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h; (void)reason; (void)reserved;
    return TRUE;
}

#ifdef F_RM
/* HRESULT RegisterModule(DWORD, IHttpModuleRegistrationInfo*, IHttpServer*) */
HRESULT WINAPI RegisterModule(DWORD server_version, void *module_info, void *global_info)
{
    (void)module_info; (void)global_info;
#ifdef WITH_IIS_STRINGS
    /* Like the httpserv.h default handlers: at most a debug message
     * (gives the module a KERNEL32!OutputDebugStringA import). */
    if (server_version == 0xFFFFFFFFu)
        OutputDebugStringA(g_iis_default_handler_strings[0]);
#else
    (void)server_version;
#endif
    return E_NOTIMPL; /* never registers anything */
}
#endif

#ifdef F_GEV
BOOL WINAPI GetExtensionVersion(void *ver) { (void)ver; return FALSE; }
#endif
#ifdef F_HEP
DWORD WINAPI HttpExtensionProc(void *ecb) { (void)ecb; return 4; /* HSE_STATUS_ERROR */ }
#endif
#ifdef F_TE
BOOL WINAPI TerminateExtension(DWORD flags) { (void)flags; return FALSE; }
#endif

#ifdef F_GFV
BOOL WINAPI GetFilterVersion(void *ver) { (void)ver; return FALSE; }
#endif
#ifdef F_HFP
DWORD WINAPI HttpFilterProc(void *pfc, DWORD type, void *notification)
{
    (void)pfc; (void)type; (void)notification;
    return 0x8000000; /* SF_STATUS_REQ_NEXT_NOTIFICATION */
}
#endif
#ifdef F_TF
BOOL WINAPI TerminateFilter(DWORD flags) { (void)flags; return FALSE; }
#endif

#ifdef F_HELPERS
int WINAPI HiddenHelperOne(int x) { return x - 1; }
int WINAPI HiddenHelperTwo(int x) { return x - 2; }
#endif
