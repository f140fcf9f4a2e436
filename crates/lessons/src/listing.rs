//! What a placement's listing highlights, read from its program: the lines it adds to place
//! its locks (against the lesson's first placement, the one without them) and the lines
//! inside `with invalid():`, the stretch where the shared data is briefly wrong.
//!
//! Both are found from the text rather than the syntax tree: a line "added" is one whose
//! code (indentation and trailing comment aside) is not matched in a longest common
//! subsequence with the first placement, so re-indenting a block under `with lock:` adds only
//! the `with` line; an invalid stretch is the indented block under a `with invalid():` line.

/// The lines (from 1) a listing marks.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Marks {
    /// Lines that place a lock: those this placement adds to the lesson's first one.
    pub lock_lines: Vec<u32>,
    /// Lines inside `with invalid():`.
    pub invalid_lines: Vec<u32>,
}

/// The marks of `program`, against `baseline` (the lesson's first placement; the first
/// placement itself has no lock lines).
pub(crate) fn marks(program: &str, baseline: &str) -> Marks {
    let a: Vec<&str> = baseline.lines().map(code).collect();
    let b: Vec<&str> = program.lines().map(code).collect();
    let kept = common(&a, &b);
    let mut out = Marks::default();
    let mut invalid_at: Option<usize> = None;
    for (i, line) in program.lines().enumerate() {
        let n = i as u32 + 1;
        let text = b[i];
        if text.is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if invalid_at.is_some_and(|k| indent <= k) {
            invalid_at = None;
        }
        if invalid_at.is_some() {
            out.invalid_lines.push(n);
        } else if !kept[i] {
            out.lock_lines.push(n);
        }
        if text.starts_with("with invalid()") && text.ends_with(':') {
            invalid_at = Some(indent);
        }
    }
    out
}

/// A line's code: without indentation, trailing comment or surrounding space.
fn code(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '#' => return line[..i].trim(),
            None => {}
        }
    }
    line.trim()
}

/// For each line of `b`, whether it belongs to a longest common subsequence with `a`.
fn common(a: &[&str], b: &[&str]) -> Vec<bool> {
    let (n, m) = (a.len(), b.len());
    // lengths[i][j]: the LCS of a[i..] and b[j..].
    let mut lengths = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lengths[i][j] = if a[i] == b[j] {
                lengths[i + 1][j + 1] + 1
            } else {
                lengths[i + 1][j].max(lengths[i][j + 1])
            };
        }
    }
    let mut kept = vec![false; m];
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            kept[j] = true;
            i += 1;
            j += 1;
        } else if lengths[i + 1][j] >= lengths[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_around_a_block_adds_its_with_line_not_the_block() {
        let none = "x = 0\n\ndef add():\n    global x\n    x += 1  # a read and a write\n";
        let lock =
            "import threading\nx = 0\nlock = threading.Lock()\n\ndef add():\n    global x\n    with lock:\n        x += 1  # one step\n";
        let m = marks(lock, none);
        assert_eq!(m.lock_lines, [1, 3, 7]);
        assert!(m.invalid_lines.is_empty());
        assert_eq!(marks(none, none), Marks::default());
    }

    #[test]
    fn the_block_under_with_invalid_is_the_invalid_stretch() {
        let src = "def move(a, b):\n    with invalid():  # in flight\n        a.n -= 1\n\n        # credit\n        b.n += 1\n    print('done')\n";
        let m = marks(src, src);
        assert_eq!(m.invalid_lines, [3, 6]);
        assert!(m.lock_lines.is_empty());
    }

    #[test]
    fn a_hash_inside_a_string_is_not_a_comment() {
        assert_eq!(code("  s = '#' + \"a#b\"  # note"), "s = '#' + \"a#b\"");
        assert_eq!(code("    # only a comment"), "");
    }
}
