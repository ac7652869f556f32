//! The bad-input table: every function × each kind of bad input that
//! applies to it, through the recording engine (`tests/harness/`), on a
//! small fake ops repository (`tests/fixtures/bad-input/`).
//!
//! For each row the test checks that the error comes back through
//! `returnError`, that it contains the row's fragment, that nothing was
//! published (no `publish` leaf), and that the call ended, without a panic,
//! within [`ROW_TIME_LIMIT`]. `docs/bad-input.md` is generated from [`ROWS`]
//! and the messages the calls really returned; the test fails when the
//! committed page is stale. Refresh it with
//! `BLUMEOPS_BLESS=1 cargo test --test bad_input` and commit it.
//!
//! Adding a row is one line in [`ROWS`]: function, what is wrong, the
//! arguments, the fixture, and a fragment of the expected message.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use crate::harness::{Engine, Returned, SHA, crate_root};
use blumeops_ci::functions::FUNCTIONS;
use blumeops_ci::module::arg_spec::kebab_case;
use serde_json::{Value, json};

/// The longest a row may take, a guard against a hang (not a speed goal).
const ROW_TIME_LIMIT: Duration = Duration::from_secs(120);

/// One argument of a row.
#[derive(Debug, Clone, Copy)]
enum A {
    S(&'static str),
    L(&'static [&'static str]),
    I(i64),
    B(bool),
    /// `text` repeated to `bytes` bytes.
    Huge(&'static str, usize),
    /// Leave out an argument the function's defaults below would add.
    Absent,
    /// A Secret whose plaintext is this text.
    Secret(&'static str),
    /// A Secret whose plaintext is this file of `tests/fixtures/signing/`.
    KeyFile(&'static str),
    /// A File: this file of `tests/fixtures/signing/`.
    PemFile(&'static str),
}

/// The repository a row runs on.
#[derive(Debug, Clone, Copy)]
enum Fx {
    /// `tests/fixtures/bad-input`.
    Repo,
    /// A folder without `containers/`.
    NoContainers,
    /// `containers/huge/Dockerfile`: 10 MB of instructions and no version.
    HugeDockerfile,
    /// `tests/fixtures/bad-input`, where every command the module runs is
    /// killed by SIGKILL (exit status 137, as the kernel's OOM killer
    /// leaves it).
    Killed,
    /// `tests/fixtures/bad-input` (no flake.lock), where the Nix image
    /// cannot reach its flake registry (no network).
    RegistryDown,
    /// `tests/fixtures/bad-input`, where every command the module runs ends
    /// with this exit status, stdout and stderr: what the build script and
    /// Nix 2.8 print (`tests/real/nix_real.rs`), or git (`tests/real/git_real.rs`).
    Nix(i32, &'static str, &'static str),
    /// `tests/fixtures/flakes` (a host flake at `nixos/ringtail`, Forgejo
    /// workflows), where every command the module runs ends with this exit
    /// status, stdout and stderr (what the real tool printed).
    Flakes(i32, &'static str, &'static str),
    /// Another repository under `tests/fixtures/bad-input/`, by its folder.
    Sub(&'static str),
}

/// One row: function (wire name), what is wrong, arguments, fixture,
/// a fragment of the message.
type Row = (
    &'static str,
    &'static str,
    &'static [(&'static str, A)],
    Fx,
    &'static str,
);

const MIB: usize = 1 << 20;

use A::*;
use Fx::*;

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // build
    ("build", "invalid container name", &[("containerName", S("Nettest"))], Repo, "`Nettest` is not a valid container name"),
    ("build", "traversing container name", &[("containerName", S("../containers/good"))], Repo, "is not a valid container name"),
    ("build", "traversing container name", &[("containerName", S(".."))], Repo, "is not a valid container name"),
    ("build", "empty container name", &[("containerName", S(""))], Repo, "the container name is empty"),
    ("build", "1 MiB container name", &[("containerName", Huge("a", MIB))], Repo, "characters long"),
    ("build", "missing build file", &[("containerName", S("no-such"))], Repo, "containers/no-such/Dockerfile does not exist"),
    ("build", "missing build file (Nix only)", &[("containerName", S("nix-only"))], Repo, "(it has a default.nix"),
    ("build", "--src without containers/", &[("containerName", S("good"))], NoContainers, "Is --src the root of the ops repository"),
    ("build", "bad build_args: no `=`", &[("containerName", S("good")), ("buildArgs", L(&["NOEQUALS"]))], Repo, "has no `=`"),
    ("build", "bad build_args: bad name", &[("containerName", S("good")), ("buildArgs", L(&["1A=2"]))], Repo, "is not a build argument name"),
    ("build", "bad build_args: line break", &[("containerName", S("good")), ("buildArgs", L(&["A=1\n2"]))], Repo, "contains a line break"),
    ("build", "bad platform", &[("containerName", S("good")), ("platform", S("amd64"))], Repo, "`amd64` is not a platform"),
    ("build", "bad target", &[("containerName", S("good")), ("target", S("a b"))], Repo, "is not a build stage name"),
    ("build", "traversing --dockerfile", &[("containerName", S("good")), ("dockerfile", S("../no-version/Dockerfile"))], Repo, "is not a path inside the container's folder"),
    ("build", "missing --dockerfile", &[("containerName", S("good")), ("dockerfile", S("Dockerfile.nope"))], Repo, "containers/good/Dockerfile.nope does not exist"),
    ("build", "bad source URL", &[("containerName", S("good")), ("sourceUrl", S("github.com/x"))], Repo, "is not a URL"),
    ("build", "malformed SHA", &[("containerName", S("good")), ("commitSha", S("main"))], Repo, "`main` is not a commit SHA"),
    ("build", "malformed SHA: 41 digits", &[("containerName", S("good")), ("commitSha", S("0123456789abcdef0123456789abcdef012345678"))], Repo, "is not a commit SHA"),
    // containers (a broken build file is a row of its table, not an error)
    ("containers", "--src without containers/", &[], NoContainers, "no folder under containers/ has a Dockerfile or a default.nix"),
    // version
    ("version", "invalid container name", &[("containerName", S("Nettest"))], Repo, "is not a valid container name"),
    ("version", "traversing container name", &[("containerName", S("../../etc"))], Repo, "is not a valid container name"),
    ("version", "empty container name", &[("containerName", S(""))], Repo, "the container name is empty"),
    ("version", "1 MiB container name", &[("containerName", Huge("a", MIB))], Repo, "characters long"),
    ("version", "missing build file", &[("containerName", S("no-such"))], Repo, "containers/no-such/Dockerfile does not exist"),
    ("version", "missing build file (Nix only)", &[("containerName", S("nix-only"))], Repo, "(it has a default.nix"),
    ("version", "missing build file (no default.nix)", &[("containerName", S("good")), ("variant", S("nix"))], Repo, "(it has a Dockerfile"),
    ("version", "bad variant", &[("containerName", S("good")), ("variant", S("docker"))], Repo, "--variant=dockerfile"),
    ("version", "malformed Dockerfile: unterminated quote", &[("containerName", S("unterminated-quote"))], Repo, "a double quote is not closed"),
    ("version", "malformed Dockerfile: substitution in the version", &[("containerName", S("substitution"))], Repo, "uses variable substitution"),
    ("version", "malformed Dockerfile: no version", &[("containerName", S("no-version"))], Repo, "has no `ARG CONTAINER_APP_VERSION=<version>`"),
    ("version", "version that cannot form a tag", &[("containerName", S("bad-tag-version"))], Repo, "cannot be part of an image tag"),
    ("version", "10 MB Dockerfile", &[("containerName", S("huge"))], HugeDockerfile, "has no `ARG CONTAINER_APP_VERSION=<version>`"),
    ("version", "default.nix without a version", &[("containerName", S("nix-no-version")), ("variant", S("nix"))], Repo, "sets no `version"),
    // tags (with a valid --commit-sha unless the row says otherwise)
    ("tags", "invalid container name", &[("containerName", S("a/b"))], Repo, "is not a valid container name"),
    ("tags", "traversing container name", &[("containerName", S("../good"))], Repo, "is not a valid container name"),
    ("tags", "1 MiB container name", &[("containerName", Huge("a", MIB))], Repo, "characters long"),
    ("tags", "missing build file", &[("containerName", S("no-such"))], Repo, "containers/no-such/Dockerfile does not exist"),
    ("tags", "malformed SHA", &[("containerName", S("good")), ("commitSha", S("HEAD"))], Repo, "`HEAD` is not a commit SHA"),
    ("tags", "malformed SHA: empty", &[("containerName", S("good")), ("commitSha", S(""))], Repo, "is not a commit SHA"),
    ("tags", "malformed SHA: 1 MiB", &[("containerName", S("good")), ("commitSha", Huge("0", MIB))], Repo, "is not a commit SHA"),
    ("tags", "malformed SHA: not hex", &[("containerName", S("good")), ("commitSha", S("0123456g"))], Repo, "is not a commit SHA"),
    ("tags", "bad tags", &[("containerName", S("good")), ("tags", L(&["a:b"]))], Repo, "--tags: `a:b` is not a valid image tag"),
    ("tags", "bad tags: empty", &[("containerName", S("good")), ("tags", L(&[""]))], Repo, "it is empty"),
    ("tags", "bad --version", &[("containerName", S("good")), ("version", S("1.0 beta"))], Repo, "the version `1.0 beta` from --version cannot be part of an image tag"),
    ("tags", "empty --version", &[("containerName", S("good")), ("version", S(""))], Repo, "the version from --version is empty"),
    ("tags", "--version too long for a tag", &[("containerName", S("good")), ("version", Huge("1", 125))], Repo, "an image tag holds at most 128"),
    ("tags", "version that cannot form a tag", &[("containerName", S("bad-tag-version"))], Repo, "cannot be part of an image tag"),
    ("tags", "malformed Dockerfile: substitution in the version", &[("containerName", S("substitution"))], Repo, "uses variable substitution"),
    ("tags", "malformed Dockerfile: unterminated quote", &[("containerName", S("unterminated-quote"))], Repo, "a double quote is not closed"),
    // changedContainers
    ("changedContainers", "empty revision", &[("base", S(""))], Repo, "--base `` is not a git revision"),
    ("changedContainers", "option-like revision", &[("base", S("--output=/tmp/x"))], Repo, "is not a git revision"),
    ("changedContainers", "revision with a line break", &[("base", S("main\nHEAD"))], Repo, "is not a git revision"),
    ("changedContainers", "option-like --head", &[("base", S("main")), ("head", S("-x"))], Repo, "--head `-x` is not a git revision"),
    ("changedContainers", "git killed (exit 137)", &[("base", S("main"))], Killed, "git was killed by signal 9"),
    ("changedContainers", "git's own fatal error (exit 128)", &[("base", S("HEAD~1"))], Nix(128, "", "fatal: unable to read tree (80100c0cdec7dc889a53856c36904ed133e177dd)"), "git failed (exit 128): fatal: unable to read tree"),
    // publish (with a valid --commit-sha and --dry-run unless the row says otherwise)
    ("publish", "invalid container name", &[("containerName", S("Nettest"))], Repo, "is not a valid container name"),
    ("publish", "traversing container name", &[("containerName", S("../good"))], Repo, "is not a valid container name"),
    ("publish", "empty container name", &[("containerName", S(""))], Repo, "the container name is empty"),
    ("publish", "1 MiB container name", &[("containerName", Huge("a", MIB))], Repo, "characters long"),
    ("publish", "missing build file", &[("containerName", S("no-such"))], Repo, "containers/no-such/Dockerfile does not exist"),
    ("publish", "missing --commit-sha", &[("containerName", S("good")), ("commitSha", Absent)], Repo, "`publish` needs --commit-sha"),
    ("publish", "malformed SHA", &[("containerName", S("good")), ("commitSha", S("v1.2.3"))], Repo, "is not a commit SHA"),
    ("publish", "bad registry: scheme", &[("containerName", S("good")), ("registry", S("https://registry.ops.eblu.me"))], Repo, "has a scheme"),
    ("publish", "bad registry: port", &[("containerName", S("good")), ("registry", S("registry.ops.eblu.me:+443"))], Repo, "is not a registry host"),
    ("publish", "bad registry: path", &[("containerName", S("good")), ("registry", S("registry.ops.eblu.me/blumeops"))], Repo, "is not a registry host"),
    ("publish", "bad registry: 1 MiB", &[("containerName", S("good")), ("registry", Huge("r", MIB))], Repo, "is not a registry host"),
    ("publish", "bad namespace", &[("containerName", S("good")), ("namespace", S("Blume"))], Repo, "--namespace `Blume` is not a repository namespace"),
    ("publish", "bad namespace: traversing", &[("containerName", S("good")), ("namespace", S("../x"))], Repo, "is not a repository namespace"),
    ("publish", "signing key: wrong password", &[("containerName", S("good")), ("signingKeyPassword", Secret("not the password")), ("signingKey", KeyFile("cosign.key"))], Repo, "wrong password for the signing key"),
    ("publish", "signing key: RSA", &[("containerName", S("good")), ("signingKey", KeyFile("rsa-pkcs8.pem"))], Repo, "an RSA key"),
    ("publish", "signing key: Ed25519", &[("containerName", S("good")), ("signingKey", KeyFile("ed25519-pkcs8.pem"))], Repo, "an Ed25519 key"),
    ("publish", "signing key: the public key", &[("containerName", S("good")), ("signingKey", KeyFile("p256-public.pem"))], Repo, "is a public key"),
    ("publish", "signing key: corrupt PEM", &[("containerName", S("good")), ("signingKey", KeyFile("corrupt.pem"))], Repo, "--signing-key: "),
    ("publish", "signing key: no password", &[("containerName", S("good")), ("signingKey", KeyFile("cosign.key"))], Repo, "no password was given"),
    ("publish", "signing key password without a key", &[("containerName", S("good")), ("signingKeyPassword", Secret("pw"))], Repo, "--signing-key-password was given without --signing-key"),
    ("publish", "bad tags", &[("containerName", S("good")), ("tags", L(&["latest", "-x"]))], Repo, "--tags: `-x` is not a valid image tag"),
    ("publish", "bad platforms", &[("containerName", S("good")), ("platforms", L(&["linux/amd64", "linux"]))], Repo, "--platforms: `linux` is not a platform"),
    ("publish", "bad build_args", &[("containerName", S("good")), ("buildArgs", L(&["=1"]))], Repo, "is not a build argument name"),
    ("publish", "bad target", &[("containerName", S("good")), ("target", S("$X"))], Repo, "is not a build stage name"),
    ("publish", "traversing --dockerfile", &[("containerName", S("good")), ("dockerfile", S("/etc/passwd"))], Repo, "is not a path inside the container's folder"),
    ("publish", "missing --dockerfile", &[("containerName", S("good")), ("dockerfile", S("docker/Dockerfile"))], Repo, "containers/good/docker/Dockerfile does not exist"),
    ("publish", "bad --version", &[("containerName", S("good")), ("version", S("1.0/2"))], Repo, "cannot be part of an image tag"),
    ("publish", "malformed Dockerfile: unterminated quote", &[("containerName", S("unterminated-quote"))], Repo, "a double quote is not closed"),
    ("publish", "malformed Dockerfile: substitution in the version", &[("containerName", S("substitution"))], Repo, "uses variable substitution"),
    ("publish", "malformed Dockerfile: no version", &[("containerName", S("no-version"))], Repo, "declares no `ARG CONTAINER_APP_VERSION=<version>`"),
    ("publish", "--version and --build-args disagree", &[("containerName", S("good")), ("version", S("2.0.0")), ("buildArgs", L(&["CONTAINER_APP_VERSION=3.0.0"]))], Repo, "disagree: the image would be built as 3.0.0 and tagged v2.0.0"),
    ("publish", "version that cannot form a tag", &[("containerName", S("bad-tag-version"))], Repo, "cannot be part of an image tag"),
    ("publish", "10 MB Dockerfile", &[("containerName", S("huge"))], HugeDockerfile, "declares no `ARG CONTAINER_APP_VERSION=<version>`"),
    // buildNix
    ("buildNix", "invalid container name", &[("containerName", S("Nettest"))], Repo, "is not a valid container name"),
    ("buildNix", "traversing container name", &[("containerName", S("../good"))], Repo, "is not a valid container name"),
    ("buildNix", "1 MiB container name", &[("containerName", Huge("a", MIB))], Repo, "characters long"),
    ("buildNix", "missing build file", &[("containerName", S("good"))], Repo, "containers/good/default.nix does not exist"),
    ("buildNix", "--src without containers/", &[("containerName", S("nix-only"))], NoContainers, "Is --src the root of the ops repository"),
    ("buildNix", "no flake.lock, flake registry unreachable", &[("containerName", S("nix-only"))], RegistryDown, "could not fetch or evaluate nixpkgs (the flake registry's `nixpkgs`"),
    ("buildNix", "malformed flake.lock", &[("containerName", S("nix-only")), ("flakeLock", S("locks/not-json.lock"))], Repo, "is not a flake.lock Nix can read"),
    ("buildNix", "unknown lock type", &[("containerName", S("nix-only")), ("flakeLock", S("locks/git-type.lock"))], Repo, "is locked as type `git`"),
    ("buildNix", "malformed narHash", &[("containerName", S("nix-only")), ("flakeLock", S("locks/bad-hash.lock"))], Repo, "is not a SHA-256 SRI hash"),
    ("buildNix", "follows to a missing input", &[("containerName", S("nix-only")), ("flakeLock", S("locks/follows-gone.lock"))], Repo, "input `other` has no input `nixpkgs`"),
    ("buildNix", "unknown --nixpkgs-input", &[("containerName", S("nix-only")), ("flakeLock", S("locks/git-type.lock")), ("nixpkgsInput", S("nixpkgs-unstable"))], Repo, "the flake has no input `nixpkgs-unstable`"),
    ("buildNix", "bad --nixpkgs-input", &[("containerName", S("nix-only")), ("nixpkgsInput", S("a b"))], Repo, "is not a flake input name"),
    ("buildNix", "missing --flake-lock", &[("containerName", S("nix-only")), ("flakeLock", S("nix/flake.lock"))], Repo, "nix/flake.lock does not exist"),
    ("buildNix", "traversing --flake-lock", &[("containerName", S("nix-only")), ("flakeLock", S("../flake.lock"))], Repo, "is not a path inside the repository"),
    ("buildNix", "bad --nixpkgs", &[("containerName", S("nix-only")), ("nixpkgs", S("nixos-unstable"))], Repo, "is neither a tarball URL nor a store path"),
    ("buildNix", "bad --nixpkgs: injection", &[("containerName", S("nix-only")), ("nixpkgs", S("https://x/\"; builtins.exec"))], Repo, "is neither a tarball URL nor a store path"),
    ("buildNix", "bad --nix-image", &[("containerName", S("nix-only")), ("nixImage", S("nixos/nix;rm -rf /"))], Repo, "is not an image reference"),
    ("buildNix", "build killed for memory (exit 137)", &[("containerName", S("nix-only")), ("nixpkgs", S("/nix/store/0123-source"))], Killed, "was killed by signal 9 (SIGKILL, exit status 137)"),
    ("buildNix", "output neither an archive, a stream nor a nix2container image", &[("containerName", S("nix-only")), ("nixpkgs", S("/nix/store/0123-source"))], Nix(15, "/nix/store/0123-nix-only.json\nother\n", ""), "which is not a tar archive, so neither a docker image archive, an image stream nor a nix2container image"),
    ("buildNix", "nix2container image without copyTo", &[("containerName", S("nix-only")), ("nixpkgs", S("/nix/store/0123-source"))], Nix(16, "/nix/store/0123-image-nix-only.json\n", "error: attribute 'copyTo' in selection path 'copyTo' not found"), "builds a nix2container image description"),
    ("buildNix", "nix2container copy-to failed", &[("containerName", S("nix-only")), ("nixpkgs", S("/nix/store/0123-source"))], Nix(17, "", "FATA[0000] writing blob: no space left on device"), "could not write it as a docker-archive"),
    ("buildNix", "callPackage file missing an argument", &[("containerName", S("nix-only")), ("nixpkgs", S("/nix/store/0123-source"))], Nix(11, "", "error: evaluation aborted with the following error message: 'lib.customisation.callPackageWith: Function called without required argument \"no-such-package\" at /src/containers/nix-only/default.nix:1'"), "is called with nixpkgs' callPackage, and nixpkgs has nothing named `no-such-package`"),
    ("buildNix", "pinned base image changed (fixed-output hash mismatch)", &[("containerName", S("nix-only")), ("nixpkgs", S("/nix/store/0123-source"))], Nix(11, "", "error: hash mismatch in fixed-output derivation '/nix/store/0123-docker-image-alpine-latest.tar.drv':\n         specified: sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n            got:    sha256-hz8oAXsJsbjJyUOHs0ZWC5HepHlRZX/EpWW3hVoICBU="), "a download in the build (a fixed-output derivation"),
    ("buildNix", "traversing --nix-file", &[("containerName", S("x")), ("nixFile", S("../etc/x.nix"))], Repo, "--nix-file `../etc/x.nix` is not a path inside the repository"),
    ("buildNix", "missing --nix-file", &[("containerName", S("x")), ("nixFile", S("packages/nope.nix"))], Repo, "--nix-file `packages/nope.nix` does not exist in --src"),
    ("buildNix", "--nix-file and --flake-output", &[("containerName", S("x")), ("nixFile", S("a.nix")), ("flakeOutput", S("a"))], Repo, "both name the image to build"),
    ("buildNix", "--flake-output injection", &[("containerName", S("x")), ("flakeOutput", S("x; builtins.exec [\"rm\"]"))], Repo, "is not an attribute path of the flake's outputs"),
    ("buildNix", "--flake-output as a flake reference", &[("containerName", S("x")), ("flakeOutput", S("github:x/y#img"))], Repo, "is not an attribute path of the flake's outputs"),
    ("buildNix", "--nixpkgs with --flake-output", &[("containerName", S("x")), ("flakeOutput", S("img")), ("nixpkgs", S("/nix/store/0123-source"))], Repo, "--nixpkgs does not apply to --flake-output"),
    ("buildNix", "--flake-output without flake.nix", &[("containerName", S("x")), ("flakeOutput", S("img"))], NoContainers, "--src has no flake.nix"),
    ("buildNix", "flake output that does not exist", &[("containerName", S("x")), ("flakeOutput", S("nope"))], Nix(11, "", "error: blumeops-ci: the flake of --src has no output `nope` (neither packages.x86_64-linux.nope, legacyPackages.x86_64-linux.nope nor nope)"), "the flake of --src has no output `nope`"),
    ("buildNix", "flake.lock missing an input", &[("containerName", S("x")), ("flakeOutput", S("img"))], Nix(11, "", "error: flake 'path:/src' requires lock file changes but they're not allowed due to '--no-update-lock-file'"), "does not lock every input of its flake.nix"),
    // nixVersion
    ("nixVersion", "not an attribute path", &[("package", S("jq; builtins.exec"))], Repo, "is not a nixpkgs attribute path"),
    ("nixVersion", "empty package", &[("package", S(""))], Repo, "is not a nixpkgs attribute path"),
    ("nixVersion", "1 MiB package", &[("package", Huge("a", MIB))], Repo, "is not a nixpkgs attribute path"),
    ("nixVersion", "no flake.lock, flake registry unreachable", &[("package", S("jq"))], RegistryDown, "could not fetch or evaluate nixpkgs (the flake registry's `nixpkgs`"),
    ("nixVersion", "unknown lock type", &[("package", S("jq")), ("flakeLock", S("locks/git-type.lock"))], Repo, "is locked as type `git`"),
    ("nixVersion", "bad --nixpkgs", &[("package", S("jq")), ("nixpkgs", S("/etc/nixpkgs"))], Repo, "is neither a tarball URL nor a store path"),
    ("nixVersion", "evaluation killed for memory (exit 137)", &[("package", S("jq")), ("nixpkgs", S("/nix/store/0123-source"))], Killed, "`nix-instantiate` was killed by signal 9"),
    // publishNix (with a valid --commit-sha and --dry-run unless the row says otherwise)
    ("publishNix", "signing key: RSA", &[("containerName", S("good")), ("signingKey", KeyFile("rsa-pkcs1.pem"))], Repo, "an RSA key"),
    ("publishNix", "invalid container name", &[("containerName", S("Nettest"))], Repo, "is not a valid container name"),
    ("publishNix", "1 MiB container name", &[("containerName", Huge("a", MIB))], Repo, "characters long"),
    ("publishNix", "missing build file", &[("containerName", S("good"))], Repo, "containers/good/default.nix does not exist"),
    ("publishNix", "missing --commit-sha", &[("containerName", S("nix-only")), ("commitSha", Absent)], Repo, "`publish-nix` needs --commit-sha"),
    ("publishNix", "malformed SHA", &[("containerName", S("nix-only")), ("commitSha", S("main"))], Repo, "`main` is not a commit SHA"),
    ("publishNix", "bad registry", &[("containerName", S("nix-only")), ("registry", S("https://registry.ops.eblu.me"))], Repo, "has a scheme"),
    ("publishNix", "bad namespace", &[("containerName", S("nix-only")), ("namespace", S("Blume"))], Repo, "is not a repository namespace"),
    ("publishNix", "bad tags", &[("containerName", S("nix-only")), ("tags", L(&["a b"]))], Repo, "is not a valid image tag"),
    ("publishNix", "--version that is not the image's", &[("containerName", S("nix-only")), ("version", S("1.0 beta"))], Repo, "is not the version of the Nix image, 1.0.0"),
    ("publishNix", "bad source URL", &[("containerName", S("nix-only")), ("sourceUrl", S("x"))], Repo, "is not a URL"),
    ("publishNix", "version only nixpkgs knows, flake registry unreachable", &[("containerName", S("nix-no-version"))], RegistryDown, "could not fetch or evaluate nixpkgs (the flake registry's `nixpkgs`"),
    ("publishNix", "version only nixpkgs knows, nixpkgs without the package", &[("containerName", S("nix-no-version")), ("nixpkgs", S("/nix/store/0123-source"))], Nix(0, "{\"nix-no-version\":null}", ""), "Add `version = \"<version>\";` to containers/nix-no-version/default.nix"),
    ("publishNix", "version only nixpkgs knows, nixpkgs without the package, --version given", &[("containerName", S("nix-no-version")), ("nixpkgs", S("/nix/store/0123-source")), ("version", S("1.0.0"))], Nix(0, "{\"nix-no-version\":null}", ""), "--version=1.0.0 cannot stand in for it"),
    ("publishNix", "bad --nix-image", &[("containerName", S("nix-only")), ("nixImage", S(""))], Repo, "is not an image reference"),
    ("publishNix", "--sbom with a version too long for the SBOM's tag", &[("containerName", S("nix-long-version")), ("sbom", B(true))], Repo, "the SBOM's tag sbom-v111"),
    ("publishNix", "traversing --nix-file", &[("containerName", S("x")), ("nixFile", S("/etc/x.nix"))], Repo, "is not a path inside the repository"),
    ("publishNix", "--flake-lock with --flake-output", &[("containerName", S("x")), ("flakeOutput", S("img")), ("flakeLock", S("locks/git-type.lock"))], Repo, "--flake-lock does not apply to --flake-output"),
    ("publishNix", "flake output that does not exist", &[("containerName", S("x")), ("flakeOutput", S("nope"))], Nix(1, "", "error: blumeops-ci: the flake of --src has no output `nope` (neither packages.x86_64-linux.nope, legacyPackages.x86_64-linux.nope nor nope)"), "the flake of --src has no output `nope`"),
    ("publishNix", "flake output without a version", &[("containerName", S("attic-server")), ("flakeOutput", S("attic-server-image"))], Nix(0, "{\"tag\":\"v75vk8z5mn6dn02k64bplp9avrqkg943\",\"version\":null}", ""), "has no version: it has no `version` attribute, its tag `v75vk8z5mn6dn02k64bplp9avrqkg943` is a content hash"),
    ("publishNix", "--sbom with --flake-output", &[("containerName", S("x")), ("flakeOutput", S("img")), ("sbom", B(true))], Repo, "--sbom is not available with --flake-output"),
    // sbomNix
    ("sbomNix", "invalid container name", &[("containerName", S("Nettest"))], Repo, "is not a valid container name"),
    ("sbomNix", "missing --nix-file", &[("containerName", S("nix-only")), ("nixFile", S("packages/nope.nix"))], Repo, "--nix-file `packages/nope.nix` does not exist in --src"),
    ("sbomNix", "traversing --nix-file", &[("containerName", S("nix-only")), ("nixFile", S("../x.nix"))], Repo, "--nix-file"),
    ("sbomNix", "traversing container name", &[("containerName", S("../good"))], Repo, "is not a valid container name"),
    ("sbomNix", "1 MiB container name", &[("containerName", Huge("a", MIB))], Repo, "characters long"),
    ("sbomNix", "missing build file", &[("containerName", S("good"))], Repo, "containers/good/default.nix does not exist"),
    ("sbomNix", "--src without containers/", &[("containerName", S("nix-only"))], NoContainers, "Is --src the root of the ops repository"),
    ("sbomNix", "no flake.lock, flake registry unreachable", &[("containerName", S("nix-only"))], RegistryDown, "could not fetch or evaluate nixpkgs (the flake registry's `nixpkgs`"),
    ("sbomNix", "malformed flake.lock", &[("containerName", S("nix-only")), ("flakeLock", S("locks/not-json.lock"))], Repo, "is not a flake.lock Nix can read"),
    ("sbomNix", "traversing --flake-lock", &[("containerName", S("nix-only")), ("flakeLock", S("../flake.lock"))], Repo, "is not a path inside the repository"),
    ("sbomNix", "bad --nixpkgs", &[("containerName", S("nix-only")), ("nixpkgs", S("nixos-unstable"))], Repo, "is neither a tarball URL nor a store path"),
    ("sbomNix", "bad --nixpkgs-input", &[("containerName", S("nix-only")), ("nixpkgsInput", S("a b"))], Repo, "is not a flake input name"),
    ("sbomNix", "bad --nix-image", &[("containerName", S("nix-only")), ("nixImage", S("nixos/nix;rm -rf /"))], Repo, "is not an image reference"),
    ("sbomNix", "build killed for memory (exit 137)", &[("containerName", S("nix-only")), ("nixpkgs", S("/nix/store/0123-source"))], Killed, "was killed by signal 9 (SIGKILL, exit status 137)"),
    // checkVersions
    ("checkVersions", "invalid container name", &[("containerNames", L(&["Nettest"]))], Repo, "--container-names: `Nettest` is not a valid container name"),
    ("checkVersions", "unknown container", &[("containerNames", L(&["no-such"]))], Repo, "--container-names names `no-such`, which is not a container of --src"),
    ("checkVersions", "invalid --skip name", &[("skip", L(&["Kubectl"]))], Repo, "--skip: `Kubectl` is not a valid container name"),
    ("checkVersions", "bad --nix-packages", &[("nixPackages", L(&["jq"]))], Repo, "is not container=attribute"),
    ("checkVersions", "--nix-packages attribute injection", &[("nixPackages", L(&["nix-only=a;b"]))], Repo, "is not a nixpkgs attribute path"),
    ("checkVersions", "--nix-packages maps a container twice", &[("nixPackages", L(&["nix-only=a", "nix-only=b"]))], Repo, "--nix-packages maps `nix-only` twice"),
    ("checkVersions", "bad --service-names", &[("serviceNames", L(&["quartz"]))], Repo, "--service-names entry `quartz` is not container=service"),
    ("checkVersions", "invalid --service-names container", &[("serviceNames", L(&["Quartz=docs"]))], Repo, "--service-names: `Quartz` is not a valid container name"),
    ("checkVersions", "--service-names maps a container twice", &[("serviceNames", L(&["good=a", "good=b"]))], Repo, "--service-names maps `good` twice"),
    ("checkVersions", "option-like --base", &[("base", S("--output=/tmp/x"))], Repo, "--base `--output=/tmp/x` is not a git revision"),
    ("checkVersions", "git killed (exit 137)", &[("base", S("main"))], Killed, "git was killed by signal 9"),
    ("checkVersions", "malformed service-versions.yaml", &[], Sub("service-versions/malformed"), "service-versions.yaml line 4 column 1: it is not valid YAML"),
    ("checkVersions", "service-versions.yaml: services not a list", &[], Sub("service-versions/not-a-list"), "service-versions.yaml line 1: `services` is a mapping, not a list"),
    ("checkVersions", "service-versions.yaml: entry without a name", &[], Sub("service-versions/no-name"), "service-versions.yaml line 4: an entry of `services` has no `name`"),
    ("checkVersions", "malformed Dockerfile", &[("containerNames", L(&["unterminated-quote"]))], Repo, "a double quote is not closed"),
    ("checkVersions", "version only nixpkgs knows, flake registry unreachable", &[("containerNames", L(&["nix-no-version"]))], RegistryDown, "could not fetch or evaluate nixpkgs (the flake registry's `nixpkgs`"),
    ("checkVersions", "--src without containers/", &[], NoContainers, "there is no container to check"),
    // listTags
    ("listTags", "invalid container name", &[("containerName", S("Nettest"))], Repo, "is not a valid container name"),
    ("listTags", "1 MiB container name", &[("containerName", Huge("a", MIB))], Repo, "characters long"),
    ("listTags", "bad registry", &[("registry", S("https://registry.ops.eblu.me"))], Repo, "has a scheme"),
    ("listTags", "bad registry: 1 MiB", &[("registry", Huge("r", MIB))], Repo, "is not a registry host"),
    ("listTags", "bad namespace", &[("namespace", S("a//b"))], Repo, "is not a repository namespace"),
    ("listTags", "bad --limit", &[("limit", I(0))], Repo, "--limit must be a positive number"),
    ("listTags", "option-like --main-branch", &[("mainBranch", S("-x"))], Repo, "--main-branch `-x` is not a git revision"),
    // flakeLock and flakeUpdate (Nix's messages as Nix 2.8 prints them, tests/real/flake_real.rs)
    // verify (the registry is never reached: each is refused before)
    ("verify", "image without a tag or digest", &[("image", S("registry.ops.eblu.me/blumeops/nettest"))], Repo, "names no tag or digest"),
    ("verify", "image without a registry", &[("image", S("blumeops/nettest:v1"))], Repo, "names no registry"),
    ("verify", "image with a bad digest", &[("image", S("registry.ops.eblu.me/blumeops/nettest@sha256:abc"))], Repo, "is not a sha256 digest"),
    ("verify", "unknown --require", &[("require", L(&["slsa"]))], Repo, "`slsa` is not an attestation type"),
    ("verify", "private key as --public-key", &[("publicKey", PemFile("p256-pkcs8.pem"))], Repo, "--public-key: "),
    ("verify", "RSA --public-key", &[("publicKey", PemFile("rsa-public.pem"))], Repo, "--public-key: "),
    ("flakeLock", "--flake-path without flake.nix (the default)", &[], Repo, "--flake-path `nixos/ringtail` has no flake.nix"),
    ("flakeLock", "--flake-path without flake.nix", &[("flakePath", S("nixos"))], Flakes(0, "", ""), "--flake-path `nixos` has no flake.nix: nixos/flake.nix does not exist in --src"),
    ("flakeLock", "traversing --flake-path", &[("flakePath", S("../ringtail"))], Flakes(0, "", ""), "is not a folder inside the repository"),
    ("flakeLock", "absolute --flake-path", &[("flakePath", S("/etc/nixos"))], Flakes(0, "", ""), "is not a folder inside the repository"),
    ("flakeLock", "empty --flake-path", &[("flakePath", S(""))], Flakes(0, "", ""), "is not a folder inside the repository"),
    ("flakeLock", "bad --nix-image", &[("nixImage", S("nixos/nix;rm -rf /"))], Flakes(0, "", ""), "is not an image reference"),
    ("flakeLock", "flake.nix Nix cannot evaluate", &[], Flakes(1, "", "error: syntax error, unexpected ';'\n\n       at /nix/store/9h59ymzs7myjcaj2d19x44qgf7nby74h-source/flake.nix:1:25:"), "Nix could not evaluate or lock it"),
    ("flakeLock", "flake without inputs", &[], Flakes(20, "", ""), "declares no inputs, and Nix writes no lock file"),
    ("flakeLock", "unlocked input", &[], Flakes(0, "", "warning: will not write lock file of flake 'path:/src/nixos/ringtail' because it has an unlocked input ('git+file:///x')"), "did not write nixos/ringtail/flake.lock"),
    ("flakeLock", "nix killed (exit 137)", &[], Flakes(137, "", "Killed"), "`nix flake lock` in nixos/ringtail was killed by signal 9"),
    ("flakeUpdate", "--flake-path without flake.nix (the root)", &[("flakePath", S("."))], Flakes(0, "", ""), "--flake-path `.` has no flake.nix: flake.nix does not exist in --src"),
    ("flakeUpdate", "traversing --flake-path", &[("flakePath", S("nixos/../../x"))], Flakes(0, "", ""), "is not a folder inside the repository"),
    ("flakeUpdate", "1 MiB --flake-path", &[("flakePath", Huge("a", MIB))], Flakes(0, "", ""), "has no flake.nix"),
    ("flakeUpdate", "bad --nix-image", &[("nixImage", S(""))], Flakes(0, "", ""), "is not an image reference"),
    ("flakeUpdate", "input unreachable", &[], Flakes(1, "", "error: unable to download 'https://api.github.com/repos/NixOS/nixpkgs/commits/nixos-unstable': Couldn't resolve host name (6)"), "`nix flake update` could not fetch an input of nixos/ringtail/flake.nix"),
    ("flakeUpdate", "flake.nix Nix cannot evaluate", &[], Flakes(1, "", "error: undefined variable 'nixpkgz'"), "Nix could not evaluate or lock it"),
    // validateWorkflows (the validator's output as forgejo-runner's source prints it)
    ("validateWorkflows", "--src without .forgejo/workflows/", &[], Repo, "--src has no workflow to validate"),
    ("validateWorkflows", "bad --runner-version", &[("runnerVersion", S("latest"))], Flakes(0, "", ""), "--runner-version `latest` is not a Forgejo runner version"),
    ("validateWorkflows", "--runner-version with a v", &[("runnerVersion", S("v12.7.0"))], Flakes(0, "", ""), "Leave out the `v`"),
    ("validateWorkflows", "--runner-version injection", &[("runnerVersion", S("12.7.0;rm -rf /"))], Flakes(0, "", ""), "is not a Forgejo runner version"),
    ("validateWorkflows", "1 MiB --runner-version", &[("runnerVersion", Huge("1", MIB))], Flakes(0, "", ""), "is not a Forgejo runner version"),
    ("validateWorkflows", "workflow failing the schema", &[], Flakes(1, ".forgejo/workflows/ci.yml workflow schema validation failed:\nLine: 5 Column 5: Failed to match job-factory: Line: 5 Column 5: Unknown Property ruins-on\n", "Error: .forgejo/workflows/ci.yml workflow schema validation failed"), "1 of 1 Forgejo Actions files fail the schema of forgejo-runner 12.7.0: .forgejo/workflows/ci.yml"),
    ("validateWorkflows", "runner without validate --directory", &[("runnerVersion", S("9.1.0"))], Flakes(1, "", "Error: unknown flag: --directory"), "forgejo-runner 9.1.0 has no `validate --directory`"),
    ("validateWorkflows", "validator killed (exit 137)", &[], Flakes(137, "", "Killed"), "forgejo-runner validate was killed by signal 9"),
    // releaseRuntime
    ("releaseRuntime", "--src that is not the blumeops-ci crate", &[], Repo, "--src has no Cargo.toml"),
    ("releaseRuntime", "bad registry", &[("registry", S("https://ghcr.io"))], Repo, "has a scheme"),
    ("releaseRuntime", "bad namespace", &[("namespace", S("a//b"))], Repo, "is not a repository namespace"),
    ("releaseRuntime", "bad moving tag", &[("tags", L(&["has:colon"]))], Repo, "--tags: `has:colon` is not a valid image tag"),
];

/// Arguments every row of a function gets unless it gives them itself:
/// a valid commit, and `--dry-run` so that publish can never reach a
/// registry even if a check were missing.
fn defaults(function: &str) -> &'static [(&'static str, A)] {
    match function {
        "tags" => &[("commitSha", S(SHA))],
        "publish" | "publishNix" => &[("commitSha", S(SHA)), ("dryRun", B(true))],
        "releaseRuntime" => &[("dryRun", B(true))],
        "verify" => &[
            (
                "image",
                S("registry.ops.eblu.me/blumeops/nettest:v0.1.0-0123456"),
            ),
            ("publicKey", PemFile("p256-public.pem")),
        ],
        _ => &[],
    }
}

