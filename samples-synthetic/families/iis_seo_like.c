/* PwC IIS_Seo traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    ".?AVCIIS_SeoFactory@@",
    "httpdata.url:%s",
    "httpdata.ua:%s",
};

INERT_REGISTER_MODULE(k_traits)
