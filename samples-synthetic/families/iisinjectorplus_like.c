/* PwC IISInjectorPlus traits; hosts the CLR (mscoree!CLRCreateInstance is
 * imported, never called). Inert. */
#include "common.h"

HRESULT WINAPI CLRCreateInstance(REFCLSID clsid, REFIID riid, LPVOID *ppInterface);

static const char *const k_traits[] KEEP = {
    "IISBackDoorPlus",
    "c21Ffc565eb86fec",
    "MyHttpModuleRegistrationInfo",
    "MyWpfSettings",
};

INERT_REGISTER_MODULE(k_traits, KEEP_IMPORT(CLRCreateInstance))