fn value(arg: A) -> Option<Value> {
    Some(match arg {
        S(s) => json!(s),
        B(b) => json!(b),
        L(items) => json!(items),
        I(n) => json!(n),
        Huge(text, bytes) => json!(text.repeat(bytes / text.len())),
        Absent | Secret(_) | KeyFile(_) | PemFile(_) => return None,
    })
}

/// The arguments as the doc shows them.
fn shown(args: &[(&str, A)]) -> String {
    args.iter()
        .filter_map(|(name, arg)| {
            let flag = kebab_case(name);
            Some(match arg {
                S("") => format!("--{flag}=\"\""),
                S(s) => format!("--{flag}={}", s.escape_debug()),
                L(items) => format!(
                    "--{flag}={}",
                    items
                        .iter()
                        .map(|i| i.escape_debug().to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                I(n) => format!("--{flag}={n}"),
                B(b) => format!("--{flag}={b}"),
                Huge(text, bytes) => {
                    format!("--{flag}=<{} of {text}>", size(*bytes))
                }
                Secret(_) => format!("--{flag}=<a Secret>"),
                KeyFile(file) | PemFile(file) => {
                    format!("--{flag}=<tests/fixtures/signing/{file}>")
                }
                Absent => return None,
            })
        })
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn size(bytes: usize) -> String {
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b => format!("{b} characters"),
    }
}

fn fixture(fx: Fx) -> PathBuf {
    static EMPTY: OnceLock<tempfile::TempDir> = OnceLock::new();
    static HUGE: OnceLock<tempfile::TempDir> = OnceLock::new();
    match fx {
        Repo | Killed | RegistryDown | Nix(..) => crate_root().join("tests/fixtures/bad-input"),
        Flakes(..) => crate_root().join("tests/fixtures/flakes"),
        Sub(folder) => crate_root().join("tests/fixtures/bad-input").join(folder),
        NoContainers => EMPTY
            .get_or_init(|| tempfile::tempdir().unwrap())
            .path()
            .to_path_buf(),
        HugeDockerfile => {
            let dir = HUGE.get_or_init(|| {
                let dir = tempfile::tempdir().unwrap();
                let folder = dir.path().join("containers/huge");
                std::fs::create_dir_all(&folder).unwrap();
                let mut text = String::from("FROM alpine:3.22\n");
                while text.len() < 10_000_000 {
                    text.push_str("RUN echo \"ARG CONTAINER_APP_VERSION=9\" \\\n  && true\n");
                }
                std::fs::write(folder.join("Dockerfile"), text).unwrap();
                dir
            });
            dir.path().to_path_buf()
        }
    }
}

/// The call of one row.
fn engine(row: &Row) -> Engine {
    let (function, _, args, fx, _) = *row;
    let mut engine = Engine::call(function);
    // Every function but verify reads a repository.
    if FUNCTIONS
        .iter()
        .any(|f| f.name == function && f.arg("src").is_some())
    {
        engine = engine.dir_arg("src", fixture(fx));
    }
    match fx {
        Killed => engine = engine.exec_answers(137, "", "building...\nKilled"),
        RegistryDown => {
            engine = engine.exec_answers(
                1,
                "",
                "error: unable to download 'https://channels.nixos.org/flake-registry.json': \
                 Couldn't resolve host name (6)",
            )
        }
        Nix(code, stdout, stderr) => engine = engine.exec_answers(code, stdout, stderr),
        _ => {}
    }
    if let Flakes(code, stdout, stderr) = fx {
        engine = engine.exec_answers(code, stdout, stderr);
    }
    let given = |name: &str| args.iter().any(|(n, _)| *n == name);
    let all = args
        .iter()
        .chain(defaults(function).iter().filter(|(n, _)| !given(n)));
    for (name, arg) in all {
        if let Some(v) = value(*arg) {
            engine = engine.arg(name, v);
        }
        if let PemFile(file) = arg {
            engine = engine.file_arg(name, crate_root().join("tests/fixtures/signing").join(file));
            continue;
        }
        let plaintext = match arg {
            Secret(text) => text.to_string(),
            KeyFile(file) => {
                std::fs::read_to_string(crate_root().join("tests/fixtures/signing").join(file))
                    .unwrap()
            }
            _ => continue,
        };
        engine =
            engine
                .secret_arg(name)
                .stub_where("plaintext", &format!("${name}."), json!(plaintext));
    }
    engine
}

/// Runs one row: the message the user sees, or what went wrong. The call
/// runs on its own thread, so that a panic or a hang is reported as this
/// row's failure.
fn run(row: &Row) -> Result<String, String> {
    let engine = engine(row);
    let call = engine.clone();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| runtime.block_on(call.run())));
        let _ = sender.send(outcome.map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        }));
    });
    let outcome = receiver
        .recv_timeout(ROW_TIME_LIMIT)
        .map_err(|_| format!("still running after {ROW_TIME_LIMIT:?}"))?
        .map_err(|panic| format!("panicked: {panic}"))?;
    let published = engine.leaves("publish");
    if !published.is_empty() {
        return Err(format!("published: {published:?}"));
    }
    let message = match outcome.returned.as_slice() {
        [Returned::Error(message)] if outcome.served.is_err() => message.clone(),
        other => return Err(format!("no error came back through returnError: {other:?}")),
    };
    if !message.contains(row.4) {
        return Err(format!("the message lacks `{}`:\n{message}", row.4));
    }
    Ok(message)
}

