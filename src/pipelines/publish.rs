//! `publish` (and, through [`PushTarget`], `publish-nix`): push an image
//! under its immutable commit tag, then its moving tags, unless the
//! registry already has the commit tag.
//!
//! The registry password travels as the Secret's ID in every query; its
//! plaintext is read once, into memory, for the existence check against
//! the registry, and appears in no query, log line, error or exec argument.

use dagger_sdk::{Container, ContainerPublishOptsBuilder, File, Id, Query};
use eyre::WrapErr;

use crate::core::build_options;
use crate::core::image_ref::{Namespace, Registry, Repository};
use crate::core::names::ContainerName;
use crate::core::publish::{self, Decision};
use crate::core::tags::{self, Tag};
use crate::core::variant::Variant;
use crate::module::args::Invocation;
use crate::module::output::Output;
use crate::registry::{Credentials, RegistryClient};

use super::build::BuildRequest;

pub async fn publish(call: Invocation) -> eyre::Result<Output> {
    let request = BuildRequest::from_args(&call.args)?;
    let target = PushTarget::from_args(&call, &request.name)?;
    let platforms = build_options::parse_platforms(&call.args.strings("platforms"))?;
    let commit = request
        .commit
        .clone()
        .ok_or_else(|| eyre::eyre!("publish needs --commit-sha"))?;
    let given_version = call.args.opt_string("version")?;
    let build = request.resolve(&call, given_version.as_deref()).await?;
    let source = if given_version.is_some() {
        "--version"
    } else {
        build.version_from.as_str()
    };
    let tags = tags::publish_tags(
        &build.version,
        source,
        &commit,
        Variant::Dockerfile,
        &target.extra_tags,
    )?;
    let image = if platforms.is_empty() {
        Image::Single(build.container(None))
    } else {
        Image::Platforms(platforms.iter().map(|p| build.container(Some(p))).collect())
    };
    Ok(Output::Text(target.push(&call.query, &tags, image).await?))
}

/// What to push: one image, or one per platform (a multi-platform image).
pub enum Image {
    Single(Container),
    Platforms(Vec<Container>),
}

/// Where and how to push, from the publish arguments shared by `publish`
/// and `publish-nix`.
pub struct PushTarget {
    pub repository: Repository,
    pub username: String,
    /// The registry password's Secret ID (never its plaintext).
    pub password: Option<Id>,
    /// A CA certificate (File ID) to trust for the existence check.
    pub registry_ca: Option<Id>,
    pub extra_tags: Vec<String>,
    pub dry_run: bool,
    pub overwrite: bool,
}

impl PushTarget {
    pub fn from_args(call: &Invocation, name: &ContainerName) -> eyre::Result<Self> {
        let args = &call.args;
        Ok(PushTarget {
            repository: Repository {
                registry: Registry::parse(&args.string("registry")?)?,
                namespace: Namespace::parse(&args.string("namespace")?)?,
                name: name.clone(),
            },
            username: args.string("registryUsername")?,
            password: args.opt_object_id("registryPassword").map(Id),
            registry_ca: args.opt_object_id("registryCa").map(Id),
            extra_tags: args.strings("tags"),
            dry_run: args.bool("dryRun"),
            overwrite: args.bool("overwrite"),
        })
    }

    /// Pushes `image` under `tags` (the immutable tag first), or reports
    /// why nothing was pushed.
    pub async fn push(&self, query: &Query, tags: &[Tag], image: Image) -> eyre::Result<String> {
        let repo = &self.repository;
        if self.dry_run {
            return Ok(publish::dry_run(repo, tags));
        }
        let immutable = &tags[0];
        let existing = self
            .registry_client(query)
            .await?
            .manifest_digest(&repo.path(), immutable.as_str())
            .await
            .wrap_err_with(|| {
                format!(
                    "could not ask {} whether {} exists",
                    repo.registry.as_str(),
                    repo.tagged(immutable)
                )
            })?;
        let mut lines = Vec::new();
        match publish::decide(existing, self.overwrite) {
            Decision::AlreadyPublished { digest } => {
                return Ok(publish::already_published(repo, immutable, &digest));
            }
            Decision::Overwrite { previous } => lines.push(format!(
                "overwriting {} (was {previous})",
                repo.tagged(immutable)
            )),
            Decision::Push => {}
        }
        let (base, variants) = self.prepare(query, image).await?;
        let mut pushed: Vec<String> = Vec::new();
        for tag in tags {
            let address = repo.tagged(tag);
            let mut opts = ContainerPublishOptsBuilder::default();
            if !variants.is_empty() {
                opts.platform_variants(variants.clone());
            }
            let opts = opts.build().expect("every field has a default");
            match base.publish_opts(address.clone(), opts).await {
                Ok(reference) => pushed.push(reference),
                Err(e) => eyre::bail!(publish::partial_failure(
                    &pushed,
                    &address,
                    &format!(
                        "{e}\nCheck that {} can push to {} (--registry-username, \
                         --registry-password), and that the registry is reachable from the \
                         Dagger engine.",
                        self.username,
                        repo.registry.as_str()
                    )
                )),
            }
        }
        lines.splice(0..0, pushed);
        Ok(lines.join("\n"))
    }

    /// The container `publish` is called on, with the registry credentials
    /// (as the Secret's ID), and the platform variants' IDs.
    async fn prepare(&self, query: &Query, image: Image) -> eyre::Result<(Container, Vec<Id>)> {
        let (base, variants) = match image {
            Image::Single(container) => (container, Vec::new()),
            Image::Platforms(containers) => {
                let mut ids = Vec::with_capacity(containers.len());
                for c in &containers {
                    ids.push(c.id().await?);
                }
                (query.container(), ids)
            }
        };
        let base = match &self.password {
            Some(secret) => base.with_registry_auth(
                self.repository.registry.as_str(),
                self.username.as_str(),
                secret.clone(),
            ),
            None => base,
        };
        Ok((base, variants))
    }

    /// A client for the existence check, with the password's plaintext
    /// read from the engine when one was given.
    async fn registry_client(&self, query: &Query) -> eyre::Result<RegistryClient> {
        let credentials = match &self.password {
            Some(id) => {
                let secret = query.r#ref::<dagger_sdk::Secret>(id.clone());
                let password = secret
                    .plaintext()
                    .await
                    .wrap_err("could not read --registry-password")?;
                Some(Credentials::new(self.username.clone(), password))
            }
            None => None,
        };
        let client = RegistryClient::new(self.repository.registry.as_str(), credentials)?;
        match &self.registry_ca {
            Some(id) => {
                let pem = query
                    .r#ref::<File>(id.clone())
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
