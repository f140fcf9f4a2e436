//! What a stepped run shows of its shared data, for step mode: each step's object by its
//! path from the globals (`accounts[1].balance`, where the step itself only knows
//! `.balance` of some object), the number it read or wrote, and, where the run ends or
//! pauses, the shared data itself, one row per value that can still change.
//!
//! A step keeps its object as a value while the run goes, and names it once, at the end,
//! from the globals as they are then (as a trace does): a step costs a clone, not a walk.
//! The names are for people; exploration keeps comparing the steps' own `obj` (the
//! attribute's name), which is the same in every run.

use std::collections::{HashMap, HashSet, VecDeque};

use racelab::limits::STEP_LOG_LIMIT;

use super::value::{lock, Value};

/// Most rows of shared data a report shows.
const MOST_ROWS: usize = 100;
/// Most values the walk from the globals visits.
const WALK_LIMIT: usize = 5_000;
/// Longest list or tuple of plain values shown as one row.
const ROW_ITEMS: usize = 20;

/// A step's object, to be named at the end: the container or instance, and what of it
/// (`.balance`, `[3]`).
type Owner = (Value, String);

/// One granted step, as step mode words it.
struct StepNote {
    index: usize,
    owner: Option<Owner>,
    value: Option<i64>,
}

/// What the run's steps touched, gathered as they are granted (one per run, in
/// `RunShared`).
#[derive(Default)]
pub(crate) struct StepNotes {
    notes: Vec<StepNote>,
    /// Each thread's next step's object, while it waits to take it.
    next: HashMap<usize, Owner>,
}

impl StepNotes {
    /// Thread `thread` waits to do a step on `owner` (if it is an object worth naming).
    pub(crate) fn waits(&mut self, thread: usize, owner: Option<Owner>) {
        match owner {
            Some(o) => {
                self.next.insert(thread, o);
            }
            None => {
                self.next.remove(&thread);
            }
        }
    }

    /// Thread `thread` took step `index`, writing `value` if it is a write of a number.
    pub(crate) fn granted(&mut self, thread: usize, index: usize, value: Option<i64>) {
        let owner = self.next.remove(&thread);
        if index < STEP_LOG_LIMIT {
            self.notes.push(StepNote {
                index,
                owner,
                value,
            });
        }
    }

    /// Step `index` read `value`.
    pub(crate) fn read(&mut self, index: usize, value: &Value) {
        if let (Value::Int(v), Some(note)) = (value, self.notes.last_mut()) {
            if note.index == index {
                note.value = Some(*v);
            }
        }
    }

    /// The steps' names and values, the waiting threads' next objects and the shared data,
    /// from the globals as they are now; `stable[i]` says whether global `i` is bound once
    /// and for all.
    pub(crate) fn view(self, globals: &[(String, Value)], stable: &[bool]) -> StepView {
        let paths = paths(globals);
        let name = |owner: &Owner| paths.get(&owner.0.id()).map(|p| format!("{p}{}", owner.1));
        StepView {
            steps: self
                .notes
                .iter()
                .map(|n| (n.index, n.owner.as_ref().and_then(name), n.value))
                .collect(),
            next: self
                .next
                .iter()
                .filter_map(|(t, o)| Some((*t, name(o)?)))
                .collect(),
            shared: rows(globals, stable),
        }
    }
}

/// What a stepped run's report shows beyond the core's steps (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct StepView {
    /// For steps of the log: the index, its object's name (when its object is one a global
    /// reaches) and the number it read or wrote.
    pub steps: Vec<(usize, Option<String>, Option<i64>)>,
    /// For threads waiting at a step: the thread and its next step's object's name.
    pub next: Vec<(usize, String)>,
    /// The shared data, row by row: a path from a global and its value.
    pub shared: Vec<(String, serde_json::Value)>,
}

