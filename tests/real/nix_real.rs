//! The Nix side of the Nix functions, run for real with Debian's `nix-bin`:
//! the expressions and command lines the pipelines emit
//! ([`nixpkgs::version_command`], [`nix_build::build_argv`],
//! [`image_version::flake_version_command`]), against a small stand-in
//! nixpkgs (`tests/fixtures/nix/stand-in-nixpkgs/`) that a test
//! `flake.lock` pins by its true NAR hash, as a `file://` tarball and as a
//! `path` node, and a stand-in nix2container
//! (`tests/fixtures/nix/stand-in-nix2container/`). Every form of Nix image
//! build-nix builds is built here (`tests/fixtures/nix/forms/`): files
//! called with callPackage, nix2container images, a base image pulled by a
//! fixed-output derivation, and the outputs of a flake locked with
//! `nix flake lock` (path: inputs, no network). Image archives come from
//! the stand-in's busybox builders, and from tools no one here wrote
//! (`skopeo`, `umoci`), and are checked with them. The SBOM's closure
//! script runs on those images, and the document made of its output is
//! checked against the official CycloneDX JSON schema (`ci/validate-sbom`);
//! `builtins.parseDrvName` is the oracle of the module's name rule.
//!
//! What only the real `nixos/nix` image and a Dagger engine can confirm
//! (the cache volume, the image's nix.conf, real nixpkgs and nix2container)
//! is in `ci/e2e` and docs/explanation.md.

use crate::harness::registry as support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::harness::registry::run;
use blumeops_ci::core::container::names::ContainerName;
use blumeops_ci::core::nix::build::{
    self as nix_build, ArchiveFormat, Built, NixRecipe, OUT_DIR, Shape,
};
use blumeops_ci::core::nix::nixpkgs::{self, AttrPath, Nixpkgs};
use blumeops_ci::core::version::flake_image::{self as image_version, FlakeImage};
use blumeops_ci::core::version::normalize;
use blumeops_ci::core::version::resolve::AppVersion;

/// Nix as root on this machine: no build users, no sandbox (the stand-in's
/// builders run the host's busybox), and no binary cache: nothing here is
/// downloaded.
const NIX_CONFIG: &str = "build-users-group =\nsandbox = false\nsubstituters =\n\
     experimental-features = nix-command flakes";

fn nix_available() -> bool {
    let has_nix = Command::new("nix-build").arg("--version").output().is_ok();
    let has_busybox = Path::new("/bin/busybox").is_file();
    if has_nix && has_busybox && support::tools_available() {
        return true;
    }
    support::skip_or_fail(
        "Nix tests",
        "the Nix tests need nix-build and /bin/busybox (Debian packages: nix-bin \
         busybox-static); run ci/install-test-deps",
    )
}

/// A repository with a stand-in nixpkgs pinned by its `flake.lock`.
struct Repo {
    dir: tempfile::TempDir,
    /// The stand-in's NAR hash.
    hash: String,
}

