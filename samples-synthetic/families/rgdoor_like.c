/* RGDoor (ESET Group 4, Unit 42, signature-base, PwC) traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    ".?AVCHelloWorld@@",
    "CHelloWorldFactory",
    "Cookie",
    "RGSESSIONID=",
    "cmd$",
    "upload$",
    "download$",
    "can't open file: ",
    "failed\r\n",
    "write done \r\n",
    "cmd.exe",
};

INERT_REGISTER_MODULE(k_traits, KEEP_IMPORT(CreateProcessA))
