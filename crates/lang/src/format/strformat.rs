//! `str.format`: parsing of templates and their rendering, as CPython's `MarkupIterator` /
//! `parse_field` / `field_name_split` / `build_string` (Objects/stringlib/unicode_format.h).
//!
//! The exact path for the VM is [`render_format_string`] with a [`FieldRenderer`]: the VM
//! supplies what needs values (looking up arguments, attributes and items, conversions,
//! `__format__`), this module drives them in CPython's order, so that when a template has
//! several problems the same exception as in CPython is raised: fields are rendered one at
//! a time as the template is parsed, a field's value is looked up and converted before its
//! nested spec (`{:{width}.{prec}f}`) is expanded, nested fields are numbered after the
//! field that holds them, and nesting is limited to one level ("Max string recursion
//! exceeded").
//!
//! [`parse_format_string`] and [`FormatStringParser`] give the parsed structure instead
//! (nested specs parsed eagerly), for tools and tests.

use crate::format::unicode;
use crate::num::PyError;

/// A piece of a parsed `str.format` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatPiece {
    /// Literal text (`{{` and `}}` already unescaped).
    Literal(String),
    /// A replacement field.
    Field(ReplacementField),
}

/// A replacement field `{name!conversion:spec}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplacementField {
    /// What to format.
    pub name: FieldName,
    /// The conversion character after `!`, unchecked (see [`Conversion::from_char`]).
    pub conversion: Option<char>,
    /// The format spec, as pieces: empty for no spec, one literal for a plain spec, or
    /// literals and nested fields for a spec with `{...}` in it.
    pub spec: Vec<FormatPiece>,
}

/// The field name of a replacement field: an argument and a chain of accessors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldName {
    /// The argument: positional (explicit or automatically numbered) or keyword.
    pub key: FieldKey,
    /// `.attr` and `[item]` accessors, in order.
    pub accessors: Vec<Accessor>,
    /// A malformed accessor after the parsed ones: to raise once they are resolved.
    pub accessor_error: Option<PyError>,
}

/// Which argument a replacement field refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKey {
    /// A positional argument (`{0}`, or `{}` numbered automatically).
    Index(usize),
    /// A keyword argument (`{name}`); any name that is not all decimal digits.
    Name(String),
}

/// One accessor of a field name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accessor {
    /// `.name`: attribute access.
    Attr(String),
    /// `[3]`: item access with an int (all decimal digits).
    Index(usize),
    /// `[key]`: item access with a str (anything else, e.g. `[-1]` is the str `'-1'`).
    Key(String),
}

/// A conversion: `!s`, `!r` or `!a`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// `!s`: `str()`.
    Str,
    /// `!r`: `repr()`.
    Repr,
    /// `!a`: `ascii()`.
    Ascii,
}

impl Conversion {
    /// The conversion named by `c`, or CPython's `ValueError` for an unknown one.
    pub fn from_char(c: char) -> Result<Conversion, PyError> {
        match c {
            's' => Ok(Conversion::Str),
            'r' => Ok(Conversion::Repr),
            'a' => Ok(Conversion::Ascii),
            c if (c as u32) > 32 && (c as u32) < 127 => {
                Err(PyError::value(format!("Unknown conversion specifier {c}")))
            }
            c => Err(PyError::value(format!(
                "Unknown conversion specifier \\x{:x}",
                c as u32
            ))),
        }
    }
}

/// What [`render_format_string`] needs from the VM.
pub trait FieldRenderer {
    /// A value being formatted.
    type Value;
    /// Looks up [`FieldName::key`] in the positional or keyword arguments (raising
    /// `IndexError: Replacement index 2 out of range for positional args tuple` or
    /// `KeyError: 'name'`), applies [`FieldName::accessors`] in order, then raises
    /// [`FieldName::accessor_error`] if there is one.
    fn resolve(&mut self, name: &FieldName) -> Result<Self::Value, PyError>;
    /// Applies `!s`, `!r` or `!a` (giving a str value).
    fn convert(
        &mut self,
        value: Self::Value,
        conversion: Conversion,
    ) -> Result<Self::Value, PyError>;
    /// `format(value, spec)`: the value's `__format__` (for the built-in types,
    /// [`crate::format::format_value`]).
    fn format(&mut self, value: Self::Value, spec: &str) -> Result<String, PyError>;
}