impl Repo {
    /// A repository whose `flake.lock` pins the stand-in as a `file://`
    /// tarball. The stand-in carries a nonce, so its store path is new to
    /// the store and Nix really fetches and checks it.
    fn new() -> Repo {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = tempfile::tempdir().unwrap();
        let nonce = format!(
            "{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let stand_in = dir.path().join("nixpkgs");
        copy_fixture("stand-in-nixpkgs", &stand_in);
        let text = std::fs::read_to_string(stand_in.join("default.nix")).unwrap();
        std::fs::write(stand_in.join("default.nix"), format!("# {nonce}\n{text}")).unwrap();
        let hash = nix_hash(&stand_in);
        run(Command::new("tar")
            .args(["-czf", "nixpkgs.tar.gz", "nixpkgs"])
            .current_dir(dir.path()));
        let repo = Repo { dir, hash };
        repo.write_lock(&format!(
            r#"{{"type": "tarball", "url": "file://{}", "narHash": "{}"}}"#,
            repo.path().join("nixpkgs.tar.gz").display(),
            repo.hash
        ));
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write_lock(&self, locked: &str) {
        let lock = format!(
            r#"{{"nodes": {{"np": {{"locked": {locked}}}, "root": {{"inputs": {{"nixpkgs": "np"}}}}}}, "root": "root", "version": 7}}"#
        );
        std::fs::write(self.path().join("flake.lock"), lock).unwrap();
    }

    /// The nixpkgs the repository's lock pins, read the way the pipelines
    /// read it.
    fn pinned(&self) -> Nixpkgs {
        let lock = std::fs::read_to_string(self.path().join("flake.lock")).unwrap();
        nixpkgs::pin(None, Some(&lock), "flake.lock", "nixpkgs").unwrap()
    }

    fn container(&self, name: &str, default_nix: &str) {
        let folder = self.path().join("containers").join(name);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("default.nix"), default_nix).unwrap();
    }

    /// Runs `argv` in the repository, as the pipeline's exec does.
    fn exec(&self, argv: &[String]) -> Output {
        Command::new(&argv[0])
            .args(&argv[1..])
            .current_dir(self.path())
            .env("NIX_CONFIG", NIX_CONFIG)
            .output()
            .unwrap()
    }

    fn versions(&self, attrs: &[&str]) -> Output {
        let attrs: Vec<AttrPath> = attrs.iter().map(|a| AttrPath::parse(a).unwrap()).collect();
        let root = self.path().to_str().unwrap();
        self.exec(&nixpkgs::version_command(&self.pinned(), root, &attrs))
    }

    /// Runs the build script for `containers/<name>/default.nix`, with the
    /// output folder under the temporary directory instead of the
    /// container's `/out`.
    fn build(&self, name: &str, format: ArchiveFormat) -> (Output, PathBuf) {
        self.build_with(&self.pinned(), name, format)
    }

    /// Like [`Repo::build`], with `nixpkgs` instead of the lock's.
    fn build_with(
        &self,
        nixpkgs: &Nixpkgs,
        name: &str,
        format: ArchiveFormat,
    ) -> (Output, PathBuf) {
        let name = ContainerName::parse(name).unwrap();
        self.build_target(
            Some(nixpkgs),
            &NixRecipe::Container(name.clone()),
            &name,
            format,
        )
    }

    /// Runs the build script for `target` as the pipelines do: with the
    /// pinned nixpkgs for a file, without for a flake output.
    fn build_target(
        &self,
        nixpkgs: Option<&Nixpkgs>,
        target: &NixRecipe,
        name: &ContainerName,
        format: ArchiveFormat,
    ) -> (Output, PathBuf) {
        let root = self.path().to_str().unwrap();
        let expr = nixpkgs.map(|n| n.expr(root));
        let mut argv = nix_build::build_argv(target, expr.as_deref(), name, format);
        let out = self.path().join("out");
        let at = argv
            .iter()
            .position(|a| a == OUT_DIR)
            .expect("the out dir is an argument");
        argv[at] = out.to_str().unwrap().to_owned();
        (self.exec(&argv), out)
    }
}

/// Copies `tests/fixtures/nix/<name>` to `to`.
fn copy_fixture(name: &str, to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/nix")
        .join(name);
    std::fs::create_dir_all(to).unwrap();
    run(Command::new("cp")
        .arg("-R")
        .arg(format!("{}/.", from.display()))
        .arg(to));
}

fn nix_hash(path: &Path) -> String {
    run(Command::new("nix")
        .args([
            "--extra-experimental-features",
            "nix-command",
            "hash",
            "path",
        ])
        .arg(path))
    .trim()
    .to_owned()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A successful build's file, checked with the module's own parser.
fn built(output: &Output) -> Built {
    assert!(
        output.status.success(),
        "the build failed ({}):\n{}",
        output.status,
        text(&output.stderr)
    );
    nix_build::parse_result(&text(&output.stdout)).unwrap()
}

/// The error the module shows for a failed build.
fn build_error(output: &Output, nix_file: &str) -> String {
    assert!(!output.status.success(), "the build succeeded");
    nix_build::script_error(
        output.status.code().unwrap_or(-1),
        &text(&output.stdout),
        &text(&output.stderr),
        "the stand-in",
        nix_file,
    )
}

/// `skopeo inspect` of a docker-archive (ungzipped first: skopeo reads
/// plain tars): the image's layer count.
fn skopeo_layers(archive: &Path) -> usize {
    let plain = archive.with_extension("inspect.tar");
    run(Command::new("sh")
        .arg("-c")
        .arg("gzip -dcf \"$1\" > \"$2\"")
        .args(["sh", archive.to_str().unwrap(), plain.to_str().unwrap()]));
    let json = run(Command::new("skopeo")
        .arg("inspect")
        .arg(format!("docker-archive:{}", plain.display())));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["Layers"].as_array().unwrap().len()
}

const LAYERED: &str =
    "{ pkgs ? import <nixpkgs> {} }:\npkgs.dockerTools.buildLayeredImage { name = \"tiny\"; }\n";

#[test]
fn versions_come_from_the_pinned_nixpkgs() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    let output = repo.versions(&[
        "jq",
        "python3Packages.requests",
        "no-such",
        "noVersion",
        "python3Packages.nope",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let versions = nixpkgs::parse_versions(&text(&output.stdout)).unwrap();
    assert_eq!(versions["jq"].as_deref(), Some("1.7.1"));
    assert_eq!(
        versions["python3Packages.requests"].as_deref(),
        Some("2.32.3")
    );
    assert_eq!(versions["no-such"], None);
    assert_eq!(versions["noVersion"], None);
    assert_eq!(versions["python3Packages.nope"], None);
}

#[test]
fn a_tampered_tarball_fails_with_the_hash_mismatch() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    // Same name and URL, other content: what a compromised or changed
    // source would serve.
    std::fs::write(
        repo.path().join("nixpkgs/default.nix"),
        "{ ... }: { jq = { version = \"6.6.6\"; }; }\n",
    )
    .unwrap();
    run(Command::new("tar")
        .args(["-czf", "nixpkgs.tar.gz", "nixpkgs"])
        .current_dir(repo.path()));
    let output = repo.versions(&["jq"]);
    assert!(!output.status.success(), "a tampered nixpkgs was used");
    let message = nix_build::fetch_error(&text(&output.stderr), &repo.pinned().to_string());
    assert!(
        message.starts_with("nixpkgs does not match the hash it is pinned with: file://"),
        "{message}"
    );

    // The build script stops at the same point, with the same explanation.
    repo.container("tiny", LAYERED);
    let (output, _) = repo.build("tiny", ArchiveFormat::AsBuilt);
    assert!(build_error(&output, "f").starts_with("nixpkgs does not match the hash"));
}

#[test]
fn a_path_node_is_checked_against_its_hash_too() {
    if !nix_available() {
        return;
    }
    let path_lock = |repo: &Repo| {
        repo.write_lock(&format!(
            r#"{{"type": "path", "path": "./nixpkgs", "narHash": "{}"}}"#,
            repo.hash
        ))
    };
    let repo = Repo::new();
    path_lock(&repo);
    let output = repo.versions(&["hello"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        nixpkgs::parse_versions(&text(&output.stdout)).unwrap()["hello"].as_deref(),
        Some("2.12.1")
    );

    // A folder changed after it was locked (and before the store had it).
    let changed = Repo::new();
    path_lock(&changed);
    std::fs::write(changed.path().join("nixpkgs/extra.nix"), "1").unwrap();
    let output = changed.versions(&["hello"]);
    assert!(!output.status.success(), "a changed folder was used");
    let message = nix_build::fetch_error(&text(&output.stderr), "x");
    assert!(
        message.starts_with("nixpkgs does not match the hash"),
        "{message}"
    );
}

#[test]
fn build_layered_image_gives_a_gzipped_docker_archive() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    repo.container("tiny", LAYERED);
    let (output, out) = repo.build("tiny", ArchiveFormat::AsBuilt);
    let built = built(&output);
    assert_eq!(
        built,
        Built {
            file: "tiny.tar.gz".into(),
            shape: Shape::Archive,
        }
    );
    assert_eq!(skopeo_layers(&out.join(&built.file)), 1);

    // For publish-nix: the same image, as a plain tar.
    let (output, out) = repo.build("tiny", ArchiveFormat::Tar);
    let built = nix_build::parse_result(&text(&output.stdout)).unwrap();
    assert_eq!(built.file, "tiny.tar");
    let json = run(Command::new("skopeo")
        .arg("inspect")
        .arg(format!("docker-archive:{}", out.join("tiny.tar").display())));
    assert!(json.contains("\"Layers\""), "{json}");
}

#[test]
fn build_image_and_stream_layered_image_are_accepted() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    repo.container(
        "plain",
        "{ pkgs ? import <nixpkgs> {} }:\npkgs.dockerTools.buildImage { name = \"plain\"; }\n",
    );
    repo.container("streamed", "{ pkgs ? import <nixpkgs> {} }:\npkgs.dockerTools.streamLayeredImage { name = \"streamed\"; }\n");
    let (output, out) = repo.build("plain", ArchiveFormat::AsBuilt);
    let plain = built(&output);
    assert_eq!(
        plain,
        Built {
            file: "plain.tar".into(),
            shape: Shape::Archive,
        }
    );
    assert_eq!(skopeo_layers(&out.join(&plain.file)), 1);
    let (output, out) = repo.build("streamed", ArchiveFormat::AsBuilt);
    let streamed = built(&output);
    assert_eq!(
        streamed,
        Built {
            file: "streamed.tar".into(),
            shape: Shape::Stream,
        }
    );
    assert_eq!(skopeo_layers(&out.join(&streamed.file)), 1);
}

#[test]
fn archives_written_by_skopeo_are_accepted_and_an_oci_layout_is_not() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    let images = repo.path().join("images");
    std::fs::create_dir_all(&images).unwrap();
    support::make_layout(&images);
    let layout = images.join("layout");
    let docker_archive = images.join("skopeo.tar");
    run(Command::new("skopeo").args([
        "copy",
        &format!("oci:{}:image", layout.display()),
        &format!("docker-archive:{}:busybox:latest", docker_archive.display()),
    ]));
    run(Command::new("sh")
        .arg("-c")
        .arg("gzip -c skopeo.tar > skopeo.tar.gz && tar -cf oci-layout.tar -C layout .")
        .current_dir(&images));
    let copy = |name: &str, file: &str| {
        repo.container(
            name,
            &format!(
                "{{ pkgs ? import <nixpkgs> {{}} }}:\npkgs.copyFile {}\n",
                images.join(file).display()
            ),
        );
    };
    copy("skopeo-plain", "skopeo.tar");
    copy("skopeo-gzip", "skopeo.tar.gz");
    copy("oci", "oci-layout.tar");
    copy("text", "../nixpkgs/default.nix");