const DOC: &str = "docs/bad-input.md";

const DOC_HEAD: &str = "\
# Bad input

What the module returns when a function's input is unusable: one row per
function and kind of bad input, with the error the module hands back
(`dagger call` prints it as the function's error; lines are separated by
`<br>` here, and a long message is cut after its first lines). Nothing is
built or published in any of these cases.

Some input never reaches the module: the Dagger CLI itself refuses a call
without a required flag (`--container-name`, `--commit-sha`, ...) or with a
flag the function does not have, before the module runs, with its own
message (`required flag(s) \"container-name\" not set`). The rows below are
what the module says about the values it does receive.

This page is generated by `tests/engine/bad_input.rs`, and every row is a test:
the call runs through the recording engine (`tests/harness/`) on the fake
ops repository `tests/fixtures/bad-input/` (the rows of a broken
`service-versions.yaml` on the repositories of its `service-versions/`
folder, named by the row), and the test checks that the
error comes back through `returnError`, that it holds the expected words,
that nothing was published, and that the call ended without a panic. Refresh
the page with `BLUMEOPS_BLESS=1 cargo test --test bad_input`.

`tags` and `publish` rows also get a valid `--commit-sha`, and `publish`
rows `--dry-run`, unless the row says otherwise. The huge inputs (a 10 MB
Dockerfile, 1 MiB names) are made by the test. `containers` does not fail on
a broken build file: it shows the problem in that container's row of its
table. `build` does not fail on a Dockerfile whose version it cannot read:
it builds any Dockerfile (BuildKit judges it) and leaves the version label
out, saying why in its log. The `build-nix` and `publish-nix` rows about
what Nix built or evaluated script the command's end as the build script and
Nix 2.8 print it (`tests/real/nix_real.rs` runs them for real). Most
`flake-lock`, `flake-update` and `validate-workflows` rows run on
`tests/fixtures/flakes/` (a host flake at `nixos/ringtail`, a workflow),
with the command's failure scripted as Nix 2.8 (`tests/real/flake_real.rs`) and
`forgejo-runner`'s source print it.
";

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// How many lines of a message the page shows.
const SHOWN_LINES: usize = 4;

