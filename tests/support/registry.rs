//! A real registry for the registry client's tests: Debian's
//! `docker-registry` (the CNCF distribution registry, v2.8), started by the
//! test on `127.0.0.1` on a port the kernel picks, in a temporary directory,
//! optionally with TLS (a test CA and a server certificate for
//! `IP:127.0.0.1`, made with `openssl`) and with `htpasswd` (bcrypt, made
//! with `htpasswd -B`) or token auth (a small token server here, issuing
//! RS256 JWTs with an `x5c` chain that the registry checks against its
//! `rootcertbundle`; signed with `openssl dgst`).
//!
//! Images are pushed with `skopeo copy` from an OCI layout built with
//! `umoci`, holding a static busybox. Every process is killed when its
//! guard drops (and, on Linux, when the test process dies).
//!
//! The distribution registry v2.8 ignores `?n=` on tag lists (pagination of
//! tag lists came in v3), so [`PagingProxy`] serves a plain registry's tags
//! in pages with `Link` headers the way distribution v3, zot and Harbor do.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use blumeops_ci::registry::{Credentials, RegistryClient, Scheme};
use tempfile::TempDir;

/// The user the protected registries know.
pub const USER: &str = "ci-user";
/// That user's password.
pub const PASSWORD: &str = "s3cret-Pa55word";
/// The repository images are pushed to.
pub const REPO: &str = "blumeops/nettest";
/// The tag the first image is pushed under.
pub const TAG: &str = "v0.1.0-0123456";

const SERVICE: &str = "blumeops-test-registry";
const ISSUER: &str = "blumeops-test-issuer";

/// The tools the tests run: (binary, Debian package).
const TOOLS: [(&str, &str); 6] = [
    ("docker-registry", "docker-registry"),
    ("skopeo", "skopeo"),
    ("umoci", "umoci"),
    ("busybox", "busybox-static"),
    ("htpasswd", "apache2-utils"),
    ("openssl", "openssl"),
];

fn on_path(binary: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .any(|dir| dir.join(binary).is_file())
}

/// Whether every tool is installed. When one is missing: under `CI` the
/// test fails, elsewhere it prints why the tests are skipped and returns
/// `false`.
pub fn tools_available() -> bool {
    let missing: Vec<_> = TOOLS.iter().filter(|(bin, _)| !on_path(bin)).collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "the registry tests need {} (Debian packages: {}); run ci/install-test-deps",
        missing
            .iter()
            .map(|(b, _)| *b)
            .collect::<Vec<_>>()
            .join(", "),
        missing
            .iter()
            .map(|(_, p)| *p)
            .collect::<Vec<_>>()
            .join(" "),
    );
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    if ci {
        panic!("{message} (CI is set: missing tools fail the tests)");
    }
    // Written to stderr directly, not with `eprintln!`, so that the test
    // harness does not capture it; said once per run.
    static SAID: AtomicBool = AtomicBool::new(false);
    if !SAID.swap(true, Ordering::SeqCst) {
        let _ = writeln!(std::io::stderr(), "SKIPPED (registry tests): {message}");
    }
    false
}

/// Runs a command, failing the test with its output when it fails.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Kills the child with the test process, even when the test process is
/// killed without unwinding (Linux: the parent-death signal).
fn die_with_parent(cmd: &mut Command) -> &mut Command {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork
        // and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
    cmd
}

/// How the registry checks who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// Anyone may read and push.
    Open,
    /// Basic auth against a bcrypt htpasswd file.
    Htpasswd,
    /// Bearer tokens from a [`TokenServer`].
    Token,
}

/// A running registry; killed on drop.
pub struct TestRegistry {
    /// `127.0.0.1:<port>`.
    pub host: String,
    pub tls: bool,
    pub login: Login,
    /// The token server, for [`Login::Token`].
    pub tokens: Option<TokenServer>,
    child: Child,
    log: Arc<Mutex<String>>,
    dir: TempDir,
}

