//! `publish` (and, through [`PushDestination`], `publish-nix`): push an image
//! under its immutable commit tag, then its moving tags, unless the
//! registry already has the commit tag.
//!
//! Credentials: see [`super::registry_access`].

use std::future::Future;

use dagger_sdk::{Container, ContainerPublishOptsBuilder, Id, Query};
use eyre::WrapErr;

use crate::arguments::{DRY_RUN, NAMESPACE, OVERWRITE, PLATFORMS, TAGS, VERSION};
use crate::core::container::build_options;
use crate::core::container::kind::BuildKind;
use crate::core::container::names::ContainerName;
use crate::core::image::image_ref::{Namespace, Repository};
use crate::core::image::publish::{self, Decision};
use crate::core::image::tag::Tag;
use crate::core::image::tags;
use crate::core::version::build_version;
use crate::module::args::Invocation;
use crate::module::graphql;
use crate::module::log::Log;
use crate::module::output::Output;
use crate::signing::{ProvenanceInput, SigningKey};

use super::build::{BuildRequest, Need};
use super::registry_access::RegistryAccess;
use super::signing::{self, Attestation, SigningSecrets};

pub async fn publish(call: Invocation) -> eyre::Result<Output> {
    let request = BuildRequest::from_args(&call.args)?;
    let target = PushDestination::from_args(&call, &request.name)?;
    let platforms = build_options::parse_platforms(&call.args.strings(&PLATFORMS))?;
    let commit = request
        .commit
        .clone()
        .ok_or_else(|| eyre::eyre!("publish needs --commit-sha"))?;
    let target = target.with_signing(&call).await?;
    // What the provenance records of this build.
    let provenance = ProvenanceInput {
        module_version: env!("CARGO_PKG_VERSION").to_owned(),
        module_commit: None,
        source_repository: request.source_url.clone().unwrap_or_default(),
        source_commit: commit.as_str().to_owned(),
        container: request.name.as_str().to_owned(),
        build_kind: BuildKind::Dockerfile,
        build_args: request
            .build_args
            .iter()
            .map(|a| (a.name.clone(), a.value.clone()))
            .collect(),
        base_images: Vec::new(),
        nixpkgs: None,
    };
    let given_version = call.args.opt_string(&VERSION)?;
    let build = request
        .resolve(&call, given_version.as_deref(), Need::Version)
        .await?;
    let version = build
        .version
        .as_ref()
        .ok_or_else(|| build_version::missing(&build.dockerfile_path))?;
    let tags = tags::publish_tags(
        &version.version,
        &version.from,
        &commit,
        BuildKind::Dockerfile,
        &target.extra_tags,
    )?;
    let image = if platforms.is_empty() {
        Image::Single(build.container(None))
    } else {
        Image::Platforms(platforms.iter().map(|p| build.container(Some(p))).collect())
    };
    let pushed = target
        .push_with(&call.query, &tags, || async { Ok((image, ())) })
        .await?;
    if target.will_sign() {
        // The engine resolves the Dockerfile's FROM lines: the module does
        // not learn the base images' digests, so none are recorded.
        call.log.say(
            "provenance: the base images are not recorded (the engine resolves the \
             Dockerfile's FROM lines; the module does not learn their digests)",
        );
        target
            .sign(
                &call.query,
                &pushed,
                &[Attestation::Provenance(Box::new(provenance))],
            )
            .await?;
    }
    Ok(Output::Text(pushed.text))
}

/// What a push did: the lines it returns, what the build made besides the
/// image (`None` when nothing was built), and the digest now under the
/// immutable tag (`None` on a dry run).
pub struct Pushed<T> {
    pub text: String,
    pub made: Option<T>,
    pub digest: Option<String>,
}

/// What to push: one image, or one per platform (a multi-platform image).
pub enum Image {
    Single(Container),
    Platforms(Vec<Container>),
}

/// Where and how to push, from the publish arguments shared by `publish`
/// and `publish-nix`.
pub struct PushDestination {
    pub repository: Repository,
    pub access: RegistryAccess,
    pub extra_tags: Vec<String>,
    pub dry_run: bool,
    pub overwrite: bool,
    /// `--signing-key`, parsed (see [`PushDestination::with_signing`]).
    pub signing_key: Option<SigningKey>,
    log: Log,
}

