//! The function table: every Dagger function of `BlumeopsCi`, described once.
//!
//! Registration, argument decoding, dispatch and docs/reference.md are all
//! generated from [`FUNCTIONS`]. Adding a function is one entry here plus its
//! body under `src/pipelines/`.

use crate::core::check_scope::{DEFAULT_NIX_PACKAGES, DEFAULT_SERVICE_NAMES, DEFAULT_SKIP};
use crate::core::flake::DEFAULT_FLAKE_PATH;
use crate::core::image_ref::{DEFAULT_NAMESPACE, DEFAULT_REGISTRY, DEFAULT_REGISTRY_USERNAME};
use crate::core::nix_build::DEFAULT_NIX_IMAGE;
use crate::core::nixpkgs::{DEFAULT_FLAKE_LOCK, DEFAULT_NIXPKGS_INPUT};
use crate::core::workflows::DEFAULT_RUNNER_VERSION;
use crate::module::spec::{ArgSpec, CachePolicy, Default, FunctionSpec, Type};

/// How long the engine keeps the result of a function that evaluates
/// nixpkgs: a repository that pins none gets the flake registry's, which
/// moves, so its answers are computed again after this (as long as Nix
/// itself trusts a registry resolution, its default `tarball-ttl`). A
/// pinned nixpkgs gives the same answer again, cheaply: the engine still
/// caches every exec behind it.
const NIX_RESULT_TTL: CachePolicy = CachePolicy::Expires("1h");
use crate::pipelines;

/// What `--src` leaves out when it is uploaded: git history, and the
/// outputs that the documented commands leave at the repository root
/// (`nix-build ... -o result`, `export --path=./NAME.tar`, `./NAME.tar.gz`).
/// Patterns are anchored at the root, as in `.dockerignore`.
const SRC_IGNORE: &[&str] = &[".git", "result", "result-*", "*.tar", "*.tar.gz"];

/// The repository, for every function that reads `containers/`.
const SRC: ArgSpec = ArgSpec {
    name: "src",
    ty: Type::DIRECTORY,
    default: Default::Path {
        path: ".",
        ignore: SRC_IGNORE,
    },
    doc: "The ops repository: the folder that holds containers/<name>/, e.g. --src=. \
          Default: the folder of the dagger.json that loads the module, which is the ops \
          repository when the module is installed in it; with -m <module> it is the module's \
          own repository, which has no containers/, so pass --src.",
};

/// What `--src` leaves out for the functions that read git history.
const SRC_WITH_GIT_IGNORE: &[&str] = &["result", "result-*", "*.tar", "*.tar.gz"];

/// The repository with its `.git`, for the functions that read history.
const SRC_WITH_GIT: ArgSpec = ArgSpec {
    name: "src",
    ty: Type::DIRECTORY,
    default: Default::Path {
        path: ".",
        ignore: SRC_WITH_GIT_IGNORE,
    },
    doc: "The ops repository, with its .git (a clone; in CI, checked out with full history).",
};

/// The repository for `check-versions`, with its `.git`, which `--base` reads.
const SRC_TO_CHECK: ArgSpec = ArgSpec {
    name: "src",
    ty: Type::DIRECTORY,
    default: Default::Path {
        path: ".",
        ignore: SRC_WITH_GIT_IGNORE,
    },
    doc: "The ops repository: the folder that holds containers/<name>/ and \
          service-versions.yaml, e.g. --src=. Default: the folder of the dagger.json that loads \
          the module (with -m <module>, the module's own repository, which has no containers/: \
          pass --src). With --base its .git is read too: a clone (in CI, checked out with the \
          history back to the merge base, e.g. fetch-depth: 0).",
};

const CONTAINER_NAME: ArgSpec = ArgSpec {
    name: "containerName",
    ty: Type::String,
    default: Default::Required,
    doc: "The container to work on: the name of its folder under containers/ (e.g. nettest).",
};

