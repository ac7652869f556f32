//! The argument catalogue: every argument the functions take, each
//! described once: its wire name, type, default and the `--help` text. The
//! function table ([`crate::functions`]) lists them per function, and the
//! pipelines read a call's arguments through the same constants
//! (`args.string(&CONTAINER_NAME)`), so a misspelled argument does not
//! compile.

use crate::core::check::scope::{DEFAULT_NIX_PACKAGES, DEFAULT_SERVICE_NAMES, DEFAULT_SKIP};
use crate::core::image::image_ref::{
    DEFAULT_NAMESPACE, DEFAULT_REGISTRY, DEFAULT_REGISTRY_USERNAME,
};
use crate::core::nix::build::DEFAULT_NIX_IMAGE;
use crate::core::nix::flake::DEFAULT_FLAKE_PATH;
use crate::core::nix::nixpkgs::{DEFAULT_FLAKE_LOCK, DEFAULT_NIXPKGS_INPUT};
use crate::core::workflows::DEFAULT_RUNNER_VERSION;
use crate::module::arg_spec::{ArgSpec, Default, Type};

/// What `--src` leaves out when it is uploaded: git history, and the
/// outputs that the documented commands leave at the repository root
/// (`nix-build ... -o result`, `export --path=./NAME.tar`, `./NAME.tar.gz`).
/// Patterns are anchored at the root, as in `.dockerignore`.
pub const SRC_IGNORE: &[&str] = &[".git", "result", "result-*", "*.tar", "*.tar.gz"];

/// The repository, for every function that reads `containers/`: required,
/// as in the origin, so a forgotten `--src` is the CLI's own error.
pub const SRC: ArgSpec = ArgSpec {
    name: "src",
    ty: Type::DIRECTORY,
    default: Default::RequiredDir { ignore: SRC_IGNORE },
    doc: "The ops repository: the folder that holds containers/<name>/, e.g. --src=. from its \
          root.",
};

/// The repository for `nix-version`, optional as in the origin (whose
/// `nix_version` read no repository at all).
pub const NIX_VERSION_SRC: ArgSpec = ArgSpec {
    name: "src",
    ty: Type::DIRECTORY,
    default: Default::Null,
    doc: "The ops repository whose flake.lock pins nixpkgs, e.g. --src=. Optional, unlike \
          the other functions' --src: without it (as with the Python module's nix-version) \
          nixpkgs is the Nix image's flake registry's, unpinned.",
};

/// The repository for `validate-workflows`, which `dagger check` runs: the
/// engine runs a check only when it has no required argument, so this one
/// keeps a default.
pub const SRC_TO_VALIDATE: ArgSpec = ArgSpec {
    name: "src",
    ty: Type::DIRECTORY,
    default: Default::Path {
        path: ".",
        ignore: SRC_IGNORE,
    },
    doc: "The ops repository: the folder that holds .forgejo/workflows/, e.g. --src=. Optional \
          so that `dagger check` can run it: the default is the repository the module is \
          installed in (the folder of the dagger.json that loads it; with -m, the module's own, \
          which has no workflows: pass --src).",
};

/// What `--src` leaves out for the functions that read git history.
pub const SRC_WITH_GIT_IGNORE: &[&str] = &["result", "result-*", "*.tar", "*.tar.gz"];

/// The repository with its `.git`, for the functions that read history.
pub const SRC_WITH_GIT: ArgSpec = ArgSpec {
    name: "src",
    ty: Type::DIRECTORY,
    default: Default::RequiredDir {
        ignore: SRC_WITH_GIT_IGNORE,
    },
    doc: "The ops repository, with its .git (a clone; in CI, checked out with full history), \
          e.g. --src=. from its root.",
};

/// The repository for `check-versions`, with its `.git`, which `--base` reads.
pub const SRC_TO_CHECK: ArgSpec = ArgSpec {
    name: "src",
    ty: Type::DIRECTORY,
    default: Default::Path {
        path: ".",
        ignore: SRC_WITH_GIT_IGNORE,
    },
    doc: "The ops repository: the folder that holds containers/<name>/ and \
          service-versions.yaml, e.g. --src=. Optional so that `dagger check` can run it: the \
          default is the repository the module is installed in (the folder of the dagger.json \
          that loads it; with -m, the module's own, whose containers/ are its examples: pass \
          --src). With --base its .git is read too: a clone (in CI, checked out with the \
          history back to the merge base, e.g. fetch-depth: 0).",
};

