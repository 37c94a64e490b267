/* Heuristic-only sample (x86 ISAPI filter): a search-crawler user-agent
 * list, as SEO-fraud components carry. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "Baiduspider",
    "Sogou web spider",
    "360Spider",
    "YisouSpider",
    "Googlebot",
    "bingbot",
    "YandexBot",
};

INERT_ISAPI_FILTER(k_traits)
