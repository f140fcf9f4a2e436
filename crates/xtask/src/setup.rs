//! Installing what the project needs on a fresh machine: the nightly's rust-src, the
//! browsers, the npm packages of the e2e suite. Each step is skipped when already done.

use std::path::Path;
use std::process::Command;

use crate::{root, run, Result};

/// The toolchain that builds the wasm (std must be rebuilt with atomics).
pub const NIGHTLY: &str = "nightly";

/// The system Chromium the e2e suite and the bench drive.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// A cargo command on the nightly toolchain, free of the outer (stable) cargo's environment.
pub fn nightly_cargo() -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", NIGHTLY, "cargo"]).current_dir(root());
    for var in [
        "RUSTC",
        "RUSTDOC",
        "RUSTUP_TOOLCHAIN",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "CARGO",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// The target of the threaded wasm build.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// `cargo <subcommand>` on the web crate for wasm32, with std rebuilt for atomics.
pub fn wasm_cargo(subcommand: &str) -> Command {
    let mut cmd = nightly_cargo();
    cmd.args([
        subcommand,
        "--target",
        WASM_TARGET,
        "--package",
        "racelab-web",
        "-Z",
        "build-std=panic_abort,std",
    ]);
    cmd
}

/// Makes sure the nightly toolchain has rust-src (for `-Z build-std`) and the wasm target.
pub fn ensure_wasm_toolchain() -> Result {
    let output = Command::new("rustup")
        .args(["component", "list", "--installed", "--toolchain", NIGHTLY])
        .output()
        .map_err(|e| {
            format!("rustup is needed to build the wasm ({e}); install it from rustup.rs")
        })?;
    if !output.status.success() {
        return Err(format!(
            "the `{NIGHTLY}` toolchain is needed for the wasm build (threads need std rebuilt \
             with atomics): run `rustup toolchain install {NIGHTLY}`"
        ));
    }
    let installed = String::from_utf8_lossy(&output.stdout);
    if !installed.lines().any(|l| l.trim() == "rust-src") {
        run(Command::new("rustup").args(["component", "add", "rust-src", "--toolchain", NIGHTLY]))?;
    }
    if !installed
        .lines()
        .any(|l| l.trim() == "rust-std-wasm32-unknown-unknown")
    {
        run(Command::new("rustup").args([
            "target",
            "add",
            "wasm32-unknown-unknown",
            "--toolchain",
            NIGHTLY,
        ]))?;
    }
    Ok(())
}

/// Makes sure the stable toolchain has rustfmt and clippy (a minimal rustup profile lacks them).
pub fn ensure_lint_tools() -> Result {
    let have = |tool: &str| {
        crate::cargo()
            .args([tool, "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if have("fmt") && have("clippy") {
        return Ok(());
    }
    run(Command::new("rustup").args(["component", "add", "rustfmt", "clippy"]))
}

/// Debian's Firefox ESR, which the e2e suite and the bench drive over WebDriver BiDi.
pub const FIREFOX: &str = "/usr/bin/firefox-esr";

/// Debian's WebKitWebDriver (it runs MiniBrowser, WebKitGTK), for the fallback's smoke test.
pub const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";

/// The virtual display WebKit runs on: MiniBrowser has no headless mode.
const XVFB_RUN: &str = "/usr/bin/xvfb-run";

/// The browsers the suite drives: (what must exist, the Debian package that brings it).
const BROWSERS: [(&str, &str); 4] = [
    (CHROMIUM, "chromium"),
    (FIREFOX, "firefox-esr"),
    (WEBKIT_DRIVER, "webkit2gtk-driver"),
    (XVFB_RUN, "xvfb"),
];

/// Makes sure Debian's Chromium and Firefox ESR (for the suite and the bench) and WebKit's
/// driver with its virtual display (for the suite) are installed: as root through one
/// apt-get run for whatever is missing; otherwise says how.
pub fn ensure_browsers() -> Result {
    let missing: Vec<&str> = BROWSERS
        .iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        return Err(format!(
            "the browser tests need {}; install them with\n    \
             sudo apt-get update && sudo apt-get install -y {}",
            missing.join(", "),
            missing.join(" ")
        ));
    }
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    match BROWSERS.iter().find(|(path, _)| !Path::new(path).exists()) {
        None => Ok(()),
        Some((path, package)) => Err(format!(
            "apt-get installed {package} but {path} is still missing"
        )),
    }
}

/// Makes sure `python3` runs: the language's differential tests compare racelab's output
/// with CPython's. Installs Debian's python3 as root when it is missing; otherwise says how.
pub fn ensure_python() -> Result {
    let found = Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if found {
        return Ok(());
    }
    if !is_root() {
        return Err(
            "the language's differential tests need python3; install it with\n    \
             sudo apt-get update && sudo apt-get install -y python3"
                .into(),
        );
    }
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends", "python3"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

/// Installs the e2e suite's npm packages (`npm ci`) unless they are already in place for the
/// current lock file.
pub fn ensure_node_modules() -> Result {
    let dir = root().join("tests/e2e");
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(l), Ok(s)) => s.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    if Command::new("npm").arg("--version").output().is_err() {
        return Err("the browser tests need Node.js and npm: apt-get install -y nodejs npm".into());
    }
    // Playwright must not try to download browsers: there is no network for it here, and
    // the suite drives the system Chromium.
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))
}
