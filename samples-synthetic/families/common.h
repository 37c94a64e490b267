/*
 * Shared skeleton for the inert family samples (see README.md and build.sh).
 *
 * Every sample is a DLL whose role exports (RegisterModule, or the ISAPI
 * entry points) only touch the static trait tables so the linker keeps them,
 * then return an error. Imports a rule keys on are referenced by address
 * (KEEP_IMPORT) and never called. No network, no process creation, no file
 * writes, no working crypto.
 */
#ifndef IISWEEP_FAMILIES_COMMON_H
#define IISWEEP_FAMILIES_COMMON_H

#include <windows.h>
#include <stddef.h>

#define KEEP __attribute__((used))
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define E_INERT ((HRESULT)0x80004001L) /* E_NOTIMPL */
#define HSE_STATUS_ERROR_INERT 4
#define SF_STATUS_REQ_ERROR_INERT 0x08000004

/* Written, never read back: keeps tables and import slots alive. */
static const void *volatile g_sink;

/* Store the address of an import; the function is never called. */
#define KEEP_IMPORT(fn) (g_sink = (const void *)(fn))

/*
 * The text httpserv.h's default CHttpModule / CGlobalModule handlers carry;
 * every module built against the IIS SDK has it, benign or not. Kept only
 * by RegisterModule samples (ISAPI samples do not reference it).
 */
static const char *const k_default_handler[] __attribute__((unused)) = {
    "This module subscribed to event ",
    " but did not override the method in its ",
    "CHttpModule::OnBeginRequest",
    "CHttpModule::OnSendResponse",
    "CGlobalModule::OnGlobalPreBeginRequest",
};

#define TOUCH(tbl, v) (g_sink = (tbl)[(v) % COUNT(tbl)])

HRESULT WINAPI RegisterModule(DWORD dwServerVersion, void *pModuleInfo, void *pGlobalInfo);
BOOL WINAPI GetExtensionVersion(void *pVer);
DWORD WINAPI HttpExtensionProc(void *pECB);
BOOL WINAPI TerminateExtension(DWORD dwFlags);
BOOL WINAPI GetFilterVersion(void *pVer);
DWORD WINAPI HttpFilterProc(void *pfc, DWORD notificationType, void *pvNotification);
BOOL WINAPI TerminateFilter(DWORD dwFlags);

/* RegisterModule that keeps `tbl` (and runs the extra statements, which
 * may only be KEEP_IMPORT / TOUCH) and fails. */
#define INERT_REGISTER_MODULE(tbl, ...)                                      \
    HRESULT WINAPI RegisterModule(DWORD dwServerVersion, void *pModuleInfo,  \
                                  void *pGlobalInfo)                         \
    {                                                                        \
        (void)pModuleInfo;                                                   \
        (void)pGlobalInfo;                                                   \
        TOUCH(k_default_handler, dwServerVersion);                           \
        TOUCH(tbl, dwServerVersion);                                         \
        __VA_ARGS__;                                                         \
        return E_INERT;                                                      \
    }

#define INERT_ISAPI_EXTENSION(tbl, ...)                                      \
    BOOL WINAPI GetExtensionVersion(void *pVer)                              \
    {                                                                        \
        TOUCH(tbl, (DWORD)(size_t)pVer);                                     \
        __VA_ARGS__;                                                         \
        return FALSE;                                                        \
    }                                                                        \
    DWORD WINAPI HttpExtensionProc(void *pECB)                               \
    {                                                                        \
        (void)pECB;                                                          \
        return HSE_STATUS_ERROR_INERT;                                       \
    }                                                                        \
    BOOL WINAPI TerminateExtension(DWORD dwFlags)                            \
    {                                                                        \
        (void)dwFlags;                                                       \
        return TRUE;                                                         \
    }

#define INERT_ISAPI_FILTER(tbl, ...)                                         \
    BOOL WINAPI GetFilterVersion(void *pVer)                                 \
    {                                                                        \
        TOUCH(tbl, (DWORD)(size_t)pVer);                                     \
        __VA_ARGS__;                                                         \
        return FALSE;                                                        \
    }                                                                        \
    DWORD WINAPI HttpFilterProc(void *pfc, DWORD notificationType,           \
                                void *pvNotification)                        \
    {                                                                        \
        (void)pfc;                                                           \
        (void)notificationType;                                              \
        (void)pvNotification;                                                \
        return SF_STATUS_REQ_ERROR_INERT;                                    \
    }                                                                        \
    BOOL WINAPI TerminateFilter(DWORD dwFlags)                               \
    {                                                                        \
        (void)dwFlags;                                                       \
        return TRUE;                                                         \
    }

#endif
