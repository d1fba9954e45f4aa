//! The gomedic command line: parse arguments, resolve settings, dispatch to a command.
//! Business logic lives in the other crates.

mod cli;
mod commands;

use clap::Parser;

/// Entry point; returns the documented exit code (docs/exit-codes.md).
pub fn main() -> std::process::ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) if e.use_stderr() => {
            // Usage errors quote the arguments, which may hold a credential.
            eprint!("{}", gomedic_core::redact::text(&e.render().to_string()));
            return std::process::ExitCode::from(2);
        }
        Err(e) => {
            let _ = e.print();
            // clap: help/version exit 0, usage errors exit 2.
            return std::process::ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let code = match args.command {
        cli::Command::Check(c) => commands::check::run(c),
        cli::Command::Checks(c) => commands::checks::run(c),
        cli::Command::Env(c) => commands::env::run(c),
        cli::Command::Fix(c) => commands::fix::run(c),
        cli::Command::Undo(c) => commands::undo::run(c),
        cli::Command::Net(c) => commands::net::run(c),
        cli::Command::Verify(c) => commands::verify::run(c),
        cli::Command::Wdac(c) => commands::wdac::run(c),
    };
    match code {
        Ok(c) => std::process::ExitCode::from(c),
        Err(e) if e.downcast_ref::<commands::UsageError>().is_some() => {
            eprintln!("gomedic: error: {}", gomedic_core::redact::text(&e.to_string()));
            std::process::ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("gomedic: error: {}", gomedic_core::redact::text(&format!("{e:#}")));
            if let Some(h) = e
                .chain()
                .find_map(|c| c.downcast_ref::<gomedic_core::Hinted>())
                .and_then(|h| h.hint.as_ref())
            {
                eprintln!("hint: {}", gomedic_core::redact::text(h));
            }
            std::process::ExitCode::from(3)
        }
    }
}
