/* Test-only helper for tests/windows/check.py: holds a file open the way
 * another process on a server would, until killed or SECONDS pass.
 *
 *   holdopen.exe none  PATH SECONDS   CreateFile with no sharing at all
 *   holdopen.exe read  PATH SECONDS   read access, sharing read only
 *   holdopen.exe load  PATH SECONDS   LoadLibraryEx, as w3wp.exe loads a module
 *
 * Prints "held" once the file is open. Built by .ci/windows.sh into /tmp. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: holdopen none|read|load PATH SECONDS\n");
        return 2;
    }
    DWORD secs = (DWORD)atoi(argv[3]);
    if (strcmp(argv[1], "load") == 0) {
        HMODULE m = LoadLibraryExA(argv[2], NULL, DONT_RESOLVE_DLL_REFERENCES);
        if (!m) {
            fprintf(stderr, "LoadLibraryEx failed: %lu\n", GetLastError());
            return 1;
        }
    } else {
        DWORD share = strcmp(argv[1], "read") == 0 ? FILE_SHARE_READ : 0;
        DWORD access = strcmp(argv[1], "read") == 0 ? GENERIC_READ : GENERIC_READ | GENERIC_WRITE;
        HANDLE h = CreateFileA(argv[2], access, share, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE) {
            fprintf(stderr, "CreateFile failed: %lu\n", GetLastError());
            return 1;
        }
    }
    printf("held\n");
    fflush(stdout);
    Sleep(secs * 1000);
    return 0;
}
