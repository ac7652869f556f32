//! `flake-lock` and `flake-update`: `nix flake lock` or `nix flake update`
//! in a flake's folder of the repository, in the Nix image (the same
//! container as the other Nix functions, [`super::nix::environment::in_image`]), and
//! the `flake.lock` it leaves. The script and the meaning of its outcome
//! live in [`crate::core::nix::flake`].
//!
//! Both read outside state (the inputs' newest versions, over the
//! network), so they are registered `Never` and their exec is made
//! [`exec::fresh`]: every call asks Nix again.

use eyre::bail;

use crate::arguments::{FLAKE_PATH, NIX_IMAGE, SRC};
use crate::core::nix::build;
use crate::core::nix::flake::{self, FlakeCommand, FlakePath};
use crate::module::args::Invocation;
use crate::module::output::Output;

use super::exec;
use super::nix::environment as nix;

pub async fn flake_lock(call: Invocation) -> eyre::Result<Output> {
    run(call, FlakeCommand::Lock).await
}

pub async fn flake_update(call: Invocation) -> eyre::Result<Output> {
    run(call, FlakeCommand::Update).await
}

async fn run(call: Invocation, command: FlakeCommand) -> eyre::Result<Output> {
    let flake = FlakePath::parse(&call.args.string(&FLAKE_PATH)?)?;
    let image = build::parse_nix_image(&call.args.string(&NIX_IMAGE)?)?;
    let src = call.args.directory(&call.query, &SRC)?;
    if !src.exists(flake.file("flake.nix")).await? {
        bail!(flake.missing_error());
    }
    let container = exec::fresh(
        nix::in_image(&call, &image, &src)
            .await?
            .with_workdir(flake.workdir()),
    );
    let name = format!("`nix flake {}` in {}", command.subcommand(), flake.as_str());
    let (ran, outcome) =
        exec::run_keeping(&call.query, &container, flake::lock_argv(command), &name).await?;
    if outcome.exit_code != 0 {
        bail!(flake::script_error(
            command,
            &flake,
            outcome.exit_code,
            &outcome.stderr
        ));
    }
    if let Some(message) = flake::unwritten_error(command, &flake, &outcome.stderr) {
        bail!(message);
    }
    let lock = flake.file("flake.lock");
    match flake::changes(&outcome.stderr) {
        None => call.log.say(format!("{lock}: unchanged")),
        Some(lines) => {
            call.log.say(format!("{lock}: written"));
            for line in lines {
                call.log.say(format!("  {line}"));
            }
        }
    }
    Ok(Output::File(ran.file(flake.lock_in_image())))
}
