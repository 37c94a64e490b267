/*
 * Behaviour sample 11b (x64 native module, RegisterModule): benign
 * counterpart. A header-hygiene module whose only request-path work is
 * IHttpResponse::SetHeader("X-Frame-Options", "SAMEORIGIN") on
 * OnSendResponse. No process, file, network, memory or crypto imports.
 * Expected level: info (unsigned component only).
 *
 * Inert like the others: the registration is behind `if (k_inert)` and
 * RegisterModule returns E_NOTIMPL.
 */
#define INERT_NATIVE_MODULE
#include "inert.h"

static const char k_name[] = "X-Frame-Options";
static const char k_value[] = "SAMEORIGIN";

static NOINLINE DWORD on_send_response(IHttpContextC *ctx)
{
    IHttpResponseC *resp = ctx->lpVtbl->GetResponse(ctx);
    resp->lpVtbl->SetHeader(resp, k_name, k_value, (USHORT)(sizeof(k_value) - 1),
                            TRUE);
    return RQ_NOTIFICATION_CONTINUE;
}

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
    if (k_inert) {
        pModuleInfo->lpVtbl->SetRequestNotifications(pModuleInfo, &g_factory,
                                                     RQ_SEND_RESPONSE, 0);
        on_send_response((IHttpContextC *)pGlobalInfo);
        return S_OK;
    }
    return E_INERT;
}
