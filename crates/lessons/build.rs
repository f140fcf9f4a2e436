//! Embeds the lessons (`www/lessons/<id>/lesson.json` and its programs) into the crate, so
//! the CLI and the wasm module carry the same files the site serves. Adding a demo's folder
//! and rebuilding is all it takes: nothing here names a demo.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www/lessons");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut table = String::from("&[\n");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        println!("cargo:rerun-if-changed={}", dir.display());
        let id = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for file in files.iter().filter(|f| f.is_file()) {
            println!("cargo:rerun-if-changed={}", file.display());
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let path = file.canonicalize().unwrap_or_else(|_| file.clone());
            let _ = writeln!(
                table,
                "    ({id:?}, {name:?}, include_str!({:?})),",
                path.display().to_string()
            );
        }
    }
    table.push(']');
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lessons.rs");
    std::fs::write(out, table).expect("OUT_DIR is writable");
}
