//! `cargo xtask test`: everything CI checks, installing what is missing first.

use std::process::Command;

use crate::serve::Site;
use crate::setup::{
    ensure_browsers, ensure_lint_tools, ensure_node_modules, ensure_python, wasm_cargo, CHROMIUM,
    FIREFOX, WEBKIT_DRIVER,
};
use crate::{cargo, dist::dist, root, run, Result};

/// Lint, native tests, the site build, the pages' models under Node, then the browser suite.
pub fn cmd() -> Result {
    ensure_lint_tools()?;
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // Optimized (Cargo.toml's `ci` profile says why). The language's differential tests run
    // every corpus program under CPython too.
    ensure_python()?;
    run(cargo().args([
        "test",
        "--workspace",
        "--exclude",
        "xtask",
        "--profile",
        "ci",
    ]))?;
    // xtask's own tests, in the debug build that `cargo xtask` already made.
    run(cargo().args(["test", "--package", "xtask"]))?;
    let dir = dist()?;
    // The web crate is empty natively; lint it as the wasm build sees it.
    run(wasm_cargo("clippy").args(["--", "-D", "warnings"]))?;
    ensure_browsers()?;
    ensure_node_modules()?;
    // The pages' models (plain functions of configs and reports) under Node, no browser.
    run(Command::new("node")
        .args(["--test", "tests/unit/"])
        .current_dir(root()))?;
    browser_suite(dir)
}

/// Runs the specs in `tests/e2e` against `dist` served on a free port: every spec in
/// Chromium, and `engines.spec.js` in Firefox and WebKit too (one Playwright project each).
/// `programs.spec.js` compares the page with the native CLI that the native tests built.
fn browser_suite(dir: std::path::PathBuf) -> Result {
    let cli = root().join("target/ci/racelab");
    if !cli.exists() {
        return Err(format!(
            "the browser suite needs the native CLI at {} (built by the native tests)",
            cli.display()
        ));
    }
    let site = Site::start(dir.clone(), 0)?;
    let result = run(Command::new("node_modules/.bin/playwright")
        .arg("test")
        .current_dir(root().join("tests/e2e"))
        .env("RACELAB_URL", site.url())
        .env("RACELAB_DIST", &dir)
        .env("RACELAB_CLI", &cli)
        .env("CHROMIUM", CHROMIUM)
        .env("FIREFOX", FIREFOX)
        .env("WEBKIT_DRIVER", WEBKIT_DRIVER));
    site.stop();
    result
}
