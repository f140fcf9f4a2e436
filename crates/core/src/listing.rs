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
}