    let (output, out) = repo.build("skopeo-plain", ArchiveFormat::AsBuilt);
    assert_eq!(skopeo_layers(&out.join(built(&output).file)), 1);
    let (output, out) = repo.build("skopeo-gzip", ArchiveFormat::AsBuilt);
    let gz = built(&output);
    assert_eq!(gz.file, "skopeo-gzip.tar.gz");
    assert_eq!(skopeo_layers(&out.join(gz.file)), 1);

    let (output, _) = repo.build("oci", ArchiveFormat::AsBuilt);
    let message = build_error(&output, "containers/oci/default.nix");
    assert!(
        message.contains("which is a tar archive without a manifest.json"),
        "{message}"
    );
    let (output, _) = repo.build("text", ArchiveFormat::AsBuilt);
    let message = build_error(&output, "containers/text/default.nix");
    assert!(message.contains("which is not a tar archive"), "{message}");
}

#[test]
fn a_folder_or_a_broken_expression_is_a_clear_error() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    repo.container("folder", "{ pkgs ? import <nixpkgs> {} }: pkgs.folder\n");
    repo.container("broken", "{ pkgs ? import <nixpkgs> {} }: pkgz.hello\n");
    let (output, _) = repo.build("folder", ArchiveFormat::AsBuilt);
    let message = build_error(&output, "containers/folder/default.nix");
    assert!(
        message.starts_with("containers/folder/default.nix builds a folder (/nix/store/"),
        "{message}"
    );
    let (output, _) = repo.build("broken", ArchiveFormat::AsBuilt);
    let message = build_error(&output, "containers/broken/default.nix");
    assert!(
        message.starts_with("nix-build containers/broken/default.nix failed:")
            && message.contains("undefined variable 'pkgz'"),
        "{message}"
    );
}

