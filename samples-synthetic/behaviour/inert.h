/*
 * Shared pieces of the behaviour samples (see README.md).
 *
 * Inertness pattern: every suspicious statement sits inside
 *     if (k_inert) { ... }
 * where k_inert is a volatile const 0: the compiler must keep the code (so
 * a disassembler that follows calls from the role export sees the calls),
 * but the branch is false on every run. The arguments are harmless too:
 * program names that do not exist, NULL handles, process id 0, hosts under
 * the reserved .invalid TLD. Every role export returns an error code after
 * the guard.
 *
 * IIS native-module interfaces (httpserv.h) are C++; mingw has no
 * httpserv.h, so this file models them as C structs whose first member is a
 * vtable of function pointers, in the order httpserv.h declares the
 * methods (trimmed after the last method a sample uses; overload order is
 * approximate). Nothing here is meant to work against a real IIS.
 */
#ifndef IISWEEP_BEHAVIOUR_INERT_H
#define IISWEEP_BEHAVIOUR_INERT_H

#include <windows.h>

static volatile const int k_inert = 0;

#define NOINLINE __attribute__((noinline))
#define E_INERT ((HRESULT)0x80004001L) /* E_NOTIMPL */

/* Never-existing targets used as arguments inside the guards. */
#define INERT_EXE "C:\\iisweep-inert\\iisweep-inert-never-runs.exe"

/* ---- minimal httpserv.h model ---------------------------------------- */

typedef struct IHttpRequestC IHttpRequestC;
typedef struct IHttpResponseC IHttpResponseC;
typedef struct IHttpContextC IHttpContextC;
typedef struct IHttpModuleFactoryC IHttpModuleFactoryC;
typedef struct IHttpModuleRegistrationInfoC IHttpModuleRegistrationInfoC;
typedef struct IHttpServerC IHttpServerC;

typedef struct {
    DWORD DataChunkType; /* HttpDataChunkFromMemory = 0 */
    PVOID pBuffer;
    ULONG BufferLength;
} HTTP_DATA_CHUNK_MEM;

typedef struct {
    PVOID GetRawHttpRequest;
    PVOID GetRawHttpRequestConst;
    PCSTR (__stdcall *GetHeader)(IHttpRequestC *self, PCSTR pszHeaderName,
                                 USHORT *pcchHeaderValue);
    PVOID GetHeaderById;
    PVOID SetHeader;
    PVOID SetHeaderById;
    PVOID DeleteHeader;
    PVOID DeleteHeaderById;
    PCSTR (__stdcall *GetHttpMethod)(IHttpRequestC *self);
    PVOID SetHttpMethod;
    PVOID SetUrlW;
    PVOID SetUrlA;
    PVOID GetUrlChanged;
    PVOID GetForwardedUrl;
    PVOID GetLocalAddress;
    PVOID GetRemoteAddress;
    HRESULT (__stdcall *ReadEntityBody)(IHttpRequestC *self, PVOID pvBuffer,
                                        DWORD cbBuffer, BOOL fAsync,
                                        DWORD *pcbBytesReceived,
                                        BOOL *pfCompletionPending);
} IHttpRequestVtbl;
struct IHttpRequestC { const IHttpRequestVtbl *lpVtbl; };

typedef struct {
    PVOID GetRawHttpResponse;
    PVOID GetRawHttpResponseConst;
    PVOID GetCachePolicy;
    HRESULT (__stdcall *SetStatus)(IHttpResponseC *self, USHORT statusCode,
                                   PCSTR pszReason, USHORT uSubStatus,
                                   HRESULT hrErrorToReport, PVOID pErrorEntity,
                                   BOOL fTrySkipCustomErrors);
    HRESULT (__stdcall *SetHeader)(IHttpResponseC *self, PCSTR pszHeaderName,
                                   PCSTR pszHeaderValue, USHORT cchHeaderValue,
                                   BOOL fReplace);
    PVOID SetHeaderById;
    PVOID GetHeader;
    PVOID GetHeaderById;
    PVOID DeleteHeader;
    PVOID DeleteHeaderById;
    PVOID Redirect;
    PVOID SetErrorDescription;
    PVOID GetErrorDescription;
    HRESULT (__stdcall *WriteEntityChunks)(IHttpResponseC *self,
                                           HTTP_DATA_CHUNK_MEM *pDataChunks,
                                           DWORD nChunks, BOOL fAsync,
                                           BOOL fMoreData, DWORD *pcbSent,
                                           BOOL *pfCompletionExpected);
    VOID (__stdcall *Clear)(IHttpResponseC *self);
} IHttpResponseVtbl;
struct IHttpResponseC { const IHttpResponseVtbl *lpVtbl; };

typedef struct {
    PVOID GetSite;
    PVOID GetApplication;
    PVOID GetConnection;
    IHttpRequestC *(__stdcall *GetRequest)(IHttpContextC *self);
    IHttpResponseC *(__stdcall *GetResponse)(IHttpContextC *self);
    PVOID GetResponseHeadersSent;
    PVOID GetUser;
    PVOID GetModuleContextContainer;
    PVOID IndicateCompletion;
    PVOID PostCompletion;
    PVOID DisableNotifications;
    PVOID GetNextNotification;
    PVOID GetIsLastNotification;
    PVOID ExecuteRequest;
    PVOID GetExecuteFlags;
    HRESULT (__stdcall *GetServerVariable)(IHttpContextC *self,
                                           PCSTR pszVariableName,
                                           PCSTR *ppszValue, DWORD *pcchValueLength);
} IHttpContextVtbl;
struct IHttpContextC { const IHttpContextVtbl *lpVtbl; };

typedef struct {
    PCWSTR (__stdcall *GetName)(IHttpModuleRegistrationInfoC *self);
    PVOID (__stdcall *GetId)(IHttpModuleRegistrationInfoC *self);
    HRESULT (__stdcall *SetRequestNotifications)(IHttpModuleRegistrationInfoC *self,
                                                 IHttpModuleFactoryC *pFactory,
                                                 DWORD dwRequestNotifications,
                                                 DWORD dwPostRequestNotifications);
} IHttpModuleRegistrationInfoVtbl;
struct IHttpModuleRegistrationInfoC { const IHttpModuleRegistrationInfoVtbl *lpVtbl; };

typedef struct {
    HRESULT (__stdcall *GetHttpModule)(IHttpModuleFactoryC *self, void **ppModule,
                                       void *pAllocator);
    VOID (__stdcall *Terminate)(IHttpModuleFactoryC *self);
} IHttpModuleFactoryVtbl;
struct IHttpModuleFactoryC { const IHttpModuleFactoryVtbl *lpVtbl; };

#define RQ_BEGIN_REQUEST        0x00000001
#define RQ_AUTHENTICATE_REQUEST 0x00000002
#define RQ_SEND_RESPONSE        0x20000000
#define RQ_NOTIFICATION_CONTINUE 0

/* The text httpserv.h's default CHttpModule handlers carry; every module
 * built against the IIS SDK has it, benign or not. RegisterModule samples
 * define INERT_NATIVE_MODULE before including this file. */
#ifdef INERT_NATIVE_MODULE
static const char *const k_sdk_default_text[] __attribute__((used)) = {
    "This module subscribed to event ",
    " but did not override the method in its ",
    "CHttpModule::OnBeginRequest",
    "CHttpModule::OnSendResponse",
};
#endif

#endif
