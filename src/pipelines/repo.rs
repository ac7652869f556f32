//! Reading the repository (`--src`) through the engine: which containers
//! exist, and the text of their build files.

use dagger_sdk::{Directory, Query};

use crate::core::container::discovery::{self, CONTAINERS_DIR, ContainerEntry};
use crate::core::container::kind::BuildKind;
use crate::core::container::names::ContainerName;
use crate::core::version::resolve::BuildTexts;
use crate::module::graphql;

/// The containers of the repository, from one `glob` (one round trip
/// however many containers there are).
pub async fn catalog(src: &Directory) -> eyre::Result<Vec<ContainerEntry>> {
    let paths = src.glob(format!("{CONTAINERS_DIR}/*/*")).await?;
    Ok(discovery::discover(paths.iter().map(String::as_str)))
}

/// The entry of `name`, which must have the build file of `variant`
/// (otherwise an error listing the containers that have one).
pub async fn require(
    src: &Directory,
    name: &ContainerName,
    variant: BuildKind,
) -> eyre::Result<ContainerEntry> {
    let entries = catalog(src).await?;
    discovery::find(&entries, name, variant).cloned()
}

/// The build files of each entry, read in one round trip.
pub async fn read_build_files(
    query: &Query,
    src_id: &str,
    entries: &[ContainerEntry],
) -> eyre::Result<Vec<BuildTexts>> {
    let mut paths = Vec::new();
    for entry in entries {
        for variant in [BuildKind::Dockerfile, BuildKind::Nix] {
            if entry.files.has(variant) {
                paths.push(discovery::build_file_path(&entry.name, variant));
            }
        }
    }
    let mut texts = graphql::read_files(&query.graphql_client, src_id, &paths)
        .await?
        .into_iter();
    Ok(entries
        .iter()
        .map(|entry| BuildTexts {
            dockerfile: entry.files.dockerfile.then(|| texts.next()).flatten(),
            nix: entry.files.nix.then(|| texts.next()).flatten(),
        })
        .collect())
}