impl TestRegistry {
    /// Starts a registry, with an image pushed as `REPO:TAG`.
    pub fn start(tls: bool, login: Login) -> TestRegistry {
        let dir = tempfile::Builder::new()
            .prefix("blumeops-ci-registry-")
            .tempdir()
            .unwrap();
        let d = dir.path();
        let mut config = format!(
            "version: 0.1\n\
             log:\n  level: info\n  accesslog:\n    disabled: true\n\
             storage:\n  filesystem:\n    rootdirectory: {}\n\
             http:\n  addr: 127.0.0.1:0\n  secret: test-secret\n",
            d.join("storage").display()
        );
        if tls {
            make_tls(d);
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                d.join("server.crt").display(),
                d.join("server.key").display()
            ));
        }
        let mut tokens = None;
        match login {
            Login::Open => {}
            Login::Htpasswd => {
                let line = run(Command::new("htpasswd").args(["-Bbn", USER, PASSWORD]));
                std::fs::write(d.join("htpasswd"), line.trim()).unwrap();
                config.push_str(&format!(
                    "auth:\n  htpasswd:\n    realm: blumeops-test\n    path: {}\n",
                    d.join("htpasswd").display()
                ));
            }
            Login::Token => {
                let server = TokenServer::start(d);
                config.push_str(&format!(
                    "auth:\n  token:\n    realm: {}\n    service: {SERVICE}\n    issuer: \
                     {ISSUER}\n    rootcertbundle: {}\n",
                    server.realm(),
                    d.join("token.crt").display()
                ));
                tokens = Some(server);
            }
        }
        std::fs::write(d.join("config.yml"), &config).unwrap();

        let mut child = die_with_parent(
            Command::new("docker-registry")
                .arg("serve")
                .arg(d.join("config.yml"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped()),
        )
        .spawn()
        .expect("could not start docker-registry");
        let log = Arc::new(Mutex::new(String::new()));
        let (port_tx, port_rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(port) = listening_port(&line) {
                    let _ = port_tx.send(port);
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let port = port_rx.recv_timeout(Duration::from_secs(15));
        let mut registry = TestRegistry {
            host: String::new(),
            tls,
            login,
            tokens,
            child,
            log,
            dir,
        };
        match port {
            Ok(port) => registry.host = format!("127.0.0.1:{port}"),
            Err(_) => panic!(
                "docker-registry did not start listening:\n{}",
                registry.log.lock().unwrap()
            ),
        }
        registry.push(REPO, TAG);
        registry
    }

    /// The registry's log so far (for failure messages).
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The test CA's certificate (PEM), with TLS.
    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.dir.path().join("certs/ca.crt")).unwrap()
    }

    /// A client for this registry: its scheme, the test CA.
    pub fn client(&self, creds: Option<Credentials>) -> RegistryClient {
        let client = RegistryClient::new(&self.host, creds).unwrap();
        if self.tls {
            client.with_root_ca_pem(&self.ca_pem()).unwrap()
        } else {
            client.with_scheme(Scheme::Http)
        }
    }

    /// `skopeo`'s options for this registry (`dest` for copies to it).
    fn skopeo_opts(&self, prefix: &str) -> Vec<String> {
        let mut opts = Vec::new();
        if self.tls {
            opts.push(format!(
                "--{prefix}cert-dir={}",
                self.dir.path().join("certs").display()
            ));
        } else {
            opts.push(format!("--{prefix}tls-verify=false"));
        }
        if self.login != Login::Open {
            opts.push(format!("--{prefix}creds={USER}:{PASSWORD}"));
        }
        opts
    }

    /// Pushes the busybox image as `repo:tag` with `skopeo copy`.
    pub fn push(&self, repo: &str, tag: &str) {
        let layout = self.dir.path().join("layout");
        if !layout.exists() {
            make_layout(self.dir.path());
        }
        run(Command::new("skopeo")
            .args(["copy", "--quiet", "--retry-times=0"])
            .args(self.skopeo_opts("dest-"))
            .arg(format!("oci:{}:image", layout.display()))
            .arg(format!("docker://{}/{repo}:{tag}", self.host)));
    }

    /// The digest `skopeo inspect` reports for `repo:tag`.
    pub fn skopeo_digest(&self, repo: &str, tag: &str) -> String {
        run(Command::new("skopeo")
            .arg("inspect")
            .args(self.skopeo_opts(""))
            .args(["--format", "{{.Digest}}"])
            .arg(format!("docker://{}/{repo}:{tag}", self.host)))
        .trim()
        .to_owned()
    }

    /// Tags the manifest of `repo:from` as each of `tags` too, with the
    /// registry API (GET the manifest, PUT it under the new tags). Only for
    /// an open plain-HTTP registry.
    pub async fn retag(&self, repo: &str, from: &str, tags: &[String]) {
        assert!(
            !self.tls && self.login == Login::Open,
            "retag needs an open plain registry"
        );
        let http = reqwest::Client::new();
        let base = format!("http://{}/v2/{repo}/manifests", self.host);
        let manifest = http
            .get(format!("{base}/{from}"))
            .header("accept", "application/vnd.oci.image.manifest.v1+json")
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
        let media_type = manifest.headers()["content-type"].clone();
        let body = manifest.bytes().await.unwrap();
        for tag in tags {
            http.put(format!("{base}/{tag}"))
                .header("content-type", media_type.clone())
                .body(body.clone())
                .send()
                .await
                .unwrap()
                .error_for_status()
                .unwrap_or_else(|e| panic!("PUT {tag}: {e}"));
        }
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port in distribution's `listening on 127.0.0.1:<port>` log line.
fn listening_port(line: &str) -> Option<u16> {
    let rest = &line[line.find("listening on 127.0.0.1:")? + "listening on 127.0.0.1:".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A test CA (`certs/ca.crt`) and a server certificate for `IP:127.0.0.1`
/// it signed (`server.crt`, `server.key`).
fn make_tls(d: &Path) {
    std::fs::create_dir_all(d.join("certs")).unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(Command::new("openssl")
        .current_dir(d)
        .args(["req", "-x509"])
        .args(ec)
        .args(["-keyout", "ca.key", "-out", "certs/ca.crt", "-days", "2"])
        .args(["-subj", "/CN=blumeops-ci test CA"]));
    run(Command::new("openssl")
        .current_dir(d)
        .args(["req", "-new"])
        .args(ec)
        .args([
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]));
    std::fs::write(
        d.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(Command::new("openssl").current_dir(d).args([
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "certs/ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]));
}

/// An OCI layout (`layout`, image `image`) whose one layer holds a static
/// busybox.
pub fn make_layout(d: &Path) {
    let layout = d.join("layout");
    let image = format!("{}:image", layout.display());
    let bundle = d.join("bundle");
    run(Command::new("umoci")
        .args(["init", "--layout"])
        .arg(&layout));
    run(Command::new("umoci").args(["new", "--image", &image]));
    run(Command::new("umoci")
        .args(["unpack", "--rootless", "--image", &image])
        .arg(&bundle));
    let bin = bundle.join("rootfs/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy("/bin/busybox", bin.join("busybox")).unwrap();
    run(Command::new("umoci")
        .args(["repack", "--image", &image])
        .arg(&bundle));
}

// ---- token auth ----------------------------------------------------------

fn base64(data: &[u8], url: bool) -> String {
    let alphabet: &[u8; 64] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        if !url {
            out.push_str(&"=".repeat(3 - chunk.len()));
        }
    }
    out
}

/// A token server for distribution's `auth: token`: checks Basic
/// credentials, answers `{"token": <JWT>}`. Wrong credentials get a 401;
/// no credentials an anonymous token that grants nothing.
pub struct TokenServer {
    port: u16,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl TokenServer {
    /// Makes the signing key and certificate (`token.key`, `token.crt` in
    /// `d`) and starts serving.
    fn start(d: &Path) -> TokenServer {
        run(Command::new("openssl").current_dir(d).args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "token.key",
            "-out",
            "token.crt",
            "-days",
            "2",
            "-subj",
            "/CN=blumeops-ci test token issuer",
        ]));
        let der = run_bytes(Command::new("openssl").current_dir(d).args([
            "x509",
            "-in",
            "token.crt",
            "-outform",
            "DER",
        ]));
        let signer = Signer {
            key: d.join("token.key"),
            x5c: base64(&der, false),
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, stopped) = (Arc::clone(&requests), Arc::clone(&stop));
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut stream) = stream else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let answer = match read_head(&mut stream) {
                    Some(head) => signer.answer(&head),
                    None => http_response(400, "", "{}"),
                };
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        TokenServer {
            port,
            requests,
            stop,
        }
    }

    /// The token endpoint, as the registry's challenge names it.
    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }

    /// How many requests the server has answered.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

struct Signer {
    key: PathBuf,
    x5c: String,
}

impl Signer {
    fn answer(&self, head: &Head) -> String {
        let url = reqwest::Url::parse(&format!("http://token{}", head.target)).unwrap();
        let expected = format!(
            "Basic {}",
            base64(format!("{USER}:{PASSWORD}").as_bytes(), false)
        );
        let access: Vec<serde_json::Value> = match head.header("authorization") {
            Some(auth) if auth == expected => url
                .query_pairs()
                .filter(|(k, _)| k == "scope")
                .filter_map(|(_, scope)| {
                    let mut parts = scope.splitn(3, ':');
                    let (kind, name, actions) = (parts.next()?, parts.next()?, parts.next()?);
                    Some(serde_json::json!({
                        "type": kind,
                        "name": name,
                        "actions": actions.split(',').collect::<Vec<_>>(),
                    }))
                })
                .collect(),
            Some(_) => {
                return http_response(401, "", r#"{"details":"incorrect username or password"}"#);
            }
            None => Vec::new(),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]});
        let claims = serde_json::json!({
            "iss": ISSUER,
            "sub": USER,
            "aud": SERVICE,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": format!("{now}-{}", std::process::id()),
            "access": access,
        });
        let signing_input = format!(
            "{}.{}",
            base64(header.to_string().as_bytes(), true),
            base64(claims.to_string().as_bytes(), true)
        );
        let signature = sign(&self.key, signing_input.as_bytes());
        let token = format!("{signing_input}.{}", base64(&signature, true));
        http_response(
            200,
            "",
            &serde_json::json!({"token": token, "expires_in": 300}).to_string(),
        )
    }
}

/// An RS256 signature (RSASSA-PKCS1-v1_5 with SHA-256), by `openssl dgst`.
fn sign(key: &Path, data: &[u8]) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl dgst: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn run_bytes(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

// ---- minimal HTTP --------------------------------------------------------

/// A request's first line and headers.
struct Head {
    /// The request target (`/path?query`).
    target: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_head(stream: &mut TcpStream) -> Option<Head> {
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 || raw.len() > 64 * 1024 {
            return None;
        }
        raw.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&raw);
    let mut lines = text.split("\r\n");
    let target = lines.next()?.split(' ').nth(1)?.to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some(Head { target, headers })
}

fn http_response(status: u16, extra_headers: &str, body: &str) -> String {
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Bad Request",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: \
         {}\r\nConnection: close\r\n{extra_headers}\r\n{body}",
        body.len()
    )
}

// ---- pagination ----------------------------------------------------------

/// A plain-HTTP front for an open plain-HTTP registry that serves its tag
/// lists in pages: `?n=` and `?last=` as the distribution spec has them,
/// tags in lexical order, and a `Link: <...>; rel="next"` to the next page,
/// relative on the first page and absolute after it. Other paths are 404.
pub struct PagingProxy {
    /// `127.0.0.1:<port>`.
    pub host: String,
    pages: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl PagingProxy {
    /// Starts serving the tag lists of `backend` (`127.0.0.1:<port>`).
    pub fn start(backend: &str) -> PagingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let pages = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (served, stopped, backend, me) = (
            Arc::clone(&pages),
            Arc::clone(&stop),
            backend.to_owned(),
            host.clone(),
        );
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let answer = match read_head(&mut stream) {
                    Some(head) => page(&backend, &me, &head, &served),
                    None => http_response(400, "", "{}"),
                };
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        PagingProxy { host, pages, stop }
    }

    /// How many tag-list pages were served.
    pub fn pages(&self) -> usize {
        self.pages.load(Ordering::SeqCst)
    }
}

impl Drop for PagingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.host);
    }
}

fn page(backend: &str, me: &str, head: &Head, served: &AtomicUsize) -> String {
    let url = reqwest::Url::parse(&format!("http://{me}{}", head.target)).unwrap();
    if !url.path().ends_with("/tags/list") {
        return http_response(
            404,
            "",
            r#"{"errors":[{"code":"NOT_FOUND","message":"proxy"}]}"#,
        );
    }
    let (status, body) = http_get(backend, url.path());
    if status != 200 {
        return http_response(status, "", &body);
    }
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut tags: Vec<String> = serde_json::from_value(list["tags"].clone()).unwrap();
    tags.sort();
    let query = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    let n = query("n")
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    let last = query("last");
    let rest: Vec<&String> = tags
        .iter()
        .filter(|t| last.as_ref().is_none_or(|l| t.as_str() > l.as_str()))
        .collect();
    let page: Vec<&String> = rest.iter().take(n).copied().collect();
    let first = served.fetch_add(1, Ordering::SeqCst) == 0;
    let link = match page.last() {
        Some(end) if rest.len() > page.len() => {
            let next = format!("{}?n={n}&last={end}", url.path());
            if first {
                format!("Link: <{next}>; rel=\"next\"\r\n")
            } else {
                format!("Link: <http://{me}{next}>; rel=\"next\"\r\n")
            }
        }
        _ => String::new(),
    };
    let body = serde_json::json!({"name": list["name"], "tags": page}).to_string();
    http_response(200, &link, &body)
}

/// A plain HTTP/1.0 GET: (status, body).
fn http_get(host: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(host).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}