/// The origin's layout: no root flake.lock, the pin in the host flake's
/// nixos/ringtail/flake.lock, shaped like the origin's (`nixpkgs`, a second
/// nixpkgs `nixpkgs-services`, and inputs that follow `nixpkgs`). The rule
/// the pipelines apply ([`nixpkgs::lock_candidates`], then
/// [`nixpkgs::choose`] on the first the repository has) takes that lock's
/// `nixpkgs`, and that is the nixpkgs Nix fetches (by its NAR hash),
/// evaluates and builds with. `nixpkgs-services` is a decoy that throws
/// when evaluated, so taking the wrong input fails the build.
#[test]
fn without_a_root_lock_the_ringtail_lock_pins_the_nixpkgs_that_builds() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    std::fs::remove_file(repo.path().join("flake.lock")).unwrap();
    let decoy = repo.path().join("services");
    std::fs::create_dir_all(&decoy).unwrap();
    std::fs::write(
        decoy.join("default.nix"),
        "{ ... }: throw \"nixpkgs-services was evaluated, not the host's nixpkgs\"\n",
    )
    .unwrap();
    let decoy_hash = nix_hash(&decoy);
    run(Command::new("tar")
        .args(["-czf", "services.tar.gz", "services"])
        .current_dir(repo.path()));
    let tarball = |file: &str, hash: &str| {
        format!(
            r#"{{"type": "tarball", "url": "file://{}", "narHash": "{hash}"}}"#,
            repo.path().join(file).display()
        )
    };
    let lock = format!(
        r#"{{"nodes": {{
            "disko": {{"inputs": {{"nixpkgs": ["nixpkgs"]}}, "locked": {services}}},
            "home-manager": {{"inputs": {{"nixpkgs": ["nixpkgs"]}}, "locked": {services}}},
            "nixpkgs": {{"locked": {nixpkgs}}},
            "nixpkgs-services": {{"locked": {services}}},
            "root": {{"inputs": {{"disko": "disko", "home-manager": "home-manager",
                "nixpkgs": "nixpkgs", "nixpkgs-services": "nixpkgs-services"}}}}}},
           "root": "root", "version": 7}}"#,
        services = tarball("services.tar.gz", &decoy_hash),
        nixpkgs = tarball("nixpkgs.tar.gz", &repo.hash),
    );
    std::fs::create_dir_all(repo.path().join("nixos/ringtail")).unwrap();
    std::fs::write(repo.path().join("nixos/ringtail/flake.lock"), &lock).unwrap();

    // The rule, as the pipeline applies it: the first candidate that exists.
    let choose = |input: &str| {
        let found = nixpkgs::lock_candidates(None, nixpkgs::DEFAULT_FLAKE_LOCK)
            .into_iter()
            .find(|c| repo.path().join(c).is_file())
            .expect("a lock is found");
        let text = std::fs::read_to_string(repo.path().join(&found)).unwrap();
        nixpkgs::choose(
            None,
            nixpkgs::DEFAULT_FLAKE_LOCK,
            input,
            Some((&found, &text)),
        )
    };
    let nixpkgs::Choice::Pinned {
        nixpkgs: pinned,
        note: Some(note),
    } = choose(nixpkgs::DEFAULT_NIXPKGS_INPUT).unwrap()
    else {
        panic!("the ringtail lock did not pin nixpkgs")
    };
    assert_eq!(pinned.origin, "nixos/ringtail/flake.lock (input nixpkgs)");
    assert!(note.contains("nixos/ringtail/flake.lock pins it"), "{note}");

    // Nix fetches it (new to the store: the stand-in carries a nonce),
    // checks it against the lock's hash, and evaluates versions in it...
    let root = repo.path().to_str().unwrap();
    let jq = [AttrPath::parse("jq").unwrap()];
    let output = repo.exec(&nixpkgs::version_command(&pinned, root, &jq));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        nixpkgs::parse_versions(&text(&output.stdout)).unwrap()["jq"].as_deref(),
        Some("1.7.1")
    );
    // ...and builds the image with it as <nixpkgs>.
    repo.container("tiny", LAYERED);
    let (output, out) = repo.build_with(&pinned, "tiny", ArchiveFormat::AsBuilt);
    let file = built(&output).file;
    assert_eq!(skopeo_layers(&out.join(file)), 1);

    // The decoy is real: the other nixpkgs of the same lock fails the build.
    let nixpkgs::Choice::Pinned {
        nixpkgs: services, ..
    } = choose("nixpkgs-services").unwrap()
    else {
        panic!("nixpkgs-services did not pin")
    };
    let (output, _) = repo.build_with(&services, "tiny", ArchiveFormat::AsBuilt);
    assert!(!output.status.success(), "the decoy built");
    assert!(
        text(&output.stderr).contains("nixpkgs-services was evaluated"),
        "{}",
        text(&output.stderr)
    );
}

/// A repository without a flake.lock: nixpkgs is what the flake registry
/// says. Here the registry is a file naming the stand-in (made a flake) as
/// `nixpkgs`, as channels.nixos.org's names github:NixOS/nixpkgs for the
/// Nix image. The module's command resolves it, its parser reads the
/// locked source, and the build uses it, checked against that NAR hash.
#[test]
fn without_a_lock_the_flake_registry_names_nixpkgs_and_the_build_uses_it() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    std::fs::remove_file(repo.path().join("flake.lock")).unwrap();
    let stand_in = repo.path().join("nixpkgs");
    std::fs::write(stand_in.join("flake.nix"), "{ outputs = { self }: { }; }\n").unwrap();
    std::fs::write(
        stand_in.join("flake.lock"),
        r#"{"nodes": {"root": {}}, "root": "root", "version": 7}"#,
    )
    .unwrap();
    let registry = repo.path().join("registry.json");
    std::fs::write(
        &registry,
        format!(
            r#"{{"version": 2, "flakes": [{{"from": {{"type": "indirect", "id": "nixpkgs"}}, "to": {{"type": "path", "path": "{}"}}}}]}}"#,
            stand_in.display()
        ),
    )
    .unwrap();
    let config = format!(
        "{}\nexperimental-features = nix-command flakes\nflake-registry = {}\n",
        NIX_CONFIG.replace("experimental-features = nix-command flakes", ""),
        registry.display()
    );
    let argv: Vec<String> = nixpkgs::REGISTRY_COMMAND.map(str::to_owned).to_vec();
    let output = Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(repo.path())
        .env("NIX_CONFIG", &config)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let resolved = nixpkgs::from_registry(&text(&output.stdout), "nixos/nix:2.33.3").unwrap();
    assert!(resolved.unpinned);
    assert!(
        matches!(&resolved.source, nixpkgs::NixpkgsSource::Path { path, .. } if Path::new(path) == stand_in),
        "{resolved:?}"
    );
    repo.container("tiny", LAYERED);
    let (output, out) = repo.build_with(&resolved, "tiny", ArchiveFormat::AsBuilt);
    let file = built(&output).file;
    assert_eq!(skopeo_layers(&out.join(file)), 1);
}

// ---- the forms of Nix images -------------------------------------------

/// The fake hash a pullImage gets before its real one is known (as a user
/// does before `nix-prefetch-docker`).
const FAKE_HASH: &str = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

