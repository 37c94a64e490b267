//! Paths as iisweep reports them: exact bytes, an escaped form for
//! terminals, the lowercased extension and base name. The exact bytes come
//! from [`crate::platform::path_bytes`].

use std::borrow::Cow;
use std::path::Path;

use crate::platform::path_bytes;

/// A path, escaped for a terminal (invalid UTF-8 as `\xNN`).
pub fn display(p: &Path) -> String {
    super::escape_bytes(&path_bytes(p.as_os_str()))
}

/// The path as UTF-8, invalid sequences replaced by U+FFFD.
pub fn lossy(p: &Path) -> Cow<'_, str> {
    p.to_string_lossy()
}

/// Lowercased extension without the dot.
pub fn extension(p: &Path) -> Option<String> {
    p.extension().map(|e| e.to_string_lossy().to_lowercase())
}

/// Lowercased base name (empty when there is none).
pub fn file_name_lower(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// The exact path bytes in hex, when the path is not valid UTF-8.
pub fn hex_if_not_utf8(p: &Path) -> Option<String> {
    let b = path_bytes(p.as_os_str());
    std::str::from_utf8(&b).is_err().then(|| super::hex(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_extensions() {
        let p = Path::new("/srv/Web/Bin/Module.DLL");
        assert_eq!(extension(p).as_deref(), Some("dll"));
        assert_eq!(file_name_lower(p), "module.dll");
        assert_eq!(extension(Path::new("/x/noext")), None);
        assert_eq!(hex_if_not_utf8(p), None);
        assert_eq!(display(Path::new("a\nb")), "a\\nb");
    }
}
