//! `cargo xtask bench`: native, Chromium and Firefox timings measured side by side, what
//! tracing costs (on against off), the timeline's frame time on
//! a 100,000-event trace, the pool's start time in each browser, racelab's Python VM against
//! CPython on the programs in `crates/lang/bench/`, and the wasm size with the language's
//! share of it. Prints Markdown tables for the README.

use std::io::Write;
use std::process::{Command, Stdio};

use flate2::{write::GzEncoder, Compression};
use serde_json::{json, Value};

use crate::dist::{dist, PKG};
use crate::serve::Site;
use crate::setup::{ensure_browsers, ensure_node_modules, CHROMIUM, FIREFOX};
use crate::{cargo, root, run, Result};

/// Workloads: (label, config, runs): the lessons' programs at their defaults and longer.
/// Runs alternate native and wasm, one each in turn.
fn plan() -> Value {
    let lesson_transfers = 9999;
    let mut items = Vec::new();
    for strategy in ["none", "global", "fine", "check-outside"] {
        items.push(json!({"name": "bank (lesson)", "runs": 11,
            "config": {"scenario": "bank", "strategy": strategy}}));
    }
    for strategy in ["none", "global", "fine", "check-outside"] {
        items.push(json!({"name": "bank (20x transfers)", "runs": 5,
            "config": {"scenario": "bank", "strategy": strategy, "transfers_per_thread": 20 * lesson_transfers}}));
    }
    for strategy in ["none", "lock", "lock-update-only"] {
        items.push(json!({"name": "booking (lesson)", "runs": 5,
            "config": {"scenario": "booking", "strategy": strategy}}));
    }
    Value::Array(items)
}

/// Tracing workloads: each runs on the CLI with tracing off and on, then in the page off
/// and on; all alternating.
fn trace_plan() -> Value {
    let mut items = Vec::new();
    for strategy in ["none", "global"] {
        items.push(json!({"name": "bank (lesson)", "runs": 21,
            "config": {"scenario": "bank", "strategy": strategy}}));
    }
    items.push(json!({"name": "booking (lesson, 1 ms)", "runs": 9,
        "config": {"scenario": "booking", "strategy": "lock", "processing_ms": 1}}));
    Value::Array(items)
}

