//! How the module reaches a registry, from the arguments `publish`,
//! `publish-nix` and `list-tags` share: the host, the user, the password as
//! a Secret ID, and an optional CA certificate.
//!
//! The password's plaintext is read from the engine only here, into
//! memory, for the module's own registry client; the engine's pushes get
//! the Secret's ID. It appears in no query, log line, error or exec
//! argument.

use dagger_sdk::{Container, File, Id, Query, Secret};
use eyre::WrapErr;

use crate::arguments::{REGISTRY, REGISTRY_CA, REGISTRY_PASSWORD, REGISTRY_USERNAME};
use crate::core::image::image_ref::Registry;
use crate::module::args::Args;
use crate::module::graphql;
use crate::registry::{Credentials, RegistryClient};

pub struct RegistryAccess {
    pub registry: Registry,
    pub username: String,
    /// The password's Secret ID (never its plaintext).
    pub password: Option<Id>,
    /// A CA certificate (File ID) the module's client trusts.
    pub ca: Option<Id>,
}

impl RegistryAccess {
    pub fn from_args(args: &Args) -> eyre::Result<Self> {
        Ok(RegistryAccess {
            registry: Registry::parse(&args.string(&REGISTRY)?)?,
            username: args.string(&REGISTRY_USERNAME)?,
            password: args.opt_object_id(&REGISTRY_PASSWORD).map(Id),
            ca: args.opt_object_id(&REGISTRY_CA).map(Id),
        })
    }

    /// `container` with the credentials for the engine's push, when a
    /// password was given.
    pub fn authenticate(&self, container: Container) -> Container {
        match &self.password {
            Some(secret) => container.with_registry_auth(
                self.registry.as_str(),
                self.username.as_str(),
                secret.clone(),
            ),
            None => container,
        }
    }

    /// The module's own client (for existence checks and tag lists).
    pub async fn client(&self, query: &Query) -> eyre::Result<RegistryClient> {
        let credentials = match &self.password {
            Some(id) => {
                let password = graphql::load::<Secret>(query, id.0.clone())
                    .plaintext()
                    .await
                    .wrap_err("could not read --registry-password")?;
                Some(Credentials::new(self.username.clone(), password))
            }
            None => None,
        };
        let client = RegistryClient::new(self.registry.as_str(), credentials)?;
        match &self.ca {
            Some(id) => {
                let pem = graphql::load::<File>(query, id.0.clone())
                    .contents()
                    .await
                    .wrap_err("could not read --registry-ca")?;
                client
                    .with_root_ca_pem(pem.as_bytes())
                    .wrap_err("--registry-ca")
            }
            None => Ok(client),
        }
    }
}
