/* Heuristic-only sample: a native module that imports
 * mscoree!CLRCreateInstance (hosts .NET code), as Detele, IISInjectorPlus
 * and Frebniis do. The import is referenced, never called. Inert. */
#include "common.h"

HRESULT WINAPI CLRCreateInstance(REFCLSID clsid, REFIID riid, LPVOID *ppInterface);

static const char *const k_traits[] KEEP = { "v4.0.30319" };

INERT_REGISTER_MODULE(k_traits, KEEP_IMPORT(CLRCreateInstance))
