/* DragonRank / BadIIS (Cisco Talos 2024, Elastic Windows_Trojan_BadIIS)
 * traits. Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "bing|google|naver",
    "bingbot|Googlebot|coccocbot",
    "iPhone|iPad|iPod|iOS|Android|uc|BlackBerry|HUAWEI",
    ".js|.css|.jpg|.png|.gif|.ico",
    "tee|pat|and|app|poker|gam",
    "hm.baidu.com/hm.js",
    "googletagmanager.com/gtag/js?id",
    "index.php?domain=",
    "<div class=\"js-alert-btn\">",
    "<!DOCTYPE html><html><body><script src=\"",
    "http://c2.invalid/zz1.php",
};

INERT_REGISTER_MODULE(k_traits)
