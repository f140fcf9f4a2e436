//! `cargo xtask serve`: the site on localhost with the headers real threads need.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use tiny_http::{Header, Response, Server};

use crate::{dist::dist, Result};

/// Parses `[--port N]`, builds the site and serves it until interrupted.
pub fn cmd(args: &[String]) -> Result {
    let port = match args {
        [] => 8000,
        [flag, n] if flag == "--port" => n
            .parse::<u16>()
            .map_err(|_| format!("--port: must be a whole number from 0 to 65535, got `{n}`"))?,
        _ => return Err(format!("serve takes `--port N`, got `{}`", args.join(" "))),
    };
    let dir = dist()?;
    let site = Site::start(dir, port)?;
    println!("racelab is served at {}  (Ctrl-C to stop)", site.url());
    site.join();
    Ok(())
}

/// A static file server for `dist/` on 127.0.0.1.
pub struct Site {
    server: Arc<Server>,
    workers: Vec<JoinHandle<()>>,
}

impl Site {
    /// Serves `dir` on `port` (0 picks a free one) from a few threads.
    pub fn start(dir: PathBuf, port: u16) -> Result<Site> {
        let server = Server::http(("127.0.0.1", port)).map_err(|e| {
            format!("could not listen on 127.0.0.1:{port}: {e} (try --port with another number)")
        })?;
        let server = Arc::new(server);
        let dir = Arc::new(dir);
        let workers = (0..4)
            .map(|_| {
                let (server, dir) = (Arc::clone(&server), Arc::clone(&dir));
                std::thread::spawn(move || {
                    for request in server.incoming_requests() {
                        let response = respond(&dir, &request);
                        // A client that went away is not our problem.
                        let _ = request.respond(response);
                    }
                })
            })
            .collect();
        Ok(Site { server, workers })
    }

    /// The site's base URL, ending in `/`.
    pub fn url(&self) -> String {
        let port = self
            .server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .unwrap_or(0);
        format!("http://127.0.0.1:{port}/")
    }

    /// Blocks while serving.
    pub fn join(self) {
        for w in self.workers {
            let _ = w.join();
        }
    }

    /// Stops serving.
    pub fn stop(&self) {
        self.server.unblock();
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
}

fn respond(dir: &Path, request: &tiny_http::Request) -> Response<std::io::Cursor<Vec<u8>>> {
    let path = request.url().split(['?', '#']).next().unwrap_or("/");
    let file = resolve(dir, path);
    let tag = file.as_deref().and_then(etag);
    let fresh = tag.as_ref().is_some_and(|tag| {
        request
            .headers()
            .iter()
            .any(|h| h.field.equiv("If-None-Match") && h.value.as_str() == tag)
    });
    let (status, body, mime) = if fresh {
        (304, Vec::new(), mime_of(file.as_deref().unwrap_or(dir)))
    } else {
        match file.as_deref().map(std::fs::read) {
            Some(Ok(body)) => (200, body, mime_of(file.as_deref().unwrap_or(dir))),
            _ => (
                404,
                format!("not found: {path}\n").into_bytes(),
                "text/plain; charset=utf-8",
            ),
        }
    };
    let mut response = Response::from_data(body)
        .with_status_code(status)
        .with_header(header("Content-Type", mime))
        // SharedArrayBuffer, and with it real threads, needs cross-origin isolation.
        .with_header(header("Cross-Origin-Opener-Policy", "same-origin"))
        .with_header(header("Cross-Origin-Embedder-Policy", "require-corp"))
        .with_header(header("Cross-Origin-Resource-Policy", "same-origin"))
        // Revalidate every time (edits show at once) but answer unchanged files with 304:
        // each pool worker fetches the scripts again, and full downloads slow its start.
        .with_header(header("Cache-Control", "no-cache"))
        // One request per connection. With kept-alive connections a request occasionally
        // went unanswered (twice in ~60 browser test runs, never reproduced alone); a fresh
        // loopback connection per file costs next to nothing.
        .with_header(header("Connection", "close"));
    if let Some(tag) = tag {
        response = response.with_header(header("ETag", &tag));
    }
    response
}

/// A validator from the file's size and modification time.
fn etag(file: &Path) -> Option<String> {
    let meta = std::fs::metadata(file).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!("\"{:x}-{:x}\"", meta.len(), modified.as_nanos()))
}

/// Maps a URL path to a file under `dir`, refusing anything that would leave it.
fn resolve(dir: &Path, url_path: &str) -> Option<PathBuf> {
    let rel = Path::new(url_path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut file = dir.join(rel);
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn mime_of(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_into_the_site_and_never_out_of_it() {
        let dir = std::env::temp_dir().join(format!("racelab-serve-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::write(dir.join("index.html"), "<!doctype html>").unwrap();
        std::fs::write(dir.join("pkg/a.wasm"), b"\0asm").unwrap();
        assert_eq!(resolve(&dir, "/"), Some(dir.join("index.html")));
        assert_eq!(resolve(&dir, "/pkg/a.wasm"), Some(dir.join("pkg/a.wasm")));
        assert_eq!(resolve(&dir, "/../etc/passwd"), None);
        assert_eq!(resolve(&dir, "/pkg/../../x"), None);
        assert_eq!(resolve(&dir, "/missing.js"), None);
        assert_eq!(mime_of(Path::new("x.wasm")), "application/wasm");
        assert_eq!(mime_of(Path::new("x.js")), "text/javascript; charset=utf-8");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
