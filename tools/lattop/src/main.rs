// SPDX-License-Identifier: GPL-2.0

//! `lattop`: the command line; each subcommand lives in its own module.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use lattop::error::CliError;
use lattop::info::{self, InfoArgs};
use lattop::watch::{self, WatchArgs};

/// Shows what the lattop kernel module knows of processes and threads, and
/// watches its threshold notifiers.
#[derive(Debug, Parser)]
#[command(name = "lattop", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(about = info::about())]
    Info(InfoArgs),
    /// Arm a threshold on a notifier file and print its events as they come
    Watch(WatchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Info(args) => info::run(args),
        Command::Watch(args) => watch::run(args).map_err(CliError::from),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("lattop: {error}");
            ExitCode::FAILURE
        }
    }
}
