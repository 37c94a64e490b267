//! Reading one configuration file safely: a regular file only (a FIFO or
//! device planted under a site never blocks the sweep), under a size cap,
//! decoded from UTF-8 or UTF-16 (with or without a byte-order mark), parsed
//! with no DTD (no entity expansion, nothing fetched), under a node cap and
//! a depth cap. Every failure is a [`ConfigError`] naming the line and
//! column where it can.

use std::io::Read;
use std::path::Path;

use crate::platform;

/// Largest configuration file read (bytes); larger ones are refused unread.
pub const MAX_CONFIG_BYTES: u64 = 4 << 20;
/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 256;
/// Most XML nodes parsed from one file.
pub const MAX_NODES: u32 = 1 << 20;

/// What went wrong with a configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// Not well-formed XML.
    XmlSyntax,
    /// A document type declaration (refused: no entities are expanded).
    DtdRefused,
    /// Nested deeper than [`MAX_DEPTH`] or more than [`MAX_NODES`] nodes.
    TooDeep,
    /// Larger than [`MAX_CONFIG_BYTES`].
    TooLarge,
    /// A character XML forbids (control characters, as bytes or references).
    InvalidChar,
    /// Not a regular file (FIFO, device, directory).
    NotRegularFile,
    /// Text that is neither UTF-8 nor UTF-16.
    Encoding,
    /// The file could not be opened or read.
    Io,
    /// `configSource` leads back to a file already being read.
    ConfigSourceLoop,
    /// `configSource` names a parent folder, an absolute path or a missing
    /// file, or the file does not hold the section.
    ConfigSourceInvalid,
    /// The redirection target holds an enabled redirection of its own.
    RedirectionLoop,
    /// A path that leaves the image (`configSource` with `..`).
    OutsideImage,
    /// A section that only `applicationHost.config` may hold.
    SectionNotAllowed,
}

impl ErrorKind {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::XmlSyntax => "xml_syntax",
            ErrorKind::DtdRefused => "dtd_refused",
            ErrorKind::TooDeep => "too_deep",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::InvalidChar => "invalid_char",
            ErrorKind::NotRegularFile => "not_regular_file",
            ErrorKind::Encoding => "encoding",
            ErrorKind::Io => "io",
            ErrorKind::ConfigSourceLoop => "config_source_loop",
            ErrorKind::ConfigSourceInvalid => "config_source_invalid",
            ErrorKind::RedirectionLoop => "redirection_loop",
            ErrorKind::OutsideImage => "outside_image",
            ErrorKind::SectionNotAllowed => "section_not_allowed",
        }
    }
}

/// A problem with one configuration file, at a position when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// What kind of problem.
    pub kind: ErrorKind,
    /// For people.
    pub message: String,
    /// 1-based line (0 when unknown).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
}

impl ConfigError {
    /// An error without a position.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ConfigError {
            kind,
            message: message.into(),
            line: 0,
            column: 0,
        }
    }

    /// An error at `line`, `column`.
    pub fn at(kind: ErrorKind, message: impl Into<String>, line: u32, column: u32) -> Self {
        ConfigError {
            kind,
            message: message.into(),
            line,
            column,
        }
    }
}

/// How the file was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark.
    Utf8Bom,
    /// UTF-16 little-endian (with or without a mark).
    Utf16Le,
    /// UTF-16 big-endian (with or without a mark).
    Utf16Be,
}

impl Encoding {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
        }
    }
}

/// Reads `path` as configuration text: a regular file under the size cap,
/// decoded. Never follows a symlink, never blocks on a FIFO.
pub fn read_text(path: &Path) -> Result<(String, Encoding), ConfigError> {
    let io = |e: std::io::Error| ConfigError::new(ErrorKind::Io, e.to_string());
    let f = platform::open_for_probe(path, false).map_err(io)?;
    let meta = f.metadata().map_err(io)?;
    if !meta.file_type().is_file() {
        let kind = if meta.is_dir() {
            "directory"
        } else {
            platform::special_kind(&meta.file_type())
        };
        return Err(ConfigError::new(
            ErrorKind::NotRegularFile,
            format!("a {kind}, not a regular file; not read"),
        ));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::new(
            ErrorKind::TooLarge,
            format!(
                "{} bytes is over the {MAX_CONFIG_BYTES}-byte limit for configuration files; not read",
                meta.len()
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    f.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ConfigError::new(
            ErrorKind::TooLarge,
            "grew over the size limit while being read; not parsed",
        ));
    }
    decode(&bytes)
}

/// Decodes configuration bytes: a byte-order mark decides; without one,
/// UTF-16 is recognised from `<` and `?` with zero bytes between, and
/// anything else must be UTF-8.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), ConfigError> {
    let utf16 = |body: &[u8], le: bool| -> Result<String, ConfigError> {
        let units = body.chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|e| ConfigError::new(ErrorKind::Encoding, format!("invalid UTF-16: {e}")))
    };
    let (text, enc) = match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => (utf8(rest)?, Encoding::Utf8Bom),
        [0xFF, 0xFE, rest @ ..] => (utf16(rest, true)?, Encoding::Utf16Le),
        [0xFE, 0xFF, rest @ ..] => (utf16(rest, false)?, Encoding::Utf16Be),
        [b'<', 0, b'?', 0, ..] => (utf16(bytes, true)?, Encoding::Utf16Le),
        [0, b'<', 0, b'?', ..] => (utf16(bytes, false)?, Encoding::Utf16Be),
        _ => (utf8(bytes)?, Encoding::Utf8),
    };
    Ok((text, enc))
}

