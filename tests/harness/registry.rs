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
//!
//! For the fault tests (`tests/real/registry_faults.rs`) a registry can be
//! stopped and restarted on its port, have its password changed, and its
//! token signing key rotated (which voids every token issued so far); a
//! [`DelayProxy`] forwards to it after a delay, and a [`FaultProxy`] answers
//! chosen requests itself (a `500`, a `503`, malformed JSON) and forwards
//! the rest.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::loopback::Loopback;
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
    skip_or_fail("registry tests", &message)
}

pub use super::skip::skip_or_fail;

/// A TLS registry with htpasswd (holding `REPO:TAG`), and its CA written
/// to a file, for `--registry-ca`; `None` (the test is skipped) without
/// the tools. The folder holds the CA file: keep it alive with the registry.
pub fn trusted_registry() -> Option<(TestRegistry, TempDir, PathBuf)> {
    if !tools_available() {
        return None;
    }
    let registry = TestRegistry::start(true, Login::Htpasswd);
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, registry.ca_pem()).unwrap();
    Some((registry, dir, ca))
}

/// The variable that marks a child run of [`rerun_with_system_trust`]: the
/// values its parent passed, as a JSON list of strings.
const SYSTEM_TRUST_CHILD: &str = "BLUMEOPS_TEST_SYSTEM_TRUST_CHILD";

/// In a child run of [`rerun_with_system_trust`]: the values the parent
/// passed; `None` in an ordinary run.
pub fn system_trust_child() -> Option<Vec<String>> {
    let json = std::env::var(SYSTEM_TRUST_CHILD).ok()?;
    Some(serde_json::from_str(&json).unwrap())
}

