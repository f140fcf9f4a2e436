//! `cargo xtask dist`: the deployable static site in `dist/`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::headers::{headers_file, SITE};
use crate::setup::{ensure_wasm_toolchain, wasm_cargo, WASM_TARGET};
use crate::{root, run, Result};

/// The wasm-bindgen output directory inside `dist/`.
pub const PKG: &str = "pkg";

/// The demos, their strategies, parameters and listings as JSON, inside `dist/`.
pub const CATALOG: &str = "catalog.json";

/// Builds the site and returns the `dist/` directory.
pub fn dist() -> Result<PathBuf> {
    ensure_wasm_toolchain()?;
    run(wasm_cargo("build").args(["--profile", "wasm"]))?;
    let wasm = root()
        .join("target")
        .join(WASM_TARGET)
        .join("wasm/racelab_web.wasm");
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
    fs::write(dist.join("_headers"), headers_file())
        .map_err(|e| format!("could not write dist/_headers: {e}"))?;
    // The lessons as data the page can paint before the runtime is up: the same catalog the
    // wasm gives (`catalog()`), from the same source, built now.
    let lessons = racelab_lessons::Lessons::builtin()
        .map_err(|e| format!("the lessons (www/lessons) do not load: {e}"))?;
    fs::write(dist.join(CATALOG), racelab_lessons::catalog_json(lessons))
        .map_err(|e| format!("could not write dist/{CATALOG}: {e}"))?;
    let build = write_service_worker(&dist)?;
    eprintln!(
        "dist: service worker precaches {} files, version {}",
        build.files.len(),
        build.version
    );
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

/// The service worker's source in `www/`, and the line `dist` fills in.
const SERVICE_WORKER: &str = "sw.js";
const BUILD_PLACEHOLDER: &str = "const BUILD = null;";

/// What the service worker of one build knows: the files to precache and a version that
/// changes whenever any of them does.
pub struct Build {
    /// Hex digest of every file's path and bytes.
    pub version: String,
    /// Paths relative to the site's root, `/`-separated, sorted.
    pub files: Vec<String>,
}

/// Fills the service worker's `BUILD` with this build's manifest and headers. The version
/// is a digest of the whole site, so a new deploy changes `sw.js` byte for byte: that is
/// what makes browsers install the new worker, which precaches into a new cache and
/// deletes the old one when it takes over.
fn write_service_worker(dist: &Path) -> Result<Build> {
    let mut files = Vec::new();
    list_files(dist, dist, &mut files)?;
    files.retain(|f| f != SERVICE_WORKER && f != "_headers");
    files.sort();
    let mut digest = Fnv::new();
    for file in &files {
        let bytes =
            fs::read(dist.join(file)).map_err(|e| format!("could not read dist/{file}: {e}"))?;
        digest.write(file.as_bytes());
        digest.write(&[0]);
        digest.write(&(bytes.len() as u64).to_le_bytes());
        digest.write(&bytes);
    }
    let build = Build {
        version: format!("{:016x}", digest.0),
        files,
    };
    let json = serde_json::json!({
        "version": build.version,
        "files": build.files,
        "headers": SITE,
    });
    let path = dist.join(SERVICE_WORKER);
    let source = fs::read_to_string(&path)
        .map_err(|e| format!("could not read dist/{SERVICE_WORKER}: {e}"))?;
    if source.matches(BUILD_PLACEHOLDER).count() != 1 {
        return Err(format!(
            "www/{SERVICE_WORKER} must contain the line `{BUILD_PLACEHOLDER}` once: dist fills it in"
        ));
    }
    let filled = source.replace(BUILD_PLACEHOLDER, &format!("const BUILD = {json};"));
    fs::write(&path, filled).map_err(|e| format!("could not write dist/{SERVICE_WORKER}: {e}"))?;
    Ok(build)
}

/// Every file under `dir`, as paths relative to `root`.
pub fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result {
    let entries =
        fs::read_dir(dir).map_err(|e| format!("could not read {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            list_files(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let parts: Vec<_> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
}

/// FNV-1a, 64 bits: a version stamp, not a defence against anyone.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("racelab-dist-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("app")).unwrap();
        fs::write(dir.join("index.html"), "<!doctype html>").unwrap();
        fs::write(dir.join("app/main.js"), "export {};").unwrap();
        fs::write(dir.join("_headers"), "/*\n").unwrap();
        fs::copy(
            root().join("www").join(SERVICE_WORKER),
            dir.join(SERVICE_WORKER),
        )
        .unwrap();
        dir
    }

    #[test]
    fn the_service_worker_precaches_every_file_and_its_version_follows_them() {
        let dir = site("sw");
        let first = write_service_worker(&dir).unwrap();
        assert_eq!(first.files, ["app/main.js", "index.html"]);
        let sw = fs::read_to_string(dir.join(SERVICE_WORKER)).unwrap();
        assert!(sw.contains(&format!("\"version\":\"{}\"", first.version)));
        assert!(sw.contains("\"files\":[\"app/main.js\",\"index.html\"]"));
        assert!(sw.contains("Document-Isolation-Policy"));
        assert!(!sw.contains(BUILD_PLACEHOLDER));

        // The same files give the same version; one changed byte gives another.
        let again = site("sw");
        assert_eq!(write_service_worker(&again).unwrap().version, first.version);
        let changed = site("sw2");
        fs::write(changed.join("app/main.js"), "export {} ").unwrap();
        assert_ne!(
            write_service_worker(&changed).unwrap().version,
            first.version
        );
        // A worker filled in already is refused rather than filled twice.
        assert!(write_service_worker(&changed).is_err());
        for d in [again, changed] {
            fs::remove_dir_all(d).unwrap();
        }
    }

    #[test]
    fn the_pages_workflow_publishes_what_dist_builds() {
        let workflow = fs::read_to_string(root().join(".github/workflows/pages.yml")).unwrap();
        assert!(workflow.contains("run: cargo xtask dist"));
        assert!(workflow.contains("path: dist"));
        assert!(workflow.contains("actions/deploy-pages"));
    }
}
