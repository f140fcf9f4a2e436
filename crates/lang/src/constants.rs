//! A program's top-level constants (`THREADS = 5`, `ACCOUNTS = [100, 100]`): the knobs a
//! lesson's parameters turn.
//!
//! A lesson's parameter is a constant the program itself declares, so the program stays the
//! one definition: its default is the value written in the file, and setting it rewrites that
//! literal in the text, leaving every other character (comments, layout) as it was. The
//! program a learner downloads with `threads = 3` is the lesson's file with `THREADS = 3`.
//!
//! A constant is a module-level statement `NAME = literal` whose literal is a whole number
//! (`2_000`, `-5`) or a list of whole numbers. The first such assignment of a name counts.

use crate::ast::{ExprKind, Span, StmtKind, TargetKind, UnaryOp};
use crate::error::CompileError;
use crate::parser::parse;

/// The value of a constant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// A whole number.
    Int(i64),
    /// A list of whole numbers.
    IntList(Vec<i64>),
}

impl Literal {
    /// The literal as Python source, as it is written into the program.
    pub fn to_python(&self) -> String {
        match self {
            Literal::Int(n) => n.to_string(),
            Literal::IntList(items) => {
                let items: Vec<String> = items.iter().map(i64::to_string).collect();
                format!("[{}]", items.join(", "))
            }
        }
    }
}

/// One top-level constant and where its value is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constant {
    /// Its name (`THREADS`).
    pub name: String,
    /// Its value as written.
    pub value: Literal,
    /// Where the literal is (the value only, not the name).
    pub span: Span,
}

/// The program's constants, in the order they are written.
pub fn constants(source: &str) -> Result<Vec<Constant>, CompileError> {
    let module = parse(source)?;
    let mut found: Vec<Constant> = Vec::new();
    for stmt in &module.body {
        let StmtKind::Assign { targets, value } = &stmt.kind else {
            continue;
        };
        let [target] = targets.as_slice() else {
            continue;
        };
        let TargetKind::Name(name) = &target.kind else {
            continue;
        };
        let Some(literal) = literal(&value.kind) else {
            continue;
        };
        if found.iter().all(|c| &c.name != name) {
            found.push(Constant {
                name: name.clone(),
                value: literal,
                span: value.span,
            });
        }
    }
    Ok(found)
}

fn int(kind: &ExprKind) -> Option<i64> {
    match kind {
        ExprKind::Int(n) => Some(*n),
        ExprKind::UnaryOp {
            op: UnaryOp::Neg,
            operand,
        } => match operand.kind {
            ExprKind::Int(n) => Some(-n),
            _ => None,
        },
        _ => None,
    }
}

fn literal(kind: &ExprKind) -> Option<Literal> {
    match kind {
        ExprKind::List(items) => items
            .iter()
            .map(|e| int(&e.kind))
            .collect::<Option<Vec<_>>>()
            .map(Literal::IntList),
        other => int(other).map(Literal::Int),
    }
}

/// The program with each named constant's literal replaced by the given value. A name the
/// program does not declare as a constant is an error naming it (a parameter with nowhere to
/// go would be silently ignored otherwise).
pub fn with_constants(source: &str, values: &[(&str, Literal)]) -> Result<String, String> {
    let declared = constants(source).map_err(|e| e.message.clone())?;
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for (name, value) in values {
        let Some(c) = declared.iter().find(|c| c.name == *name) else {
            return Err(format!(
                "the program declares no constant {name} (a top-level `{name} = ...` with a \
                 whole number or a list of them)"
            ));
        };
        let (start, end) = byte_range(source, c.span)
            .ok_or_else(|| format!("the constant {name} is not where the parser saw it"))?;
        edits.push((start, end, value.to_python()));
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = source.to_string();
    for (start, end, text) in edits {
        out.replace_range(start..end, &text);
    }
    Ok(out)
}

/// Byte offsets of a span's start and end in `source` (spans count lines from 1 and
/// characters, not bytes, from column 1).
fn byte_range(source: &str, span: Span) -> Option<(usize, usize)> {
    let offset = |line: u32, column: u32| -> Option<usize> {
        let mut at = 0;
        for (i, text) in source.split_inclusive('\n').enumerate() {
            if i + 1 == line as usize {
                let skip = column.checked_sub(1)? as usize;
                return text
                    .char_indices()
                    .map(|(b, _)| b)
                    .chain(std::iter::once(text.len()))
                    .nth(skip)
                    .map(|b| at + b);
            }
            at += text.len();
        }
        None
    };
    let start = offset(span.line, span.column)?;
    let end = offset(span.end_line, span.end_column)?;
    (start <= end).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "\
# the bank
import threading

ACCOUNTS = [5000, 10_000]  # starting balances
THREADS = 5
DELAY = -2
NAME = \"x\"
THREADS = 7
total = sum(ACCOUNTS)
";

    #[test]
    fn finds_whole_numbers_and_lists_first_assignment_first() {
        let found = constants(SRC).unwrap();
        let names: Vec<_> = found.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["ACCOUNTS", "THREADS", "DELAY"]);
        assert_eq!(found[0].value, Literal::IntList(vec![5000, 10_000]));
        assert_eq!(found[1].value, Literal::Int(5));
        assert_eq!(found[2].value, Literal::Int(-2));
    }

    #[test]
    fn setting_rewrites_only_the_literals() {
        let out = with_constants(
            SRC,
            &[
                ("THREADS", Literal::Int(3)),
                ("ACCOUNTS", Literal::IntList(vec![1, 2, 3])),
                ("DELAY", Literal::Int(0)),
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            SRC.replace("[5000, 10_000]", "[1, 2, 3]")
                .replace("THREADS = 5", "THREADS = 3")
                .replace("-2", "0")
        );
    }

    #[test]
    fn multi_line_literals_and_wide_characters_keep_their_place() {
        let src = "S = 'é→'; N = [\n    1,\n    2,\n]  # µs\nprint(N)\n";
        let src = src.replace("; ", "\n");
        let out = with_constants(&src, &[("N", Literal::IntList(vec![9]))]).unwrap();
        assert_eq!(out, "S = 'é→'\nN = [9]  # µs\nprint(N)\n");
    }

    #[test]
    fn an_undeclared_constant_is_named() {
        let e = with_constants(SRC, &[("NAME", Literal::Int(1))]).unwrap_err();
        assert!(e.contains("declares no constant NAME"), "{e}");
    }
}
