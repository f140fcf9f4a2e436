//! `cargo xtask serve`: the site on localhost with the headers real threads need.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::headers::SITE;
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
///
/// One thread per connection, one request per connection, and a read timeout: browsers open
/// (and pre-open) several sockets at once and keep idle ones, so a server that serves
/// connections from a small pool can leave a new one waiting behind idle ones for minutes.
/// (tiny_http did exactly that here: the first page of a test run sometimes never loaded.)
pub struct Site {
    addr: SocketAddr,
    stopped: Arc<AtomicBool>,
    acceptor: JoinHandle<()>,
}

impl Site {
    /// Serves `dir` on `port` (0 picks a free one).
    pub fn start(dir: PathBuf, port: u16) -> Result<Site> {
        let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
            format!("could not listen on 127.0.0.1:{port}: {e} (try --port with another number)")
        })?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let stopped = Arc::new(AtomicBool::new(false));
        let dir = Arc::new(dir);
        let flag = Arc::clone(&stopped);
        let acceptor = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let dir = Arc::clone(&dir);
                std::thread::spawn(move || {
                    // A client that went away is not our problem.
                    let _ = serve_one(&dir, stream);
                });
            }
        });
        Ok(Site {
            addr,
            stopped,
            acceptor,
        })
    }

    /// The site's base URL, ending in `/`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.addr.port())
    }

    /// Blocks while serving.
    pub fn join(self) {
        let _ = self.acceptor.join();
    }

    /// Stops accepting connections.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
        // Wake the acceptor so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Reads one request from `stream` and answers it.
fn serve_one(dir: &Path, stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut if_none_match = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("if-none-match") {
                if_none_match = Some(value.trim().to_string());
            }
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let (status, headers, body) = respond(dir, target, if_none_match.as_deref());
    let mut out = stream;
    let reason = match status {
        200 => "OK",
        304 => "Not Modified",
        _ => "Not Found",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    if method != "HEAD" && status != 304 {
        out.write_all(&body)?;
    }
    out.flush()
}

/// Status, headers and body for a GET of `target`.
fn respond(
    dir: &Path,
    target: &str,
    if_none_match: Option<&str>,
) -> (u16, Vec<(&'static str, String)>, Vec<u8>) {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let file = resolve(dir, path);
    let tag = file.as_deref().and_then(etag);
    let mut headers: Vec<(&'static str, String)> = SITE
        .iter()
        .map(|&(name, value)| (name, value.to_string()))
        .collect();
    // Revalidate every time (edits show at once) but answer unchanged files with 304:
    // each pool worker fetches the scripts again, and full downloads slow its start.
    headers.push(("Cache-Control", "no-cache".to_string()));
    let Some(file) = file else {
        headers.push(("Content-Type", "text/plain; charset=utf-8".to_string()));
        return (404, headers, format!("not found: {path}\n").into_bytes());
    };
    headers.push(("Content-Type", mime_of(&file).to_string()));
    if let Some(tag) = tag {
        let fresh = if_none_match == Some(tag.as_str());
        headers.push(("ETag", tag));
        if fresh {
            return (304, headers, Vec::new());
        }
    }
    match std::fs::read(&file) {
        Ok(body) => (200, headers, body),
        Err(_) => (404, headers, b"not readable\n".to_vec()),
    }
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
        "py" => "text/x-python; charset=utf-8",
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

    #[test]
    fn every_response_carries_the_site_headers() {
        let (_, headers, _) = respond(&crate::root().join("www"), "/index.html", None);
        for (name, value) in SITE {
            assert!(headers.contains(&(name, value.to_string())), "{name}");
        }
    }
}
