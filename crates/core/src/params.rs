//! Parameter tables and their validation.
//!
//! Each scenario declares its parameters once as [`ParamSpec`]s. The same table validates a
//! run's configuration, tells the page which ranges to offer and tells the CLI which flags
//! exist, so a limit can never be shown one way and enforced another.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// What a configuration got wrong: the field it names and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigError {
    /// The parameter (or `scenario`, `strategy`, `config`) that was refused.
    pub field: String,
    /// A sentence saying what was expected and what was given.
    pub message: String,
}

impl ConfigError {
    /// An error about `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The type and range of one parameter.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ParamKind {
    /// A whole number in `min..=max`.
    Int {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
        /// Used when the parameter is not given.
        default: i64,
    },
    /// A list of whole numbers, each in `min..=max`, with `min_len..=max_len` items.
    IntList {
        /// Fewest items.
        min_len: usize,
        /// Most items.
        max_len: usize,
        /// Smallest allowed item.
        min: i64,
        /// Largest allowed item.
        max: i64,
        /// Used when the parameter is not given.
        default: Cow<'static, [i64]>,
    },
}

/// One parameter of a scenario: its name, type, range, unit and a line of help.
#[derive(Debug, Clone, Serialize)]
pub struct ParamSpec {
    /// The name used in configs, the JS API and as a CLI flag (`--name`).
    pub name: Cow<'static, str>,
    /// Type, range and default.
    #[serde(flatten)]
    pub kind: ParamKind,
    /// Unit shown beside the value (`"ms"`, `"µs"`, or empty).
    pub unit: Cow<'static, str>,
    /// One line saying what the parameter changes.
    pub help: Cow<'static, str>,
}

/// A validated parameter value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A whole number.
    Int(i64),
    /// A list of whole numbers.
    IntList(Vec<i64>),
}

/// Validated values for every parameter of a table (given or defaulted).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Values(BTreeMap<String, ParamValue>);

impl Values {
    /// Validates `given` against `specs`. Missing parameters take their defaults; a
    /// parameter not in the table is refused so that a typo is not silently ignored.
    pub fn parse(
        scenario: &str,
        specs: &[ParamSpec],
        given: &BTreeMap<String, Value>,
    ) -> Result<Self, ConfigError> {
        if let Some(unknown) = given.keys().find(|k| !specs.iter().any(|s| s.name == **k)) {
            let known: Vec<&str> = specs.iter().map(|s| &*s.name).collect();
            return Err(ConfigError::new(
                unknown.as_str(),
                format!(
                    "unknown parameter for {scenario}; its parameters are: {}",
                    known.join(", ")
                ),
            ));
        }
        let mut values = BTreeMap::new();
        for spec in specs {
            let value = match given.get(&*spec.name) {
                None | Some(Value::Null) => spec.default_value(),
                Some(v) => spec.check(v)?,
            };
            values.insert(spec.name.to_string(), value);
        }
        Ok(Self(values))
    }

    /// Every parameter of `specs` at its default.
    pub fn defaults(specs: &[ParamSpec]) -> Self {
        Self(
            specs
                .iter()
                .map(|s| (s.name.to_string(), s.default_value()))
                .collect(),
        )
    }

    /// The value of the parameter `name`, if the table has it.
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.get(name)
    }

    /// The value of an `Int` parameter of the table these values were parsed with.
    ///
    /// # Panics
    /// If `name` is not an `Int` parameter of that table: a programming error in a scenario,
    /// caught by its unit tests, never by user input.
    pub fn int(&self, name: &str) -> i64 {
        match self.0.get(name) {
            Some(ParamValue::Int(v)) => *v,
            other => unreachable!("scenario asked for int parameter {name}, table has {other:?}"),
        }
    }

    /// The value of an `IntList` parameter (see [`Values::int`] on misuse).
    pub fn int_list(&self, name: &str) -> &[i64] {
        match self.0.get(name) {
            Some(ParamValue::IntList(v)) => v,
            other => unreachable!("scenario asked for list parameter {name}, table has {other:?}"),
        }
    }
}

impl ParamSpec {
    fn default_value(&self) -> ParamValue {
        match &self.kind {
            ParamKind::Int { default, .. } => ParamValue::Int(*default),
            ParamKind::IntList { default, .. } => ParamValue::IntList(default.to_vec()),
        }
    }