const NIX_CONTAINER_NAME: ArgSpec = ArgSpec {
    name: "containerName",
    ty: Type::String,
    default: Default::Required,
    doc: "The image's name: the name of its folder under containers/ (e.g. nettest), whose \
          default.nix is built; with --nix-file or --flake-output, the name it gets in the \
          registry (and in the archive) only, and containers/<name>/ need not exist.",
};

const NIX_FILE: ArgSpec = ArgSpec {
    name: "nixFile",
    ty: Type::String,
    default: Default::Null,
    doc: "Build this Nix file of the repository instead of containers/<name>/default.nix, \
          relative to --src (e.g. packages/ollama-container.nix). Like default.nix, it is \
          called with nixpkgs' callPackage: written { pkgs, ... }: or with package arguments.",
};

const FLAKE_OUTPUT: ArgSpec = ArgSpec {
    name: "flakeOutput",
    ty: Type::String,
    default: Default::Null,
    doc: "Build this output of the flake at the root of --src instead of a Nix file, read as \
          `nix build .#<output>` reads it: a name is packages.<the engine's system>.<name> \
          (e.g. attic-server-image), a full attribute path also works \
          (packages.x86_64-linux.ollama-container). Its flake.lock pins everything, so \
          --flake-lock, --nixpkgs-input and --nixpkgs do not apply.",
};

const VARIANT: ArgSpec = ArgSpec {
    name: "variant",
    ty: Type::String,
    default: Default::Json("\"dockerfile\""),
    doc: "Which build: dockerfile (containers/<name>/Dockerfile) or nix \
          (containers/<name>/default.nix).",
};

const COMMIT_SHA: ArgSpec = ArgSpec {
    name: "commitSha",
    ty: Type::String,
    default: Default::Required,
    doc: "The commit the image is built from: 7 to 40 hex digits (e.g. $(git rev-parse HEAD)). \
          Its first 7 digits go into the tag.",
};

const VERSION: ArgSpec = ArgSpec {
    name: "version",
    ty: Type::String,
    default: Default::Null,
    doc: "The app version, instead of the Dockerfile's CONTAINER_APP_VERSION: publish builds \
          that version (passing it as that build argument) and tags it; needed when the \
          Dockerfile declares none. A `v` is added to the tag when it lacks one.",
};

const NIX_VERSION: ArgSpec = ArgSpec {
    name: "version",
    ty: Type::String,
    default: Default::Null,
    doc: "The app version, as the Python module's command lines passed it: it must be the Nix \
          image's own (default.nix's, else its tag, else the Dockerfile's, else nixpkgs'; a \
          flake output's version or tag), since a Nix build cannot be given another version; a \
          different one is refused. It names a flake output that has no version.",
};

const TAGS: ArgSpec = ArgSpec {
    name: "tags",
    ty: Type::StringList,
    default: Default::Json("[]"),
    doc: "Moving tags (e.g. latest) pushed after the immutable commit tag.",
};

const BUILD_ARGS: ArgSpec = ArgSpec {
    name: "buildArgs",
    ty: Type::StringList,
    default: Default::Json("[]"),
    doc: "Build arguments, KEY=VALUE (e.g. CONTAINER_APP_VERSION=1.2.3 to build another \
          version than the Dockerfile's).",
};

const TARGET: ArgSpec = ArgSpec {
    name: "target",
    ty: Type::String,
    default: Default::Null,
    doc: "The build stage to stop at (FROM ... AS <target>); default: the last stage.",
};

const DOCKERFILE: ArgSpec = ArgSpec {
    name: "dockerfile",
    ty: Type::String,
    default: Default::Null,
    doc: "Another Dockerfile, relative to containers/<name>/ (e.g. Dockerfile.alpine); \
          default: Dockerfile.",
};

const PLATFORM: ArgSpec = ArgSpec {
    name: "platform",
    ty: Type::String,
    default: Default::Null,
    doc: "The platform to build for, os/arch[/variant] (e.g. linux/arm64); default: the \
          engine's.",
};