impl Repo {
    /// A repository with every form of `tests/fixtures/nix/forms/`: the
    /// stand-ins beside it, its flake locked by `nix flake lock`, so that
    /// one flake.lock pins nixpkgs for the files and everything for the
    /// flake outputs (as an ops repository's does). The base image's hash
    /// is still [`FAKE_HASH`] ([`Repo::pin_base_image`] sets it).
    fn forms() -> Repo {
        let repo = Repo::new();
        copy_fixture("forms", repo.path());
        copy_fixture("stand-in-nix2container", &repo.path().join("nix2container"));
        repo.substitute(
            "flake.nix",
            "@NIXPKGS@",
            &repo.path().join("nixpkgs").display().to_string(),
        );
        repo.substitute(
            "flake.nix",
            "@NIX2CONTAINER@",
            &repo.path().join("nix2container").display().to_string(),
        );
        repo.substitute(
            "packages/ollama-container.nix",
            "@BASE_IMAGE_HASH@",
            FAKE_HASH,
        );
        std::fs::remove_file(repo.path().join("flake.lock")).unwrap();
        let output = repo.exec(&["nix".into(), "flake".into(), "lock".into()]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        repo
    }

    fn substitute(&self, file: &str, placeholder: &str, value: &str) {
        let path = self.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(placeholder), "{file} has no {placeholder}");
        std::fs::write(&path, text.replace(placeholder, value)).unwrap();
    }

    /// Builds `packages/ollama-container.nix` once with the fake hash,
    /// checks that the fixed-output derivation refuses it, and writes the
    /// hash Nix got (trust on first use, as `nix-prefetch-docker` does).
    fn pin_base_image(&self) {
        let file = NixRecipe::File("packages/ollama-container.nix".into());
        let (output, _) = self.build_file(&file, "ollama", ArchiveFormat::Tar);
        let message = build_error(&output, "packages/ollama-container.nix");
        assert!(
            message.starts_with(
                "nix-build packages/ollama-container.nix failed: a download in the build"
            ),
            "{message}"
        );
        let got = text(&output.stderr)
            .lines()
            .find_map(|l| l.trim().strip_prefix("got:").map(|h| h.trim().to_owned()))
            .expect("Nix says the hash it got");
        self.substitute("packages/ollama-container.nix", FAKE_HASH, &got);
    }

    /// Builds a file with the lock's nixpkgs, as `name`.
    fn build_file(
        &self,
        target: &NixRecipe,
        name: &str,
        format: ArchiveFormat,
    ) -> (Output, PathBuf) {
        let name = ContainerName::parse(name).unwrap();
        self.build_target(Some(&self.pinned()), target, &name, format)
    }

    /// Builds a flake output (no nixpkgs: the flake's lock pins it), as `name`.
    fn build_output(&self, attr: &str, name: &str, format: ArchiveFormat) -> (Output, PathBuf) {
        let target = NixRecipe::parse_flake_output(attr).unwrap();
        let name = ContainerName::parse(name).unwrap();
        self.build_target(None, &target, &name, format)
    }

    /// Evaluates a flake output's version and tag, as publish-nix does.
    fn flake_image(&self, attr: &str) -> Output {
        let root = self.path().to_str().unwrap();
        self.exec(&image_version::flake_version_command(
            root,
            &AttrPath::parse(attr).unwrap(),
        ))
    }
}

/// The system Nix builds for here (what `packages.<system>` means).
fn current_system() -> String {
    run(Command::new("nix")
        .args([
            "eval",
            "--impure",
            "--raw",
            "--expr",
            "builtins.currentSystem",
        ])
        .env("NIX_CONFIG", NIX_CONFIG))
}

/// The image in a docker-archive: its layer count (`skopeo inspect`), its
/// `RepoTags`, and its root filesystem (`skopeo copy` to an OCI layout,
/// `umoci unpack`).
struct Inspected {
    layers: usize,
    repo_tags: Vec<String>,
    rootfs: PathBuf,
    _dir: tempfile::TempDir,
}

