//! Strong-name public key token (ECMA-335 II.6.3): the low 8 bytes of the
//! SHA-1 of the public key, in reverse order. SHA-1 comes from the `sha1`
//! crate, which yara-x's `pe` module already builds.
//!
//! Error policy: infallible; callers cap the key length.

use sha1::{Digest, Sha1};

/// Public key token of `key`, lowercase hex.
pub(crate) fn public_key_token(key: &[u8]) -> String {
    let d = Sha1::digest(key);
    let t: Vec<u8> = d.iter().rev().take(8).copied().collect();
    crate::util::hex(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecma_key_token() {
        // The ECMA standard key maps to the well-known b77a5c561934e089 token.
        let ecma = [0u8, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(public_key_token(&ecma), "b77a5c561934e089");
    }
}