const SOURCE_URL: ArgSpec = ArgSpec {
    name: "sourceUrl",
    ty: Type::String,
    default: Default::Null,
    doc: "The repository's web address, recorded as the org.opencontainers.image.source label.",
};

const REVISION: ArgSpec = ArgSpec {
    name: "commitSha",
    ty: Type::String,
    default: Default::Null,
    doc: "The commit being built (7 to 40 hex digits), recorded as the \
          org.opencontainers.image.revision label.",
};

const BASE: ArgSpec = ArgSpec {
    name: "base",
    ty: Type::String,
    default: Default::Required,
    doc: "The commit to compare from (e.g. the push's `before` SHA, or origin/main for a pull \
          request); 4b825dc642cb6eb9a060e54bf8d69288fbee4904 (git's empty tree) for every \
          container.",
};

const HEAD: ArgSpec = ArgSpec {
    name: "head",
    ty: Type::String,
    default: Default::Json("\"HEAD\""),
    doc: "The commit to compare to.",
};

const REGISTRY: ArgSpec = ArgSpec {
    name: "registry",
    ty: Type::String,
    default: Default::String(DEFAULT_REGISTRY),
    doc: "The registry host (and port), without a scheme.",
};

const NAMESPACE: ArgSpec = ArgSpec {
    name: "namespace",
    ty: Type::String,
    default: Default::String(DEFAULT_NAMESPACE),
    doc: "The repository namespace: images go to <registry>/<namespace>/<container-name>.",
};

const REGISTRY_USERNAME: ArgSpec = ArgSpec {
    name: "registryUsername",
    ty: Type::String,
    default: Default::String(DEFAULT_REGISTRY_USERNAME),
    doc: "The user to log in to the registry as (with --registry-password).",
};

const REGISTRY_PASSWORD: ArgSpec = ArgSpec {
    name: "registryPassword",
    ty: Type::SECRET,
    default: Default::Null,
    doc: "The registry password or token, e.g. env:ZOT_CI_API_KEY; without it the registry is \
          used anonymously.",
};

const REGISTRY_CA: ArgSpec = ArgSpec {
    name: "registryCa",
    ty: Type::FILE,
    default: Default::Null,
    doc: "A PEM CA certificate the module trusts, besides the engine's CAs and the public \
          roots, when it asks the registry for tags (for a registry with a private CA; the \
          engine must trust it too to push).",
};

const PLATFORMS: ArgSpec = ArgSpec {
    name: "platforms",
    ty: Type::StringList,
    default: Default::Json("[]"),
    doc: "Build one image per platform and publish them as one multi-platform image, e.g. \
          linux/amd64,linux/arm64; default: the engine's platform only.",
};

const DRY_RUN: ArgSpec = ArgSpec {
    name: "dryRun",
    ty: Type::Boolean,
    default: Default::Json("false"),
    doc: "Build and push nothing: print the references that would be pushed.",
};

const OVERWRITE: ArgSpec = ArgSpec {
    name: "overwrite",
    ty: Type::Boolean,
    default: Default::Json("false"),
    doc: "Push even when the registry already has the immutable tag (by default nothing is \
          pushed then, so re-running CI for a commit is safe).",
};

const ANY_CONTAINER: ArgSpec = ArgSpec {
    name: "containerName",
    ty: Type::String,
    default: Default::Null,
    doc: "Only this container (the name of its folder under containers/); default: every \
          container of --src.",
};

const MAIN_BRANCH: ArgSpec = ArgSpec {
    name: "mainBranch",
    ty: Type::String,
    default: Default::Json("\"main\""),
    doc: "The branch a tag's commit must be on to count as [main] (also tried as \
          origin/<branch>).",
};

