/* PwC DoorMe (ChamelGang) traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    ".?AVDoorme@@",
    "IISBeacon.dll",
};
static const wchar_t *const k_wtraits[] KEEP = { L"BCcD;= " };

INERT_REGISTER_MODULE(k_traits, TOUCH(k_wtraits, dwServerVersion))