/// `template.format(...)`, exactly as CPython 3.11 drives it; the renderer supplies the
/// values (see the module documentation).
pub fn render_format_string<R: FieldRenderer>(
    template: &str,
    renderer: &mut R,
) -> Result<String, PyError> {
    let mut auto = AutoNumber {
        state: AutoState::Init,
        next: 0,
    };
    build_string(template.chars().collect(), renderer, &mut auto, 2)
}

fn build_string<R: FieldRenderer>(
    s: Vec<char>,
    renderer: &mut R,
    auto: &mut AutoNumber,
    depth: u32,
) -> Result<String, PyError> {
    if depth == 0 {
        return Err(PyError::value("Max string recursion exceeded"));
    }
    let mut markup = Markup::new(s);
    let mut out = String::new();
    while let Some((literal, field)) = markup.next()? {
        out.push_str(&literal);
        let Some(raw) = field else { continue };
        let name = field_name(&raw.name, auto)?;
        let mut value = renderer.resolve(&name)?;
        if let Some(c) = raw.conversion {
            value = renderer.convert(value, Conversion::from_char(c)?)?;
        }
        let spec = if raw.needs_expanding {
            build_string(raw.spec, renderer, auto, depth - 1)?
        } else {
            raw.spec.iter().collect()
        };
        out.push_str(&renderer.format(value, &spec)?);
    }
    Ok(out)
}

/// A replacement field as `parse_field` delimits it.
#[derive(Debug, Clone)]
struct RawField {
    name: Vec<char>,
    conversion: Option<char>,
    spec: Vec<char>,
    needs_expanding: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AutoState {
    Init,
    Auto,
    Manual,
}

#[derive(Debug, Clone)]
struct AutoNumber {
    state: AutoState,
    next: usize,
}

/// An iterator over the pieces of a `str.format` template, yielding an error (and then
/// nothing) at the first syntax error, as CPython reports it.
#[derive(Debug, Clone)]
pub struct FormatStringParser {
    inner: Markup,
    auto: AutoNumber,
    pending: Option<FormatPiece>,
    done: bool,
}

impl FormatStringParser {
    /// A parser over `template`.
    pub fn new(template: &str) -> FormatStringParser {
        FormatStringParser {
            inner: Markup::new(template.chars().collect()),
            auto: AutoNumber {
                state: AutoState::Init,
                next: 0,
            },
            pending: None,
            done: false,
        }
    }
}

impl Iterator for FormatStringParser {
    type Item = Result<FormatPiece, PyError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(p) = self.pending.take() {
            return Some(Ok(p));
        }
        while !self.done {
            match self.inner.next() {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(None) => self.done = true,
                Ok(Some((literal, raw))) => {
                    let field = match raw.map(|r| cook(r, &mut self.auto, 2)).transpose() {
                        Ok(f) => f.map(FormatPiece::Field),
                        Err(e) => {
                            self.done = true;
                            return Some(Err(e));
                        }
                    };
                    if literal.is_empty() {
                        if field.is_some() {
                            return field.map(Ok);
                        }
                    } else {
                        self.pending = field;
                        return Some(Ok(FormatPiece::Literal(literal)));
                    }
                }
            }
        }
        None
    }
}

/// Parses a whole `str.format` template into pieces (adjacent literals merged).
pub fn parse_format_string(template: &str) -> Result<Vec<FormatPiece>, PyError> {
    collect_pieces(FormatStringParser::new(template))
}

fn collect_pieces(
    pieces: impl Iterator<Item = Result<FormatPiece, PyError>>,
) -> Result<Vec<FormatPiece>, PyError> {
    let mut out: Vec<FormatPiece> = Vec::new();
    for p in pieces {
        match (p?, out.last_mut()) {
            (FormatPiece::Literal(s), Some(FormatPiece::Literal(prev))) => prev.push_str(&s),
            (p, _) => out.push(p),
        }
    }
    Ok(out)
}

