//! The SBOM of a Nix image: a CycloneDX 1.6 JSON document of the store
//! paths the image holds and their closure ([`crate::core::sbom::closure`]).
//!
//! - One component per store path (`type: library`, `bom-ref`: the store
//!   path): its name and version as `builtins.parseDrvName` reads the store
//!   path's name, its purl ([`crate::core::sbom::purl`]), its NAR hash as SHA-256, and
//!   the `nix` namespace's properties (`nix:store_path`,
//!   `nix:narinfo:nar_hash` in the `.narinfo` form, `nix:narinfo:nar_size`,
//!   `nix:narinfo:deriver`).
//! - `dependencies`: each store path's references; the image (the metadata
//!   component) depends on the paths that nothing else in it references.
//! - `metadata`: the image (`type: container`), the tool (blumeops-ci and
//!   its version), and as properties the nixpkgs that built it (URL, NAR
//!   hash, what pinned it, or `unpinned: ...`) and the Nix image.
//! - A store path the image holds but the Nix store lacks (a base image's
//!   layer built elsewhere) is listed without a hash, marked as such.
//!
//! Deterministic: no timestamp; components and every list sorted; the
//! `serialNumber` is a UUID (version 5) of the document's own content, so
//! the same image, pin and module version give the same bytes.

use eyre::bail;
use serde_json::{Value, json};

use crate::core::image::tag::{MAX_TAG_LEN, Tag};
use crate::core::nix::nixpkgs::{Nixpkgs, NixpkgsSource};
use crate::core::sbom::closure::Closure;
use crate::core::sbom::purl::nix_purl;
use crate::core::sbom::store_path::{StorePath, parse_drv_name};

/// The CycloneDX version of the document.
pub const SPEC_VERSION: &str = "1.6";

/// The `bom-ref` of the image itself (the metadata component).
pub const IMAGE_REF: &str = "image";

/// The namespace of the module's own properties.
const NS: &str = "blumeops-ci";

/// What an image's SBOM is made of.
pub struct SbomInput<'a> {
    /// The container (`containers/<name>/`), the image's name.
    pub image: &'a str,
    pub closure: &'a Closure,
    /// The nixpkgs the image was built with.
    pub nixpkgs: &'a Nixpkgs,
    /// The image Nix ran in.
    pub nix_image: &'a str,
}

/// The SBOM, as pretty-printed JSON with a final newline.
pub fn document(input: &SbomInput<'_>) -> String {
    let mut bom = json!({
        "$schema": format!("http://cyclonedx.org/schema/bom-{SPEC_VERSION}.schema.json"),
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": metadata(input),
        "components": components(input.closure),
        "dependencies": dependencies(input.closure),
    });
    let unnumbered = serde_json::to_string(&bom).expect("a JSON value serializes");
    bom["serialNumber"] = Value::String(format!("urn:uuid:{}", uuid_v5(unnumbered.as_bytes())));
    let mut text = serde_json::to_string_pretty(&bom).expect("a JSON value serializes");
    text.push('\n');
    text
}

/// The file name `sbom-nix` gives the document: `<image>.cdx.json`.
pub fn file_name(image: &str) -> String {
    format!("{image}.cdx.json")
}

/// Where `publish-nix --sbom` puts the document in the image it pushes
/// beside the Nix image.
pub const SBOM_PATH: &str = "/sbom.cdx.json";

/// The tag of the SBOM image `publish-nix --sbom` pushes beside the image
/// tagged `image_tag`: `sbom-<image tag>`. It does not start with `v` and
/// a digit, so it is never read as a version tag (list-tags leaves it out).
pub fn sbom_tag(image_tag: &Tag) -> eyre::Result<Tag> {
    let tag = format!("sbom-{image_tag}");
    if tag.len() > MAX_TAG_LEN {
        bail!(
            "the SBOM's tag {tag} would be {} characters long; an image tag holds at most \
             {MAX_TAG_LEN}. Shorten the version (--version), or publish without --sbom and get \
             the SBOM with sbom-nix.",
            tag.len()
        );
    }
    Tag::parse(&tag)
}

fn property(name: &str, value: impl Into<String>) -> Value {
    json!({ "name": name, "value": value.into() })
}