const LIMIT: ArgSpec = ArgSpec {
    name: "limit",
    ty: Type::Integer,
    default: Default::Null,
    doc: "How many tags to show per container, newest first; default: 4 per container when \
          listing every container, 10 with --container-name.",
};

const FLAKE_LOCK: ArgSpec = ArgSpec {
    name: "flakeLock",
    ty: Type::String,
    default: Default::String(DEFAULT_FLAKE_LOCK),
    doc: "The flake.lock that pins nixpkgs, relative to --src (e.g. a host's, \
          nixos/<host>/flake.lock). Without one at the default path, nixpkgs is the Nix image's \
          flake registry's (unpinned; the log says so).",
};

const NIXPKGS_INPUT: ArgSpec = ArgSpec {
    name: "nixpkgsInput",
    ty: Type::String,
    default: Default::String(DEFAULT_NIXPKGS_INPUT),
    doc: "The flake input that is nixpkgs (follows are followed; an input of an input as \
          a/nixpkgs).",
};

const NIXPKGS: ArgSpec = ArgSpec {
    name: "nixpkgs",
    ty: Type::String,
    default: Default::Null,
    doc: "Use this nixpkgs instead of the flake.lock's: a tarball URL or a /nix/store path. \
          Not checked against a hash: prefer the lock.",
};

const NIX_IMAGE: ArgSpec = ArgSpec {
    name: "nixImage",
    ty: Type::String,
    default: Default::String(DEFAULT_NIX_IMAGE),
    doc: "The image Nix runs in; pin it by digest for reproducible builds \
          (nixos/nix:2.33.3@sha256:...). Each image has its own /nix store cache.",
};

const PACKAGE: ArgSpec = ArgSpec {
    name: "package",
    ty: Type::String,
    default: Default::Required,
    doc: "The nixpkgs attribute path, e.g. ntfy-sh or python3Packages.requests.",
};

const LABELS: ArgSpec = ArgSpec {
    name: "labels",
    ty: Type::Boolean,
    default: Default::Json("false"),
    doc: "Add the OCI labels (title, version, revision, source) to the Nix image. Off by \
          default: the image config and layers then stay exactly as Nix built them.",
};

const SBOM: ArgSpec = ArgSpec {
    name: "sbom",
    ty: Type::Boolean,
    default: Default::Json("false"),
    doc: "Also push the image's SBOM (what sbom-nix returns, of the very archive pushed) as a \
          one-file image, /sbom.cdx.json, tagged sbom-<commit tag> beside the image \
          (e.g. sbom-v1.7.1-0123456-nix), and print its reference after the image's.",
};

const CONTAINER_NAMES: ArgSpec = ArgSpec {
    name: "containerNames",
    ty: Type::StringList,
    default: Default::Json("[]"),
    doc: "Only these containers (e.g. ntfy,miniflux); default: every container of --src.",
};

const NIX_PACKAGES: ArgSpec = ArgSpec {
    name: "nixPackages",
    ty: Type::StringList,
    default: Default::Strings(DEFAULT_NIX_PACKAGES),
    doc: "The nixpkgs package of a container, as container=attribute (e.g. ntfy=ntfy-sh), for \
          a Nix image whose default.nix and Dockerfile declare no version; another container's \
          package is named like it. Replaces the default list; a container --src lacks (or \
          that has no default.nix) is ignored (the log says so, unless it is a default).",
};

const SKIP: ArgSpec = ArgSpec {
    name: "skip",
    ty: Type::StringList,
    default: Default::Strings(DEFAULT_SKIP),
    doc: "Containers exempt from the check. Replaces the default list; a name --src has no \
          container of is ignored (the log says so, unless it is a default).",
};

const SERVICE_NAMES: ArgSpec = ArgSpec {
    name: "serviceNames",
    ty: Type::StringList,
    default: Default::Strings(DEFAULT_SERVICE_NAMES),
    doc: "The service of a container in service-versions.yaml, as container=service (e.g. \
          quartz=docs), when it is not named like the container. Replaces the default list; a \
          container --src lacks is ignored (the log says so, unless it is a default).",
};