/// CPython's `get_integer` for field names: `None` unless all characters are decimal digits.
fn get_integer(s: &[char]) -> Result<Option<usize>, PyError> {
    if s.is_empty() {
        return Ok(None);
    }
    let mut acc: usize = 0;
    for &c in s {
        let Some(d) = unicode::decimal_value(c) else {
            return Ok(None);
        };
        acc = acc
            .checked_mul(10)
            .and_then(|a| a.checked_add(d as usize))
            .filter(|&a| a <= i64::MAX as usize)
            .ok_or_else(|| PyError::value("Too many decimal digits in format string"))?;
    }
    Ok(Some(acc))
}

#[derive(Debug, Clone)]
struct Markup {
    s: Vec<char>,
    pos: usize,
}

type RawPiece = (String, Option<RawField>);

/// A raw field with its name split and its spec parsed (eagerly), for the parser API.
fn cook(raw: RawField, auto: &mut AutoNumber, depth: u32) -> Result<ReplacementField, PyError> {
    let name = field_name(&raw.name, auto)?;
    let spec = if raw.spec.is_empty() {
        Vec::new()
    } else if !raw.needs_expanding {
        vec![FormatPiece::Literal(raw.spec.iter().collect())]
    } else {
        if depth <= 1 {
            return Err(PyError::value("Max string recursion exceeded"));
        }
        let mut sub = Markup::new(raw.spec);
        let mut pieces = Vec::new();
        while let Some((literal, field)) = sub.next()? {
            if !literal.is_empty() {
                pieces.push(Ok(FormatPiece::Literal(literal)));
            }
            if let Some(f) = field {
                pieces.push(Ok(FormatPiece::Field(cook(f, auto, depth - 1)?)));
            }
        }
        collect_pieces(pieces.into_iter())?
    };
    Ok(ReplacementField {
        name,
        conversion: raw.conversion,
        spec,
    })
}

impl Markup {
    fn new(s: Vec<char>) -> Markup {
        Markup { s, pos: 0 }
    }

    /// CPython's `MarkupIterator_next`: literal text and the field that follows, if any.
    fn next(&mut self) -> Result<Option<RawPiece>, PyError> {
        let end = self.s.len();
        if self.pos >= end {
            return Ok(None);
        }
        let start = self.pos;
        let mut c = '\0';
        let mut markup_follows = false;
        while self.pos < end {
            c = self.s[self.pos];
            self.pos += 1;
            if c == '{' || c == '}' {
                markup_follows = true;
                break;
            }
        }
        let at_end = self.pos >= end;
        let mut len = self.pos - start;
        if c == '}' && (at_end || self.s[self.pos] != '}') {
            return Err(PyError::value("Single '}' encountered in format string"));
        }
        if at_end && c == '{' {
            return Err(PyError::value("Single '{' encountered in format string"));
        }
        if !at_end {
            if c == self.s[self.pos] {
                self.pos += 1;
                markup_follows = false;
            } else {
                len -= 1;
            }
        }
        let literal: String = self.s[start..start + len].iter().collect();
        if !markup_follows {
            return Ok(Some((literal, None)));
        }
        let field = self.parse_field()?;
        Ok(Some((literal, Some(field))))
    }

