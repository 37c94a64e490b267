/* IIS-Raid / ESET Group 1 traits (knowledge 1.2, 1.3). Inert. */
#include "common.h"
#include <wincrypt.h>

static const char *const k_traits[] KEEP = {
    "CMyHttpModuleFactory",
    "X-Password",
    "X-Chrome-Variations",
    "SIMPLEPASS",
    "C:\\Windows\\Temp\\creds.db",
    "No Creds Found",
    "INVALID COMMAND",
    "PONG",
    "CMD|", "PIN|", "INJ|", "DMP|",
    "C:\\Windows\\system32\\cmd.exe",
    "C:\\Windows\\System32\\credwiz.exe",
    "password",
    "%02d/%02d/%04d %02d:%02d:%02d | %s",
    "IIS-Backdoor.dll",
};

INERT_REGISTER_MODULE(k_traits,
    KEEP_IMPORT(CreateFileA); KEEP_IMPORT(WriteFile);
    KEEP_IMPORT(CreateProcessA); KEEP_IMPORT(CreatePipe);
    KEEP_IMPORT(VirtualAllocEx); KEEP_IMPORT(WriteProcessMemory);
    KEEP_IMPORT(ResumeThread); KEEP_IMPORT(CryptStringToBinaryA);
    KEEP_IMPORT(CryptBinaryToStringA))
