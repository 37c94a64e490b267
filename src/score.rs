//! Score stage: rule hits and facts -> one score, a level and reasons.
//!
//! The formula (documented in README "Verdicts"): sort the scores of the
//! matching rules in descending order, s0 >= s1 >= ...; then
//!
//! ```text
//! score = 100 * (1 - prod_i (1 - s_i / 100 / 2^i))
//! ```
//!
//! so the strongest hit counts in full, the second at half weight, the third
//! at a quarter, and many weak hits approach but never pass a strong one
//! (diminishing returns). The result is rounded to an integer 0-100.
//! Levels: `alert` >= 80, `warning` >= 60, `notice` >= 40; below that
//! `info` for an IIS component or a file any rule matched, else `none`.

use crate::model::{Level, RuleHit, Verdict};

/// Thresholds of the levels.
pub const ALERT: u8 = 80;
/// See `ALERT`.
pub const WARNING: u8 = 60;
/// See `ALERT`.
pub const NOTICE: u8 = 40;

/// Combine rule scores (any order) into one score.
pub fn combine(scores: impl IntoIterator<Item = u8>) -> u8 {
    let mut s: Vec<u8> = scores.into_iter().filter(|&x| x > 0).collect();
    s.sort_unstable_by(|a, b| b.cmp(a));
    let mut keep = 1.0f64;
    for (i, &x) in s.iter().enumerate().take(32) {
        keep *= 1.0 - (x as f64 / 100.0) / 2f64.powi(i as i32);
    }
    (100.0 * (1.0 - keep)).round().clamp(0.0, 100.0) as u8
}

/// The level of `score` for a file that is (or is not) a component / matched.
pub fn level(score: u8, is_component_or_matched: bool) -> Level {
    match score {
        s if s >= ALERT => Level::Alert,
        s if s >= WARNING => Level::Warning,
        s if s >= NOTICE => Level::Notice,
        _ if is_component_or_matched => Level::Info,
        _ => Level::None,
    }
}

/// Verdict from the hits; `hits` is sorted in place, strongest reason first.
pub fn verdict(is_component: bool, hits: &mut [RuleHit]) -> Verdict {
    hits.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.rule.cmp(&b.rule)));
    let score = combine(hits.iter().map(|h| h.score));
    Verdict {
        level: level(score, is_component || !hits.is_empty()),
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula() {
        assert_eq!(combine([]), 0);
        assert_eq!(combine([80]), 80);
        assert_eq!(combine([10, 60]), 62);
        assert_eq!(combine([40, 10]), 43);
        // Loki-RS's documented example.
        assert_eq!(combine([70, 70, 50, 40, 40]), 84);
        // Many weak hits stay below one strong hit.
        assert!(combine([20; 30]) < 40);
        assert_eq!(combine([100, 100]), 100);
        assert_eq!(combine([0, 0]), 0);
    }

    #[test]
    fn levels() {
        assert_eq!(level(0, false), Level::None);
        assert_eq!(level(0, true), Level::Info);
        assert_eq!(level(39, true), Level::Info);
        assert_eq!(level(40, false), Level::Notice);
        assert_eq!(level(60, true), Level::Warning);
        assert_eq!(level(80, true), Level::Alert);
        assert!(Level::Alert > Level::Warning && Level::Info > Level::None);
    }
}
