//! The two ways a container is built: from its `Dockerfile` or its
//! `default.nix`.

use std::fmt;
use std::str::FromStr;

use eyre::bail;

use crate::core::text::excerpt;

/// How a container is built: from its `Dockerfile` or from Nix. Chosen by
/// the `--variant` argument (spelled `dockerfile` or `nix`); named
/// `BuildKind` in the code so that it is never mistaken for a platform
/// variant (`linux/arm/v7`'s `v7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BuildKind {
    /// From `containers/<name>/Dockerfile`.
    Dockerfile,
    /// From Nix (`containers/<name>/default.nix`, a `--nix-file`, a flake
    /// output).
    Nix,
}

impl BuildKind {
    /// The spelling of `--variant`.
    pub fn as_str(self) -> &'static str {
        match self {
            BuildKind::Dockerfile => "dockerfile",
            BuildKind::Nix => "nix",
        }
    }

    /// The build file of this variant inside a container's folder.
    pub fn build_file(self) -> &'static str {
        match self {
            BuildKind::Dockerfile => "Dockerfile",
            BuildKind::Nix => "default.nix",
        }
    }
}

impl fmt::Display for BuildKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BuildKind {
    type Err = eyre::Report;

    fn from_str(s: &str) -> eyre::Result<Self> {
        match s {
            "dockerfile" => Ok(BuildKind::Dockerfile),
            "nix" => Ok(BuildKind::Nix),
            other => bail!(
                "`{}` is not a variant: pass --variant=dockerfile (the Dockerfile build) or \
                 --variant=nix (the default.nix build).",
                excerpt(other)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_its_spelling() {
        for v in [BuildKind::Dockerfile, BuildKind::Nix] {
            assert_eq!(v.as_str().parse::<BuildKind>().unwrap(), v);
        }
    }

    #[test]
    fn an_unknown_variant_names_the_choices() {
        let err = "Docker".parse::<BuildKind>().unwrap_err().to_string();
        assert!(
            err.contains("`Docker`") && err.contains("--variant=nix"),
            "{err}"
        );
    }
}
