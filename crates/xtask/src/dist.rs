//! `cargo xtask dist`: the deployable static site in `dist/`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::setup::{ensure_wasm_toolchain, wasm_cargo, WASM_TARGET};
use crate::{root, run, Result};

/// The wasm-bindgen output directory inside `dist/`.
pub const PKG: &str = "pkg";

/// Builds the site and returns the `dist/` directory.
pub fn dist() -> Result<PathBuf> {
    ensure_wasm_toolchain()?;
    run(wasm_cargo("build").arg("--release"))?;
    let wasm = root()
        .join("target")
        .join(WASM_TARGET)
        .join("release/racelab_web.wasm");
    let dist = root().join("dist");
    if dist.exists() {
        fs::remove_dir_all(&dist)
            .map_err(|e| format!("could not clear {}: {e}", dist.display()))?;
    }
    copy_dir(&root().join("www"), &dist)?;
    eprintln!(
        "$ wasm-bindgen --target web --out-dir dist/{PKG} {}",
        wasm.display()
    );
    // The name section (function names for stack traces) is a fifth of the module, and a
    // panic here aborts with its message, not a trace: leave it out of what the page loads.
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .remove_name_section(true)
        .remove_producers_section(true)
        .web(true)
        .and_then(|b| b.typescript(false).generate(dist.join(PKG)))
        .map_err(|e| format!("wasm-bindgen failed: {e:#}"))?;
    modernize_rayon_helper(&dist.join(PKG))?;
    let size = fs::metadata(dist.join(PKG).join("racelab_web_bg.wasm"))
        .map(|m| m.len())
        .unwrap_or(0);
    eprintln!("dist: built {} (wasm {} KB)", dist.display(), size / 1024);
    Ok(dist)
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    fs::create_dir_all(to).map_err(|e| format!("could not create {}: {e}", to.display()))?;
    let entries =
        fs::read_dir(from).map_err(|e| format!("could not read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            fs::copy(&src, &dst).map_err(|e| format!("could not copy {}: {e}", src.display()))?;
        }
    }
    Ok(())
}

/// Two fixes to wasm-bindgen-rayon 1.3's worker helper, each a one-line rewrite of the
/// generated file (a version that changed the line is left alone, with a note):
/// - it initialises each pool worker with the deprecated positional form, so every worker
///   logs a deprecation warning in the learner's console: use the object form (same effect);
/// - it fetches its own script once per worker: fetch it once for all (16 conditional
///   requests fewer; about a quarter of the pool's start time on a local server).
fn modernize_rayon_helper(pkg: &Path) -> Result {
    const REWRITES: [(&str, &str); 2] = [
        (
            "await pkg.default(data.module, data.memory);",
            "await pkg.default({ module_or_path: data.module, memory: data.memory });",
        ),
        (
            "let scriptBlob = await fetch(import.meta.url).then(r => r.blob());",
            "let scriptBlob = await (startWorkers.blob ??= fetch(import.meta.url).then(r => r.blob()));",
        ),
    ];
    let snippets = pkg.join("snippets");
    let Ok(dirs) = fs::read_dir(&snippets) else {
        return Ok(());
    };
    for dir in dirs.flatten() {
        let helper = dir.path().join("src/workerHelpers.no-bundler.js");
        let Ok(mut text) = fs::read_to_string(&helper) else {
            continue;
        };
        for (old, new) in REWRITES {
            if text.contains(old) {
                text = text.replace(old, new);
            } else {
                eprintln!(
                    "dist: note: {} no longer has `{old}`; left as is",
                    helper.display()
                );
            }
        }
        fs::write(&helper, text)
            .map_err(|e| format!("could not patch {}: {e}", helper.display()))?;
    }
    Ok(())
}