impl PushDestination {
    pub fn from_args(call: &Invocation, name: &ContainerName) -> eyre::Result<Self> {
        let args = &call.args;
        let access = RegistryAccess::from_args(args)?;
        Ok(PushDestination {
            repository: Repository {
                registry: access.registry.clone(),
                namespace: Namespace::parse(&args.string(&NAMESPACE)?)?,
                name: name.clone(),
            },
            access,
            extra_tags: args.strings(&TAGS),
            dry_run: args.bool(&DRY_RUN),
            overwrite: args.bool(&OVERWRITE),
            signing_key: None,
            log: call.log.clone(),
        })
    }

    /// Reads and parses `--signing-key` (for `publish` and `publish-nix`,
    /// whose tables declare it), before anything is built or pushed: a bad
    /// key fails the call with nothing published. A dry run says it would
    /// sign.
    pub async fn with_signing(mut self, call: &Invocation) -> eyre::Result<Self> {
        if let Some(secrets) = SigningSecrets::from_args(&call.args)? {
            let key = secrets.load(&call.query).await?;
            if self.dry_run {
                self.log.say(format!(
                    "dry run: the signing key is valid (key {}); a real run would sign the \
                     pushed image and attach its attestations",
                    key.public_key().key_id()
                ));
            }
            self.signing_key = Some(key);
        }
        Ok(self)
    }

    /// Whether a push signs what it pushed (a key, and not a dry run).
    pub fn will_sign(&self) -> bool {
        self.signing_key.is_some() && !self.dry_run
    }

    /// Signs the image `pushed` left under the immutable tag and attaches
    /// `attestations`, when a signing key was given (nothing otherwise).
    /// A failure says the image is published unsigned, and how to sign it.
    pub async fn sign<T>(
        &self,
        query: &Query,
        pushed: &Pushed<T>,
        attestations: &[Attestation],
    ) -> eyre::Result<()> {
        let (Some(key), Some(digest)) = (&self.signing_key, &pushed.digest) else {
            return Ok(());
        };
        let repo = &self.repository;
        let client = self.access.client(query).await?;
        signing::sign_and_attest(&client, &repo.path(), digest, key, attestations, &self.log)
            .await
            .wrap_err_with(|| {
                format!(
                    "{}@{digest} is published but signing it failed, so it is unsigned.\n\
                     Re-run the same call: it finds the image published and signs it.",
                    repo.path()
                )
            })
    }

    /// Pushes the image that `image` makes under `tags` (the immutable tag
    /// first), or reports why nothing was pushed. `image` runs only when
    /// there is something to push: not on a dry run, not when the
    /// registry already has the immutable tag.
    pub async fn push<F, Fut>(&self, query: &Query, tags: &[Tag], image: F) -> eyre::Result<String>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = eyre::Result<Image>>,
    {
        let pushed = self
            .push_with(query, tags, || async { Ok((image().await?, ())) })
            .await?;
        Ok(pushed.text)
    }

    /// [`PushDestination::push`], for a build that makes something besides the
    /// image (publish-nix's SBOM): returned beside the pushed lines, `None`
    /// when nothing was built (a dry run, or an image already published).
    pub async fn push_with<F, Fut, T>(
        &self,
        query: &Query,
        tags: &[Tag],
        image: F,
    ) -> eyre::Result<Pushed<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = eyre::Result<(Image, T)>>,
    {
        let repo = &self.repository;
        if self.dry_run {
            return Ok(Pushed {
                text: publish::dry_run(repo, tags),
                made: None,
                digest: None,
            });
        }
        let immutable = &tags[0];
        let existing = self
            .access
            .client(query)
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
                return Ok(Pushed {
                    text: publish::already_published(repo, immutable, &digest),
                    made: None,
                    digest: Some(digest),
                });
            }
            Decision::Overwrite { previous } => lines.push(format!(
                "overwriting {} (was {previous})",
                repo.tagged(immutable)
            )),
            Decision::Push => {}
        }
        let (image, made) = image().await?;
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
                        "{}\nCheck that {} can push to {} (--registry-username, \
                         --registry-password), and that the registry is reachable from the \
                         Dagger engine.",
                        graphql::engine_message(&e),
                        self.access.username,
                        repo.registry.as_str()
                    )
                )),
            }
        }
        // The engine returns `<address>@<digest>`, the commit tag's first.
        let digest = pushed
            .first()
            .and_then(|r| r.rsplit_once('@'))
            .map(|(_, digest)| digest.to_owned());
        lines.splice(0..0, pushed);
        Ok(Pushed {
            text: lines.join("\n"),
            made: Some(made),
            digest,
        })
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
        Ok((self.access.authenticate(base), variants))
    }
}