/// The VM workloads: every `.py` file in `crates/lang/bench/`, by name.
fn programs_plan() -> Result<Value> {
    let dir = root().join("crates/lang/bench");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("could not read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    files.sort();
    Ok(Value::Array(
        files
            .iter()
            .map(|p| {
                json!({"name": p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
                       "path": p, "runs": 5})
            })
            .collect(),
    ))
}

/// The threads lesson as programs (from `crates/lang/tests/programs`), in the variants the
/// bench compares: written to `target/bench-programs/` with their constants set. Their
/// output depends on how the threads interleaved, so the sides are not held to print the
/// same: the table shows what each printed.
fn threads_plan() -> Result<Value> {
    let from = root().join("crates/lang/tests/programs");
    let to = root().join("target/bench-programs");
    std::fs::create_dir_all(&to).map_err(|e| format!("could not make {}: {e}", to.display()))?;
    /// A variant: its name in the table, the program, and the constants it sets.
    type Variant<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
    let variants: [Variant; 5] = [
        ("counter, no lock", "counter.py", &[]),
        ("counter, one Lock", "counter.py", &[("LOCKED", "True")]),
        ("bank, no lock", "bank.py", &[("TRANSFERS", "9_999")]),
        (
            "bank, one global RLock",
            "bank.py",
            &[("TRANSFERS", "9_999"), ("STRATEGY", "\"global\"")],
        ),
        (
            "bank, per-account locks in order",
            "bank.py",
            &[("TRANSFERS", "9_999"), ("STRATEGY", "\"ordered\"")],
        ),
    ];
    let mut plan = Vec::new();
    for (i, (name, file, constants)) in variants.iter().enumerate() {
        let source = std::fs::read_to_string(from.join(file))
            .map_err(|e| format!("could not read {file}: {e}"))?;
        let mut lines: Vec<String> = source.lines().map(str::to_string).collect();
        for (constant, value) in *constants {
            let prefix = format!("{constant} = ");
            let line = lines
                .iter_mut()
                .find(|l| l.starts_with(&prefix))
                .ok_or_else(|| format!("{file} has no constant {constant}"))?;
            *line = format!("{prefix}{value}");
        }
        let path = to.join(format!("threads{i}_{file}"));
        std::fs::write(&path, lines.join("\n") + "\n")
            .map_err(|e| format!("could not write {}: {e}", path.display()))?;
        plan.push(json!({"name": name, "path": path, "runs": 5, "threads": true}));
    }
    // The bank's lesson programs as they are, against CPython on the same files.
    for placement in ["none", "global", "fine"] {
        let path = root().join(format!("www/lessons/bank/{placement}.py"));
        plan.push(
            json!({"name": format!("lesson bank/{placement}.py"), "path": path,
                         "runs": 5, "threads": true}),
        );
    }
    Ok(Value::Array(plan))
}

/// Which parts to measure.
#[derive(PartialEq)]
enum Only {
    Everything,
    Tracing,
    Programs,
}

/// Builds everything, measures, and prints the tables (`--tracing-only`: only tracing's;
/// `--programs-only`: only the VM against CPython, and the sizes).
pub fn cmd(args: &[String]) -> Result {
    let only = match args {
        [] => Only::Everything,
        [flag] if flag == "--tracing-only" => Only::Tracing,
        [flag] if flag == "--programs-only" => Only::Programs,
        _ => {
            return Err(format!(
                "bench: unexpected arguments {args:?}; it takes --tracing-only or --programs-only"
            ))
        }
    };
    let tracing_only = only != Only::Everything;
    run(cargo().args(["build", "--release", "--package", "racelab-cli"]))?;
    let dir = dist()?;
    ensure_browsers()?;
    ensure_node_modules()?;

    let wasm = std::fs::read(dir.join(PKG).join("racelab_web_bg.wasm"))
        .map_err(|e| format!("wasm missing: {e}"))?;
    let gz_len = gzipped_len(&wasm)?;
    let (site_files, site_gz) = site_size(&dir)?;

    let site = Site::start(dir, 0)?;
    eprintln!("bench: measuring (a few minutes)...");
    let output = Command::new("node")
        .arg("bench.mjs")
        .current_dir(root().join("tests/e2e"))
        .env("RACELAB_URL", site.url())
        .env("RACELAB_CLI", root().join("target/release/racelab"))
        .env(
            "BENCH_TRACE_PLAN",
            if only == Only::Programs {
                json!([])
            } else {
                trace_plan()
            }
            .to_string(),
        )
        .env(
            "BENCH_PROGRAMS",
            if only == Only::Tracing {
                json!([])
            } else {
                let mut all = programs_plan()?;
                if let (Value::Array(all), Value::Array(threads)) = (&mut all, threads_plan()?) {
                    all.extend(threads);
                }
                all
            }
            .to_string(),
        )
        .env("CHROMIUM", CHROMIUM)
        .env("FIREFOX", FIREFOX)
        .env(
            "BENCH_PLAN",
            if tracing_only { json!([]) } else { plan() }.to_string(),
        )
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start node: {e}"))?;
    site.stop();
    if !output.status.success() {
        return Err(format!("bench.mjs failed ({})", output.status));
    }
    let data: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("bench.mjs printed no JSON: {e}"))?;

    if !tracing_only {
        println!("| workload | strategy | native ms | Chromium ms | Firefox ms | Chromium / native | Firefox / native | violated runs (native, Chromium, Firefox) |");
        println!("|---|---|---:|---:|---:|---:|---:|---|");
        for r in data["results"].as_array().into_iter().flatten() {
            let n = r["nativeMs"].as_f64().unwrap_or(0.0);
            let (c, f) = (
                r["wasmMs"]["chromium"].as_f64().unwrap_or(0.0),
                r["wasmMs"]["firefox"].as_f64().unwrap_or(0.0),
            );
            println!(
                "| {} | {} | {n:.1} | {c:.1} | {f:.1} | {:.2} | {:.2} | {}/{runs}, {}/{runs}, {}/{runs} |",
                r["name"].as_str().unwrap_or(""),
                r["strategy"].as_str().unwrap_or(""),
                c / n.max(0.001),
                f / n.max(0.001),
                r["violated"]["native"],
                r["violated"]["chromium"],
                r["violated"]["firefox"],
                runs = r["runs"],
            );
        }
        println!();
        println!(
            "Medians over the runs shown (each after one warm-up), native, Chromium and Firefox in turn, seed by seed."
        );
    }
    for (engine, e) in data["engines"].as_object().into_iter().flatten() {
        println!(
            "In {engine} ({}): module load {:.0} ms, then pool start (16 workers) {:.0} ms; navigation to ready {:.0} ms (medians of 5 fresh pages).",
            e["version"].as_str().unwrap_or("?"),
            e["moduleMs"].as_f64().unwrap_or(0.0),
            e["poolStartMs"].as_f64().unwrap_or(0.0),
            e["pageToReadyMs"].as_f64().unwrap_or(0.0)
        );
    }
    let programs = data["programs"].as_array().cloned().unwrap_or_default();
    if !programs.is_empty() {
        println!();
        println!(
            "racelab's VM against CPython ({}), on the programs in crates/lang/bench/.",
            python_version()
        );
        println!();
        println!("| program | CPython ms | native ms | Chromium ms | Firefox ms | CPython / native | CPython / Chromium | CPython / Firefox |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
        for r in programs.iter().filter(|r| r["threads"] != true) {
            let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
            let (p, n, c, x) = (f("python"), f("native"), f("chromium"), f("firefox"));
            println!(
                "| {} | {p:.1} | {n:.1} | {c:.1} | {x:.1} | {:.2}x | {:.2}x | {:.2}x |",
                r["name"].as_str().unwrap_or(""),
                p / n,
                p / c,
                p / x
            );
        }
        println!();
        println!(
            "Medians of {} runs each, the four in turn; each times the run alone (compiled \
             first). Above 1x racelab is faster. Every side printed the same output.",
            programs[0]["runs"]
        );
        let threaded: Vec<&Value> = programs.iter().filter(|r| r["threads"] == true).collect();
        if !threaded.is_empty() {
            println!();
            println!(
                "The threads lesson as programs (crates/lang/tests/programs), racelab on real \
                 threads against CPython with its GIL, the same files; what the last run printed."
            );
            println!();
            println!("| program | CPython ms | native ms | Chromium ms | Firefox ms | CPython / Chromium | CPython printed | Chromium printed |");
            println!("|---|---:|---:|---:|---:|---:|---|---|");
            for r in threaded {
                let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
                let (p, n, c, x) = (f("python"), f("native"), f("chromium"), f("firefox"));
                let said = |k: &str| r["printed"][k].as_str().unwrap_or("").to_string();
                println!(
                    "| {} | {p:.1} | {n:.1} | {c:.1} | {x:.1} | {:.1}x | {} | {} |",
                    r["name"].as_str().unwrap_or(""),
                    p / c,
                    said("python"),
                    said("chromium")
                );
            }
        }
    }
    println!(
        "wasm size: {} KB raw, {} KB gzipped. The whole site, which a first visit downloads \
         (the page, then the service worker's precache of the rest): {site_files} files, {} KB gzipped.",
        wasm.len() / 1024,
        gz_len / 1024,
        site_gz / 1024
    );
    let named = root().join("target/wasm32-unknown-unknown/wasm/racelab_web.wasm");
    match std::fs::read(&named)
        .map_err(|e| e.to_string())
        .and_then(|w| crate_share(&w, "12racelab_lang"))
    {
        Ok(share) => println!(
            "The language's share: {} KB of the {} KB of code ({:.0}%; functions whose name \
             mentions racelab_lang, generic instances included), {} KB gzipped on their own.",
            share.crate_bytes / 1024,
            share.code_bytes / 1024,
            100.0 * share.crate_bytes as f64 / share.code_bytes.max(1) as f64,
            share.crate_gz / 1024
        ),
        Err(e) => println!("The language's share: could not be measured ({e})."),
    }
    if only == Only::Programs {
        return Ok(());
    }
    println!();
    println!("Tracing: what recording costs.");
    println!();
    println!("| workload | strategy | native, off ms | native, on ms | on / off | wasm, off ms | wasm, on ms | on / off |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for r in data["trace"].as_array().into_iter().flatten() {
        let f = |k: &str| r[k].as_f64().unwrap_or(0.0);
        let ratio = |a: f64, b: f64| a / b.max(0.001);
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.2} | {:.1} | {:.1} | {:.2} |",
            r["name"].as_str().unwrap_or(""),
            r["strategy"].as_str().unwrap_or(""),
            f("offMs"),
            f("onMs"),
            ratio(f("onMs"), f("offMs")),
            f("wasmOffMs"),
            f("wasmOnMs"),
            ratio(f("wasmOnMs"), f("wasmOffMs")),
        );
    }
    println!();
    println!(
        "Medians of {} runs each, the four kinds alternating. Timeline: a {}-event trace drawn in {:.2} ms median per frame while panning ({} frames; 95th percentile {:.2} ms).",
        data["trace"][0]["runs"],
        data["frames"]["events"],
        data["frames"]["medianMs"].as_f64().unwrap_or(f64::NAN),
        data["frames"]["frames"],
        data["frames"]["p95Ms"].as_f64().unwrap_or(f64::NAN),
    );
    Ok(())
}

