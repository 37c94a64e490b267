/* ESET Group 5 IIStealer traits (CreateFileA/WriteFile imported, never
 * called; the keys are the published 16-char
 * constants, nothing is encrypted). Inert. */
#include "common.h"

static const char *const k_traits[] KEEP = {
    "/checkout/checkout.aspx",
    "/checkout/Payment.aspx",
    "/privacy.aspx",
    "X-IIS-Data",
    "tojLrGzFMbcDTKcH",
    "4vUOj3IutgtrpVwh",
    "C:\\Windows\\Temp\\cache.txt",
};

INERT_REGISTER_MODULE(k_traits,
    KEEP_IMPORT(CreateFileA); KEEP_IMPORT(WriteFile))
