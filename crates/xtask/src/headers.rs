//! The HTTP headers racelab's pages need, in one place. `cargo xtask serve` sends them,
//! `dist` writes them into `_headers` (for static hosts that read one: Netlify, Cloudflare
//! Pages) and into the service worker, which adds them itself on hosts that send none
//! (GitHub Pages). Change them here and all three follow.

/// The pages' Content-Security-Policy, as `www/index.html` and `www/embed.html` declare it in
/// a meta tag (a test keeps them equal). Sent with every response because Workers take their
/// policy from their own script's response, not from the page: 'wasm-unsafe-eval' is for
/// them (they compile the WebAssembly) and blob: for the pool, whose workers start from a Blob
/// URL. frame-ancestors is left out on purpose: course pages embed the site.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    worker-src 'self' blob:; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'none'";

/// Sent with every file of the site.
///
/// - COOP and COEP make a top-level page cross-origin isolated, and isolation is what gives
///   it SharedArrayBuffer, which real threads in WebAssembly need.
/// - Document-Isolation-Policy isolates a document on its own, so that an iframe in a course
///   page that sends no such headers still gets real threads (Chromium; others ignore it).
/// - CORP `cross-origin`: a course page that is itself isolated may only frame documents
///   that allow it, and nothing on this site is private.
pub const SITE: [(&str, &str); 5] = [
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Embedder-Policy", "require-corp"),
    ("Document-Isolation-Policy", "isolate-and-require-corp"),
    ("Cross-Origin-Resource-Policy", "cross-origin"),
    ("Content-Security-Policy", CSP),
];

/// The `_headers` file of `dist/`: [`SITE`] for every path, in the format Netlify and
/// Cloudflare Pages read.
pub fn headers_file() -> String {
    let mut out = String::from(
        "# Written by `cargo xtask dist` from crates/xtask/src/headers.rs.\n\
         # Real threads need cross-origin isolation; hosts that read this file send these.\n\
         /*\n",
    );
    for (name, value) in SITE {
        out.push_str(&format!("  {name}: {value}\n"));
    }
    // A new deploy must reach learners: the browser compares the service worker byte for
    // byte, so it must not come from a stale HTTP cache.
    out.push_str("/sw.js\n  Cache-Control: no-cache\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_declares_the_policy_the_server_sends() {
        let meta = format!(r#"<meta http-equiv="Content-Security-Policy" content="{CSP}">"#);
        for page in ["index.html", "embed.html"] {
            let text = std::fs::read_to_string(crate::root().join("www").join(page)).unwrap();
            assert!(text.contains(&meta), "www/{page} must declare: {meta}");
        }
    }

    #[test]
    fn the_headers_file_names_every_header_once_for_every_path() {
        let file = headers_file();
        for (name, value) in SITE {
            assert_eq!(
                file.matches(&format!("  {name}: {value}\n")).count(),
                1,
                "{name}"
            );
        }
        assert!(file.contains("\n/*\n"));
    }
}