fn inspect(archive: &Path) -> Inspected {
    let layers = skopeo_layers(archive);
    let dir = tempfile::tempdir().unwrap();
    let plain = archive.with_extension("inspect.tar");
    let manifest = run(Command::new("tar")
        .arg("-xOf")
        .arg(&plain)
        .arg("manifest.json"));
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let repo_tags = manifest[0]["RepoTags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let layout = dir.path().join("layout");
    run(Command::new("skopeo").args([
        "copy",
        &format!("docker-archive:{}", plain.display()),
        &format!("oci:{}:image", layout.display()),
    ]));
    let bundle = dir.path().join("bundle");
    run(Command::new("umoci")
        .args([
            "unpack",
            "--rootless",
            "--image",
            &format!("{}:image", layout.display()),
        ])
        .arg(&bundle));
    Inspected {
        layers,
        repo_tags,
        rootfs: bundle.join("rootfs"),
        _dir: dir,
    }
}

/// The store path under `rootfs/nix/store` whose name ends in `-<name>`.
fn store_dir(rootfs: &Path, name: &str) -> Option<PathBuf> {
    std::fs::read_dir(rootfs.join("nix/store"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(&format!("-{name}")))
}

#[test]
fn call_package_files_build_whatever_their_arguments() {
    if !nix_available() {
        return;
    }
    let repo = Repo::forms();
    repo.container("default-pkgs", LAYERED);
    repo.container(
        "pkgs-and-more",
        "{ pkgs, ... }:\npkgs.dockerTools.buildLayeredImage { name = \"pkgs-and-more\"; }\n",
    );
    repo.container(
        "not-a-function",
        "let pkgs = import <nixpkgs> { }; in pkgs.dockerTools.buildImage { name = \"x\"; }\n",
    );
    // containers/greeting/default.nix: `{ dockerTools, greeting }:`.
    for name in [
        "default-pkgs",
        "pkgs-and-more",
        "not-a-function",
        "greeting",
    ] {
        let (output, out) = repo.build(name, ArchiveFormat::AsBuilt);
        let built = built(&output);
        assert_eq!(built.shape, Shape::Archive, "{name}");
        assert_eq!(skopeo_layers(&out.join(&built.file)), 1, "{name}");
    }

    let (output, _) = repo.build("needs-arg", ArchiveFormat::AsBuilt);
    let message = build_error(&output, "containers/needs-arg/default.nix");
    assert!(
        message.starts_with(
            "containers/needs-arg/default.nix is called with nixpkgs' callPackage, and nixpkgs \
             has nothing named `no-such-package` to give its argument `no-such-package`."
        ) && message.contains("Function called without required argument"),
        "{message}"
    );
}

#[test]
fn a_nix2container_image_is_written_by_its_copy_to_layer_for_layer() {
    if !nix_available() {
        return;
    }
    let repo = Repo::forms();
    // containers/attic/default.nix: two buildLayer groups.
    for format in [ArchiveFormat::AsBuilt, ArchiveFormat::Tar] {
        let (output, out) = repo.build("attic", format);
        let built = built(&output);
        assert_eq!(
            built,
            Built {
                file: "attic.tar".into(),
                shape: Shape::Nix2container,
            }
        );
        let image = inspect(&out.join(&built.file));
        assert_eq!(image.layers, 2);
        assert_eq!(image.repo_tags, ["docker.io/library/attic:latest"]);
        // Layer 1: the greeting package in the store; layer 2: its
        // buildEnv at the root.
        let greeting = store_dir(&image.rootfs, "greeting-1.0").expect("greeting in the store");
        assert!(greeting.join("bin/greeting").is_file());
        assert!(image.rootfs.join("bin/greeting").exists());
    }
    // What copy-to printed went to stderr: the last stdout line is the result.
    let (output, out) = repo.build("attic", ArchiveFormat::Tar);
    assert_eq!(text(&output.stdout), "nix2container attic.tar\n");
    assert!(text(&output.stderr).contains("Running skopeo --insecure-policy copy nix:"));
    // The SBOM's closure step reads skopeo's layers as it reads dockerTools'.
    let closure = closure_of(&repo, &out.join("attic.tar"));
    let names: Vec<&str> = closure.paths.keys().map(StorePath::name).collect();
    assert!(names.contains(&"greeting-1.0"), "{names:?}");
}

#[test]
fn a_json_that_is_no_nix2container_image_or_has_no_copy_to_is_refused() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    let files = repo.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("other.json"), "{\"layers\": []}\n").unwrap();
    std::fs::write(
        files.join("image.json"),
        "{\"version\":1,\"image-config\":{},\"layers\":[]}\n",
    )
    .unwrap();
    for (name, file) in [("other", "other.json"), ("no-copy-to", "image.json")] {
        repo.container(
            name,
            &format!(
                "{{ pkgs ? import <nixpkgs> {{}} }}:\npkgs.copyFile {}\n",
                files.join(file).display()
            ),
        );
    }
    let (output, _) = repo.build("other", ArchiveFormat::AsBuilt);
    let message = build_error(&output, "containers/other/default.nix");
    assert!(
        message.contains("which is not a tar archive, so neither a docker image archive, an image stream nor a nix2container image"),
        "{message}"
    );
    let (output, _) = repo.build("no-copy-to", ArchiveFormat::AsBuilt);
    assert_eq!(output.status.code(), Some(16));
    let message = build_error(&output, "containers/no-copy-to/default.nix");
    assert!(
        message.starts_with("containers/no-copy-to/default.nix builds a nix2container image description (/nix/store/")
            && message.contains("its copyTo could not be built")
            && message.contains("attribute 'copyTo' in selection path 'copyTo' not found"),
        "{message}"
    );
}

#[test]
fn a_nix_file_outside_containers_builds_on_a_pinned_base_image() {
    if !nix_available() {
        return;
    }
    let repo = Repo::forms();
    repo.pin_base_image();
    let file = NixRecipe::File("packages/ollama-container.nix".into());
    let (output, out) = repo.build_file(&file, "ollama", ArchiveFormat::AsBuilt);
    let built = built(&output);
    assert_eq!(built.file, "ollama.tar");
    let image = inspect(&out.join(&built.file));
    // The base image's layer, then the image's own.
    assert_eq!(image.layers, 2);
    assert_eq!(image.repo_tags, ["ollama:0.1.2"]);
    let base = std::fs::read_to_string(image.rootfs.join("base-image")).unwrap();
    assert!(base.starts_with("alpine@sha256:4bcff639"), "{base}");
    assert!(image.rootfs.join("bin/greeting").exists());
}

#[test]
fn flake_outputs_build_with_the_flakes_own_lock() {
    if !nix_available() {
        return;
    }
    let repo = Repo::forms();
    repo.pin_base_image();

    // nix2container, named as packages.<system>.<name>.
    let (output, out) = repo.build_output("attic-server-image", "attic-server", ArchiveFormat::Tar);
    let built_image = built(&output);
    assert_eq!(built_image.shape, Shape::Nix2container);
    let image = inspect(&out.join(&built_image.file));
    assert_eq!(image.layers, 2);
    assert!(store_dir(&image.rootfs, "greeting-1.0").is_some());

    // callPackage of a file, named by its full attribute path.
    let full = format!("packages.{}.ollama-container", current_system());
    let (output, out) = repo.build_output(&full, "ollama", ArchiveFormat::AsBuilt);
    let built_image = built(&output);
    assert_eq!(built_image.shape, Shape::Archive);
    let image = inspect(&out.join(&built_image.file));
    assert_eq!(
        (image.layers, image.repo_tags),
        (2, vec!["ollama:0.1.2".to_owned()])
    );

    // streamLayeredImage.
    let (output, _) = repo.build_output("greeter-image", "greeter", ArchiveFormat::AsBuilt);
    assert_eq!(built(&output).shape, Shape::Stream);

    let (output, _) = repo.build_output("nope", "nope", ArchiveFormat::AsBuilt);
    let message = build_error(&output, "flake output `nope`");
    let system = current_system();
    assert!(
        message.starts_with(&format!(
            "the flake of --src has no output `nope` (neither packages.{system}.nope, \
             legacyPackages.{system}.nope nor nope).\nName one of its outputs"
        )),
        "{message}"
    );
}

