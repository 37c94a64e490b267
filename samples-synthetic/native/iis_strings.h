/* Default-handler strings that the CHttpModule / CGlobalModule base classes
 * in httpserv.h compile into every native IIS module (benign or not).
 * Detection rules (ESET IIS_Native_Module, PwC Native_IIS_Module) key on them.
 * They are kept as static data marked `used` so the linker keeps them. */
#ifndef IIS_STRINGS_H
#define IIS_STRINGS_H

#define IIS_DEFAULT_MSG(cls, ev) \
    "This module subscribed to event " cls "::" ev \
    " but did not override the method in its " cls \
    " implementation.  Please check the method signature to make sure" \
    " it matches the corresponding method.\r\n"

__attribute__((used)) static const char *const g_iis_default_handler_strings[] = {
    IIS_DEFAULT_MSG("CHttpModule", "OnBeginRequest"),
    IIS_DEFAULT_MSG("CHttpModule", "OnPostBeginRequest"),
    IIS_DEFAULT_MSG("CHttpModule", "OnAuthenticateRequest"),
    IIS_DEFAULT_MSG("CHttpModule", "OnSendResponse"),
    IIS_DEFAULT_MSG("CHttpModule", "OnEndRequest"),
    IIS_DEFAULT_MSG("CGlobalModule", "OnGlobalStopListening"),
    IIS_DEFAULT_MSG("CGlobalModule", "OnGlobalApplicationStart"),
};

#endif