    /// The allowed values in words, as used in every error message.
    pub fn range_text(&self) -> String {
        let unit = if self.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", self.unit)
        };
        match &self.kind {
            ParamKind::Int { min, max, .. } => {
                format!("a whole number from {min} to {max}{unit}")
            }
            ParamKind::IntList {
                min_len,
                max_len,
                min,
                max,
                ..
            } => format!(
                "a list of {min_len} to {max_len} whole numbers, each from {min} to {max}{unit}"
            ),
        }
    }

    /// A whole-number setting that is not a scenario parameter (`trace_limit`, `budget`):
    /// its default when absent or null, otherwise the value checked against the range, with
    /// the same refusal a parameter gets.
    pub(crate) fn int_or_default(&self, given: Option<&Value>) -> Result<i64, ConfigError> {
        match given.filter(|v| !v.is_null()) {
            None => match self.default_value() {
                ParamValue::Int(n) => Ok(n),
                ParamValue::IntList(_) => unreachable!("int_or_default is for Int settings"),
            },
            Some(v) => match self.check(v)? {
                ParamValue::Int(n) => Ok(n),
                ParamValue::IntList(_) => unreachable!("int_or_default is for Int settings"),
            },
        }
    }

    fn refuse(&self, got: &Value) -> ConfigError {
        ConfigError::new(
            &*self.name,
            format!("must be {}, got {}", self.range_text(), brief(got)),
        )
    }

    fn check(&self, v: &Value) -> Result<ParamValue, ConfigError> {
        match &self.kind {
            ParamKind::Int { min, max, .. } => match v.as_i64() {
                Some(n) if (*min..=*max).contains(&n) => Ok(ParamValue::Int(n)),
                _ => Err(self.refuse(v)),
            },
            ParamKind::IntList {
                min_len,
                max_len,
                min,
                max,
                ..
            } => {
                let items = v.as_array().ok_or_else(|| self.refuse(v))?;
                if !(*min_len..=*max_len).contains(&items.len()) {
                    return Err(self.refuse(v));
                }
                items
                    .iter()
                    .map(|item| match item.as_i64() {
                        Some(n) if (*min..=*max).contains(&n) => Ok(n),
                        _ => Err(self.refuse(v)),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(ParamValue::IntList)
            }
        }
    }
}

/// A short rendering of a JSON value for error messages (long lists are cut).
pub fn brief(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SPECS: &[ParamSpec] = &[
        ParamSpec {
            name: Cow::Borrowed("threads"),
            kind: ParamKind::Int {
                min: 1,
                max: 16,
                default: 5,
            },
            unit: Cow::Borrowed(""),
            help: Cow::Borrowed(""),
        },
        ParamSpec {
            name: Cow::Borrowed("accounts"),
            kind: ParamKind::IntList {
                min_len: 2,
                max_len: 4,
                min: 0,
                max: 100,
                default: Cow::Borrowed(&[1, 2]),
            },
            unit: Cow::Borrowed(""),
            help: Cow::Borrowed(""),
        },
    ];

    fn parse(v: Value) -> Result<Values, ConfigError> {
        let map = v.as_object().unwrap().clone().into_iter().collect();
        Values::parse("test", SPECS, &map)
    }

    #[test]
    fn missing_parameters_take_defaults() {
        let v = parse(json!({})).unwrap();
        assert_eq!(v.int("threads"), 5);
        assert_eq!(v.int_list("accounts"), &[1, 2]);
    }

    #[test]
    fn out_of_range_names_field_value_and_range() {
        let e = parse(json!({"threads": 0})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "threads: must be a whole number from 1 to 16, got 0"
        );
        let e = parse(json!({"threads": 17})).unwrap_err();
        assert!(e.message.contains("got 17"), "{e}");
    }

    #[test]
    fn wrong_types_are_refused() {
        for bad in [json!("5"), json!(2.5), json!(true), json!([5])] {
            let e = parse(json!({ "threads": bad })).unwrap_err();
            assert_eq!(e.field, "threads");
        }
        let e = parse(json!({"accounts": [1, "x"]})).unwrap_err();
        assert_eq!(e.field, "accounts");
        let e = parse(json!({"accounts": [1, 2, 3, 4, 5]})).unwrap_err();
        assert!(e.message.contains("2 to 4 whole numbers"), "{e}");
    }

    #[test]
    fn unknown_parameter_is_named() {
        let e = parse(json!({"thread": 3})).unwrap_err();
        assert_eq!(e.field, "thread");
        assert!(e.message.contains("threads, accounts"), "{e}");
    }
}