fn utf8(b: &[u8]) -> Result<String, ConfigError> {
    String::from_utf8(b.to_vec()).map_err(|e| {
        ConfigError::new(
            ErrorKind::Encoding,
            format!(
                "not UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The line starts of one text, for many [`position`]s over it (a large
/// `applicationHost.config` holds tens of thousands of elements; each
/// position found by scanning from the start would be quadratic).
pub struct LineIndex {
    ptr: usize,
    len: usize,
    newlines: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        LineIndex {
            ptr: text.as_ptr() as usize,
            len: text.len(),
            newlines: memchr::memchr_iter(b'\n', text.as_bytes()).collect(),
        }
    }

    /// Is this the index of `text` (the same string, not a copy)?
    pub fn of(&self, text: &str) -> bool {
        self.ptr == text.as_ptr() as usize && self.len == text.len()
    }

    /// 1-based (line, column) of byte `offset` of `text`, as [`position`].
    pub fn position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let before = self.newlines.partition_point(|&nl| nl < offset);
        let start = if before == 0 {
            0
        } else {
            self.newlines[before - 1] + 1
        };
        let col = text.get(start..offset).map_or(0, |l| l.chars().count()) + 1;
        (before as u32 + 1, col as u32)
    }
}

/// 1-based (line, column) of byte `offset` of `text`.
pub fn position(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset.min(text.len())];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u32, col as u32)
}

/// Parses configuration text: no DTD, at most [`MAX_NODES`] nodes, nesting
/// at most [`MAX_DEPTH`].
pub fn parse(text: &str) -> Result<roxmltree::Document<'_>, ConfigError> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    let doc =
        roxmltree::Document::parse_with_options(text, opts).map_err(|e| xml_error(text, &e))?;
    // Depth in document order: the stack holds the end offsets of the open
    // elements that contain the current one.
    let mut open: Vec<usize> = Vec::new();
    for n in doc.descendants().filter(|n| n.is_element()) {
        let r = n.range();
        while open.last().is_some_and(|&end| end <= r.start) {
            open.pop();
        }
        open.push(r.end);
        if open.len() > MAX_DEPTH {
            let (line, col) = position(text, r.start);
            return Err(ConfigError::at(
                ErrorKind::TooDeep,
                format!("element nesting deeper than {MAX_DEPTH}"),
                line,
                col,
            ));
        }
    }
    Ok(doc)
}

fn xml_error(text: &str, e: &roxmltree::Error) -> ConfigError {
    use roxmltree::Error as E;
    let kind = match e {
        E::DtdDetected => {
            let at = text.find("<!DOCTYPE").unwrap_or(0);
            let (line, col) = position(text, at);
            return ConfigError::at(
                ErrorKind::DtdRefused,
                "document type declaration refused (no entity is expanded, nothing is fetched)",
                line,
                col,
            );
        }
        E::NodesLimitReached | E::AttributesLimitReached | E::NamespacesLimitReached => {
            ErrorKind::TooDeep
        }
        E::NonXmlChar(..)
        | E::InvalidChar(..)
        | E::InvalidChar2(..)
        | E::MalformedEntityReference(..) => ErrorKind::InvalidChar,
        _ => ErrorKind::XmlSyntax,
    };
    let p = e.pos();
    ConfigError::at(kind, e.to_string(), p.row, p.col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<a/>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(
            decode(&le).unwrap(),
            ("<a/>".to_string(), Encoding::Utf16Le)
        );
        let be: Vec<u8> = "<?xml?><a/>"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(decode(&be).unwrap().1, Encoding::Utf16Be);
        assert_eq!(
            decode(b"\xEF\xBB\xBF<a/>").unwrap(),
            ("<a/>".into(), Encoding::Utf8Bom)
        );
        assert_eq!(
            decode(b"<a>\xff</a>").unwrap_err().kind,
            ErrorKind::Encoding
        );
    }

    #[test]
    fn hostile_documents_are_refused_with_positions() {
        let bomb =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">]>\n<lolz>&lol;</lolz>";
        let e = parse(bomb).unwrap_err();
        assert_eq!((e.kind, e.line, e.column), (ErrorKind::DtdRefused, 2, 1));
        let e = parse("<a>\n  <b>\n</a>").unwrap_err();
        assert_eq!((e.kind, e.line), (ErrorKind::XmlSyntax, 3));
        let deep = "<d>".repeat(MAX_DEPTH + 1) + &"</d>".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&deep).unwrap_err().kind, ErrorKind::TooDeep);
        assert!(parse(&("<d>".repeat(MAX_DEPTH) + &"</d>".repeat(MAX_DEPTH))).is_ok());
        assert_eq!(
            parse("<a n=\"&#x1b;\"/>").unwrap_err().kind,
            ErrorKind::InvalidChar
        );
        assert_eq!(
            parse("<a n=\"\u{1b}\"/>").unwrap_err().kind,
            ErrorKind::InvalidChar
        );
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let t = "ab\ncdé\nf";
        let ix = LineIndex::new(t);
        for o in 0..=t.len() {
            if t.is_char_boundary(o) {
                assert_eq!(ix.position(t, o), position(t, o), "offset {o}");
            }
        }
        assert_eq!(position("ab\ncdé\nf", 0), (1, 1));
        assert_eq!(position("ab\ncdé\nf", 3), (2, 1));
        assert_eq!(position("ab\ncdé\nf", "ab\ncdé".len()), (2, 4));
    }
}