pub const CONTAINER_NAME: ArgSpec = ArgSpec {
    name: "containerName",
    ty: Type::String,
    default: Default::Required,
    doc: "The container to work on: the name of its folder under containers/ (e.g. nettest).",
};

pub const NIX_CONTAINER_NAME: ArgSpec = ArgSpec {
    name: "containerName",
    ty: Type::String,
    default: Default::Required,
    doc: "The image's name: the name of its folder under containers/ (e.g. nettest), whose \
          default.nix is built; with --nix-file or --flake-output, the name it gets in the \
          registry (and in the archive) only, and containers/<name>/ need not exist.",
};

pub const NIX_FILE: ArgSpec = ArgSpec {
    name: "nixFile",
    ty: Type::String,
    default: Default::Null,
    doc: "Build this Nix file of the repository instead of containers/<name>/default.nix, \
          relative to --src (e.g. packages/ollama-container.nix). Like default.nix, it is \
          called with nixpkgs' callPackage: written { pkgs, ... }: or with package arguments.",
};

pub const FLAKE_OUTPUT: ArgSpec = ArgSpec {
    name: "flakeOutput",
    ty: Type::String,
    default: Default::Null,
    doc: "Build this output of the flake at the root of --src instead of a Nix file, read as \
          `nix build .#<output>` reads it: a name is packages.<the engine's system>.<name> \
          (e.g. attic-server-image), a full attribute path also works \
          (packages.x86_64-linux.ollama-container). Its flake.lock pins everything, so \
          --flake-lock, --nixpkgs-input and --nixpkgs do not apply.",
};

pub const VARIANT: ArgSpec = ArgSpec {
    name: "variant",
    ty: Type::String,
    default: Default::Json("\"dockerfile\""),
    doc: "Which build: dockerfile (containers/<name>/Dockerfile) or nix \
          (containers/<name>/default.nix).",
};

pub const COMMIT_SHA: ArgSpec = ArgSpec {
    name: "commitSha",
    ty: Type::String,
    default: Default::Required,
    doc: "The commit the image is built from: 7 to 40 hex digits (e.g. $(git rev-parse HEAD)). \
          Its first 7 digits go into the tag.",
};

pub const VERSION: ArgSpec = ArgSpec {
    name: "version",
    ty: Type::String,
    default: Default::Null,
    doc: "The app version, instead of the Dockerfile's CONTAINER_APP_VERSION: publish builds \
          that version (passing it as that build argument) and tags it; needed when the \
          Dockerfile declares none. A `v` is added to the tag when it lacks one.",
};

pub const NIX_VERSION: ArgSpec = ArgSpec {
    name: "version",
    ty: Type::String,
    default: Default::Null,
    doc: "The app version, as the Python module's command lines passed it: it must be the Nix \
          image's own (default.nix's, else its tag, else the Dockerfile's, else nixpkgs'; a \
          flake output's version or tag), since a Nix build cannot be given another version; a \
          different one is refused. It names a flake output that has no version.",
};

pub const TAGS: ArgSpec = ArgSpec {
    name: "tags",
    ty: Type::StringList,
    default: Default::Json("[]"),
    doc: "Moving tags (e.g. latest) pushed after the immutable commit tag.",
};

pub const BUILD_ARGS: ArgSpec = ArgSpec {
    name: "buildArgs",
    ty: Type::StringList,
    default: Default::Json("[]"),
    doc: "Build arguments, KEY=VALUE (e.g. CONTAINER_APP_VERSION=1.2.3 to build another \
          version than the Dockerfile's).",
};

pub const TARGET: ArgSpec = ArgSpec {
    name: "target",
    ty: Type::String,
    default: Default::Null,
    doc: "The build stage to stop at (FROM ... AS <target>); default: the last stage.",
};

