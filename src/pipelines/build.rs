//! `build`: the Dockerfile build of one container, with its options and
//! OCI labels. `publish` builds through [`DockerBuild`] too.

use dagger_sdk::{BuildArg, Container, Directory, DirectoryDockerBuildOptsBuilder, Platform};

use crate::arguments::{
    BUILD_ARGS, COMMIT_SHA, CONTAINER_NAME, DOCKERFILE, PLATFORM, SOURCE_URL, SRC, TARGET,
};
use crate::core::container::build_options::{self, BuildArg as Arg};
use crate::core::container::discovery;
use crate::core::container::kind::BuildKind;
use crate::core::container::names::ContainerName;
use crate::core::image::tags::CommitSha;
use crate::core::text::{excerpt, first_line};
use crate::core::version::build_version::{self, BuildVersion};
use crate::core::version::dockerfile::{self, VERSION_ARG};
use crate::module::arg_spec::ArgSpec;
use crate::module::args::{Args, Invocation};
use crate::module::graphql;
use crate::module::output::Output;

use super::repo;

pub async fn build(call: Invocation) -> eyre::Result<Output> {
    let request = BuildRequest::from_args(&call.args)?;
    let platform = match call.args.opt_string(&PLATFORM)? {
        Some(p) => {
            Some(build_options::parse_platform(&p).map_err(|e| eyre::eyre!("--platform: {e}"))?)
        }
        None => None,
    };
    let build = request.resolve(&call, None, Need::Optional).await?;
    Ok(Output::Container(build.container(platform.as_deref())))
}

/// What the user asked to build, checked before any engine work. The
/// arguments are shared by `build` and `publish`.
pub struct BuildRequest {
    pub name: ContainerName,
    pub build_args: Vec<Arg>,
    /// `--target`: the Dockerfile build stage to stop at.
    pub stage: Option<String>,
    /// Relative to the container's folder.
    pub dockerfile: String,
    pub source_url: Option<String>,
    pub commit: Option<CommitSha>,
}

impl BuildRequest {
    pub fn from_args(args: &Args) -> eyre::Result<Self> {
        let name = ContainerName::parse(&args.string(&CONTAINER_NAME)?)?;
        let opt = |arg: &ArgSpec,
                   parse: fn(&str) -> eyre::Result<String>|
         -> eyre::Result<Option<String>> {
            args.opt_string(arg)?.map(|raw| parse(&raw)).transpose()
        };
        Ok(BuildRequest {
            name,
            build_args: build_options::parse_build_args(&args.strings(&BUILD_ARGS))?,
            stage: opt(&TARGET, build_options::parse_stage)?,
            dockerfile: opt(&DOCKERFILE, build_options::parse_dockerfile_path)?
                .unwrap_or_else(|| BuildKind::Dockerfile.build_file().to_owned()),
            source_url: opt(&SOURCE_URL, build_options::parse_source_url)?,
            commit: args
                .opt_string(&COMMIT_SHA)?
                .map(|raw| CommitSha::parse(&raw))
                .transpose()?,
        })
    }

    /// Reads the repository (one `glob`, one read of the Dockerfile) and
    /// fixes the version ([`build_version::resolve`]): `given` is
    /// publish's `--version`. A Dockerfile whose version line cannot be
    /// read is an error when `need` says the version is needed (publish),
    /// and only a line in the log otherwise (build builds any Dockerfile;
    /// BuildKit has the last word on it).
    pub async fn resolve(
        self,
        call: &Invocation,
        given: Option<&str>,
        need: Need,
    ) -> eyre::Result<DockerBuild> {
        let src = call.args.directory(&call.query, &SRC)?;
        repo::require(&src, &self.name, BuildKind::Dockerfile).await?;
        let folder = discovery::folder_path(&self.name);
        let path = format!("{folder}/{}", self.dockerfile);
        // The default Dockerfile is known to exist; another one is checked
        // here, so that a typo is not an engine error about a missing file.
        if self.dockerfile != BuildKind::Dockerfile.build_file()
            && !src.exists(path.as_str()).await?
        {
            eyre::bail!(
                "{path} does not exist: --dockerfile `{}` names a file relative to {folder}/.",
                excerpt(&self.dockerfile)
            );
        }
        let build_arg = build_options::version_override(&self.build_args);
        // A build argument alone names the version: the file need not be read.
        // Whether the log already says why the image has no version label.
        let mut said_why = false;
        let declared = if given.is_none() && build_arg.is_some() {
            None
        } else {
            let text = graphql::read_files(
                &call.query.graphql_client,
                &call.args.object_id(&SRC)?,
                std::slice::from_ref(&path),
            )
            .await?
            .remove(0);
            match dockerfile::declared_app_version(&text, &path) {
                Ok(declared) => declared,
                Err(e) if need == Need::Optional => {
                    call.log.say(format!(
                        "the image gets no version label: {}",
                        first_line(&e.to_string())
                    ));
                    said_why = true;
                    None
                }
                Err(e) => return Err(e),
            }
        };
        let version = build_version::resolve(given, build_arg, declared.as_deref(), &path)?;
        match &version {
            Some(BuildVersion {
                note: Some(note), ..
            }) => call.log.say(note.clone()),
            None if need == Need::Version => return Err(build_version::missing(&path)),
            None if !said_why => call.log.say(build_version::unlabelled(&path)),
            _ => {}
        }
        Ok(DockerBuild {
            labels: build_options::oci_labels(
                &self.name,
                version.as_ref().map(|v| v.version.as_str()),
                self.commit.as_ref(),
                self.source_url.as_deref(),
            ),
            version,
            dockerfile_path: path,
            src,
            request: self,
        })
    }
}

/// Whether the caller needs the image's version (for a tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// `build`: a version labels the image when there is one.
    Optional,
    /// `publish`: no version, no tag.
    Version,
}

/// A build ready to run: the request, its version and labels.
pub struct DockerBuild {
    pub request: BuildRequest,
    /// The version it is built as, when one is known.
    pub version: Option<BuildVersion>,
    /// `containers/<name>/<dockerfile>`, for messages.
    pub dockerfile_path: String,
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
        let mut build_args: Vec<BuildArg> = r
            .build_args
            .iter()
            .map(|a| BuildArg {
                name: a.name.clone(),
                value: a.value.clone(),
            })
            .collect();
        if let Some(value) = self.version.as_ref().and_then(|v| v.build_arg.clone()) {
            build_args.push(BuildArg {
                name: VERSION_ARG.to_owned(),
                value,
            });
        }
        if !build_args.is_empty() {
            opts.build_args(build_args);
        }
        if let Some(stage) = &r.stage {
            opts.target(stage.as_str());
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
