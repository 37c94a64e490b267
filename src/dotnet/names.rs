//! Type names: the simple (namespace, name) pairs of the TypeDef and
//! TypeRef tables, the nesting links that make full names (`Ns.Outer+Inner`,
//! as web.config writes them), built cycle-safe in linear time.

use std::borrow::Cow;

use super::limits::{MAX_NESTING, MAX_STRING_LEN};
use crate::util::{truncate_utf8, Problems};

/// Simple names of one table's types and the links that build their full
/// names. Names borrow the `#Strings` heap when it holds valid UTF-8, so
/// reading a table allocates one vector, not one string per row.
#[derive(Default)]
pub(crate) struct Names<'a> {
    /// (namespace, name) per row.
    pub(crate) simple: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Enclosing row (0-based) used when rendering: acyclic by construction.
    pub(crate) parent: Vec<Option<usize>>,
    /// Outermost row reached from each row.
    pub(crate) root: Vec<usize>,
}

impl Names<'_> {
    /// Writes the full name of 0-based row `i` (`Ns.Outer+Inner`), capped at
    /// [`MAX_STRING_LEN`] bytes, into `buf` (cleared first).
    pub(crate) fn full_into(&self, i: usize, buf: &mut String) {
        buf.clear();
        if i < self.simple.len() {
            self.push_name(i, buf, 0);
        }
        truncate_utf8(buf, MAX_STRING_LEN);
    }

    fn push_name(&self, i: usize, buf: &mut String, depth: usize) {
        let (ns, name) = &self.simple[i];
        // `parent` is acyclic and at most about 2 * MAX_NESTING deep; the depth
        // check is a second guard, and the length check stops early.
        match self.parent[i].filter(|_| depth <= 4 * MAX_NESTING) {
            Some(p) => {
                self.push_name(p, buf, depth + 1);
                if buf.len() <= MAX_STRING_LEN {
                    buf.push('+');
                    buf.push_str(name);
                }
            }
            None if ns.is_empty() => buf.push_str(name),
            None => {
                buf.push_str(ns);
                buf.push('.');
                buf.push_str(name);
            }
        }
    }

    /// Full name of 0-based row `i` as a new string.
    pub(crate) fn full(&self, i: usize) -> String {
        let mut s = String::new();
        self.full_into(i, &mut s);
        s
    }
}

/// Nesting links for `n` rows, where `parent(i)` gives the 0-based enclosing
/// row as the file claims it. Returns the links used to render full names
/// (`Ns.Outer+Inner`) and, per row, the outermost row reached. Linear work,
/// cycle-safe, and chains are cut at [`MAX_NESTING`] with an error naming
/// the row.
pub(crate) fn nest_links(
    n: usize,
    parent: impl Fn(usize) -> Option<usize>,
    errs: &mut Problems,
    what: &str,
) -> (Vec<Option<usize>>, Vec<usize>) {
    let mut link: Vec<Option<usize>> = vec![None; n];
    let mut root: Vec<usize> = (0..n).collect();
    let mut done = vec![false; n];
    let mut on_chain = vec![false; n];
    let mut depth = vec![0usize; n];
    let mut chain = Vec::new();
    for i in 0..n {
        if done[i] {
            continue;
        }
        chain.clear();
        chain.push(i);
        on_chain[i] = true;
        let mut cur = i;
        while let Some(p) = parent(cur).filter(|&p| p < n) {
            if done[p] {
                break;
            }
            if on_chain[p] || chain.len() > MAX_NESTING {
                errs.push(format!(
                    "{what} {}: enclosing chain is cyclic or deeper than MAX_NESTING",
                    cur + 1
                ));
                break;
            }
            on_chain[p] = true;
            chain.push(p);
            cur = p;
        }
        // Link from the outermost element of the walked chain down to `i`;
        // every row links to one finalized before it, so links never cycle.
        let top = *chain.last().unwrap_or(&i);
        let (mut up, top_root, mut d) = match parent(top).filter(|&p| p < n) {
            Some(p) if done[p] => {
                if depth[p] >= MAX_NESTING {
                    errs.push(format!(
                        "{what} {}: enclosing chain is deeper than MAX_NESTING",
                        top + 1
                    ));
                    (None, top, 0)
                } else {
                    (Some(p), root[p], depth[p] + 1)
                }
            }
            _ => (None, top, 0),
        };
        for &c in chain.iter().rev() {
            depth[c] = d;
            d += 1;
            link[c] = up;
            root[c] = top_root;
            on_chain[c] = false;
            done[c] = true;
            up = Some(c);
        }
    }
    (link, root)
}
