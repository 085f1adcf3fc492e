// SPDX-License-Identifier: GPL-2.0

//! `lattop`: the command line; each subcommand lives in its own module.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use lattop::error::CliError;
use lattop::info::{self, InfoArgs};
use lattop::report::{self, ReportArgs};
use lattop::top::{self, TopArgs};
use lattop::watch::{self, WatchArgs};

/// Shows what the lattop kernel module knows of processes and threads,
/// watches its threshold notifiers, and reports where threads sleep.
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
    /// Where threads slept: every call trace, user frames named (also as
    /// folded stacks for flame graphs)
    Report(ReportArgs),
    /// A live full-screen view of who sleeps most, refreshed every second
    Top(TopArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Info(args) => info::run(args),
        Command::Watch(args) => watch::run(args).map_err(CliError::from),
        Command::Report(args) => report::run(args),
        Command::Top(args) => top::run(args),
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
