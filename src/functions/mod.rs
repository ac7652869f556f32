//! The function table: every Dagger function of `BlumeopsCi`, described once.
//!
//! Registration, argument decoding, dispatch and docs/reference.md are all
//! generated from [`FUNCTIONS`]. Adding a function is one entry here plus its
//! body under `src/pipelines/`; its arguments are described once in
//! [`crate::arguments`].

use crate::module::arg_spec::Type;
use crate::module::spec::{CachePolicy, FunctionSpec};
use crate::pipelines;

use crate::arguments::*;

/// How long the engine keeps the result of a function that evaluates
/// nixpkgs: a repository that pins none gets the flake registry's, which
/// moves, so its answers are computed again after this (as long as Nix
/// itself trusts a registry resolution, its default `tarball-ttl`). A
/// pinned nixpkgs gives the same answer again, cheaply: the engine still
/// caches every exec behind it.
const NIX_RESULT_TTL: CachePolicy = CachePolicy::Expires("1h");

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
        body: |call| Box::pin(pipelines::nix::build::build_nix(call)),
    },
    FunctionSpec {
        name: "nixVersion",
        doc: "Print the version the pinned nixpkgs has for a package.\n\n\
              Evaluates <package>.version in the nixpkgs that --src's flake.lock pins (or \
              --nixpkgs; without either, the Nix image's flake registry's, as the Python \
              module did, and the log says which), e.g. nix-version --src=. \
              --package=ntfy-sh.",
        args: &[
            NIX_VERSION_SRC,
            PACKAGE,
            FLAKE_LOCK,
            NIXPKGS_INPUT,
            NIXPKGS,
            NIX_IMAGE,
        ],
        returns: Type::String,
        cache: NIX_RESULT_TTL,
        check: false,
        body: |call| Box::pin(pipelines::nix::version::nix_version(call)),
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
        body: |call| Box::pin(pipelines::describe::containers(call)),
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
        body: |call| Box::pin(pipelines::describe::version(call)),
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
        body: |call| Box::pin(pipelines::describe::tags(call)),
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
            SIGNING_KEY,
            SIGNING_KEY_PASSWORD,
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
            SIGNING_KEY,
            SIGNING_KEY_PASSWORD,
        ],
        returns: Type::String,
        cache: CachePolicy::Never,
        check: false,
        body: |call| Box::pin(pipelines::nix::publish::publish_nix(call)),
    },
    FunctionSpec {
        name: "sbomNix",
        doc: "Make the SBOM of a container's Nix image: a CycloneDX 1.6 JSON file.\n\n\
              Builds containers/<container-name>/default.nix (or --nix-file) as build-nix \
              does (a built image is not built again), finds the store paths the image's layers hold, and lists \
              their closure, one component per store path: name and version as Nix's \
              builtins.parseDrvName reads them, a pkg:nix purl, the NAR hash (SHA-256), the \
              references as dependencies; the metadata names the nixpkgs pin and blumeops-ci's \
              version. The same image, pin and module version give the same bytes. Chain \
              `export --path=./<name>.cdx.json`.",
        args: &[
            SRC,
            CONTAINER_NAME,
            NIX_FILE,
            FLAKE_LOCK,
            NIXPKGS_INPUT,
            NIXPKGS,
            NIX_IMAGE,
        ],
        returns: Type::FILE,
        cache: NIX_RESULT_TTL,
        check: false,
        body: |call| Box::pin(pipelines::nix::sbom::sbom_nix(call)),
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
        name: "verify",
        doc: "Check an image's cosign signature and its attestations with a public key.\n\n\
              Resolves --image (a tag, or a digest) to its digest, then checks, as `cosign \
              verify --key` does, that its sha256-<hex>.sig image holds a signature of that \
              digest and repository by --public-key; then every in-toto attestation attached \
              to it (OCI referrers, or their tag-schema fallback): its DSSE signature by the \
              key, and that its subject is this image. Each --require type must be among them \
              (default: provenance). Prints the digest, the key id and one line per \
              attestation; fails naming what is missing or invalid. No password is needed for \
              a public image. Runs every time.",
        args: &[
            IMAGE,
            PUBLIC_KEY,
            REQUIRE,
            REGISTRY_USERNAME,
            REGISTRY_PASSWORD,
            REGISTRY_CA,
        ],
        returns: Type::String,
        cache: CachePolicy::Never,
        check: false,
        body: |call| Box::pin(pipelines::verify::verify(call)),
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
        args: &[SRC_TO_VALIDATE, RUNNER_VERSION],
        returns: Type::String,
        cache: CachePolicy::Default,
        check: true,
        body: |call| Box::pin(pipelines::workflows::validate_workflows(call)),
    },
    FunctionSpec {
        name: "releaseRuntime",
        doc: "Build the module's static binaries and publish its prebuilt runtime image.\n\n\
              Builds the release binary (static, musl, reproducible: src/core/release/release-build.sh) \
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