/// The owner worth naming of an attribute's or an element's step: an object that a path
/// from the globals can reach (not a module, a class or a function).
pub(crate) fn owner_of(obj: &Value, what: String) -> Option<Owner> {
    matches!(
        obj,
        Value::Instance(_) | Value::List(_) | Value::Dict(_) | Value::Tuple(_)
    )
    .then(|| (obj.clone(), what))
}

/// An element's key as a path shows it (`[3]`, `['alice']`), if it is a simple one.
fn simple_key(key: &Value) -> Option<String> {
    match key {
        Value::Int(i) => Some(format!("[{i}]")),
        Value::Str(s) => Some(format!("['{}']", s.as_str())),
        _ => None,
    }
}

/// An element's key as a step names it: `[3]`, `['alice']`, or `[…]`.
pub(crate) fn key_suffix(key: &Value) -> String {
    simple_key(key).unwrap_or_else(|| "[…]".to_string())
}

/// The children of a container or instance, each with the suffix of its path (a dict's
/// entries whose key is not a number or a string have no path, and are left out). What a
/// trace and a stepped run name objects by.
pub(crate) fn children(v: &Value) -> Vec<(Value, String)> {
    match v {
        Value::Instance(inst) => lock(&inst.attrs)
            .iter()
            .map(|(k, x)| (x.clone(), format!(".{}", k.as_str())))
            .collect(),
        Value::List(l) => l
            .snapshot()
            .into_iter()
            .enumerate()
            .map(|(i, x)| (x, format!("[{i}]")))
            .collect(),
        Value::Tuple(t) => t
            .items
            .iter()
            .enumerate()
            .map(|(i, x)| (x.clone(), format!("[{i}]")))
            .collect(),
        Value::Dict(d) => d
            .snapshot()
            .into_iter()
            .filter_map(|e| Some((e.value.clone(), simple_key(&e.key)?)))
            .collect(),
        _ => Vec::new(),
    }
}

/// What a walk from the globals does after visiting a value.
pub(crate) enum Then {
    /// Goes on into its children (see [`children`]).
    Descend,
    /// Goes on into these, its children as the visitor already has them.
    Into(Vec<(Value, String)>),
    /// Not into its children.
    Skip,
    /// Ends the walk.
    Stop,
}

/// The globals a walk starts from: every bound one but the module's own (`__name__`).
pub(crate) fn roots(globals: &[(String, Value)]) -> VecDeque<(Value, String)> {
    globals
        .iter()
        .filter(|(n, v)| !n.starts_with("__") && !v.is_null())
        .map(|(n, v)| (v.clone(), n.clone()))
        .collect()
}

/// Walks from `queue` breadth first, so that each value is met first by its shortest path,
/// visiting at most `limit` values: `visit` sees each with its path and says where to go
/// on. A value reached twice is visited twice; the visitor knows which it has seen. What a
/// trace's names and a stepped run's view both walk.
pub(crate) fn walk(
    mut queue: VecDeque<(Value, String)>,
    limit: usize,
    mut visit: impl FnMut(&Value, &str) -> Then,
) {
    let mut visited = 0;
    while let Some((v, path)) = queue.pop_front() {
        visited += 1;
        if visited > limit {
            break;
        }
        let next = match visit(&v, &path) {
            Then::Descend => children(&v),
            Then::Into(items) => items,
            Then::Skip => continue,
            Then::Stop => break,
        };
        queue.extend(next.into_iter().map(|(c, s)| (c, format!("{path}{s}"))));
    }
}

/// Whether `v` is an object a path can lead into: an instance, list, tuple or dict.
fn container(v: &Value) -> bool {
    matches!(
        v,
        Value::Instance(_) | Value::List(_) | Value::Dict(_) | Value::Tuple(_)
    )
}

/// Each object a global reaches, by its shortest path.
fn paths(globals: &[(String, Value)]) -> HashMap<i64, String> {
    let mut out = HashMap::new();
    walk(roots(globals), WALK_LIMIT, |v, path| {
        if !container(v) || out.contains_key(&v.id()) {
            return Then::Skip;
        }
        out.insert(v.id(), path.to_string());
        Then::Descend
    });
    out
}