fn metadata(input: &SbomInput<'_>) -> Value {
    let nixpkgs = input.nixpkgs;
    let (location, nar_hash) = match &nixpkgs.source {
        NixpkgsSource::Tarball { url, nar_hash } => (url, Some(nar_hash)),
        NixpkgsSource::Path { path, nar_hash } => (path, Some(nar_hash)),
        NixpkgsSource::UncheckedUrl(url) => (url, None),
        NixpkgsSource::StorePath(path) => (path, None),
    };
    let pin = if nixpkgs.unpinned {
        format!("unpinned: {}", nixpkgs.origin)
    } else {
        nixpkgs.origin.clone()
    };
    let mut properties = vec![property(&format!("{NS}:nixpkgs:url"), location.clone())];
    if let Some(hash) = nar_hash {
        properties.push(property(&format!("{NS}:nixpkgs:nar_hash"), hash.clone()));
    }
    properties.push(property(&format!("{NS}:nixpkgs:pin"), pin));
    properties.push(property(&format!("{NS}:nix_image"), input.nix_image));
    json!({
        "tools": { "components": [{
            "type": "application",
            "name": "blumeops-ci",
            "version": env!("CARGO_PKG_VERSION"),
        }]},
        "component": {
            "type": "container",
            "bom-ref": IMAGE_REF,
            "name": input.image,
        },
        "properties": properties,
    })
}

/// A component's name, version and purl, from its store path.
fn identity(path: &StorePath) -> Value {
    let parsed = parse_drv_name(path.name());
    let mut component = json!({
        "type": "library",
        "bom-ref": path.as_str(),
        "name": if parsed.name.is_empty() { path.name() } else { parsed.name },
        "purl": nix_purl(path),
    });
    if !parsed.version.is_empty() {
        component["version"] = Value::String(parsed.version.to_owned());
    }
    component
}

/// Every store path, sorted by path (the closure is a sorted map).
fn components(closure: &Closure) -> Vec<Value> {
    let mut components: Vec<(&StorePath, Value)> = closure
        .paths
        .values()
        .map(|info| {
            let mut c = identity(&info.path);
            c["hashes"] = json!([{ "alg": "SHA-256", "content": info.nar_hash.hex() }]);
            let mut properties = vec![
                property("nix:store_path", info.path.as_str()),
                property("nix:narinfo:nar_hash", info.nar_hash.nix32()),
                property("nix:narinfo:nar_size", info.nar_size.to_string()),
            ];
            if let Some(deriver) = &info.deriver {
                properties.push(property("nix:narinfo:deriver", deriver.as_str()));
            }
            c["properties"] = Value::Array(properties);
            (&info.path, c)
        })
        .collect();
    components.extend(closure.absent.iter().map(|path| {
        let mut c = identity(path);
        c["properties"] = json!([
            property("nix:store_path", path.as_str()),
            property(
                &format!("{NS}:nix_store"),
                "absent: the image holds this path, the Nix store does not, so its NAR \
                 hash and references are unknown (a base image's layer built elsewhere?)",
            ),
        ]);
        (path, c)
    }));
    components.sort_by(|a, b| a.0.cmp(b.0));
    components.into_iter().map(|(_, c)| c).collect()
}

/// Each path's references (itself left out), and the image's: the paths
/// nothing else references, and the absent ones.
fn dependencies(closure: &Closure) -> Vec<Value> {
    let referenced: std::collections::BTreeSet<&StorePath> = closure
        .paths
        .values()
        .flat_map(|info| info.references.iter().filter(move |r| **r != info.path))
        .collect();
    let mut tops: Vec<&str> = closure
        .paths
        .keys()
        .filter(|p| !referenced.contains(p))
        .chain(closure.absent.iter())
        .map(StorePath::as_str)
        .collect();
    tops.sort_unstable();
    let mut dependencies = vec![json!({ "ref": IMAGE_REF, "dependsOn": tops })];
    dependencies.extend(closure.paths.values().map(|info| {
        let refs: Vec<&str> = info
            .references
            .iter()
            .filter(|r| **r != info.path)
            .map(StorePath::as_str)
            .collect();
        json!({ "ref": info.path.as_str(), "dependsOn": refs })
    }));
    dependencies.extend(
        closure
            .absent
            .iter()
            .map(|p| json!({ "ref": p.as_str(), "dependsOn": [] })),
    );
    dependencies
}

