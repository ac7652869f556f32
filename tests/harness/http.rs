//! The recording engine over HTTP, for the module's real binary: the
//! engine's session endpoint (`POST http://127.0.0.1:<port>/query`, a
//! GraphQL request as JSON, the session token as Basic auth), which
//! dagger-sdk's `connect` finds through `DAGGER_SESSION_PORT` and
//! `DAGGER_SESSION_TOKEN`, as when the engine starts the binary for a call.
//!
//! [`Engine::run_binary`] starts the binary that way and returns what the
//! engine would see of it: its exit status, its stderr, and its resource
//! use (wall time, peak RSS), with the queries and results recorded in the
//! engine as for an in-process run.
//!
//! The peak RSS is measured by GNU time (`/usr/bin/time`, Debian package
//! `time`) when installed: a child started from the test process directly
//! would report the test process's own peak (Linux keeps the larger of the
//! pre-`exec` and post-`exec` peaks), so a small process must start it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Engine;
use super::loopback::Loopback;

/// The session token the served engine expects.
const TOKEN: &str = "harness-session-token";

/// What one run of the binary produced, besides what the engine recorded.
#[derive(Debug)]
pub struct BinaryRun {
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// From start to exit.
    pub wall: Duration,
    /// The process's peak resident set size, in KiB (`None` without GNU
    /// time).
    pub max_rss_kib: Option<u64>,
}

/// The engine served on a local port until dropped.
fn serve(engine: &Engine) -> Loopback {
    let engine = engine.clone();
    Loopback::serve(move |stream| {
        let engine = engine.clone();
        thread::spawn(move || connection(&engine, stream));
    })
}

/// Answers the requests of one (keep-alive) connection.
fn connection(engine: &Engine, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut authorized = false;
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.parse().unwrap_or(0),
                    "authorization" => authorized = value.starts_with("Basic "),
                    _ => {}
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer = if !authorized || !line.starts_with("POST /query ") {
            json!({"errors": [{"message": "harness: POST /query with the session token only"}]})
        } else {
            let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            match engine.answer(request["query"].as_str().unwrap_or_default()) {
                Ok(data) => json!({ "data": data }),
                Err(refusal) => json!({"errors": [refusal.json()]}),
            }
        };
        let text = answer.to_string();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            text.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(text.as_bytes()).is_err()
        {
            return;
        }
    }
}

impl Engine {
    /// Serves this engine on a local port and runs `binary` as the engine
    /// runs the module for a call, waiting for it to exit (killed after
    /// two minutes, so that a hang fails the test instead of holding it).
    pub fn run_binary(&self, binary: &Path) -> BinaryRun {
        let served = serve(self);
        let gnu_time = Path::new("/usr/bin/time");
        let rss_file = tempfile::NamedTempFile::new().unwrap();
        let mut command = if gnu_time.is_file() {
            let mut c = Command::new(gnu_time);
            c.args(["-f", "%M", "-o"]).arg(rss_file.path()).arg(binary);
            c
        } else {
            Command::new(binary)
        };
        let started = Instant::now();
        let mut child = command
            .env("DAGGER_SESSION_PORT", served.port().to_string())
            .env("DAGGER_SESSION_TOKEN", TOKEN)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", binary.display()));
        let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        let out = thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        let err = thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        let status = wait_bounded(&mut child, Duration::from_secs(120));
        let wall = started.elapsed();
        // GNU time's last line is the peak in KiB (after a line about a
        // non-zero exit status, if any).
        let max_rss_kib = std::fs::read_to_string(rss_file.path())
            .ok()
            .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()));
        BinaryRun {
            code: status.code(),
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
            wall,
            max_rss_kib,
        }
    }
}

/// Waits for `child`, killing it after `limit`.
fn wait_bounded(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
        }
        thread::sleep(Duration::from_millis(1));
    }
}
