//! What loading refuses, and how it says so.

use super::*;

const MANIFEST: &str = r#"{
  "order": 1, "title": "T", "summary": "S", "guarantee": "G", "watch": "W", "lesson": "L",
  "params": [{ "name": "threads", "type": "int", "min": 1, "max": 8, "help": "h" }],
  "invariants": [{ "id": "ok", "check": "it holds", "text": "It holds" }],
  "placements": [
    { "id": "none", "title": "No lock", "safe": false, "summary": "s",
      "fix": { "placement": "lock", "text": "t" } },
    { "id": "lock", "title": "Lock", "safe": true, "summary": "s" }
  ]
}"#;

const PROGRAM: &str = "THREADS = 2\nprint(THREADS)\n";

fn load_with(files: &[(&str, &str)]) -> Result<Lessons, LessonError> {
    Lessons::from_files(files.iter().map(|(name, text)| ("demo", *name, *text)))
}

fn error_of(files: &[(&str, &str)]) -> String {
    load_with(files).unwrap_err().to_string()
}

#[test]
fn a_well_formed_lesson_loads_with_defaults_from_its_programs() {
    let lessons = load_with(&[
        ("lesson.json", MANIFEST),
        ("none.py", PROGRAM),
        ("lock.py", PROGRAM),
    ])
    .unwrap();
    let lesson = lessons.get("demo").unwrap();
    assert_eq!(lesson.placements.len(), 2);
    assert_eq!(lesson.placements[1].file, "demo/lock.py");
    match &lesson.params[0].kind {
        ParamKind::Int { min, max, default } => assert_eq!((*min, *max, *default), (1, 8, 2)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_placement_without_its_program_is_named() {
    let e = error_of(&[("lesson.json", MANIFEST), ("none.py", PROGRAM)]);
    assert_eq!(
        e,
        "demo/lesson.json: the placement \"lock\" has no program: add demo/lock.py"
    );
}

#[test]
fn a_program_that_does_not_compile_is_named_with_its_line() {
    let e = error_of(&[
        ("lesson.json", MANIFEST),
        ("none.py", PROGRAM),
        ("lock.py", "THREADS = 2\nprint(\n"),
    ]);
    assert!(e.starts_with("demo/lock.py: does not compile"), "{e}");
    assert!(e.contains("line 2") || e.contains(":2:"), "{e}");
}

#[test]
fn a_parameter_must_be_a_constant_of_every_program_with_one_default() {
    let e = error_of(&[
        ("lesson.json", MANIFEST),
        ("none.py", PROGRAM),
        ("lock.py", "print(1)\n"),
    ]);
    assert!(
        e.starts_with("demo/lock.py: declares no constant THREADS for the parameter \"threads\""),
        "{e}"
    );
    let e = error_of(&[
        ("lesson.json", MANIFEST),
        ("none.py", PROGRAM),
        ("lock.py", "THREADS = 3\n"),
    ]);
    assert!(
        e.contains("sets THREADS = 3, but demo/none.py sets it to 2"),
        "{e}"
    );
    let e = error_of(&[
        ("lesson.json", MANIFEST),
        ("none.py", "THREADS = 9\n"),
        ("lock.py", "THREADS = 9\n"),
    ]);
    assert!(e.contains("outside its range"), "{e}");
    let e = error_of(&[
        ("lesson.json", MANIFEST),
        ("none.py", "THREADS = [1]\n"),
        ("lock.py", "THREADS = [1]\n"),
    ]);
    assert!(e.contains("THREADS does not match"), "{e}");
}

#[test]
fn misspelt_keys_stray_programs_and_bad_fixes_are_refused() {
    let e = error_of(&[
        ("lesson.json", &MANIFEST.replace("\"watch\"", "\"wacth\"")),
        ("none.py", PROGRAM),
        ("lock.py", PROGRAM),
    ]);
    assert!(e.contains("unknown field `wacth`"), "{e}");
    let e = error_of(&[
        ("lesson.json", MANIFEST),
        ("none.py", PROGRAM),
        ("lock.py", PROGRAM),
        ("draft.py", PROGRAM),
    ]);
    assert!(e.starts_with("demo/draft.py: is not a placement"), "{e}");
    let e = error_of(&[
        (
            "lesson.json",
            &MANIFEST.replace("\"placement\": \"lock\"", "\"placement\": \"none\""),
        ),
        ("none.py", PROGRAM),
        ("lock.py", PROGRAM),
    ]);
    assert!(e.contains("not a safe placement"), "{e}");
    let e = error_of(&[("none.py", PROGRAM)]);
    assert!(e.contains("needs a lesson.json"), "{e}");
}

#[test]
fn the_built_in_lessons_load() {
    let lessons = Lessons::builtin().unwrap_or_else(|e| panic!("{e}"));
    assert!(lessons.iter().count() > 0);
    for lesson in lessons.iter() {
        assert!(lesson.placements.iter().any(|p| p.safe), "{}", lesson.id);
    }
}

#[test]
fn the_catalog_lists_every_lesson_as_its_programs() {
    let lessons = Lessons::builtin().unwrap();
    let catalog = crate::catalog(lessons);
    let ids: Vec<&str> = catalog.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(
        ids,
        lessons.iter().map(|l| l.id.as_str()).collect::<Vec<_>>()
    );
    let entry = |id: &str| catalog.iter().find(|e| e["id"] == id).unwrap();
    // Every placement names its program, listed line for line with its marks.
    let bank = entry("bank");
    assert_eq!(bank["strategies"][0]["program"], "bank/none.py");
    assert_eq!(
        bank["invalid"]["verbs"],
        serde_json::json!(["debited", "credited"])
    );
    let booking = entry("booking");
    let lock = &booking["strategies"][1];
    assert_eq!(lock["program"], "booking/lock.py");
    let program = &lessons
        .get("booking")
        .unwrap()
        .placement("lock")
        .unwrap()
        .program;
    let listing = lock["listing"].as_array().unwrap();
    assert_eq!(listing.len(), program.lines().count());
    let role = |text: &str| {
        listing
            .iter()
            .find(|l| l["text"].as_str().unwrap().trim_start().starts_with(text))
            .map(|l| l["role"].clone())
            .unwrap()
    };
    assert_eq!(role("with seats_lock:"), "lock");
    assert_eq!(
        booking["invalid"]["words"],
        "a seat that only looks free: checked, not yet taken"
    );
    // A placement's note goes with it.
    let joint = entry("joint-account");
    assert!(joint["strategies"][0].get("note").is_none());
    assert!(joint["strategies"][1]["note"]
        .as_str()
        .unwrap()
        .contains("it does not choose the order"));
}