/// A name-based UUID (RFC 9562 version 5, SHA-1) of `name` in the URL
/// namespace, lower-case.
pub fn uuid_v5(name: &[u8]) -> String {
    const URL_NAMESPACE: [u8; 16] = [
        0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30,
        0xc8,
    ];
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(&URL_NAMESPACE);
    ctx.update(name);
    let digest = ctx.finish();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest.as_ref()[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::sbom::closure::parse;

    const A: &str = "/nix/store/41kz2pbn4z6fshf3y6xayhlqyj56262a-tool-2.3.4";
    const B: &str = "/nix/store/h389ffypwa2gz4fyqsq6bkfl812yk2rj-liba-1.0";
    const C: &str = "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-source";
    const DRV: &str = "/nix/store/2wrb72lym9n89bfm02ygf0kkv3wv997d-tool-2.3.4.drv";
    const HA: &str = "42d7b5c441ca1c5e2e2bb6472940cc710ded7b3f8455053705054f5553649969";
    const HB: &str = "642f639e6a13fe1256b769b3ff4144f70a90d3bd7c55239d3e592940a25734b8";

    fn pinned() -> Nixpkgs {
        Nixpkgs {
            source: NixpkgsSource::Tarball {
                url: "https://github.com/NixOS/nixpkgs/archive/r.tar.gz".into(),
                nar_hash: "sha256-AAAA".into(),
            },
            origin: "flake.lock (input nixpkgs)".into(),
            unpinned: false,
        }
    }

    fn sbom(stdout: &str, nixpkgs: &Nixpkgs) -> Value {
        let closure = parse(stdout).unwrap();
        let text = document(&SbomInput {
            image: "jq",
            closure: &closure,
            nixpkgs,
            nix_image: "nixos/nix:2.33.3",
        });
        assert!(text.ends_with("}\n"));
        serde_json::from_str(&text).unwrap()
    }

    fn registration() -> String {
        format!("{A}\n{HA}\n336\n{DRV}\n2\n{A}\n{B}\n{B}\n{HB}\n288\n\n0\n")
    }

    #[test]
    fn one_component_per_store_path_with_its_nix_identity() {
        let bom = sbom(&format!("absent {C}\n{}", registration()), &pinned());
        assert_eq!(bom["bomFormat"], "CycloneDX");
        assert_eq!(bom["specVersion"], "1.6");
        let components = bom["components"].as_array().unwrap();
        let refs: Vec<&str> = components
            .iter()
            .map(|c| c["bom-ref"].as_str().unwrap())
            .collect();
        assert_eq!(refs, [C, A, B], "sorted by store path");
        let tool = &components[1];
        assert_eq!(tool["name"], "tool");
        assert_eq!(tool["version"], "2.3.4");
        assert_eq!(
            tool["purl"],
            "pkg:nix/tool@2.3.4?outputhash=41kz2pbn4z6fshf3y6xayhlqyj56262a"
        );
        assert_eq!(tool["hashes"][0]["content"], HA);
        assert_eq!(
            tool["properties"],
            json!([
                {"name": "nix:store_path", "value": A},
                {"name": "nix:narinfo:nar_hash", "value": "sha256:0scrci9makq50lvhamc47xxys3biri02jixn5cp5w76a872bbms2"},
                {"name": "nix:narinfo:nar_size", "value": "336"},
                {"name": "nix:narinfo:deriver", "value": DRV},
            ])
        );
        let source = &components[0];
        assert_eq!(source["name"], "source");
        assert!(source.get("version").is_none() && source.get("hashes").is_none());
        assert!(
            source["properties"][1]["value"]
                .as_str()
                .unwrap()
                .starts_with("absent")
        );
        assert_eq!(
            bom["dependencies"],
            json!([
                {"ref": "image", "dependsOn": [C, A]},
                {"ref": A, "dependsOn": [B]},
                {"ref": B, "dependsOn": []},
                {"ref": C, "dependsOn": []},
            ])
        );
    }

    #[test]
    fn the_metadata_names_the_image_the_tool_and_the_pin() {
        let bom = sbom(&registration(), &pinned());
        let metadata = &bom["metadata"];
        assert_eq!(metadata["component"]["name"], "jq");
        assert_eq!(metadata["component"]["type"], "container");
        assert_eq!(metadata["tools"]["components"][0]["name"], "blumeops-ci");
        assert_eq!(
            metadata["tools"]["components"][0]["version"],
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(
            metadata["properties"],
            json!([
                {"name": "blumeops-ci:nixpkgs:url", "value": "https://github.com/NixOS/nixpkgs/archive/r.tar.gz"},
                {"name": "blumeops-ci:nixpkgs:nar_hash", "value": "sha256-AAAA"},
                {"name": "blumeops-ci:nixpkgs:pin", "value": "flake.lock (input nixpkgs)"},
                {"name": "blumeops-ci:nix_image", "value": "nixos/nix:2.33.3"},
            ])
        );
        assert!(metadata.get("timestamp").is_none());
        let unpinned = Nixpkgs {
            unpinned: true,
            origin: "the flake registry of nixos/nix:2.33.3".into(),
            ..pinned()
        };
        let bom = sbom(&registration(), &unpinned);
        assert_eq!(
            bom["metadata"]["properties"][2]["value"],
            "unpinned: the flake registry of nixos/nix:2.33.3"
        );
        let store = Nixpkgs {
            source: NixpkgsSource::StorePath("/nix/store/x-source".into()),
            origin: "--nixpkgs".into(),
            unpinned: false,
        };
        let bom = sbom(&registration(), &store);
        let names: Vec<&str> = bom["metadata"]["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(
            !names.contains(&"blumeops-ci:nixpkgs:nar_hash"),
            "{names:?}"
        );
    }

    #[test]
    fn the_same_input_gives_the_same_bytes_and_serial() {
        let closure = parse(&registration()).unwrap();
        let nixpkgs = pinned();
        let make = |image| {
            document(&SbomInput {
                image,
                closure: &closure,
                nixpkgs: &nixpkgs,
                nix_image: "nixos/nix:2.33.3",
            })
        };
        assert_eq!(make("jq"), make("jq"));
        let serial = |text: &str| {
            let bom: Value = serde_json::from_str(text).unwrap();
            bom["serialNumber"].as_str().unwrap().to_owned()
        };
        assert_ne!(serial(&make("jq")), serial(&make("other")));
        let uuid = serial(&make("jq"));
        let re = uuid.strip_prefix("urn:uuid:").unwrap();
        assert_eq!(re.len(), 36);
        assert_eq!(&re[14..15], "5");
        assert!(matches!(&re[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn the_sbom_tag_is_not_a_version_tag() {
        let image = Tag::parse("v1.7.1-0123456-nix").unwrap();
        let tag = sbom_tag(&image).unwrap();
        assert_eq!(tag.as_str(), "sbom-v1.7.1-0123456-nix");
        assert!(crate::core::image::ordering::parse_tag(tag.as_str()).is_none());
        let long = Tag::parse(&format!("v{}-0123456-nix", "1".repeat(112))).unwrap();
        let err = sbom_tag(&long).unwrap_err().to_string();
        assert!(err.contains("at most 128"), "{err}");
        // `sbom-` and a 123-character tag: exactly 128, which fits.
        let longest = Tag::parse(&format!("v{}", "1".repeat(122))).unwrap();
        assert_eq!(sbom_tag(&longest).unwrap().as_str().len(), 128);
        assert_eq!(file_name("jq"), "jq.cdx.json");
    }

    #[test]
    fn uuid_v5_matches_pythons() {
        // Python's uuid.uuid5(uuid.NAMESPACE_URL, "https://example.com/").
        assert_eq!(
            uuid_v5(b"https://example.com/"),
            "dd2c1780-811a-5296-81c5-178a0ef488bc"
        );
    }

    use proptest::prelude::*;

    /// A registration of `n` paths whose references point only to earlier
    /// ones, written in the order `order` gives.
    fn registration_of(refs: &[Vec<usize>], order: &[usize]) -> String {
        let path = |i: usize| {
            format!(
                "/nix/store/{:0>32}-pkg{i}-1.{i}",
                i.to_string().replace(['e', 'o', 'u', 't'], "0")
            )
        };
        let mut text = String::new();
        for &i in order {
            text.push_str(&format!("{}\n{:064x}\n{}\n\n", path(i), i + 1, 100 + i));
            let mut r: Vec<usize> = refs[i]
                .iter()
                .map(|j| j % (i.max(1)))
                .filter(|j| *j < i)
                .collect();
            r.sort_unstable();
            r.dedup();
            text.push_str(&format!("{}\n", r.len()));
            for j in r {
                text.push_str(&format!("{}\n", path(j)));
            }
        }
        text
    }

    proptest! {
        /// The document depends on the closure, not on the order Nix
        /// printed it in; components are sorted and every reference of
        /// `dependencies` is a component (or the image).
        #[test]
        fn sorted_and_independent_of_the_order_nix_printed(
            refs in proptest::collection::vec(proptest::collection::vec(0usize..20, 0..4), 1..12),
            shuffle in any::<u64>(),
        ) {
            let n = refs.len();
            let forward: Vec<usize> = (0..n).collect();
            let mut shuffled = forward.clone();
            let mut x = shuffle;
            for i in (1..n).rev() {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                shuffled.swap(i, (x >> 33) as usize % (i + 1));
            }
            let a = sbom(&registration_of(&refs, &forward), &pinned());
            let b = sbom(&registration_of(&refs, &shuffled), &pinned());
            prop_assert_eq!(&a, &b);
            let components = a["components"].as_array().unwrap();
            let refs: Vec<&str> = components.iter().map(|c| c["bom-ref"].as_str().unwrap()).collect();
            let mut sorted = refs.clone();
            sorted.sort_unstable();
            sorted.dedup();
            prop_assert_eq!(&refs, &sorted);
            for dependency in a["dependencies"].as_array().unwrap() {
                for on in dependency["dependsOn"].as_array().unwrap() {
                    prop_assert!(refs.contains(&on.as_str().unwrap()));
                }
            }
        }
    }
}