const CHANGED_SINCE: ArgSpec = ArgSpec {
    name: "base",
    ty: Type::String,
    default: Default::Null,
    doc: "Check only the containers changed since this commit (e.g. --base=origin/main): since \
          its merge base with HEAD, uncommitted and untracked files included; every container \
          when service-versions.yaml changed. Reads --src's .git. Default: every container.",
};

const FLAKE_PATH: ArgSpec = ArgSpec {
    name: "flakePath",
    ty: Type::String,
    default: Default::String(DEFAULT_FLAKE_PATH),
    doc: "The folder of the flake (its flake.nix), relative to --src; `.` for a flake at the \
          root.",
};

const RUNNER_VERSION: ArgSpec = ArgSpec {
    name: "runnerVersion",
    ty: Type::String,
    default: Default::String(DEFAULT_RUNNER_VERSION),
    doc: "The Forgejo runner whose validator runs: the version of its image \
          code.forgejo.org/forgejo/runner:<version> (11.1 or later, which has validate \
          --directory).",
};

/// What `release-runtime` uploads of the blumeops-ci repository: only the
/// crate files it builds from (`.dockerignore` rules, anchored at the root).
const CRATE_SRC_IGNORE: &[&str] = &["*", "!Cargo.toml", "!Cargo.lock", "!build.rs", "!src"];

/// The module's own repository, for `release-runtime`.
const CRATE_SRC: ArgSpec = ArgSpec {
    name: "src",
    ty: Type::DIRECTORY,
    default: Default::Path {
        path: ".",
        ignore: CRATE_SRC_IGNORE,
    },
    doc: "The blumeops-ci repository: its Cargo.toml, Cargo.lock, build.rs and src/ are built \
          (default: the module's own source).",
};