#[test]
fn a_flake_lock_that_misses_an_input_is_refused_not_updated() {
    if !nix_available() {
        return;
    }
    let repo = Repo::forms();
    std::fs::remove_file(repo.path().join("flake.lock")).unwrap();
    let (output, _) = repo.build_output("greeter-image", "greeter", ArchiveFormat::AsBuilt);
    let message = build_error(&output, "flake output `greeter-image`");
    assert!(
        message.starts_with("the flake.lock of --src does not lock every input of its flake.nix"),
        "{message}"
    );
    assert!(
        !repo.path().join("flake.lock").exists(),
        "a lock file was written"
    );
}

#[test]
fn flake_output_versions_are_evaluated() {
    if !nix_available() {
        return;
    }
    let repo = Repo::forms();
    let evaluate = |attr: &str| {
        let output = repo.flake_image(attr);
        assert!(output.status.success(), "{attr}: {}", text(&output.stderr));
        image_version::parse_flake_image(&text(&output.stdout)).unwrap()
    };
    // No tag: nix2container's content hash, which is no version.
    let attic = evaluate("attic-server-image");
    assert_eq!(attic.version, None);
    let tag = attic.tag.clone().unwrap();
    assert!(normalize::is_content_hash(&tag), "{tag}");
    assert_eq!(
        evaluate("ollama-container"),
        FlakeImage {
            version: None,
            tag: Some("0.1.2".into())
        }
    );
    let greeter = evaluate("greeter-image");
    assert_eq!(greeter.version.as_deref(), Some("1.0"));
    // The tag the lexer reads in the file is the one Nix evaluates.
    let file = std::fs::read_to_string(repo.path().join("packages/ollama-container.nix")).unwrap();
    assert_eq!(
        blumeops_ci::core::version::nix_expr::image_tag(&file),
        evaluate("ollama-container").tag
    );

    let version = |attr: &str, image: &FlakeImage| {
        image_version::flake_app_version(&AttrPath::parse(attr).unwrap(), image, None, "x", None)
    };
    assert!(matches!(
        version("ollama-container", &evaluate("ollama-container")).unwrap(),
        AppVersion::Known { version, .. } if version == "0.1.2"
    ));
    assert!(matches!(
        version("greeter-image", &greeter).unwrap(),
        AppVersion::Known { version, .. } if version == "1.0"
    ));
    let err = version("attic-server-image", &attic)
        .unwrap_err()
        .to_string();
    assert!(err.contains("is a content hash"), "{err}");

    let output = repo.flake_image("nope");
    assert!(!output.status.success());
    let message = nix_build::evaluation_error("flake output `nope`", &text(&output.stderr));
    assert!(
        message.starts_with("the flake of --src has no output `nope`"),
        "{message}"
    );
}

// The SBOM (sbom-nix, publish-nix --sbom): the closure script the module
// emits (`closure::image_closure_argv`), run on images the stand-in built
// with Nix 2.8, read by the module's parser, made into the module's
// CycloneDX document, and validated against the official CycloneDX JSON
// schema (`ci/validate-sbom`).

use blumeops_ci::core::sbom::closure::{self, Closure};
use blumeops_ci::core::sbom::cyclonedx::{self as sbom, SbomInput};
use blumeops_ci::core::sbom::store_path::{self, StorePath};

/// Runs the closure step on the archive `file` of `out`, as the pipeline
/// does after the build, and reads its output with the module's parser.
fn closure_of(repo: &Repo, archive: &Path) -> Closure {
    let output = repo.exec(&closure::image_closure_argv(archive.to_str().unwrap()));
    assert!(
        output.status.success(),
        "the closure step failed ({}):\n{}",
        output.status,
        text(&output.stderr)
    );
    closure::parse(&text(&output.stdout)).unwrap()
}

/// `nix-store --query --hash` of `path`: Nix's own word for its NAR hash.
fn nix_store_hash(path: &StorePath) -> String {
    run(Command::new("nix-store")
        .env("NIX_CONFIG", NIX_CONFIG)
        .args(["--query", "--hash", path.as_str()]))
    .trim()
    .to_owned()
}

/// Checks `document` with `ci/validate-sbom`: the official CycloneDX JSON
/// schema (from cyclonedx-python-lib) and the purl parser of the purl
/// project. When the validator cannot be installed (no python3 venv, no
/// PyPI), fails under CI and says how to get it elsewhere.
fn assert_valid_cyclonedx(document: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image.cdx.json");
    std::fs::write(&file, document).unwrap();
    let output = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("ci/validate-sbom"))
        .arg(&file)
        .output()
        .expect("ci/validate-sbom runs");
    match output.status.code() {
        Some(0) => assert!(text(&output.stdout).starts_with("valid: ")),
        Some(3) => {
            let message = format!(
                "the SBOM schema check needs the CycloneDX validator, which ci/validate-sbom \
                 installs in a venv (python3 with venv, and PyPI once); run ci/test, or \
                 ci/validate-sbom alone:\n{}",
                text(&output.stderr)
            );
            support::skip_or_fail("SBOM schema check", &message);
        }
        _ => panic!(
            "the SBOM is not valid CycloneDX:\n{}{}\n{document}",
            text(&output.stdout),
            text(&output.stderr)
        ),
    }
}

