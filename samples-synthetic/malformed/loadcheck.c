/* loadcheck: ask a Windows loader (Wine here) what it makes of one DLL.
 *
 *   loadcheck.exe [-r] [-v] FILE.dll
 *
 * Default: LoadLibraryExA(FILE, NULL, DONT_RESOLVE_DLL_REFERENCES) - the
 * image is mapped, DllMain is NOT called and imports are NOT resolved.
 * -r: plain LoadLibraryA - imports are resolved and DllMain runs (only use it
 *     on fixtures derived from the inert samples, whose DllMain returns TRUE
 *     and does nothing else).
 * -v: also read the version resource (GetFileVersionInfoA / VerQueryValueA,
 *     which map the file as data).
 *
 * Then GetProcAddress for every IIS role export name; prints which resolve.
 * With -r it also walks the in-memory import descriptors (until an all-zero
 * one, like a naive reader) and prints, per descriptor, whether the loader
 * filled its IAT (first slot points into a loaded module) - which shows which
 * descriptors the loader actually processed.
 *
 * Inert: never calls any export, never writes files, no network, no
 * processes. Output is one JSON object on stdout.
 * Build: x86_64-w64-mingw32-gcc -O1 -s -Wl,--no-insert-timestamp -o loadcheck.exe loadcheck.c -lversion
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

static const char *ROLE_NAMES[] = {
    "RegisterModule", "GetExtensionVersion", "HttpExtensionProc", "TerminateExtension",
    "GetFilterVersion", "HttpFilterProc", "TerminateFilter",
};

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void imports(HMODULE h)
{
    BYTE *base = (BYTE *)h;
    IMAGE_DOS_HEADER *dos = (IMAGE_DOS_HEADER *)base;
    IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(base + dos->e_lfanew);
    IMAGE_DATA_DIRECTORY *dd = &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];
    DWORD size = nt->OptionalHeader.SizeOfImage;
    printf(", \"import_descriptors\": [");
    if (nt->OptionalHeader.NumberOfRvaAndSizes > 1 && dd->VirtualAddress && dd->VirtualAddress < size) {
        IMAGE_IMPORT_DESCRIPTOR *d = (IMAGE_IMPORT_DESCRIPTOR *)(base + dd->VirtualAddress);
        int i;
        for (i = 0; i < 16 && (BYTE *)(d + 1) <= base + size; i++, d++) {
            if (!d->OriginalFirstThunk && !d->Name && !d->FirstThunk && !d->TimeDateStamp && !d->ForwarderChain)
                break;
            printf("%s{\"name\": ", i ? ", " : "");
            if (d->Name && d->Name < size) json_str((const char *)(base + d->Name));
            else printf("null");
            printf(", \"first_thunk\": %lu, \"iat_resolved\": ", (unsigned long)d->FirstThunk);
            if (d->FirstThunk && d->FirstThunk + sizeof(ULONG_PTR) <= size) {
                ULONG_PTR v = *(ULONG_PTR *)(base + d->FirstThunk);
                HMODULE owner = NULL;
                char path[MAX_PATH] = "";
                if (v && GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                                            GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                                            (LPCSTR)v, &owner) && owner != h) {
                    const char *slash;
                    GetModuleFileNameA(owner, path, sizeof path);
                    slash = strrchr(path, '\\');
                    printf("true, \"resolved_into\": ");
                    json_str(slash ? slash + 1 : path);
                } else {
                    printf("false");
                }
            } else {
                printf("false");
            }
            printf("}");
        }
    }
    printf("]");
}

static void version(const char *path)
{
    DWORD dummy = 0, n = GetFileVersionInfoSizeA(path, &dummy);
    static const char *keys[] = {"OriginalFilename", "InternalName", "CompanyName", "FileDescription",
                                 "FileVersion", "ProductName", "ProductVersion"};
    printf(", \"version_info\": ");
    if (!n) { printf("null, \"version_error\": %lu", (unsigned long)GetLastError()); return; }
    {
        static BYTE buf[65536];
        struct { WORD lang, cp; } *tr;
        UINT len = 0;
        unsigned k;
        char q[128];
        if (n > sizeof buf || !GetFileVersionInfoA(path, 0, n, buf)) { printf("null"); return; }
        if (!VerQueryValueA(buf, "\\VarFileInfo\\Translation", (LPVOID *)&tr, &len) || len < 4) {
            printf("{\"translation\": null}");
            return;
        }
        printf("{\"translation\": \"%04x%04x\"", tr->lang, tr->cp);
        for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            char *val = NULL;
            snprintf(q, sizeof q, "\\StringFileInfo\\%04x%04x\\%s", tr->lang, tr->cp, keys[k]);
            if (VerQueryValueA(buf, q, (LPVOID *)&val, &len) && val && len) {
                printf(", \"%s\": ", keys[k]);
                json_str(val);
            }
        }
        printf("}");
    }
}

int main(int argc, char **argv)
{
    int resolve = 0, ver = 0, a = 1;
    unsigned i;
    HMODULE h;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (!strcmp(argv[a], "-r")) resolve = 1;
        else if (!strcmp(argv[a], "-v")) ver = 1;
    }
    if (a >= argc) {
        fprintf(stderr, "usage: loadcheck [-r] [-v] FILE.dll\n");
        return 2;
    }
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOOPENFILEERRORBOX);
    h = resolve ? LoadLibraryA(argv[a]) : LoadLibraryExA(argv[a], NULL, DONT_RESOLVE_DLL_REFERENCES);
    printf("{\"file\": ");
    json_str(argv[a]);
    printf(", \"mode\": \"%s\"", resolve ? "LoadLibraryA" : "DONT_RESOLVE_DLL_REFERENCES");
    if (!h) {
        printf(", \"loaded\": false, \"error\": %lu", (unsigned long)GetLastError());
    } else {
        int first = 1;
        printf(", \"loaded\": true, \"resolves\": [");
        for (i = 0; i < sizeof ROLE_NAMES / sizeof ROLE_NAMES[0]; i++) {
            if (GetProcAddress(h, ROLE_NAMES[i])) {
                printf("%s", first ? "" : ", ");
                json_str(ROLE_NAMES[i]);
                first = 0;
            }
        }
        printf("]");
        if (resolve) imports(h);
    }
    if (ver) version(argv[a]);
    printf("}\n");
    if (h) FreeLibrary(h);
    return h ? 0 : 1;
}