/// The primitives a global reaches (locks, and the other waitable objects), each under
/// its name as made (`self.lock (3)`) with its shortest path from the globals
/// (`accounts[3].lock`): what a deadlock report names them by, where a path exists.
pub(crate) fn primitive_paths(globals: &[(String, Value)]) -> HashMap<String, String> {
    use super::value::NativeObj;
    let mut out = HashMap::new();
    let mut seen = HashSet::new();
    walk(roots(globals), WALK_LIMIT, |v, path| {
        if let Value::Native(n) = v {
            let name = match &**n {
                NativeObj::Lock(l) => Some(l.lock.name()),
                NativeObj::Semaphore(s, _) => Some(s.name()),
                NativeObj::Event(e) => Some(e.name()),
                NativeObj::Condition(c) => Some(c.name()),
                NativeObj::Barrier(b, _) => Some(b.name()),
                NativeObj::Queue(q) => Some(q.name()),
                _ => None,
            };
            if let Some(name) = name {
                out.entry(name.to_string())
                    .or_insert_with(|| path.to_string());
            }
            return Then::Skip;
        }
        if !container(v) || !seen.insert(v.id()) {
            return Then::Skip;
        }
        Then::Descend
    });
    out
}

/// `text` with `name` replaced by `by` where it stands as a whole (after a space, before
/// the end, a space or a comma): a deadlock's sentence names its primitive once.
pub(crate) fn replace_name(text: &str, name: &str, by: &str) -> String {
    let mut from = 0;
    while let Some(i) = text[from..].find(name).map(|i| i + from) {
        let end = i + name.len();
        let before = text[..i].ends_with(' ');
        let after = text[end..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == ',');
        if before && after {
            return format!("{}{by}{}", &text[..i], &text[end..]);
        }
        from = i + 1;
    }
    text.to_string()
}

/// A plain value as JSON: a number, a string, a boolean or `None`.
fn plain(v: &Value) -> Option<serde_json::Value> {
    Some(match v {
        Value::None => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map(serde_json::Value::Number)?,
        Value::Str(s) => serde_json::Value::String(s.as_str().to_string()),
        _ => return None,
    })
}

/// The shared data row by row: every plain value a global reaches through instances,
/// lists, tuples and dicts (a short list of plain values is one row), except a global
/// that is bound once and for all to a plain value or a tuple of them (a constant, which
/// nothing can change).
fn rows(globals: &[(String, Value)], stable: &[bool]) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    let mut seen: HashSet<i64> = HashSet::new();
    let mut queue = VecDeque::new();
    for (i, (name, v)) in globals.iter().enumerate() {
        if name.starts_with("__") || v.is_null() {
            continue;
        }
        let constant = stable.get(i).copied().unwrap_or(false)
            && (plain(v).is_some()
                || matches!(v, Value::Tuple(t) if t.items.iter().all(|x| plain(x).is_some())));
        if !constant {
            queue.push_back((v.clone(), name.clone()));
        }
    }
    walk(queue, WALK_LIMIT, |v, path| {
        if out.len() >= MOST_ROWS {
            return Then::Stop;
        }
        if let Some(p) = plain(v) {
            out.push((path.to_string(), p));
            return Then::Skip;
        }
        if !container(v) || !seen.insert(v.id()) {
            return Then::Skip;
        }
        let items = children(v);
        let short_list = matches!(v, Value::List(_) | Value::Tuple(_))
            && items.len() <= ROW_ITEMS
            && items.iter().all(|(x, _)| plain(x).is_some());
        if short_list {
            let values = items.iter().filter_map(|(x, _)| plain(x)).collect();
            out.push((path.to_string(), serde_json::Value::Array(values)));
            return Then::Skip;
        }
        Then::Into(items)
    });
    out
}
