//! List arguments whose entries map a container to something else,
//! `container=value`: `--nix-packages` (to a nixpkgs attribute) and
//! `--service-names` (to a service of `service-versions.yaml`).

use eyre::bail;

use crate::core::container::names::ContainerName;
use crate::core::text::excerpt;

/// Splits each entry of `raw` at its first `=`: a valid container name on
/// the left, a non-empty value on the right. `flag` (`--nix-packages`),
/// `shape` (`container=attribute`) and `example` (`ntfy=ntfy-sh`) are for
/// the messages. A container mapped twice is an error, so that the order
/// of the entries never matters.
pub fn parse<'a>(
    raw: &'a [String],
    flag: &str,
    shape: &str,
    example: &str,
) -> eyre::Result<Vec<(ContainerName, &'a str)>> {
    let mut pairs: Vec<(ContainerName, &str)> = Vec::with_capacity(raw.len());
    for entry in raw {
        let (container, value) = match entry.split_once('=') {
            Some((c, v)) if !c.is_empty() && !v.is_empty() => (c, v),
            _ => bail!(
                "{flag} entry `{}` is not {shape} (e.g. {example}).",
                excerpt(entry)
            ),
        };
        let container = ContainerName::parse(container).map_err(|e| eyre::eyre!("{flag}: {e}"))?;
        if let Some((_, first)) = pairs.iter().find(|(c, _)| *c == container) {
            bail!(
                "{flag} maps `{container}` twice (to `{}` and to `{}`): keep one.",
                excerpt(first),
                excerpt(value)
            );
        }
        pairs.push((container, value));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn splits_at_the_first_equals_sign() {
        let raw = strings(&["quartz=docs", "kiwix-serve=kiwix=x"]);
        let pairs = parse(&raw, "--service-names", "container=service", "quartz=docs").unwrap();
        let shown: Vec<(String, &str)> = pairs.iter().map(|(c, v)| (c.to_string(), *v)).collect();
        assert_eq!(
            shown,
            [
                ("quartz".to_owned(), "docs"),
                ("kiwix-serve".to_owned(), "kiwix=x")
            ]
        );
        assert!(parse(&[], "--x", "a=b", "a=b").unwrap().is_empty());
    }

    #[test]
    fn refuses_what_is_not_a_pair_a_bad_name_or_a_second_mapping() {
        let err = |items: &[&str]| {
            parse(
                &strings(items),
                "--nix-packages",
                "container=attribute",
                "ntfy=ntfy-sh",
            )
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            err(&["jq"]),
            "--nix-packages entry `jq` is not container=attribute (e.g. ntfy=ntfy-sh)."
        );
        assert!(err(&["=jq"]).contains("is not container=attribute"));
        assert!(err(&["jq="]).contains("is not container=attribute"));
        assert!(err(&["Jq=jq"]).starts_with("--nix-packages: `Jq` is not a valid container name"));
        assert_eq!(
            err(&["jq=a", "jq=b"]),
            "--nix-packages maps `jq` twice (to `a` and to `b`): keep one."
        );
    }
}
