//! `release-runtime`: build the module's static release binary for every
//! platform of [`PLATFORMS`] and publish the prebuilt runtime image, tagged
//! by the crate digest, through [`PushDestination`] (the registry rules of
//! `publish`: credentials, the already-published check, dry runs).
//!
//! The digest is computed from the same `--src` the binaries are built
//! from: a walk of its crate files (`entries`) and their contents.

use dagger_sdk::{
    Container, ContainerWithFileOptsBuilder, Directory, DirectoryFilterOptsBuilder, Platform,
    Query, QueryContainerOptsBuilder,
};
use eyre::WrapErr;

use crate::arguments::CRATE_SRC;
use crate::core::container::names::ContainerName;
use crate::core::image::tags;
use crate::core::release::crate_digest::{self, CRATE_FILES, Entry};
use crate::core::release::runtime_release::{
    self, BASE_IMAGE, BINARY_PATH, BUILD_DIR, BUILT_BINARY, CRATE_DIGEST_LABEL, IMAGE_NAME,
    PLATFORMS, RUST_IMAGE, RuntimePlatform, TARGET_DIR,
};
use crate::module::args::Invocation;
use crate::module::graphql;
use crate::module::output::Output;

use super::publish::{Image, PushDestination};

pub async fn release_runtime(call: Invocation) -> eyre::Result<Output> {
    let name = ContainerName::parse(IMAGE_NAME)?;
    let target = PushDestination::from_args(&call, &name)?;
    let moving = tags::moving_tags(&target.extra_tags)?;
    let src = call.args.directory(&call.query, &CRATE_SRC)?;
    let src_id = call.args.object_id(&CRATE_SRC)?;
    let digest = crate_digest::digest(&crate_files(&call.query, &src, &src_id).await?)?;
    let tags = runtime_release::release_tags(&digest, &moving)?;
    let include: Vec<&str> = CRATE_FILES.to_vec();
    let crate_dir = src.filter_opts(
        DirectoryFilterOptsBuilder::default()
            .include(include)
            .build()
            .expect("every field has a default"),
    );
    let query = &call.query;
    let pushed = target
        .push(query, &tags, || async {
            Ok(Image::Platforms(
                PLATFORMS
                    .iter()
                    .map(|p| runtime_image(query, &crate_dir, p, &digest))
                    .collect(),
            ))
        })
        .await?;
    Ok(Output::Text(runtime_release::report(
        &pushed,
        &digest,
        target.dry_run,
    )?))
}

/// The crate files of `src` (whose ID is `src_id`) with their bytes: the
/// top-level files and folders that [`CRATE_FILES`] names, and every file
/// under those folders. One round trip per folder, one for all contents.
async fn crate_files(
    query: &Query,
    src: &Directory,
    src_id: &str,
) -> eyre::Result<Vec<(String, Vec<u8>)>> {
    let mut paths = Vec::new();
    let mut folders = Vec::new();
    let top = src
        .entries()
        .await
        .wrap_err("could not list --src (the blumeops-ci repository)")?;
    for entry in &top {
        let (name, is_folder) = match entry.strip_suffix('/') {
            Some(name) => (name, true),
            None => (entry.as_str(), false),
        };
        match crate_digest::crate_root_entry(name) {
            Some(Entry::File) if !is_folder => paths.push(name.to_owned()),
            Some(Entry::Folder) if is_folder => folders.push(name.to_owned()),
            _ => {}
        }
    }
    if !paths.iter().any(|p| p == "Cargo.toml") {
        eyre::bail!(
            "--src has no Cargo.toml: pass the blumeops-ci repository (the folder of its \
             Cargo.toml), e.g. --src=. from a checkout of it."
        );
    }
    while let Some(folder) = folders.pop() {
        for entry in src.directory(folder.as_str()).entries().await? {
            match entry.strip_suffix('/') {
                Some(sub) => folders.push(format!("{folder}/{sub}")),
                None => paths.push(format!("{folder}/{entry}")),
            }
        }
    }
    let texts = graphql::read_files(&query.graphql_client, src_id, &paths)
        .await
        .wrap_err("could not read the crate files of --src")?;
    let mut files = Vec::with_capacity(paths.len());
    for (path, text) in paths.into_iter().zip(texts) {
        let bytes = crate_digest::file_bytes(&path, text)?;
        files.push((path, bytes));
    }
    Ok(files)
}

/// One platform's runtime image: the binary built from `crate_dir` in the
/// Rust image of that platform, on the base image of that platform.
fn runtime_image(
    query: &Query,
    crate_dir: &Directory,
    platform: &RuntimePlatform,
    digest: &str,
) -> Container {
    let on_platform = || {
        query.container_opts(
            QueryContainerOptsBuilder::default()
                .platform(Platform(platform.platform.to_owned()))
                .build()
                .expect("every field has a default"),
        )
    };
    let binary = on_platform()
        .from(RUST_IMAGE)
        .with_exec(platform.rustup_args())
        .with_directory(BUILD_DIR, crate_dir.clone())
        .with_workdir(BUILD_DIR)
        .with_env_variable("CARGO_TARGET_DIR", TARGET_DIR)
        .with_exec(platform.build_args())
        .file(BUILT_BINARY);
    on_platform()
        .from(BASE_IMAGE)
        .with_file_opts(
            BINARY_PATH,
            binary,
            ContainerWithFileOptsBuilder::default()
                .permissions(0o755_isize)
                .build()
                .expect("every field has a default"),
        )
        .with_label("org.opencontainers.image.title", IMAGE_NAME)
        .with_label(CRATE_DIGEST_LABEL, digest)
        .with_entrypoint(vec![BINARY_PATH])
}