    /// CPython's `parse_field`.
    fn parse_field(&mut self) -> Result<RawField, PyError> {
        let end = self.s.len();
        let name_start = self.pos;
        let mut c = '\0';
        while self.pos < end {
            c = self.s[self.pos];
            self.pos += 1;
            match c {
                '{' => return Err(PyError::value("unexpected '{' in field name")),
                '[' => {
                    while self.pos < end && self.s[self.pos] != ']' {
                        self.pos += 1;
                    }
                }
                '}' | ':' | '!' => break,
                _ => {}
            }
        }
        let name_end = self.pos - 1;
        let mut conversion = None;
        let mut spec: Option<(usize, usize)> = None;
        let mut needs_expanding = false;
        if c == '!' || c == ':' {
            let mut spec_follows = true;
            if c == '!' {
                if self.pos >= end {
                    return Err(PyError::value(
                        "end of string while looking for conversion specifier",
                    ));
                }
                conversion = Some(self.s[self.pos]);
                self.pos += 1;
                if self.pos < end {
                    let c2 = self.s[self.pos];
                    self.pos += 1;
                    if c2 == '}' {
                        spec_follows = false;
                    } else if c2 != ':' {
                        return Err(PyError::value("expected ':' after conversion specifier"));
                    }
                }
            }
            if spec_follows {
                let spec_start = self.pos;
                let mut count = 1;
                while self.pos < end {
                    let ch = self.s[self.pos];
                    self.pos += 1;
                    if ch == '{' {
                        needs_expanding = true;
                        count += 1;
                    } else if ch == '}' {
                        count -= 1;
                        if count == 0 {
                            spec = Some((spec_start, self.pos - 1));
                            break;
                        }
                    }
                }
                if spec.is_none() {
                    return Err(PyError::value("unmatched '{' in format spec"));
                }
            }
        } else if c != '}' {
            return Err(PyError::value("expected '}' before end of string"));
        }
        let spec = spec.map_or(Vec::new(), |(a, b)| self.s[a..b].to_vec());
        Ok(RawField {
            name: self.s[name_start..name_end].to_vec(),
            conversion,
            spec,
            needs_expanding,
        })
    }
}

/// CPython's `field_name_split` (with automatic numbering) and `FieldNameIterator`.
fn field_name(name: &[char], auto: &mut AutoNumber) -> Result<FieldName, PyError> {
    let i = name
        .iter()
        .position(|&c| c == '.' || c == '[')
        .unwrap_or(name.len());
    let (first, rest) = name.split_at(i);
    let mut index = get_integer(first)?;
    let empty = first.is_empty();
    let numeric = empty || index.is_some();
    if auto.state == AutoState::Init && numeric {
        auto.state = if empty {
            AutoState::Auto
        } else {
            AutoState::Manual
        };
    }
    if numeric {
        if auto.state == AutoState::Manual && empty {
            return Err(PyError::value(
                "cannot switch from manual field specification to automatic field numbering",
            ));
        }
        if auto.state == AutoState::Auto && !empty {
            return Err(PyError::value(
                "cannot switch from automatic field numbering to manual field specification",
            ));
        }
    }
    if empty {
        index = Some(auto.next);
        auto.next += 1;
    }
    let key = match index {
        Some(n) => FieldKey::Index(n),
        None => FieldKey::Name(first.iter().collect()),
    };
    let (accessors, accessor_error) = match parse_accessors(rest) {
        Ok(a) => (a, None),
        Err((a, e)) => (a, Some(e)),
    };
    Ok(FieldName {
        key,
        accessors,
        accessor_error,
    })
}

type AccessorResult = Result<Vec<Accessor>, (Vec<Accessor>, PyError)>;

fn parse_accessors(rest: &[char]) -> AccessorResult {
    let mut out = Vec::new();
    let mut j = 0;
    let empty = || PyError::value("Empty attribute in format string");
    while j < rest.len() {
        let c = rest[j];
        j += 1;
        match c {
            '.' => {
                let st = j;
                while j < rest.len() && rest[j] != '.' && rest[j] != '[' {
                    j += 1;
                }
                if st == j {
                    return Err((out, empty()));
                }
                out.push(Accessor::Attr(rest[st..j].iter().collect()));
            }
            '[' => {
                let st = j;
                let mut seen = false;
                while j < rest.len() {
                    let ch = rest[j];
                    j += 1;
                    if ch == ']' {
                        seen = true;
                        break;
                    }
                }
                if !seen {
                    return Err((out, PyError::value("Missing ']' in format string")));
                }
                let item = &rest[st..j - 1];
                let idx = match get_integer(item) {
                    Ok(i) => i,
                    Err(e) => return Err((out, e)),
                };
                if item.is_empty() {
                    return Err((out, empty()));
                }
                out.push(match idx {
                    Some(n) => Accessor::Index(n),
                    None => Accessor::Key(item.iter().collect()),
                });
            }
            _ => {
                return Err((
                    out,
                    PyError::value("Only '.' or '[' may follow ']' in format field specifier"),
                ))
            }
        }
    }
    Ok(out)
}
