//! Python-style listings of the scenarios, as the lessons show them.
//!
//! Listings are written as text in which each line starts with a two-character marker:
//! `"  "` plain code, `"+ "` a line the strategy adds to place a lock, `"! "` a step inside
//! the temporarily invalid stretch. The page highlights lines by their role.

use serde::Serialize;

/// What a listing line is, for highlighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineRole {
    /// Ordinary code.
    Code,
    /// A line the selected strategy adds to place a lock.
    Lock,
    /// A step while the shared data is temporarily invalid.
    Invalid,
}

/// One line of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListingLine {
    /// The code, without the marker.
    pub text: &'static str,
    /// Its role.
    pub role: LineRole,
}

/// Splits a marked listing into lines.
pub fn parse(marked: &'static str) -> Vec<ListingLine> {
    marked
        .trim_matches('\n')
        .lines()
        .map(|line| {
            let (marker, text) = line.split_at(line.len().min(2));
            let role = match marker {
                "+ " => LineRole::Lock,
                "! " => LineRole::Invalid,
                _ => LineRole::Code,
            };
            ListingLine { text, role }
        })
        .collect()
}

/// The line (from 1) of `listing` that `site` points at. A site is a fragment of the line's
/// text (`"src.balance -= amount"`); `"def audit > with bank_lock:"` means the first line
/// containing `with bank_lock:` at or after the first containing `def audit`, for a fragment
/// that appears more than once. An empty site, or one not found, points nowhere.
pub fn locate(listing: &[ListingLine], site: &str) -> Option<usize> {
    if site.is_empty() {
        return None;
    }
    let mut from = 0;
    let mut parts = site.split(" > ").peekable();
    while let Some(part) = parts.next() {
        let at = from + listing[from..].iter().position(|l| l.text.contains(part))?;
        if parts.peek().is_none() {
            return Some(at + 1);
        }
        from = at;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_set_roles_and_are_removed() {
        let lines = parse("  def f():\n+     with lock:\n!         x -= 1\n");
        let roles: Vec<_> = lines.iter().map(|l| l.role).collect();
        assert_eq!(roles, [LineRole::Code, LineRole::Lock, LineRole::Invalid]);
        assert_eq!(lines[1].text, "    with lock:");
    }

    #[test]
    fn a_site_finds_its_line_and_a_scoped_site_the_one_after_its_scope() {
        let lines = parse("  def f():\n+     with lock:\n  def g():\n+     with lock:\n");
        assert_eq!(locate(&lines, "with lock:"), Some(2));
        assert_eq!(locate(&lines, "def g > with lock:"), Some(4));
        assert_eq!(locate(&lines, "def h > with lock:"), None);
        assert_eq!(locate(&lines, ""), None);
    }
}
