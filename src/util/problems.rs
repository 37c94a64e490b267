//! The one collector of per-file structural problems.
//!
//! Every parser (PE, .NET, Authenticode) reports what it could not read as
//! a message naming the structure and its file offset ("export directory at
//! 0x1f400: name table past end of file"). A hostile file can make the same
//! problem repeat many times, so the collector keeps each distinct message
//! once and at most [`MAX_PROBLEMS`] of them; the rest are counted in one
//! final message.

/// Messages kept per collector; further distinct ones are only counted.
pub const MAX_PROBLEMS: usize = 200;

/// Bounded, deduplicating list of problem messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    list: Vec<String>,
    dropped: usize,
}

impl Problems {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one problem: kept if new and while under [`MAX_PROBLEMS`].
    pub fn push(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        if self.list.contains(&msg) {
            return;
        }
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(msg);
        } else {
            self.dropped += 1;
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.dropped == 0
    }

    /// The messages, with a final count of those not kept.
    pub fn finish(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.list.push(format!(
                "{} further problems not shown (MAX_PROBLEMS)",
                self.dropped
            ));
        }
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_deduplicated() {
        let mut p = Problems::new();
        assert!(p.is_empty());
        p.push("a");
        p.push("a".to_string());
        for i in 0..MAX_PROBLEMS + 5 {
            p.push(format!("m{i}"));
        }
        let v = p.finish();
        assert_eq!(v[0], "a");
        assert_eq!(v.len(), MAX_PROBLEMS + 1);
        assert!(v.last().unwrap().starts_with("6 further problems"));
    }
}