/// Runs the test `test` of the module `module_path` (its `module_path!()`)
/// of this test binary again, alone, in a child
/// process whose system trust store holds the PEM file `ca` and nothing
/// else, the way the Dagger engine puts its CAs in the system store of the
/// module's container. The store is named with `SSL_CERT_FILE`, which the
/// client's loader of the system store (rustls-native-certs, through
/// reqwest) reads before the system's own bundle. `values` reach the child
/// through [`system_trust_child`]. A child process, because setting the
/// variable in this multi-threaded test process would race the tests that
/// build clients meanwhile. Fails the test when the child's run fails or
/// runs no test.
pub fn rerun_with_system_trust(module_path: &str, test: &str, ca: &Path, values: &[&str]) {
    let test = super::test_name(module_path, test);
    let out = Command::new(std::env::current_exe().unwrap())
        .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env("SSL_CERT_FILE", ca)
        .env_remove("SSL_CERT_DIR")
        .env(SYSTEM_TRUST_CHILD, serde_json::to_string(values).unwrap())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(" 1 passed;"),
        "{test}, run again with SSL_CERT_FILE={}, failed ({}):\n{stdout}{}",
        ca.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The credentials the protected registries accept.
pub fn creds() -> Option<Credentials> {
    Some(Credentials::new(USER, PASSWORD))
}

/// An error's whole text (`{:#}` and `{:?}`), checked for the password on
/// the way.
pub fn text(err: eyre::Report) -> String {
    let text = format!("{err:#} / {err:?}");
    assert!(!text.contains(PASSWORD), "the password leaked: {text}");
    text
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

/// Whether `openssl dgst -sha256 -verify` accepts `signature` (ASN.1 DER
/// ECDSA) of `message` with the public key file `public`: the independent
/// verifier of the signing tests (files written in `dir`).
pub fn openssl_verifies(dir: &Path, public: &Path, message: &[u8], signature: &[u8]) -> bool {
    std::fs::write(dir.join("message"), message).unwrap();
    std::fs::write(dir.join("signature.der"), signature).unwrap();
    Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(public)
        .arg("-signature")
        .arg(dir.join("signature.der"))
        .arg(dir.join("message"))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not run openssl: {e}"))
        .status
        .success()
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
    /// The registry process's id, for [`TestRegistry::stopper`].
    pid: Arc<AtomicI32>,
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
        let (child, log, port) = spawn_registry(&d.join("config.yml"));
        let mut registry = TestRegistry {
            host: String::new(),
            tls,
            login,
            tokens,
            pid: Arc::new(AtomicI32::new(child.id() as i32)),
            child,
            log,
            dir,
        };
        registry.host = format!("127.0.0.1:{}", registry.expect_port(port));
        registry.push(REPO, TAG);
        registry
    }

    fn expect_port(&self, port: Option<u16>) -> u16 {
        port.unwrap_or_else(|| {
            panic!(
                "docker-registry did not start listening:\n{}",
                self.log.lock().unwrap()
            )
        })
    }

    /// Stops the registry (SIGKILL), as a crash or a `docker stop` would.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A function that stops the registry from another thread (SIGKILL;
    /// for a proxy to stop it halfway through a request sequence).
    pub fn stopper(&self) -> impl Fn() + Send + Sync + 'static {
        let pid = Arc::clone(&self.pid);
        move || {
            // SAFETY: kill(2) on our own child; a dead, unreaped child
            // keeps its pid until `stop` or `restart` waits for it.
            unsafe {
                libc::kill(pid.load(Ordering::SeqCst), libc::SIGKILL);
            }
        }
    }

    /// Stops the registry (if running) and starts it again on the same
    /// port, with the same storage, reading its configuration (htpasswd
    /// file, token certificate) afresh.
    pub fn restart(&mut self) {
        self.stop();
        let config = self.dir.path().join("config.yml");
        let text = std::fs::read_to_string(&config)
            .unwrap()
            .replace("addr: 127.0.0.1:0", &format!("addr: {}", self.host));
        std::fs::write(&config, text).unwrap();
        let (child, log, port) = spawn_registry(&config);
        self.pid.store(child.id() as i32, Ordering::SeqCst);
        self.child = child;
        self.log = log;
        let port = self.expect_port(port);
        assert_eq!(
            format!("127.0.0.1:{port}"),
            self.host,
            "restarted elsewhere"
        );
    }

    /// Changes the password of [`USER`]: for htpasswd, a new file and a
    /// restart (distribution 2.8 reads it once); for token auth, the token
    /// server's check (tokens already issued stay valid: see
    /// [`TestRegistry::rotate_token_key`]).
    pub fn set_password(&mut self, password: &str) {
        match self.login {
            Login::Open => panic!("an open registry has no password"),
            Login::Htpasswd => {
                let line = run(Command::new("htpasswd").args(["-Bbn", USER, password]));
                std::fs::write(self.dir.path().join("htpasswd"), line.trim()).unwrap();
                self.restart();
            }
            Login::Token => self.tokens.as_ref().unwrap().set_password(password),
        }
    }

    /// Gives the token server a new signing key and restarts the registry
    /// trusting only that one: every token issued before is refused from
    /// now on (as when tokens expire or the issuer's key is rolled).
    pub fn rotate_token_key(&mut self) {
        let tokens = self.tokens.as_ref().expect("token auth");
        *tokens.signer.lock().unwrap() = make_token_key(self.dir.path());
        self.restart();
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

/// Starts `docker-registry serve <config>`: the process, its log (stderr,
/// collected by a thread), and the port it listens on (`None` when it did
/// not say within 15 seconds).
fn spawn_registry(config: &Path) -> (Child, Arc<Mutex<String>>, Option<u16>) {
    let mut child = die_with_parent(
        Command::new("docker-registry")
            .arg("serve")
            .arg(config)
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
    let port = port_rx.recv_timeout(Duration::from_secs(15)).ok();
    (child, log, port)
}

/// The port in distribution's `listening on 127.0.0.1:<port>` log line.
fn listening_port(line: &str) -> Option<u16> {
    let rest = &line[line.find("listening on 127.0.0.1:")? + "listening on 127.0.0.1:".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A test CA (`certs/ca.crt`) and a server certificate for `IP:127.0.0.1`
/// it signed (`server.crt`, `server.key`).
pub fn make_tls(d: &Path) {
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

/// Base64 (standard, padded; or URL-safe, unpadded).
pub fn base64(data: &[u8], url: bool) -> String {
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
    server: Loopback,
    requests: Arc<AtomicUsize>,
    signer: Arc<Mutex<Signer>>,
    password: Arc<Mutex<String>>,
}

impl TokenServer {
    /// Makes the signing key and certificate (`token.key`, `token.crt` in
    /// `d`) and starts serving.
    fn start(d: &Path) -> TokenServer {
        let signer = Arc::new(Mutex::new(make_token_key(d)));
        let password = Arc::new(Mutex::new(PASSWORD.to_owned()));
        let requests = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&requests);
        let (key, accepted) = (Arc::clone(&signer), Arc::clone(&password));
        let server = Loopback::serve(move |mut stream| {
            count.fetch_add(1, Ordering::SeqCst);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let answer = match read_head(&mut stream) {
                Some(head) => {
                    let password = accepted.lock().unwrap().clone();
                    key.lock().unwrap().answer(&head, &password)
                }
                None => http_response(400, "", "{}"),
            };
            let _ = stream.write_all(answer.as_bytes());
        });
        TokenServer {
            server,
            requests,
            signer,
            password,
        }
    }

    /// From now on, tokens only for this password (the old one gets a 401).
    pub fn set_password(&self, password: &str) {
        *self.password.lock().unwrap() = password.to_owned();
    }

    /// The token endpoint, as the registry's challenge names it.
    pub fn realm(&self) -> String {
        format!("http://{}/token", self.server.host)
    }

    /// How many requests the server has answered.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// A new token signing key and certificate (`token.key`, `token.crt` in
/// `d`, replacing any before), and the signer that uses them.
fn make_token_key(d: &Path) -> Signer {
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
    Signer {
        key: d.join("token.key"),
        x5c: base64(&der, false),
    }
}

struct Signer {
    key: PathBuf,
    x5c: String,
}

impl Signer {
    /// The answer to a token request, for a server that accepts
    /// [`USER`] with `password`.
    fn answer(&self, head: &Head, password: &str) -> String {
        let url = reqwest::Url::parse(&format!("http://token{}", head.target)).unwrap();
        let expected = format!(
            "Basic {}",
            base64(format!("{USER}:{password}").as_bytes(), false)
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
pub struct Head {
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// The request target (`/path?query`).
    pub target: String,
    headers: Vec<(String, String)>,
    /// The head as received.
    raw: Vec<u8>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
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
    let text = String::from_utf8_lossy(&raw).into_owned();
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some(Head {
        method,
        target,
        headers,
        raw,
    })
}

/// A whole HTTP/1.1 answer (JSON, `Connection: close`).
pub fn http_response(status: u16, extra_headers: &str, body: &str) -> String {
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
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
    _server: Loopback,
}

impl PagingProxy {
    /// Starts serving the tag lists of `backend` (`127.0.0.1:<port>`).
    pub fn start(backend: &str) -> PagingProxy {
        PagingProxy::start_with(backend, |_| {})
    }

    /// Like [`PagingProxy::start`], calling `after_page` with the number of
    /// pages served so far after each page is sent. A backend that cannot
    /// be reached gets the client a `502 Bad Gateway`, as from a reverse
    /// proxy in front of a registry that is down.
    pub fn start_with(backend: &str, after_page: impl Fn(usize) + Send + 'static) -> PagingProxy {
        let pages = Arc::new(AtomicUsize::new(0));
        let (served, backend) = (Arc::clone(&pages), backend.to_owned());
        // The proxy's own address, for its `Link` headers: known once it
        // listens, before the first connection is handled.
        let me = Arc::new(std::sync::OnceLock::<String>::new());
        let own = Arc::clone(&me);
        let server = Loopback::serve(move |mut stream| {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let before = served.load(Ordering::SeqCst);
            let me = own.wait();
            let answer = match read_head(&mut stream) {
                Some(head) => page(&backend, me, &head, &served),
                None => http_response(400, "", "{}"),
            };
            let _ = stream.write_all(answer.as_bytes());
            drop(stream);
            let after = served.load(Ordering::SeqCst);
            if after > before {
                after_page(after);
            }
        });
        let host = server.host.clone();
        me.set(host.clone()).unwrap();
        PagingProxy {
            host,
            pages,
            _server: server,
        }
    }

    /// How many tag-list pages were served.
    pub fn pages(&self) -> usize {
        self.pages.load(Ordering::SeqCst)
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
    let Ok((status, body)) = http_get(backend, url.path()) else {
        return http_response(
            502,
            "",
            r#"{"errors":[{"code":"UNAVAILABLE","message":"the registry behind the proxy is down"}]}"#,
        );
    };
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

/// A plain HTTP/1.0 GET: (status, body), or why the backend could not be
/// asked.
fn http_get(host: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(host)?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n")?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Ok((status, body.to_owned()))
}

// ---- faults --------------------------------------------------------------

/// How long a proxy's connection threads wait on a silent peer before they
/// give up: no thread of a proxy outlives a test by more than this.
const PROXY_IDLE: Duration = Duration::from_secs(10);

/// Copies `from` to `to` until either side closes (or [`PROXY_IDLE`] of
/// silence), then shuts `to`'s writing half so the peer sees the end.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = from.set_read_timeout(Some(PROXY_IDLE));
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(std::net::Shutdown::Write);
}

/// A TCP proxy that forwards each connection to a backend after a delay:
/// a registry that is slow to answer. The connection is accepted at once
/// (the client's connect timeout does not fire; its request timeout does
/// when the delay is longer).
pub struct DelayProxy {
    /// `127.0.0.1:<port>`.
    pub host: String,
    _server: Loopback,
}

impl DelayProxy {
    pub fn start(backend: &str, delay: Duration) -> DelayProxy {
        let backend = backend.to_owned();
        let server = Loopback::serve(move |client| {
            let backend = backend.clone();
            thread::spawn(move || {
                thread::sleep(delay);
                let Ok(server) = TcpStream::connect(&backend) else {
                    return;
                };
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let up = thread::spawn(move || pipe(c2, s2));
                pipe(server, client);
                let _ = up.join();
            });
        });
        DelayProxy {
            host: server.host.clone(),
            _server: server,
        }
    }
}

/// What a [`FaultProxy`] does with a request: its raw answer (see
/// [`http_response`]), or `None` to forward it. Called with the request's
/// head and its number (0 for the first request the proxy received).
pub type Fault = dyn Fn(&Head, usize) -> Option<String> + Send + Sync;

/// An HTTP proxy in front of a registry that answers the requests its
/// [`Fault`] picks itself and forwards the rest, one request per
/// connection (`Connection: close` both ways). Every request line is
/// recorded.
pub struct FaultProxy {
    /// `127.0.0.1:<port>`.
    pub host: String,
    requests: Arc<Mutex<Vec<String>>>,
    _server: Loopback,
}

impl FaultProxy {
    pub fn start(
        backend: &str,
        fault: impl Fn(&Head, usize) -> Option<String> + Send + Sync + 'static,
    ) -> FaultProxy {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (seen, backend) = (Arc::clone(&requests), backend.to_owned());
        let fault: Arc<Fault> = Arc::new(fault);
        let server = Loopback::serve(move |mut client| {
            let _ = client.set_read_timeout(Some(PROXY_IDLE));
            let Some(head) = read_head(&mut client) else {
                return;
            };
            let number = {
                let mut seen = seen.lock().unwrap();
                seen.push(format!("{} {}", head.method, head.target));
                seen.len() - 1
            };
            if let Some(answer) = fault(&head, number) {
                let _ = client.write_all(answer.as_bytes());
                return;
            }
            let Ok(mut server) = TcpStream::connect(&backend) else {
                let _ = client.write_all(http_response(502, "", "{}").as_bytes());
                return;
            };
            let _ = server.write_all(&close_after(&head.raw));
            thread::spawn(move || pipe(server, client));
        });
        FaultProxy {
            host: server.host.clone(),
            requests,
            _server: server,
        }
    }

    /// The request lines received so far (`HEAD /v2/...`).
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// A request head with `Connection: close` in place of any `Connection`
/// header, so that the backend closes after its answer.
fn close_after(raw: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw);
    let mut out: Vec<&str> = text
        .trim_end_matches("\r\n")
        .split("\r\n")
        .filter(|l| {
            !l.split_once(':')
                .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case("connection"))
        })
        .collect();
    out.push("Connection: close");
    format!("{}\r\n\r\n", out.join("\r\n")).into_bytes()
}