pub const DOCKERFILE: ArgSpec = ArgSpec {
    name: "dockerfile",
    ty: Type::String,
    default: Default::Null,
    doc: "Another Dockerfile, relative to containers/<name>/ (e.g. Dockerfile.alpine); \
          default: Dockerfile.",
};

pub const PLATFORM: ArgSpec = ArgSpec {
    name: "platform",
    ty: Type::String,
    default: Default::Null,
    doc: "The platform to build for, os/arch[/variant] (e.g. linux/arm64); default: the \
          engine's.",
};

pub const SOURCE_URL: ArgSpec = ArgSpec {
    name: "sourceUrl",
    ty: Type::String,
    default: Default::Null,
    doc: "The repository's web address, recorded as the org.opencontainers.image.source label.",
};

pub const REVISION: ArgSpec = ArgSpec {
    name: "commitSha",
    ty: Type::String,
    default: Default::Null,
    doc: "The commit being built (7 to 40 hex digits), recorded as the \
          org.opencontainers.image.revision label.",
};

pub const BASE: ArgSpec = ArgSpec {
    name: "base",
    ty: Type::String,
    default: Default::Required,
    doc: "The commit to compare from (e.g. the push's `before` SHA, or origin/main for a pull \
          request); 4b825dc642cb6eb9a060e54bf8d69288fbee4904 (git's empty tree) for every \
          container.",
};

pub const HEAD: ArgSpec = ArgSpec {
    name: "head",
    ty: Type::String,
    default: Default::Json("\"HEAD\""),
    doc: "The commit to compare to.",
};

pub const REGISTRY: ArgSpec = ArgSpec {
    name: "registry",
    ty: Type::String,
    default: Default::String(DEFAULT_REGISTRY),
    doc: "The registry host (and port), without a scheme.",
};

pub const NAMESPACE: ArgSpec = ArgSpec {
    name: "namespace",
    ty: Type::String,
    default: Default::String(DEFAULT_NAMESPACE),
    doc: "The repository namespace: images go to <registry>/<namespace>/<container-name>.",
};

pub const REGISTRY_USERNAME: ArgSpec = ArgSpec {
    name: "registryUsername",
    ty: Type::String,
    default: Default::String(DEFAULT_REGISTRY_USERNAME),
    doc: "The user to log in to the registry as (with --registry-password).",
};

pub const REGISTRY_PASSWORD: ArgSpec = ArgSpec {
    name: "registryPassword",
    ty: Type::SECRET,
    default: Default::Null,
    doc: "The registry password or token, e.g. env:ZOT_CI_API_KEY; without it the registry is \
          used anonymously.",
};

pub const REGISTRY_CA: ArgSpec = ArgSpec {
    name: "registryCa",
    ty: Type::FILE,
    default: Default::Null,
    doc: "A PEM CA certificate the module trusts, besides the engine's CAs and the public \
          roots, when it asks the registry for tags (for a registry with a private CA; the \
          engine must trust it too to push).",
};

pub const SIGNING_KEY: ArgSpec = ArgSpec {
    name: "signingKey",
    ty: Type::SECRET,
    default: Default::Null,
    doc: "A cosign signing key, e.g. env:COSIGN_PRIVATE_KEY: the encrypted PEM `cosign \
          generate-key-pair` writes (with --signing-key-password), or an unencrypted PKCS#8 or \
          SEC1 ECDSA P-256 key. Each pushed image is signed as cosign signs it \
          (sha256-<hex>.sig) and gets a SLSA provenance attestation (and, with --sbom, its \
          SBOM's), attached as OCI referrers. The key is checked before anything is built; \
          without it nothing is signed.",
};

pub const SIGNING_KEY_PASSWORD: ArgSpec = ArgSpec {
    name: "signingKeyPassword",
    ty: Type::SECRET,
    default: Default::Null,
    doc: "The password of an encrypted --signing-key, e.g. env:COSIGN_PASSWORD (the one given \
          to `cosign generate-key-pair`).",
};

pub const IMAGE: ArgSpec = ArgSpec {
    name: "image",
    ty: Type::String,
    default: Default::Required,
    doc: "The image to check: its full reference with the registry, by tag or by digest, \
          e.g. registry.ops.eblu.me/blumeops/nettest:v0.1.0-0123456 or \
          ...@sha256:<digest>. A tag is checked at the digest it points to now.",
};

