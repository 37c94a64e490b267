//! The Authenticode reader alone (`iisweep::authenticode::check_table`): the
//! whole input is the certificate table (WIN_CERTIFICATE entries holding
//! PKCS #7 SignedData), so every mutation reaches the table walker, the
//! `cms` / `x509-cert` decoders, the hand-written DER walks
//! (SpcIndirectDataContent, RFC 3161 tokens), RSA verification and chain
//! building. The image digest sees no PE headers and must fail cleanly.
//! `seed.sh` extracts the seeds from the signed samples.
#![no_main]

use iisweep::authenticode::check_table;
use iisweep::pe::Layout;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = check_table(data, &Layout::default(), 0..data.len(), &[]);
});
