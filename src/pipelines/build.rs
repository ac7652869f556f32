//! `build`: the Dockerfile build of one container, with its options and
//! OCI labels. `publish` builds through [`DockerBuild`] too.

use dagger_sdk::{BuildArg, Container, Directory, DirectoryDockerBuildOptsBuilder, Platform};

use crate::core::build_options::{self, BuildArg as Arg};
use crate::core::discovery;
use crate::core::dockerfile;
use crate::core::names::ContainerName;
use crate::core::tags::CommitSha;
use crate::core::text::excerpt;
use crate::core::variant::Variant;
use crate::module::args::{Args, Invocation};
use crate::module::graphql;
use crate::module::output::Output;

use super::repo;

pub async fn build(call: Invocation) -> eyre::Result<Output> {
    let request = BuildRequest::from_args(&call.args)?;
    let platform = match call.args.opt_string("platform")? {
        Some(p) => {
            Some(build_options::parse_platform(&p).map_err(|e| eyre::eyre!("--platform: {e}"))?)
        }
        None => None,
    };
    let build = request.resolve(&call, None).await?;
    Ok(Output::Container(build.container(platform.as_deref())))
}

/// What the user asked to build, checked before any engine work. The
/// arguments are shared by `build` and `publish`.
pub struct BuildRequest {
    pub name: ContainerName,
    pub build_args: Vec<Arg>,
    pub target: Option<String>,
    /// Relative to the container's folder.
    pub dockerfile: String,
    pub source_url: Option<String>,
    pub commit: Option<CommitSha>,
}

impl BuildRequest {
    pub fn from_args(args: &Args) -> eyre::Result<Self> {
        let name = ContainerName::parse(&args.string("containerName")?)?;
        let opt =
            |arg: &str, parse: fn(&str) -> eyre::Result<String>| -> eyre::Result<Option<String>> {
                args.opt_string(arg)?.map(|raw| parse(&raw)).transpose()
            };
        Ok(BuildRequest {
            name,
            build_args: build_options::parse_build_args(&args.strings("buildArgs"))?,
            target: opt("target", build_options::parse_target)?,
            dockerfile: opt("dockerfile", build_options::parse_dockerfile_path)?
                .unwrap_or_else(|| Variant::Dockerfile.build_file().to_owned()),
            source_url: opt("sourceUrl", build_options::parse_source_url)?,
            commit: args
                .opt_string("commitSha")?
                .map(|raw| CommitSha::parse(&raw))
                .transpose()?,
        })
    }

    /// Reads the repository (one `glob`, one read of the Dockerfile) and
    /// fixes the version: `tag_version` when publish was given one, else a
    /// `CONTAINER_APP_VERSION` build argument, else the Dockerfile's.
    pub async fn resolve(
        self,
        call: &Invocation,
        tag_version: Option<&str>,
    ) -> eyre::Result<DockerBuild> {
        let src = call.args.directory(&call.query, "src")?;
        repo::require(&src, &self.name, Variant::Dockerfile).await?;
        let folder = discovery::folder_path(&self.name);
        let path = format!("{folder}/{}", self.dockerfile);
        // The default Dockerfile is known to exist; another one is checked
        // here, so that a typo is not an engine error about a missing file.
        if self.dockerfile != Variant::Dockerfile.build_file() && !src.exists(path.as_str()).await?
        {
            eyre::bail!(
                "{path} does not exist: --dockerfile `{}` names a file relative to {folder}/.",
                excerpt(&self.dockerfile)
            );
        }
        let version = match tag_version.or(build_options::version_override(&self.build_args)) {
            Some(v) => v.to_owned(),
            None => {
                let text = graphql::read_files(
                    &call.query.graphql_client,
                    &call.args.object_id("src")?,
                    std::slice::from_ref(&path),
                )
                .await?
                .remove(0);
                dockerfile::app_version(&text, &path)?
            }
        };
        Ok(DockerBuild {
            labels: build_options::oci_labels(
                &self.name,
                &version,
                self.commit.as_ref(),
                self.source_url.as_deref(),
            ),
            version,
            version_from: path,
            src,
            request: self,
        })
    }
}

/// A build ready to run: the request, its version and labels.
pub struct DockerBuild {
    pub request: BuildRequest,
    pub version: String,
    /// Where the version came from, for messages.
    pub version_from: String,
    pub labels: Vec<(&'static str, String)>,
    src: Directory,
}

impl DockerBuild {
    /// `docker build` of `containers/<name>/` (the context), for one
    /// platform or the engine's own, with the labels on the result.
    pub fn container(&self, platform: Option<&str>) -> Container {
        let r = &self.request;
        let mut opts = DirectoryDockerBuildOptsBuilder::default();
        opts.dockerfile(r.dockerfile.as_str());
        if !r.build_args.is_empty() {
            opts.build_args(
                r.build_args
                    .iter()
                    .map(|a| BuildArg {
                        name: a.name.clone(),
                        value: a.value.clone(),
                    })
                    .collect::<Vec<_>>(),
            );
        }
        if let Some(target) = &r.target {
            opts.target(target.as_str());
        }
        if let Some(platform) = platform {
            opts.platform(Platform(platform.to_owned()));
        }
        let opts = opts.build().expect("every field has a default");
        let mut container = self
            .src
            .directory(discovery::folder_path(&r.name))
            .docker_build_opts(opts);
        for (label, value) in &self.labels {
            container = container.with_label(*label, value);
        }
        container
    }
}
