//! `cargo xtask bench`: native vs Chromium-wasm timings measured side by side, the pool's
//! start time in the page, and the wasm size. Prints a Markdown table for the README.

use std::io::Write;
use std::process::{Command, Stdio};

use flate2::{write::GzEncoder, Compression};
use serde_json::{json, Value};

use crate::dist::{dist, PKG};
use crate::serve::Site;
use crate::setup::{ensure_chromium, ensure_node_modules, CHROMIUM};
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

/// Builds everything, measures, and prints the table.
pub fn cmd() -> Result {
    run(cargo().args(["build", "--release", "--package", "racelab-cli"]))?;
    let dir = dist()?;
    ensure_chromium()?;
    ensure_node_modules()?;

    let wasm = std::fs::read(dir.join(PKG).join("racelab_web_bg.wasm"))
        .map_err(|e| format!("wasm missing: {e}"))?;
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(&wasm)
        .and_then(|_| gz.flush())
        .map_err(|e| e.to_string())?;
    let gz_len = gz.finish().map_err(|e| e.to_string())?.len();

    let site = Site::start(dir, 0)?;
    eprintln!("bench: measuring (a few minutes)...");
    let output = Command::new("node")
        .arg("bench.mjs")
        .current_dir(root().join("tests/e2e"))
        .env("RACELAB_URL", site.url())
        .env("RACELAB_CLI", root().join("target/release/racelab"))
        .env("CHROMIUM", CHROMIUM)
        .env("BENCH_PLAN", plan().to_string())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start node: {e}"))?;
    site.stop();
    if !output.status.success() {
        return Err(format!("bench.mjs failed ({})", output.status));
    }
    let data: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("bench.mjs printed no JSON: {e}"))?;

    println!("| workload | strategy | native ms | Chromium-wasm ms | wasm / native | violated runs (native, wasm) |");
    println!("|---|---|---:|---:|---:|---|");
    for r in data["results"].as_array().into_iter().flatten() {
        let (n, w) = (
            r["nativeMs"].as_f64().unwrap_or(0.0),
            r["wasmMs"].as_f64().unwrap_or(0.0),
        );
        println!(
            "| {} | {} | {n:.1} | {w:.1} | {:.2} | {}/{runs}, {}/{runs} |",
            r["name"].as_str().unwrap_or(""),
            r["strategy"].as_str().unwrap_or(""),
            w / n.max(0.001),
            r["violated"]["native"],
            r["violated"]["wasm"],
            runs = r["runs"],
        );
    }
    println!();
    println!("Medians over the runs shown (each after one warm-up), native and wasm alternating.");
    println!(
        "In the page: module load {:.0} ms, then pool start (16 workers) {:.0} ms (medians of 5 fresh pages); navigation to ready: {:.0} ms.",
        data["moduleMs"].as_f64().unwrap_or(0.0),
        data["poolStartMs"].as_f64().unwrap_or(0.0),
        data["pageToReadyMs"].as_f64().unwrap_or(0.0)
    );
    println!(
        "wasm size: {} KB raw, {} KB gzipped.",
        wasm.len() / 1024,
        gz_len / 1024
    );
    Ok(())
}
