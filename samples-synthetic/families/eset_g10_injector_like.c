/* ESET Group 10 SEO injector traits (x86). Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "IIS7.dll",
    "js.breakavs.co",
    "<title>(.*?)</title>",
    "<meta name=\"keywords\" content=\"(.*?)\"",
    "Baiduspider",
    "Sosospider",
    "Sogou web spider",
    "360Spider",
    "YisouSpider",
};

INERT_REGISTER_MODULE(k_traits)