/// Bytes of `data` gzipped at the best level, as a compressing host would send it.
fn gzipped_len(data: &[u8]) -> Result<usize> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(data)
        .and_then(|_| gz.flush())
        .map_err(|e| e.to_string())?;
    Ok(gz.finish().map_err(|e| e.to_string())?.len())
}

/// Files served to a browser under `dir` (everything but the host's `_headers`), and their
/// gzipped bytes in total.
fn site_size(dir: &std::path::Path) -> Result<(usize, usize)> {
    let mut files = Vec::new();
    crate::dist::list_files(dir, dir, &mut files)?;
    files.retain(|f| f != "_headers");
    let mut bytes = 0;
    for file in &files {
        let data =
            std::fs::read(dir.join(file)).map_err(|e| format!("could not read {file}: {e}"))?;
        bytes += gzipped_len(&data)?;
    }
    Ok((files.len(), bytes))
}

/// The `python3` version the bench compares with.
fn python_version() -> String {
    Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "python3".to_string())
}

/// How much of a wasm module's code belongs to one crate.
struct Share {
    code_bytes: usize,
    crate_bytes: usize,
    crate_gz: usize,
}

/// Reads a wasm module's code section and its name section (the build before wasm-bindgen
/// keeps it) and adds up the function bodies whose (v0-mangled) name mentions `mangled`
/// (the crate's name as mangling spells it, e.g. `12racelab_lang`).
fn crate_share(wasm: &[u8], mangled: &str) -> Result<Share> {
    use wasmparser::{KnownCustom, Name, Parser, Payload};
    let fail = |e: wasmparser::BinaryReaderError| e.to_string();
    let (mut imported, mut bodies) = (0u32, Vec::new());
    let mut names = std::collections::HashMap::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(fail)? {
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    if matches!(import.map_err(fail)?.ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => bodies.push(body.range()),
            Payload::CustomSection(custom) => {
                if let KnownCustom::Name(reader) = custom.as_known() {
                    for name in reader {
                        if let Name::Function(map) = name.map_err(fail)? {
                            for naming in map {
                                let naming = naming.map_err(fail)?;
                                names.insert(naming.index, naming.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if names.is_empty() {
        return Err("the module has no function names".into());
    }
    let mut code_bytes = 0;
    let mut ours = Vec::new();
    for (k, body) in bodies.iter().enumerate() {
        code_bytes += body.len();
        if names
            .get(&(k as u32 + imported))
            .is_some_and(|n: &String| n.contains(mangled))
        {
            ours.extend_from_slice(&wasm[body.clone()]);
        }
    }
    Ok(Share {
        code_bytes,
        crate_bytes: ours.len(),
        crate_gz: gzipped_len(&ours)?,
    })
}
