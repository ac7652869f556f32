//! Every link in the README and `docs/` resolves: a relative link names a
//! file or folder of this repository, and its `#anchor` (or a bare
//! `#anchor` in the same page) is a heading of that Markdown page, as
//! GitHub computes heading anchors. Links to other sites are not followed.
//!
//! GitHub's anchor of a heading: its text (inline code and link text
//! kept, the Markdown around them dropped), lowercased, every character
//! that is not a letter, a digit, a space, `-` or `_` removed, spaces
//! turned into `-`; a second heading with the same anchor gets `-1`, a
//! third `-2`, and so on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The pages checked: README.md, every docs/*.md, and every Markdown file
/// under examples/.
fn pages() -> Vec<PathBuf> {
    let root = crate_root();
    let mut out = vec![root.join("README.md")];
    let mut stack = vec![root.join("docs"), root.join("examples")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The lines of a Markdown text outside fenced code blocks, with their
/// numbers.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker: String = trimmed
            .chars()
            .take_while(|c| *c == '`' || *c == '~')
            .collect();
        if let Some(open) = &fence {
            if marker.len() >= open.len() && marker.starts_with(&open[..1]) {
                fence = None;
            }
            continue;
        }
        if marker.len() >= 3 && (marker.starts_with("```") || marker.starts_with("~~~")) {
            fence = Some(marker);
            continue;
        }
        out.push((i + 1, line));
    }
    out
}

/// `line` without its inline code spans.
fn without_code(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].chars().take_while(|c| *c == '`').count();
        let after = &rest[start + ticks..];
        match after.find(&"`".repeat(ticks)) {
            Some(end) => rest = &after[end + ticks..],
            None => {
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The inline-code-aware text of a heading, as GitHub reads it for the
/// anchor: code spans keep their text, links their text.
fn heading_text(raw: &str) -> String {
    let mut text = raw.replace('`', "");
    // [text](target) -> text
    while let Some(open) = text.find("](") {
        let Some(close) = text[open..].find(')') else {
            break;
        };
        let start = text[..open].rfind('[').unwrap_or(open);
        let label = text[start + 1..open].to_owned();
        text.replace_range(start..open + close + 1, &label);
    }
    text.replace(['*', '[', ']'], "")
}

/// GitHub's anchor of a heading's text (without the `-N` of duplicates).
fn anchor(text: &str) -> String {
    heading_text(text)
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown page, duplicates numbered as GitHub does.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = anchor(line[hashes..].trim().trim_end_matches('#').trim());
        let mut candidate = base.clone();
        let mut n = 0;
        while out.contains(&candidate) {
            n += 1;
            candidate = format!("{base}-{n}");
        }
        out.insert(candidate);
    }
    out
}

/// The link targets of a line: `[text](target)` and `[text](target "title")`,
/// outside inline code; images too.
fn links(line: &str) -> Vec<String> {
    let line = without_code(line);
    let mut out = Vec::new();
    let mut rest = line.as_str();
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let Some(end) = after.find(')') else {
            break;
        };
        let target = after[..end].split_whitespace().next().unwrap_or("");
        let target = target.trim_start_matches('<').trim_end_matches('>');
        if !target.is_empty() {
            out.push(target.to_owned());
        }
        rest = &after[end..];
    }
    out
}

/// What is wrong with `target`, a link of `page`, if anything.
fn check(page: &Path, target: &str) -> Option<String> {
    if target.contains("://") || target.starts_with("mailto:") {
        return None;
    }
    let (file, fragment) = match target.split_once('#') {
        Some((file, fragment)) => (file, Some(fragment)),
        None => (target, None),
    };
    let linked = if file.is_empty() {
        page.to_path_buf()
    } else {
        page.parent().unwrap().join(file)
    };
    if !linked.exists() {
        return Some(format!("{file} does not exist"));
    }
    let fragment = fragment?;
    if linked.extension().is_none_or(|e| e != "md") {
        return Some(format!(
            "#{fragment} points into {file}, which is not a Markdown page"
        ));
    }
    let text = std::fs::read_to_string(&linked).unwrap();
    let known = anchors(&text);
    (!known.contains(fragment)).then(|| {
        let close: Vec<&String> = known
            .iter()
            .filter(|a| {
                a.contains(fragment)
                    || fragment.contains(a.as_str())
                    || a.split('-').next() == fragment.split('-').next()
            })
            .take(5)
            .collect();
        format!(
            "{} has no heading with the anchor #{fragment}{}",
            if file.is_empty() { "the page" } else { file },
            if close.is_empty() {
                String::new()
            } else {
                format!(" (close: {close:?})")
            }
        )
    })
}

#[test]
fn every_link_in_the_readme_and_docs_resolves() {
    let root = crate_root();
    let mut problems = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let name = page.strip_prefix(&root).unwrap().display().to_string();
        for (n, line) in prose_lines(&text) {
            for target in links(line) {
                checked += 1;
                if let Some(problem) = check(&page, &target) {
                    problems.push(format!("{name}:{n}: ({target}): {problem}"));
                }
            }
        }
    }
    // The pages link to each other a lot: a count near zero means the
    // extraction broke, not that the docs lost their links.
    assert!(
        checked > 100,
        "only {checked} links found: the extraction is broken"
    );
    assert!(
        problems.is_empty(),
        "{} link(s) in the docs do not resolve; fix the link or the heading:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn anchors_are_computed_as_github_computes_them() {
    let page = "# Title\n\
                ## `--src is blumeops-ci's own repository`\n\
                ## A shared engine for CI\n\
                ## Update a flake's pins without Nix\n\
                ## `required flag(s) \"src\" not set`\n\
                ## Build a callPackage file outside containers/\n\
                ## Usage\n\
                ## Usage\n\
                ```sh\n\
                # not a heading\n\
                ```\n\
                #not a heading either\n";
    let got: Vec<String> = anchors(page).into_iter().collect();
    assert_eq!(
        got,
        [
            "--src-is-blumeops-cis-own-repository",
            "a-shared-engine-for-ci",
            "build-a-callpackage-file-outside-containers",
            "required-flags-src-not-set",
            "title",
            "update-a-flakes-pins-without-nix",
            "usage",
            "usage-1",
        ]
    );
    assert_eq!(
        links("See [a](x.md#y), `[not](a link)` and ![img](i.png \"t\")."),
        ["x.md#y", "i.png"]
    );
}

#[test]
fn a_broken_link_is_reported() {
    let root = crate_root();
    let page = root.join("docs/troubleshooting.md");
    assert!(check(&page, "how-to.md#a-shared-engine-for-ci").is_none());
    assert!(
        check(&page, "how-to.md#a-shared-engine")
            .unwrap()
            .contains("no heading with the anchor #a-shared-engine")
    );
    assert!(
        check(&page, "no-such.md")
            .unwrap()
            .contains("does not exist")
    );
    assert!(check(&page, "#the-first-call-is-slow").is_none());
    assert!(check(&page, "https://example.org/#x").is_none());
}