/// The example repository's jq image, built by Nix from the stand-in.
#[test]
fn the_sbom_of_a_built_image_is_its_closure_with_nixs_own_hashes() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("containers/jq/default.nix"),
    )
    .unwrap();
    repo.container("jq", &example);
    let (output, out) = repo.build("jq", ArchiveFormat::AsBuilt);
    let archive = out.join(built(&output).file);
    let closure = closure_of(&repo, &archive);
    assert!(closure.absent.is_empty(), "{:?}", closure.absent);

    // The closure is jq and the library it references, nothing of the
    // builders (the roots file, the archive).
    let names: Vec<&str> = closure.paths.keys().map(StorePath::name).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["jq-1.7.1-bin", "oniguruma-6.9.9-lib"], "{names:?}");
    let jq = closure
        .paths
        .values()
        .find(|p| p.path.name() == "jq-1.7.1-bin")
        .unwrap();
    let onig = closure
        .paths
        .values()
        .find(|p| p.path.name() != "jq-1.7.1-bin")
        .unwrap();
    assert_eq!(jq.references, std::slice::from_ref(&onig.path));
    for info in closure.paths.values() {
        assert_eq!(
            info.nar_hash.nix32(),
            nix_store_hash(&info.path),
            "{}",
            info.path
        );
        assert!(info.deriver.as_ref().unwrap().as_str().ends_with(".drv"));
    }

    // publish-nix's plain tar holds the same closure.
    let (output, out) = repo.build("jq", ArchiveFormat::Tar);
    assert_eq!(closure_of(&repo, &out.join(built(&output).file)), closure);

    let document = sbom::document(&SbomInput {
        image: "jq",
        closure: &closure,
        nixpkgs: &repo.pinned(),
        nix_image: "nixos/nix:2.33.3",
    });
    let bom: serde_json::Value = serde_json::from_str(&document).unwrap();
    let component = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "jq")
        .unwrap();
    assert_eq!(component["version"], "1.7.1-bin");
    assert_eq!(
        component["purl"],
        format!("pkg:nix/jq@1.7.1-bin?outputhash={}", jq.path.hash())
    );
    assert_eq!(
        bom["metadata"]["properties"][1]["value"], repo.hash,
        "the pin's NAR hash"
    );
    assert_valid_cyclonedx(&document);
}

/// buildImage (layer entries `nix/store/...`) and streamLayeredImage hold
/// the same closure as buildLayeredImage (`./nix/store/...`).
#[test]
fn every_image_builder_gives_the_same_closure() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    let image = |builder: &str, field: &str| {
        format!(
            "{{ pkgs ? import <nixpkgs> {{}} }}:\npkgs.dockerTools.{builder} {{ name = \"x\"; \
             {field} = [ pkgs.jq pkgs.cacert ]; }}\n"
        )
    };
    repo.container("layered", &image("buildLayeredImage", "contents"));
    repo.container("plain", &image("buildImage", "copyToRoot"));
    repo.container("streamed", &image("streamLayeredImage", "contents"));
    let mut closures = Vec::new();
    for name in ["layered", "plain", "streamed"] {
        let (output, out) = repo.build(name, ArchiveFormat::AsBuilt);
        closures.push(closure_of(&repo, &out.join(built(&output).file)));
    }
    let names: Vec<&str> = closures[0].paths.keys().map(StorePath::name).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"nss-cacert-3.101"), "{names:?}");
    assert_eq!(closures[0], closures[1]);
    assert_eq!(closures[0], closures[2]);
}

/// Archives of other shapes: the outer archive and a layer gzipped, a
/// layer with absolute names (as nixpkgs' stream script writes them), and
/// store paths the store does not have (a base image's), which are named
/// as absent rather than dropped. Made with GNU tar on this machine.
#[test]
fn store_paths_are_found_in_every_layer_shape_and_absent_ones_are_named() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    repo.container(
        "jq",
        "{ pkgs ? import <nixpkgs> {} }:\npkgs.dockerTools.buildLayeredImage { name = \"jq\"; contents = [ pkgs.jq ]; }\n",
    );
    let (output, out) = repo.build("jq", ArchiveFormat::Tar);
    let real = closure_of(&repo, &out.join(built(&output).file));
    let jq = real
        .paths
        .keys()
        .find(|p| p.name() == "jq-1.7.1-bin")
        .unwrap()
        .clone();

    let dir = repo.path().join("shapes");
    let absent = format!(
        "{}/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-glibc-2.40-66",
        store_path::STORE_DIR
    );
    let script = format!(
        r#"set -eu
mkdir -p root{absent} work
echo libc > root{absent}/libc.so
tar -cPf work/abs.tar --transform 's,^{root},,' {root}{absent}
tar -cf work/rel.tar -C root .
gzip -n work/rel.tar
tar -cPf work/real.tar {jq}
echo '{{}}' > work/config.json
echo '[{{"Layers":["abs.tar","rel.tar.gz","real.tar"]}}]' > work/manifest.json
tar -czf image.tar.gz -C work manifest.json config.json abs.tar rel.tar.gz real.tar
"#,
        root = dir.join("root").display(),
        jq = jq.as_str(),
    );
    std::fs::create_dir_all(&dir).unwrap();
    run(Command::new("sh").arg("-c").arg(&script).current_dir(&dir));
    let closure = closure_of(&repo, &dir.join("image.tar.gz"));
    assert_eq!(closure.absent, [StorePath::parse(&absent).unwrap()]);
    assert_eq!(
        closure.paths, real.paths,
        "the real layer's closure, in full"
    );
}

/// `builtins.parseDrvName` itself is the oracle of `parse_drv_name`: 2,000
/// generated names (letters, digits, dashes and the other characters of
/// store path names) split by Nix 2.8 and by the module.
#[test]
fn names_split_as_builtins_parse_drv_name_splits_them() {
    if !nix_available() {
        return;
    }
    let alphabet = b"ab-1-9.-_Z+?=-x0";
    let mut seed: u64 = 0x5eed;
    let mut names: Vec<String> = (0..2000)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (seed >> 59) as usize + 1;
            (0..len)
                .map(|i| {
                    let r = seed.rotate_left(7 * i as u32);
                    alphabet[(r % alphabet.len() as u64) as usize] as char
                })
                .collect()
        })
        .collect();
    names.extend(["", "-", "a-", "-1", "a--1", "A-1", "z-Z", "a-_b"].map(String::from));
    let expr = format!(
        "map builtins.parseDrvName (builtins.fromJSON {})",
        nixpkgs::nix_string(&serde_json::to_string(&names).unwrap())
    );
    let json = run(Command::new("nix-instantiate")
        .env("NIX_CONFIG", NIX_CONFIG)
        .args(["--eval", "--strict", "--json", "--expr", &expr]));
    let parsed: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    for (name, nix) in names.iter().zip(&parsed) {
        let ours = store_path::parse_drv_name(name);
        assert_eq!(
            (ours.name, ours.version),
            (
                nix["name"].as_str().unwrap(),
                nix["version"].as_str().unwrap()
            ),
            "{name:?}"
        );
    }
}