/// A message as one table cell: its first lines, joined by `<br>`.
fn message_cell(message: &str) -> String {
    let lines: Vec<&str> = message.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut shown: Vec<String> = lines
        .iter()
        .take(SHOWN_LINES)
        .map(|l| cell(l.trim()))
        .collect();
    if lines.len() > SHOWN_LINES {
        shown.push("…".into());
    }
    shown.join("<br>")
}

fn render(rows: &[(&Row, String)]) -> String {
    let mut out = String::from(DOC_HEAD);
    out.push_str("\n| function | bad input | arguments | what the module returns |\n");
    out.push_str("|---|---|---|---|\n");
    for (row, message) in rows {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            kebab_case(row.0),
            cell(row.1),
            cell(&shown(row.2)),
            message_cell(message)
        ));
    }
    out
}

#[test]
fn every_row_fails_with_its_message_and_publishes_nothing() {
    let mut failures = Vec::new();
    let mut rendered = Vec::new();
    for row in ROWS {
        match run(row) {
            Ok(message) => rendered.push((row, message)),
            Err(why) => failures.push(format!("{} ({}) {}: {why}", row.0, row.1, shown(row.2))),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n\n")
    );

    let page = render(&rendered);
    let path = crate_root().join(DOC);
    if std::env::var_os("BLUMEOPS_BLESS").is_some() {
        std::fs::write(&path, &page).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == page,
        "{DOC} is stale: run `BLUMEOPS_BLESS=1 cargo test --test bad_input` and commit it"
    );
}

#[test]
fn every_function_has_rows() {
    for f in FUNCTIONS {
        assert!(
            ROWS.iter().any(|r| r.0 == f.name),
            "`{}` has no row in tests/engine/bad_input.rs: add one per kind of bad input it takes",
            f.cli_name()
        );
    }
    for row in ROWS {
        assert!(
            FUNCTIONS.iter().any(|f| f.name == row.0),
            "a row names `{}`, which is not a function",
            row.0
        );
    }
}