pub const PUBLIC_KEY: ArgSpec = ArgSpec {
    name: "publicKey",
    ty: Type::FILE,
    default: Default::Required,
    doc: "The public key the image must be signed with: the PEM file `cosign \
          generate-key-pair` writes beside the key (cosign.pub), e.g. --public-key=./cosign.pub.",
};

pub const REQUIRE: ArgSpec = ArgSpec {
    name: "require",
    ty: Type::StringList,
    default: Default::Json("[\"provenance\"]"),
    doc: "The attestations the image must carry, each signed with the key and about this \
          image: provenance (SLSA provenance v1), sbom (CycloneDX), or a predicate type URI; \
          --require=\"\" requires none.",
};

pub const PLATFORMS: ArgSpec = ArgSpec {
    name: "platforms",
    ty: Type::StringList,
    default: Default::Json("[]"),
    doc: "Build one image per platform and publish them as one multi-platform image, e.g. \
          linux/amd64,linux/arm64; default: the engine's platform only.",
};

pub const DRY_RUN: ArgSpec = ArgSpec {
    name: "dryRun",
    ty: Type::Boolean,
    default: Default::Json("false"),
    doc: "Build and push nothing: print the references that would be pushed.",
};

pub const OVERWRITE: ArgSpec = ArgSpec {
    name: "overwrite",
    ty: Type::Boolean,
    default: Default::Json("false"),
    doc: "Push even when the registry already has the immutable tag (by default nothing is \
          pushed then, so re-running CI for a commit is safe).",
};

pub const ANY_CONTAINER: ArgSpec = ArgSpec {
    name: "containerName",
    ty: Type::String,
    default: Default::Null,
    doc: "Only this container (the name of its folder under containers/); default: every \
          container of --src.",
};

pub const MAIN_BRANCH: ArgSpec = ArgSpec {
    name: "mainBranch",
    ty: Type::String,
    default: Default::Json("\"main\""),
    doc: "The branch a tag's commit must be on to count as [main]: its remote-tracking \
          branch origin/<branch> when --src has it (a CI clone's local branch is often stale), \
          else the branch itself; the log says which.",
};

pub const LIMIT: ArgSpec = ArgSpec {
    name: "limit",
    ty: Type::Integer,
    default: Default::Null,
    doc: "How many tags to show per container, newest first; default: 4 per container when \
          listing every container, 10 with --container-name.",
};

pub const FLAKE_LOCK: ArgSpec = ArgSpec {
    name: "flakeLock",
    ty: Type::String,
    default: Default::String(DEFAULT_FLAKE_LOCK),
    doc: "The flake.lock that pins nixpkgs, relative to --src (e.g. a host's, \
          nixos/<host>/flake.lock). By default the root flake.lock, else \
          nixos/ringtail/flake.lock (the default --flake-path's lock), else the Nix image's \
          flake registry (unpinned); the log says which.",
};

pub const NIXPKGS_INPUT: ArgSpec = ArgSpec {
    name: "nixpkgsInput",
    ty: Type::String,
    default: Default::String(DEFAULT_NIXPKGS_INPUT),
    doc: "The flake input that is nixpkgs (follows are followed; an input of an input as \
          a/nixpkgs).",
};

pub const NIXPKGS: ArgSpec = ArgSpec {
    name: "nixpkgs",
    ty: Type::String,
    default: Default::Null,
    doc: "Use this nixpkgs instead of the flake.lock's: a tarball URL or a /nix/store path. \
          Not checked against a hash: prefer the lock.",
};

pub const NIX_IMAGE: ArgSpec = ArgSpec {
    name: "nixImage",
    ty: Type::String,
    default: Default::String(DEFAULT_NIX_IMAGE),
    doc: "The image Nix runs in; pin it by digest for reproducible builds \
          (nixos/nix:2.33.3@sha256:...). Each image has its own /nix store cache.",
};

