/* ESET Group 2 / PwC TripleRIIS traits. The "key" is a truncated base64
 * prefix only, not a usable key. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    ".?AVmyModuleFactory@@",
    ".?AVRSAFunction@@",
    "294A1FC8FA5255E704F3A53F04056C91",
    "([\\w+%]+)=([^&]*)",
    "([\\w+%]+)=([^!]*)",
    "-----BEGIN PRIVATE KEY-----\nMIICdgIBADANBgkqhkiG9w0BAQEFAASC.truncated.",
    "popen() failed!",
    "C:\\Users\\Iso\\Documents\\Visual Studio 2013\\Projects\\IIS 5\\x64\\Release\\Vi.pdb",
};

INERT_REGISTER_MODULE(k_traits)
