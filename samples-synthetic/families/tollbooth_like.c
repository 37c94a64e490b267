/* Elastic TOLLBOOTH traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "sitemapRangeBegin",
    "seoGroupHijackbotUaMatchRules",
    "clean?type=conf",
    "/landpage?seoConfigId=",
    "<!- GP -->",
    "gooqlebot",
    "GetRandomLinesFromMultipleResources",
    "hj-plugin-iis-cpp-v",
    "AffLinkServer",
    "{本地友链}",
};
static const wchar_t *const k_wtraits[] KEEP = { L"hj-iis-cim-v", L"{本地友链}" };

INERT_REGISTER_MODULE(k_traits, TOUCH(k_wtraits, dwServerVersion))
