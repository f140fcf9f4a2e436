//! `cargo xtask rates [--runs N]`: how often each of the lessons' claims is borne out,
//! natively and on real threads in Chromium and Firefox, measured run by run in turn, and
//! the threshold of the suite's 20 runs that each rate supports with a false failure rarer
//! than one in a thousand (the reasoning is in `tests/e2e/rates.mjs`). Exits non-zero if a
//! spec's threshold asks for more than its measured rate supports.

use std::process::Command;

use crate::dist::dist;
use crate::serve::Site;
use crate::setup::{ensure_browsers, ensure_node_modules, CHROMIUM, FIREFOX};
use crate::{cargo, root, run, Result};

/// Parses `[--runs N]`, builds the CLI and the site, and measures.
pub fn cmd(args: &[String]) -> Result {
    let runs = match args {
        [] => 200,
        [flag, n] if flag == "--runs" => n
            .parse::<u32>()
            .ok()
            .filter(|n| (10..=100_000).contains(n))
            .ok_or_else(|| {
                format!("--runs: must be a whole number from 10 to 100000, got `{n}`")
            })?,
        _ => return Err(format!("rates takes `--runs N`, got `{}`", args.join(" "))),
    };
    run(cargo().args(["build", "--release", "--package", "racelab-cli"]))?;
    let dir = dist()?;
    ensure_browsers()?;
    ensure_node_modules()?;
    let site = Site::start(dir, 0)?;
    eprintln!("rates: {runs} runs of each unsafe claim in each of native, Chromium and Firefox (many minutes)...");
    let result = run(Command::new("node")
        .arg("rates.mjs")
        .current_dir(root().join("tests/e2e"))
        .env("RACELAB_URL", site.url())
        .env("RACELAB_CLI", root().join("target/release/racelab"))
        .env("RATES_RUNS", runs.to_string())
        .env("CHROMIUM", CHROMIUM)
        .env("FIREFOX", FIREFOX));
    site.stop();
    result
}