pub const PACKAGE: ArgSpec = ArgSpec {
    name: "package",
    ty: Type::String,
    default: Default::Required,
    doc: "The nixpkgs attribute path, e.g. ntfy-sh or python3Packages.requests.",
};

pub const LABELS: ArgSpec = ArgSpec {
    name: "labels",
    ty: Type::Boolean,
    default: Default::Json("false"),
    doc: "Add the OCI labels (title, version, revision, source) to the Nix image. Off by \
          default: the image config and layers then stay exactly as Nix built them.",
};

pub const SBOM: ArgSpec = ArgSpec {
    name: "sbom",
    ty: Type::Boolean,
    default: Default::Json("false"),
    doc: "Also push the image's SBOM (what sbom-nix returns, of the very archive pushed) as a \
          one-file image, /sbom.cdx.json, tagged sbom-<commit tag> beside the image \
          (e.g. sbom-v1.7.1-0123456-nix), and print its reference after the image's.",
};

pub const CONTAINER_NAMES: ArgSpec = ArgSpec {
    name: "containerNames",
    ty: Type::StringList,
    default: Default::Json("[]"),
    doc: "Only these containers (e.g. ntfy,miniflux); default: every container of --src.",
};

pub const NIX_PACKAGES: ArgSpec = ArgSpec {
    name: "nixPackages",
    ty: Type::StringList,
    default: Default::Strings(DEFAULT_NIX_PACKAGES),
    doc: "The nixpkgs package of a container, as container=attribute (e.g. ntfy=ntfy-sh), for \
          a Nix image whose default.nix and Dockerfile declare no version; another container's \
          package is named like it. Replaces the default list; a container --src lacks (or \
          that has no default.nix) is ignored (the log says so, unless it is a default).",
};

pub const SKIP: ArgSpec = ArgSpec {
    name: "skip",
    ty: Type::StringList,
    default: Default::Strings(DEFAULT_SKIP),
    doc: "Containers exempt from the check. Replaces the default list; a name --src has no \
          container of is ignored (the log says so, unless it is a default).",
};

pub const SERVICE_NAMES: ArgSpec = ArgSpec {
    name: "serviceNames",
    ty: Type::StringList,
    default: Default::Strings(DEFAULT_SERVICE_NAMES),
    doc: "The service of a container in service-versions.yaml, as container=service (e.g. \
          quartz=docs), when it is not named like the container. Replaces the default list; a \
          container --src lacks is ignored (the log says so, unless it is a default).",
};

pub const CHANGED_SINCE: ArgSpec = ArgSpec {
    name: "base",
    ty: Type::String,
    default: Default::Null,
    doc: "Check only the containers changed since this commit (e.g. --base=origin/main): since \
          its merge base with HEAD, uncommitted and untracked files included; every container \
          when service-versions.yaml changed. Reads --src's .git. Default: every container.",
};

pub const FLAKE_PATH: ArgSpec = ArgSpec {
    name: "flakePath",
    ty: Type::String,
    default: Default::String(DEFAULT_FLAKE_PATH),
    doc: "The folder of the flake (its flake.nix), relative to --src; `.` for a flake at the \
          root.",
};

pub const RUNNER_VERSION: ArgSpec = ArgSpec {
    name: "runnerVersion",
    ty: Type::String,
    default: Default::String(DEFAULT_RUNNER_VERSION),
    doc: "The Forgejo runner whose validator runs: the version of its image \
          code.forgejo.org/forgejo/runner:<version> (11.1 or later, which has validate \
          --directory).",
};

/// What `release-runtime` uploads of the blumeops-ci repository: only the
/// crate files it builds from (`.dockerignore` rules, anchored at the root).
pub const CRATE_SRC_IGNORE: &[&str] = &["*", "!Cargo.toml", "!Cargo.lock", "!build.rs", "!src"];

/// The module's own repository, for `release-runtime`.
pub const CRATE_SRC: ArgSpec = ArgSpec {
    name: "src",
    ty: Type::DIRECTORY,
    default: Default::Path {
        path: ".",
        ignore: CRATE_SRC_IGNORE,
    },
    doc: "The blumeops-ci repository: its Cargo.toml, Cargo.lock, build.rs and src/ are built \
          (default: the module's own source).",
};
