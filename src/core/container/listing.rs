//! The listings: `containers` (one line per container, with its build
//! files and its version, or why it has none) and `list-tags` (each
//! container's newest version tags, marked by where their commit is).

use std::collections::HashMap;

use crate::core::container::discovery::ContainerEntry;
use crate::core::container::kind::BuildKind;
use crate::core::git::Ancestry;
use crate::core::image::ordering::ParsedTag;
use crate::core::text::first_line;
use crate::core::version::nix_image::PackageMap;
use crate::core::version::resolve::{self, AppVersion, BuildTexts};

/// Renders the listing: a header, then `name  build files  version`
/// per container, in columns.
pub fn render(entries: &[ContainerEntry], texts: &[BuildTexts]) -> String {
    let rows: Vec<[String; 3]> = entries
        .iter()
        .zip(texts)
        .map(|(entry, texts)| {
            [
                entry.name.to_string(),
                entry.files.to_string(),
                version_cell(entry, texts),
            ]
        })
        .collect();
    let header = ["NAME".to_owned(), "BUILD".to_owned(), "VERSION".to_owned()];
    let width = |col: usize| {
        rows.iter()
            .chain([&header])
            .map(|r| r[col].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1) = (width(0), width(1));
    let mut out = String::new();
    for [name, files, version] in [&header].into_iter().chain(&rows) {
        out.push_str(format!("{name:<w0$}  {files:<w1$}  {version}").trim_end());
        out.push('\n');
    }
    out
}

/// How many tags `list-tags` shows per container unless `--limit` says:
/// the origin's 4 when it lists every container, 10 for one.
pub fn default_tag_limit(one_container: bool) -> usize {
    if one_container { 10 } else { 4 }
}

/// One container's section of `list-tags`: a heading with the repository,
/// then one line per tag (newest first) with its marker: `[main]`,
/// `[branch]` or `[unknown]` by where its commit is (`[unknown]`: a commit
/// this clone lacks). A tag that holds no commit (a release tag such as
/// `v1.0.0`) gets no marker.
pub fn render_tags(
    repository: &str,
    tags: &[ParsedTag<'_>],
    ancestry: &HashMap<String, Ancestry>,
) -> String {
    if tags.is_empty() {
        return format!("{repository}\n  (no version tags)\n");
    }
    let width = tags.iter().map(|t| t.tag.len()).max().unwrap_or(0);
    let mut out = format!("{repository}\n");
    for t in tags {
        let marker = t.commit.map(|c| {
            ancestry
                .get(c)
                .copied()
                .unwrap_or(Ancestry::Unknown)
                .marker()
        });
        let line = format!("  {:<width$}  {}", t.tag, marker.unwrap_or_default());
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The version of each build file the container has; one value when they agree.
fn version_cell(entry: &ContainerEntry, texts: &BuildTexts) -> String {
    // Packages named like their container: `containers` has no --nix-packages.
    let packages = PackageMap::default();
    let resolve = |v| resolve::resolve(&entry.name, v, texts, &packages);
    let cells: Vec<(BuildKind, String)> = [BuildKind::Dockerfile, BuildKind::Nix]
        .into_iter()
        .filter(|&v| entry.files.has(v))
        .map(|v| (v, describe(resolve(v))))
        .collect();
    match cells.as_slice() {
        [(_, only)] => only.clone(),
        [(_, a), (_, b)] if a == b => a.clone(),
        _ => cells
            .iter()
            .map(|(v, cell)| format!("{v}: {cell}"))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn describe(resolved: eyre::Result<AppVersion>) -> String {
    match resolved {
        Ok(AppVersion::Known { version, .. }) => version,
        Ok(AppVersion::NeedsNixpkgs { attr }) => format!("(from nixpkgs: {attr}.version)"),
        Err(e) => format!("(none: {})", first_line(&e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::container::discovery::discover;

    fn texts(dockerfile: Option<&str>, nix: Option<&str>) -> BuildTexts {
        BuildTexts {
            dockerfile: dockerfile.map(str::to_owned),
            nix: nix.map(str::to_owned),
        }
    }

    #[test]
    fn tags_are_marked_by_their_commit() {
        let tags = crate::core::image::ordering::sort_newest_first([
            "v1.0.0-aaaaaaa",
            "v1.1.0-bbbbbbb",
            "v0.9.0",
            "latest",
        ]);
        let ancestry = HashMap::from([
            ("aaaaaaa".to_owned(), Ancestry::Main),
            ("bbbbbbb".to_owned(), Ancestry::Branch),
        ]);
        assert_eq!(
            render_tags("r/ns/app", &tags, &ancestry),
            "r/ns/app\n  v1.1.0-bbbbbbb  [branch]\n  v1.0.0-aaaaaaa  [main]\n  v0.9.0\n"
        );
        // A commit this clone lacks is [unknown].
        let tags = crate::core::image::ordering::sort_newest_first(["v1.0.0-ccccccc"]);
        assert_eq!(
            render_tags("r/ns/app", &tags, &ancestry),
            "r/ns/app\n  v1.0.0-ccccccc  [unknown]\n"
        );
        assert_eq!((default_tag_limit(false), default_tag_limit(true)), (4, 10));
        assert_eq!(
            render_tags("r/ns/app", &[], &ancestry),
            "r/ns/app\n  (no version tags)\n"
        );
    }

    #[test]
    fn one_column_per_fact_and_both_versions_when_they_differ() {
        let entries = discover([
            "containers/agree/Dockerfile",
            "containers/agree/default.nix",
            "containers/broken/Dockerfile",
            "containers/differ/Dockerfile",
            "containers/differ/default.nix",
        ]);
        let all = [
            texts(
                Some("ARG CONTAINER_APP_VERSION=1.0\n"),
                Some("{ version = \"1.0\"; }"),
            ),
            texts(Some("FROM alpine\n"), None),
            texts(
                Some("ARG CONTAINER_APP_VERSION=1.0\n"),
                Some("{ version = \"1.1\"; }"),
            ),
        ];
        let listing = render(&entries, &all);
        let lines: Vec<&str> = listing.lines().collect();
        assert_eq!(lines[0], "NAME    BUILD           VERSION");
        assert_eq!(lines[1], "agree   dockerfile+nix  1.0");
        assert!(
            lines[2].starts_with("broken  dockerfile      (none: containers/broken/Dockerfile "),
            "{}",
            lines[2]
        );
        assert_eq!(
            lines[3],
            "differ  dockerfile+nix  dockerfile: 1.0; nix: 1.1"
        );
    }
}
