//! Caps on everything a hostile assembly could make the reader walk,
//! allocate or render. Each is named in the messages it causes.

/// Rows above this count make a table unreadable (its layout is still honoured).
pub const MAX_ROWS_PER_TABLE: u32 = 1 << 20;
/// Stream headers read from the metadata root; further ones are ignored.
/// The runtime reads every header `Streams` declares (a `u16`), so does
/// iisweep: each header is at least 12 bytes of the metadata, which bounds
/// the walk anyway.
pub const MAX_STREAMS: usize = u16::MAX as usize;
/// Longest `#Strings` entry (bytes) and rendered type name accepted.
pub const MAX_STRING_LEN: usize = 1024;
/// Deepest `NestedClass` (and nested `TypeRef`) chain followed.
pub const MAX_NESTING: usize = 64;
/// Longest `extends` chain (and interface inheritance depth) walked for components.
pub const MAX_BASE_CHAIN: usize = 64;
/// Interfaces visited per type when following interface inheritance.
pub const MAX_INTERFACE_CLOSURE: usize = 256;
/// User strings walked in the `#US` heap.
pub const MAX_USER_STRINGS: usize = 1 << 20;
/// Interesting user strings reported.
pub const MAX_INTERESTING_STRINGS: usize = 64;
/// Characters kept of each reported interesting string.
pub const MAX_INTERESTING_STRING_CHARS: usize = 200;
/// Evidence entries kept per capability.
pub const MAX_EVIDENCE_PER_CAPABILITY: usize = 64;
/// Public keys longer than this are not hashed into a token.
pub const MAX_PUBLIC_KEY_LEN: usize = 16 * 1024;