pub static FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "build",
        doc: "Build a container from its Dockerfile.\n\n\
              Runs the Dockerfile build of containers/<container-name>/, with that folder as the \
              build context, and returns the image, labelled with the OCI title and, when they \
              are known, version, revision and source. Any Dockerfile builds; the version \
              comes from ARG CONTAINER_APP_VERSION or --build-args. Chain \
              `export --path=image.tar`, `as-tarball` or `terminal` to use it.",
        args: &[
            SRC,
            CONTAINER_NAME,
            BUILD_ARGS,
            TARGET,
            DOCKERFILE,
            PLATFORM,
            SOURCE_URL,
            REVISION,
        ],
        returns: Type::CONTAINER,
        cache: CachePolicy::Default,
        check: false,
        body: |call| Box::pin(pipelines::build::build(call)),
    },
    FunctionSpec {
        name: "buildNix",
        doc: "Build a container's Nix image, without Nix on your machine.\n\n\
              Builds containers/<container-name>/default.nix (or --nix-file) in the Nix image \
              with nixpkgs' callPackage, <nixpkgs> pinned by the repository's flake.lock (its \
              hash checked; without a lock, the flake registry's nixpkgs, and the log says so), \
              or builds a --flake-output of the repository's flake; the Nix store is cached \
              between builds. Returns the docker-archive as the builder made it (gzipped by \
              buildLayeredImage; streamLayeredImage's stream is captured; a nix2container \
              image is written by its own copyTo, layer for layer, as <container-name>:latest). \
              Chain `export --path=./<name>.tar.gz`, then `docker load -i`.",
        args: &[
            SRC,
            NIX_CONTAINER_NAME,
            NIX_FILE,
            FLAKE_OUTPUT,
            FLAKE_LOCK,
            NIXPKGS_INPUT,
            NIXPKGS,
            NIX_IMAGE,
        ],
        returns: Type::FILE,
        cache: NIX_RESULT_TTL,
        check: false,
        body: |call| Box::pin(pipelines::nix::build_nix(call)),
    },
    FunctionSpec {
        name: "nixVersion",
        doc: "Print the version the pinned nixpkgs has for a package.\n\n\
              Evaluates <package>.version in the nixpkgs that --src's flake.lock pins (or \
              --nixpkgs; without either, the Nix image's flake registry's, as the Python \
              module did, and the log says which), e.g. nix-version --package=ntfy-sh.",
        args: &[SRC, PACKAGE, FLAKE_LOCK, NIXPKGS_INPUT, NIXPKGS, NIX_IMAGE],
        returns: Type::String,
        cache: NIX_RESULT_TTL,
        check: false,
        body: |call| Box::pin(pipelines::nix::nix_version(call)),
    },
    FunctionSpec {
        name: "containers",
        doc: "List the containers of the repository.\n\n\
              One line per folder under containers/ that holds a Dockerfile, a default.nix or \
              both: its name, its build files (dockerfile, nix, dockerfile+nix) and its version, \
              or why it has none.",
        args: &[SRC],
        returns: Type::String,
        cache: CachePolicy::Default,
        check: false,
        body: |call| Box::pin(pipelines::versions::containers(call)),
    },
    FunctionSpec {
        name: "version",
        doc: "Print a container's app version.\n\n\
              Dockerfile: the value of ARG CONTAINER_APP_VERSION. Nix: version = \"...\"; in \
              default.nix, else its image's tag = \"...\"; (not latest), else the Dockerfile's \
              version.",
        args: &[SRC, CONTAINER_NAME, VARIANT],
        returns: Type::String,
        cache: CachePolicy::Default,
        check: false,
        body: |call| Box::pin(pipelines::versions::version(call)),
    },
    FunctionSpec {
        name: "tags",
        doc: "Print the tags publish would push, one per line.\n\n\
              First the immutable v<version>-<sha7> tag (v<version>-<sha7>-nix for the nix \
              variant), then the moving --tags. Nothing is built or pushed.",
        args: &[SRC, CONTAINER_NAME, COMMIT_SHA, VARIANT, VERSION, TAGS],
        returns: Type::String,
        cache: CachePolicy::Default,
        check: false,
        body: |call| Box::pin(pipelines::versions::tags(call)),
    },
    FunctionSpec {
        name: "changedContainers",
        doc: "List the containers whose folder changed between two commits, as JSON.\n\n\
              Compares the trees of --base and --head, so every commit of a merge counts. Only \
              containers that still have a Dockerfile or default.nix at --head are listed: the \
              output is a JSON array a CI matrix can consume, e.g. [\"miniflux\",\"nettest\"].",
        args: &[SRC_WITH_GIT, BASE, HEAD],
        returns: Type::String,
        cache: CachePolicy::Default,
        check: false,
        body: |call| Box::pin(pipelines::ops::changed_containers(call)),
    },
    FunctionSpec {
        name: "publish",
        doc: "Build a container from its Dockerfile and push it with its commit tag.\n\n\
              Pushes <registry>/<namespace>/<container-name>:v<version>-<sha7>, then the moving \
              --tags. When the registry already has the commit tag, nothing is pushed and the \
              existing reference is returned (--overwrite pushes anyway). Returns the pushed \
              references with their digests, one per line, the commit tag first.",
        args: &[
            SRC,
            CONTAINER_NAME,
            COMMIT_SHA,
            VERSION,
            REGISTRY,
            NAMESPACE,
            REGISTRY_USERNAME,
            REGISTRY_PASSWORD,
            TAGS,
            PLATFORMS,
            DRY_RUN,
            OVERWRITE,
            REGISTRY_CA,
            BUILD_ARGS,
            TARGET,
            DOCKERFILE,
            SOURCE_URL,
        ],
        returns: Type::String,
        cache: CachePolicy::Never,
        check: false,
        body: |call| Box::pin(pipelines::publish::publish(call)),
    },
    FunctionSpec {
        name: "publishNix",
        doc: "Build a container's Nix image and push it with its commit tag.\n\n\
              Like publish, for what build-nix builds (containers/<container-name>/default.nix, \
              --nix-file or --flake-output): pushes \
              <registry>/<namespace>/<container-name>:v<version>-<sha7>-nix, then the moving \
              --tags, unless the registry already has the commit tag. The version is the Nix \
              file's `version`, else its image's `tag`, else the Dockerfile's, else the pinned \
              nixpkgs'; a flake \
              output's is its `version` attribute, else its image tag, else the Dockerfile's. \
              The image is pushed as Nix built it (see --labels).",
        args: &[
            SRC,
            NIX_CONTAINER_NAME,
            NIX_FILE,
            FLAKE_OUTPUT,
            COMMIT_SHA,
            NIX_VERSION,
            REGISTRY,
            NAMESPACE,
            REGISTRY_USERNAME,
            REGISTRY_PASSWORD,
            TAGS,
            DRY_RUN,
            OVERWRITE,
            REGISTRY_CA,
            LABELS,
            SOURCE_URL,
            FLAKE_LOCK,
            NIXPKGS_INPUT,
            NIXPKGS,
            NIX_IMAGE,
            SBOM,
        ],
        returns: Type::String,
        cache: CachePolicy::Never,
        check: false,
        body: |call| Box::pin(pipelines::nix::publish_nix(call)),
    },
    FunctionSpec {
        name: "sbomNix",
        doc: "Make the SBOM of a container's Nix image: a CycloneDX 1.6 JSON file.\n\n\
              Builds containers/<container-name>/default.nix as build-nix does (a built image \
              is not built again), finds the store paths the image's layers hold, and lists \
              their closure, one component per store path: name and version as Nix's \
              builtins.parseDrvName reads them, a pkg:nix purl, the NAR hash (SHA-256), the \
              references as dependencies; the metadata names the nixpkgs pin and blumeops-ci's \
              version. The same image, pin and module version give the same bytes. Chain \
              `export --path=./<name>.cdx.json`.",
        args: &[
            SRC,
            CONTAINER_NAME,
            FLAKE_LOCK,
            NIXPKGS_INPUT,
            NIXPKGS,
            NIX_IMAGE,
        ],
        returns: Type::FILE,
        cache: NIX_RESULT_TTL,
        check: false,
        body: |call| Box::pin(pipelines::sbom::sbom_nix(call)),
    },
    FunctionSpec {
        name: "checkVersions",
        doc: "Check each container's versions against each other and what is deployed.\n\n\
              For every container (or --container-names, less --skip; with --base, those \
              changed since it): the Dockerfile's CONTAINER_APP_VERSION (required when there is \
              a Dockerfile), the Nix image's version (default.nix's `version`, else its image's \
              `tag`, else the Dockerfile's, else the pinned nixpkgs' version of its package) and \
              the deployed \
              version: the current-version of its entry in service-versions.yaml at the root \
              of --src (required, not null; the entry is named like the container, or as \
              --service-names says). All must agree after removing one leading v. Prints a \
              table; fails listing every problem, so one run shows them all. Without \
              service-versions.yaml, deployed versions are not compared, and the table and \
              the log say so.",
        args: &[
            SRC_TO_CHECK,
            CONTAINER_NAMES,
            SKIP,
            SERVICE_NAMES,
            NIX_PACKAGES,
            CHANGED_SINCE,
            FLAKE_LOCK,
            NIXPKGS_INPUT,
            NIXPKGS,
            NIX_IMAGE,
        ],
        returns: Type::String,
        cache: NIX_RESULT_TTL,
        check: true,
        body: |call| Box::pin(pipelines::check_versions::check_versions(call)),
    },
    FunctionSpec {
        name: "listTags",
        doc: "List the version tags in the registry, newest first, marked by their commit.\n\n\
              For each container (or --container-name): the newest --limit version tags of \
              <registry>/<namespace>/<name>, ordered by version (v10 after v9), each marked \
              [main] when its commit is on --main-branch, [branch] when it is another commit of \
              the repository, [unknown] when this clone lacks the commit; a release tag \
              (v1.0.0, no commit) has no mark. Reads --src's .git.",
        args: &[
            SRC_WITH_GIT,
            ANY_CONTAINER,
            REGISTRY,
            NAMESPACE,
            REGISTRY_USERNAME,
            REGISTRY_PASSWORD,
            REGISTRY_CA,
            MAIN_BRANCH,
            LIMIT,
        ],
        returns: Type::String,
        cache: CachePolicy::Never,
        check: false,
        body: |call| Box::pin(pipelines::ops::list_tags(call)),
    },
    FunctionSpec {
        name: "flakeLock",
        doc: "Lock a flake's inputs, without Nix on your machine.\n\n\
              Runs nix flake lock --accept-flake-config in --flake-path (the folder of its \
              flake.nix) in the Nix image, and returns the flake.lock it leaves there: inputs \
              the lock already pins keep their pin, new ones are resolved over the network. \
              Chain `export --path=<flake-path>/flake.lock` to write it back. Runs every time.",
        args: &[SRC, FLAKE_PATH, NIX_IMAGE],
        returns: Type::FILE,
        cache: CachePolicy::Never,
        check: false,
        body: |call| Box::pin(pipelines::flakes::flake_lock(call)),
    },
    FunctionSpec {
        name: "flakeUpdate",
        doc: "Update a flake's inputs to their newest versions, without Nix on your machine.\n\n\
              Runs nix flake update --accept-flake-config in --flake-path (the folder of its \
              flake.nix) in the Nix image, and returns the new flake.lock; the inputs that \
              changed are printed under the call. Chain `export --path=<flake-path>/flake.lock` \
              to write it back. Runs every time.",
        args: &[SRC, FLAKE_PATH, NIX_IMAGE],
        returns: Type::FILE,
        cache: CachePolicy::Never,
        check: false,
        body: |call| Box::pin(pipelines::flakes::flake_update(call)),
    },
    FunctionSpec {
        name: "validateWorkflows",
        doc: "Check the Forgejo Actions workflows against Forgejo's schema.\n\n\
              Runs forgejo-runner validate --directory . over --src in the runner's image: every \
              .forgejo/workflows/*.yml (and .yaml) is checked as a workflow, every action.yml \
              (and action.yaml) in the repository as an action. Prints one line per file; fails \
              naming the files that do not conform, with the validator's output.",
        args: &[SRC, RUNNER_VERSION],
        returns: Type::String,
        cache: CachePolicy::Default,
        check: true,
        body: |call| Box::pin(pipelines::workflows::validate_workflows(call)),
    },
    FunctionSpec {
        name: "releaseRuntime",
        doc: "Build the module's static binaries and publish its prebuilt runtime image.\n\n\
              Builds the release binary (static, musl, reproducible: src/core/release-build.sh) \
              from --src's crate files in the pinned Rust image, for linux/amd64 and \
              linux/arm64, and pushes them on the pinned Alpine base as one multi-platform \
              image, <registry>/<namespace>/blumeops-ci-runtime:crate-<hex>, tagged by the \
              crate digest (ci/crate-digest). When the registry already has that tag, nothing \
              is built or pushed. Returns the pushed references, the crate digest and a line \
              `pin <crate digest> <image@digest>` for the runtime shim's pin file (ci/release \
              writes it there).",
        args: &[
            CRATE_SRC,
            REGISTRY,
            NAMESPACE,
            REGISTRY_USERNAME,
            REGISTRY_PASSWORD,
            TAGS,
            DRY_RUN,
            OVERWRITE,
            REGISTRY_CA,
        ],
        returns: Type::String,
        cache: CachePolicy::Never,
        check: false,
        body: |call| Box::pin(pipelines::release::release_runtime(call)),
    },
];
