//! Discovery: which folders under `containers/` are containers, and which
//! build files each has. The input is a list of paths (what
//! `Directory.glob("containers/*/*")` returns), so the rule is tested
//! without an engine.

use std::collections::BTreeMap;
use std::fmt;

use eyre::bail;

use crate::core::container::kind::BuildKind;
use crate::core::container::names::ContainerName;

/// The folder of the repository that holds one folder per container.
pub const CONTAINERS_DIR: &str = "containers";

/// Which build files a container folder holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BuildFiles {
    pub dockerfile: bool,
    pub nix: bool,
}

impl BuildFiles {
    pub fn has(self, variant: BuildKind) -> bool {
        match variant {
            BuildKind::Dockerfile => self.dockerfile,
            BuildKind::Nix => self.nix,
        }
    }
}

impl fmt::Display for BuildFiles {
    /// `dockerfile`, `nix` or `dockerfile+nix`, as the listing shows them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match (self.dockerfile, self.nix) {
            (true, true) => "dockerfile+nix",
            (true, false) => "dockerfile",
            (false, true) => "nix",
            (false, false) => "none",
        })
    }
}

/// One container of the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerEntry {
    pub name: ContainerName,
    pub files: BuildFiles,
}

/// The containers among `paths`: every `containers/<name>/Dockerfile` or
/// `containers/<name>/default.nix` whose `<name>` is a valid container
/// name. Anything else is ignored. Sorted by name, one entry per name.
/// A trailing `/` (how `glob` marks a folder) is never a build file.
pub fn discover<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<ContainerEntry> {
    let mut found: BTreeMap<ContainerName, BuildFiles> = BTreeMap::new();
    for path in paths {
        let path = path.strip_prefix("./").unwrap_or(path);
        let mut parts = path.split('/');
        let (Some(CONTAINERS_DIR), Some(folder), Some(file), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Ok(name) = ContainerName::parse(folder) else {
            continue;
        };
        let files = found.entry(name).or_default();
        match file {
            "Dockerfile" => files.dockerfile = true,
            "default.nix" => files.nix = true,
            _ => {}
        }
    }
    found
        .into_iter()
        .filter(|(_, files)| files.dockerfile || files.nix)
        .map(|(name, files)| ContainerEntry { name, files })
        .collect()
}

/// The entry of `name`, when it has the build file of `variant`. Otherwise
/// an error that says what is missing and lists the containers that do
/// have that build file, or asks whether `--src` is the right folder when
/// none does.
pub fn find<'a>(
    entries: &'a [ContainerEntry],
    name: &ContainerName,
    variant: BuildKind,
) -> eyre::Result<&'a ContainerEntry> {
    let entry = entries.iter().find(|e| &e.name == name);
    if let Some(entry) = entry.filter(|e| e.files.has(variant)) {
        return Ok(entry);
    }
    let path = build_file_path(name, variant);
    let file = variant.build_file();
    let having: Vec<&str> = entries
        .iter()
        .filter(|e| e.files.has(variant))
        .map(|e| e.name.as_str())
        .collect();
    if having.is_empty() {
        bail!(
            "{path} does not exist, and no folder under {CONTAINERS_DIR}/ has a {file}.\n\
             Is --src the root of the ops repository (the folder that holds {CONTAINERS_DIR}/)?"
        );
    }
    let other = match (entry, variant) {
        (Some(_), BuildKind::Dockerfile) => {
            " (it has a default.nix: use build-nix, publish-nix or --variant=nix)"
        }
        (Some(_), BuildKind::Nix) => {
            " (it has a Dockerfile: use build, publish or --variant=dockerfile)"
        }
        (None, _) => "",
    };
    bail!(
        "{path} does not exist: container `{name}` has no {file}{other}.\n\
         Containers with a {file}: {}",
        having.join(", ")
    )
}

/// `containers/<name>`: the build context of the container.
pub fn folder_path(name: &ContainerName) -> String {
    format!("{CONTAINERS_DIR}/{name}")
}

/// `containers/<name>/<Dockerfile|default.nix>`.
pub fn build_file_path(name: &ContainerName, variant: BuildKind) -> String {
    format!("{}/{}", folder_path(name), variant.build_file())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn names(entries: &[ContainerEntry]) -> Vec<String> {
        entries
            .iter()
            .map(|e| format!("{} {}", e.name, e.files))
            .collect()
    }

    #[test]
    fn finds_dockerfile_nix_and_both_sorted() {
        let paths = [
            "containers/nettest/default.nix",
            "containers/nettest/Dockerfile",
            "containers/nettest/test-connectivity.sh",
            "containers/miniflux/Dockerfile",
            "containers/authentik/default.nix",
            "containers/docs/README.md",
            "containers/notes.md",
            "containers/Bad Name/Dockerfile",
            "containers/nested/deeper/Dockerfile",
            "containers/dir-named-dockerfile/Dockerfile/",
            "README.md",
        ];
        assert_eq!(
            names(&discover(paths)),
            [
                "authentik nix",
                "miniflux dockerfile",
                "nettest dockerfile+nix"
            ]
        );
    }

    #[test]
    fn find_explains_what_is_missing() {
        let entries = discover([
            "containers/miniflux/Dockerfile",
            "containers/jq/default.nix",
            "containers/nettest/Dockerfile",
            "containers/nettest/default.nix",
        ]);
        let name = |n| ContainerName::parse(n).unwrap();
        assert_eq!(
            find(&entries, &name("nettest"), BuildKind::Nix)
                .unwrap()
                .name
                .as_str(),
            "nettest"
        );
        let err = find(&entries, &name("nope"), BuildKind::Dockerfile)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "containers/nope/Dockerfile does not exist: container `nope` has no Dockerfile.\n\
             Containers with a Dockerfile: miniflux, nettest"
        );
        let err = find(&entries, &name("jq"), BuildKind::Dockerfile)
            .unwrap_err()
            .to_string();
        assert!(err.contains("has a default.nix"), "{err}");
        let err = find(&entries, &name("miniflux"), BuildKind::Nix)
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("Containers with a default.nix: jq, nettest"),
            "{err}"
        );
        let err = find(&[], &name("jq"), BuildKind::Nix)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Is --src the root"), "{err}");
    }

    #[test]
    fn paths() {
        let n = ContainerName::parse("nettest").unwrap();
        assert_eq!(folder_path(&n), "containers/nettest");
        assert_eq!(
            build_file_path(&n, BuildKind::Nix),
            "containers/nettest/default.nix"
        );
        assert_eq!(
            build_file_path(&n, BuildKind::Dockerfile),
            "containers/nettest/Dockerfile"
        );
    }

    proptest! {
        #[test]
        fn order_of_input_does_not_matter(mut paths in proptest::collection::vec(
            ("[a-c]{1,2}", prop::sample::select(vec!["Dockerfile", "default.nix", "x"])), 0..20)
        ) {
            let render = |p: &[(String, &str)]| -> Vec<String> {
                p.iter().map(|(n, f)| format!("containers/{n}/{f}")).collect()
            };
            let a = render(&paths);
            paths.reverse();
            let b = render(&paths);
            let first = discover(a.iter().map(String::as_str));
            prop_assert_eq!(&first, &discover(b.iter().map(String::as_str)));
            prop_assert!(first.windows(2).all(|w| w[0].name < w[1].name));
        }
    }
}
