//! racelab's project commands (`cargo xtask <command>`), in the rust-analyzer style:
//! everything a developer or CI runs is Rust, so it works wherever cargo does.
//!
//! - `dist`:  release wasm build, wasm-bindgen, `www/` copied into `dist/`, with `_headers`
//!   and the service worker's precache manifest.
//! - `serve`: dist, then serve `dist/` on 127.0.0.1 with the isolation headers.
//! - `test`:  lint, native tests, dist, then the Playwright suite in system Chromium.
//! - `bench`: native vs Chromium-wasm timings, tracing's cost, timeline frame time, pool
//!   start, wasm size.
//! - `rates`: how often each lesson claim is borne out, and the thresholds those rates
//!   support (the suite's rate specs take theirs from it).

mod bench;
mod dist;
mod e2e;
mod headers;
mod rates;
mod serve;
mod setup;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Errors of project commands are sentences for the person at the terminal.
pub type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  serve [--port N]   build the site and serve it on http://127.0.0.1:N (default 8000)
  test               lint, native tests, build, browser tests (installs what is missing)
  dist               build the deployable static site into dist/
  bench [--tracing-only]
                     native vs browser timings, what tracing costs, timeline frame
                     time, pool start and wasm size (--tracing-only: the tracing part)
  rates [--runs N]   how often each lesson claim is borne out natively, in Chromium and
                     in Firefox (N runs each, default 200), and the thresholds it supports
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dist") => dist::dist().map(|_| ()),
        Some("serve") => serve::cmd(&args[1..]),
        Some("test") => e2e::cmd(),
        Some("bench") => bench::cmd(&args[1..]),
        Some("rates") => rates::cmd(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask lives in crates/xtask")
        .to_path_buf()
}

/// Runs `cmd`, echoing it, and fails with its exit status.
pub fn run(cmd: &mut Command) -> Result {
    eprintln!("$ {}", show(cmd));
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{}`: {e}", show(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", show(cmd)))
    }
}

fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// A cargo command for the toolchain the xtask itself runs on (stable).
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}
