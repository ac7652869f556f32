//! `verify`: the signature and attestations of an image in its registry,
//! checked with a public key by the module's own registry client (the
//! rules: `crate::signing`; the registry calls:
//! `crate::registry::signatures`). The password, when there is one, is
//! read as [`super::registry_access`] reads it.

use dagger_sdk::{File, Id};
use eyre::{WrapErr, eyre};

use crate::arguments::{
    IMAGE, PUBLIC_KEY, REGISTRY_CA, REGISTRY_PASSWORD, REGISTRY_USERNAME, REQUIRE,
};
use crate::core::image::reference;
use crate::module::args::Invocation;
use crate::module::graphql;
use crate::module::output::Output;
use crate::signing::{PublicKey, predicate_type_named, require_attestations};

use super::registry_access::RegistryAccess;

pub async fn verify(call: Invocation) -> eyre::Result<Output> {
    let args = &call.args;
    let image = reference::parse("--image", &args.string(&IMAGE)?)?;
    let required = args
        .strings(&REQUIRE)
        .iter()
        .filter(|r| !r.is_empty())
        .map(|r| predicate_type_named(r).map_err(|e| eyre!("--require: {e}")))
        .collect::<eyre::Result<Vec<String>>>()?;
    let key_id = args
        .opt_object_id(&PUBLIC_KEY)
        .ok_or_else(|| eyre!("verify needs --public-key"))?;
    let pem = graphql::load::<File>(&call.query, key_id)
        .contents()
        .await
        .wrap_err("could not read --public-key")?;
    let key = PublicKey::from_pem(pem.as_bytes()).map_err(|e| eyre!("--public-key: {e}"))?;
    let access = RegistryAccess {
        registry: image.registry.clone(),
        username: args.string(&REGISTRY_USERNAME)?,
        password: args.opt_object_id(&REGISTRY_PASSWORD).map(Id),
        ca: args.opt_object_id(&REGISTRY_CA).map(Id),
    };
    let client = access.client(&call.query).await?;
    let verified = client
        .verify_image(&image.repository, &image.reference, &key)
        .await?;
    let named = client.docker_reference(&image.repository);
    let required: Vec<&str> = required.iter().map(String::as_str).collect();
    require_attestations(&verified.attestations, &required, &verified.digest).map_err(|e| {
        eyre!(
            "verifying {named}:{} failed: {e}\nAttach them by publishing with --signing-key \
             (publish-nix --sbom for the SBOM), or leave them out of --require.",
            image.reference
        )
    })?;
    let mut lines = vec![
        format!("verified {named}@{}", verified.digest),
        format!("signature: key {}", key.key_id()),
    ];
    if verified.attestations.is_empty() {
        lines.push("attestations: none attached".to_owned());
    }
    for attestation in &verified.attestations {
        let subjects: Vec<String> = attestation
            .statement
            .subject
            .iter()
            .map(|s| {
                let digests: Vec<String> = s
                    .digest
                    .iter()
                    .map(|(alg, hex)| format!("{alg}:{hex}"))
                    .collect();
                format!("{}@{}", s.name, digests.join(","))
            })
            .collect();
        lines.push(format!(
            "attestation {}: subject {}, signature verified",
            attestation.predicate_type,
            subjects.join(" ")
        ));
    }
    Ok(Output::Text(lines.join("\n")))
}
