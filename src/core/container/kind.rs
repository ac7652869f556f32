//! The two ways a container is built: from its `Dockerfile` or its
//! `default.nix`.

use std::fmt;
use std::str::FromStr;

use eyre::bail;

use crate::core::text::excerpt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    Dockerfile,
    Nix,
}

impl Variant {
    /// The spelling of `--variant`.
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Dockerfile => "dockerfile",
            Variant::Nix => "nix",
        }
    }

    /// The build file of this variant inside a container's folder.
    pub fn build_file(self) -> &'static str {
        match self {
            Variant::Dockerfile => "Dockerfile",
            Variant::Nix => "default.nix",
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Variant {
    type Err = eyre::Report;

    fn from_str(s: &str) -> eyre::Result<Self> {
        match s {
            "dockerfile" => Ok(Variant::Dockerfile),
            "nix" => Ok(Variant::Nix),
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
        for v in [Variant::Dockerfile, Variant::Nix] {
            assert_eq!(v.as_str().parse::<Variant>().unwrap(), v);
        }
    }

    #[test]
    fn an_unknown_variant_names_the_choices() {
        let err = "Docker".parse::<Variant>().unwrap_err().to_string();
        assert!(
            err.contains("`Docker`") && err.contains("--variant=nix"),
            "{err}"
        );
    }
}
