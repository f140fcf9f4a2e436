//! `cargo xtask bench`: native, Chromium and Firefox timings measured side by side, what
//! tracing costs (against a build with tracing compiled out), the timeline's frame time on
//! a 100,000-event trace, the pool's start time in each browser, and the wasm size. Prints
//! Markdown tables for the README.

use std::io::Write;
use std::process::{Command, Stdio};

use flate2::{write::GzEncoder, Compression};
use serde_json::{json, Value};

use crate::dist::{dist, PKG};
use crate::serve::Site;
use crate::setup::{ensure_browsers, ensure_node_modules, CHROMIUM, FIREFOX};
use crate::{cargo, root, run, Result};

/// Workloads: (label, config, runs). Runs alternate native and wasm, one each in turn.
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

/// Tracing workloads: each runs on the CLI with tracing compiled out, compiled in but off,
/// and on, then in the page off and on; all alternating.
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

/// Where the CLI built without the `trace` feature goes (its own target dir, so the two
/// builds do not overwrite each other).
const UNTRACED_TARGET: &str = "target/bench-untraced";

/// Builds everything, measures, and prints the tables (`--tracing-only`: only tracing's).
pub fn cmd(args: &[String]) -> Result {
    let tracing_only = match args {
        [] => false,
        [flag] if flag == "--tracing-only" => true,
        _ => {
            return Err(format!(
                "bench: unexpected arguments {args:?}; it takes only --tracing-only"
            ))
        }
    };
    run(cargo().args(["build", "--release", "--package", "racelab-cli"]))?;
    run(cargo().args([
        "build",
        "--release",
        "--package",
        "racelab-cli",
        "--no-default-features",
        "--target-dir",
        UNTRACED_TARGET,
    ]))?;
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
            "RACELAB_CLI_UNTRACED",
            root().join(UNTRACED_TARGET).join("release/racelab"),
        )
        .env("BENCH_TRACE_PLAN", trace_plan().to_string())
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
    println!(
        "wasm size: {} KB raw, {} KB gzipped. The whole site, which a first visit downloads \
         (the page, then the service worker's precache of the rest): {site_files} files, {} KB gzipped.",
        wasm.len() / 1024,
        gz_len / 1024,
        site_gz / 1024
    );
    println!();
    println!("Tracing: what recording costs, and what its branch costs when off.");
    println!();
    println!("| workload | strategy | native, compiled out ms | native, off ms | off / compiled out | compiled out again / compiled out (noise) | native, on ms | on / off | wasm, off ms | wasm, on ms | on / off |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in data["trace"].as_array().into_iter().flatten() {
        let f = |k: &str| r[k].as_f64().unwrap_or(0.0);
        let ratio = |a: f64, b: f64| a / b.max(0.001);
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.3} | {:.3} | {:.1} | {:.2} | {:.1} | {:.1} | {:.2} |",
            r["name"].as_str().unwrap_or(""),
            r["strategy"].as_str().unwrap_or(""),
            f("outMs"),
            f("offMs"),
            ratio(f("offMs"), f("outMs")),
            ratio(f("out2Ms"), f("outMs")),
            f("onMs"),
            ratio(f("onMs"), f("offMs")),
            f("wasmOffMs"),
            f("wasmOnMs"),
            ratio(f("wasmOnMs"), f("wasmOffMs")),
        );
    }
    println!();
    println!(
        "Medians of {} runs each, the six kinds alternating (the compiled-out build twice, so that its two medians show the run-to-run noise). Timeline: a {}-event trace drawn in {:.2} ms median per frame while panning ({} frames; 95th percentile {:.2} ms).",
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
