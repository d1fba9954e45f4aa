//! The gomedic command line: parse arguments, resolve settings, dispatch to a command.
//! Business logic lives in the other crates.

// The standard print macros panic when the stream cannot be written: every write goes
// through `output` (`outln!`, `errln!`), which turns that into exit code 3 or a quiet
// end for a closed pipe. (Also enforced by a test in `output`.)
#![deny(clippy::print_stdout, clippy::print_stderr)]

#[macro_use]
mod output;
mod cli;
mod commands;
mod duration;

use clap::Parser;
use std::io::Write;

/// Entry point; returns the documented exit code (docs/exit-codes.md): 0 to 3, never
/// a panic's 101.
pub fn main() -> std::process::ExitCode {
    // A panic message can quote a value (a credential): print it redacted.
    std::panic::set_hook(Box::new(|info| {
        errln!("{}", gomedic_core::redact::text(&info.to_string()));
    }));
    let code = match std::panic::catch_unwind(run) {
        Ok(code) => code,
        Err(_) => {
            // The panic message is already on stderr.
            errln!("gomedic: error: internal error (a bug in gomedic; please report it with the message above)");
            3
        }
    };
    std::process::ExitCode::from(code)
}

fn run() -> u8 {
    let args = match tools_args()
        .or_else(check_args)
        .map_or_else(cli::Cli::try_parse, Ok)
    {
        Ok(a) => a,
        // clap: usage errors exit 2; they quote the arguments, which may hold a credential...
        Err(e) if e.use_stderr() => {
            errln!(
                "{}",
                gomedic_core::redact::text(e.render().to_string().trim_end())
            );
            return 2;
        }
        // ...help and version exit 0, when they could be written.
        Err(e) => {
            let text = if output::color() {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            let _ = write!(output::stdout(), "{text}");
            return finish(0);
        }
    };
    let result = match args.command {
        cli::Command::Check(c) => commands::check::run(c),
        cli::Command::Checks(c) => commands::checks::run(c),
        cli::Command::Explain(c) => commands::explain::run(c),
        cli::Command::Env(c) => commands::env::run(c),
        cli::Command::Fix(c) => commands::fix::run(c),
        cli::Command::Undo(c) => commands::undo::run(c),
        cli::Command::Net(c) => commands::net::run(c),
        cli::Command::Verify(c) => commands::verify::run(c),
        cli::Command::Wdac(c) => commands::wdac::run(c),
        cli::Command::Proxy(c) => commands::proxy::run(c),
        cli::Command::Toolchain(c) => commands::toolchain::run(c),
        cli::Command::Tools(c) => commands::tools::run(c),
    };
    let code = match result {
        Ok(c) => c,
        Err(e) if e.downcast_ref::<commands::UsageError>().is_some() => {
            errln!(
                "gomedic: error: {}",
                gomedic_core::redact::text(&e.to_string())
            );
            2
        }
        // Says what the failed write was for; `finish` then adds nothing.
        Err(e) if e.chain().any(output::is_stdout_error) => {
            errln!(
                "gomedic: error: {}",
                gomedic_core::redact::text(&format!("{e:#}"))
            );
            let _ = output::finish();
            return 3;
        }
        // The same, from a writer that kept only the kind of the error.
        Err(e) if output::failure().is_some() => {
            let msg = output::failure().unwrap_or_default();
            match e.chain().nth(1) {
                Some(_) => errln!(
                    "gomedic: error: {}: {msg}",
                    gomedic_core::redact::text(&e.to_string())
                ),
                None => errln!("gomedic: error: {msg}"),
            }
            let _ = output::finish();
            return 3;
        }
        Err(e) => {
            errln!(
                "gomedic: error: {}",
                gomedic_core::redact::text(&format!("{e:#}"))
            );
            if let Some(h) = e
                .chain()
                .find_map(|c| c.downcast_ref::<gomedic_core::Hinted>())
                .and_then(|h| h.hint.as_ref())
            {
                errln!("hint: {}", gomedic_core::redact::text(h));
            }
            3
        }
    };
    finish(code)
}

/// `gomedic tools ...` parsed against the `tools` subtree alone: clap builds the whole
/// command tree for a parse, most of the start-up of `tools inspect` (issue #16). The
/// subtree is the same, so a successful parse is the same; anything else (help, errors)
/// goes through the full tree for its usual text.
fn tools_args() -> Option<cli::Cli> {
    use clap::{Args, FromArgMatches};
    if std::env::args_os().nth(1)? != "tools" {
        return None;
    }
    if let Some(cli) = inspect_paths(std::env::args_os().skip(2)) {
        return Some(cli);
    }
    let tools = commands::tools::ToolsArgs::augment_args(clap::Command::new("tools"));
    let m = clap::Command::new("gomedic")
        .subcommand(tools)
        .try_get_matches()
        .ok()?;
    let args = commands::tools::ToolsArgs::from_arg_matches(m.subcommand_matches("tools")?);
    Some(cli::Cli {
        command: cli::Command::Tools(args.ok()?),
    })
}

/// `gomedic check ...` parsed against the `check` subtree alone, as [`tools_args`]: the
/// whole tree is most of check's own start (issue #7's benchmark). The variant adds only
/// help text, so a successful parse is the same (tested); help and errors take the full tree.
fn check_args() -> Option<cli::Cli> {
    check_args_from(std::env::args_os().collect())
}

fn check_args_from(argv: Vec<std::ffi::OsString>) -> Option<cli::Cli> {
    use clap::{Args, FromArgMatches};
    if argv.get(1)? != "check" {
        return None;
    }
    let check = cli::CheckArgs::augment_args(clap::Command::new("check"));
    let m = clap::Command::new("gomedic")
        .subcommand(check)
        .try_get_matches_from(argv)
        .ok()?;
    let args = cli::CheckArgs::from_arg_matches(m.subcommand_matches("check")?).ok()?;
    Some(cli::Cli {
        command: cli::Command::Check(args),
    })
}

/// `inspect PATH...` with nothing for clap to decide (no option, no `-`, no empty value):
/// the paths as they are, without building any parser (a fifth of the start of
/// `tools inspect`). Anything else: None, and clap parses it.
fn inspect_paths(args: impl Iterator<Item = std::ffi::OsString>) -> Option<cli::Cli> {
    use commands::tools::{InspectArgs, ToolsAction, ToolsArgs};
    let mut args = args.peekable();
    if args.next()? != "inspect" {
        return None;
    }
    args.peek()?;
    let paths = args
        .map(|a| (!a.is_empty() && !a.as_encoded_bytes().starts_with(b"-")).then(|| a.into()))
        .collect::<Option<Vec<std::path::PathBuf>>>()?;
    Some(cli::Cli {
        command: cli::Command::Tools(ToolsArgs {
            action: Some(ToolsAction::Inspect(InspectArgs {
                paths,
                format: cli::Format::Human,
            })),
            format: cli::Format::Human,
            deep: false,
        }),
    })
}

/// The exit code once stdout is flushed: 3 when stdout could not be written (a closed
/// pipe is not a failure).
fn finish(code: u8) -> u8 {
    match output::finish() {
        Some(msg) => {
            errln!("gomedic: error: {msg}");
            3
        }
        None => code,
    }
}

#[cfg(test)]
mod tools_args_tests {
    use super::*;
    use std::ffi::OsString;

    /// Every list of at most `n` of `words` (repeats allowed), shortest first.
    fn lists<'a>(words: &[&'a str], n: usize) -> Vec<Vec<&'a str>> {
        let mut all = vec![vec![]];
        let mut last: Vec<Vec<&str>> = vec![vec![]];
        for _ in 0..n {
            last = last
                .iter()
                .flat_map(|l| words.iter().map(move |w| [&l[..], &[*w]].concat()))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    /// Every argument list the fast path takes parses to the same thing with clap, and
    /// those it leaves are the ones with something for clap to decide.
    #[test]
    fn inspect_fast_path_equals_clap() {
        let words = [
            "inspect", "a", "dir/b", "-", "--format", "json", "--", "", "-x", "help", "--help",
            "tools", "x y", "--deep", "é", "-h",
        ];
        let lists: Vec<Vec<&str>> = lists(&words, 3)
            .into_iter()
            .map(|l| [&["inspect"][..], &l].concat())
            .collect();
        let mut fast = 0;
        for l in &lists {
            let argv: Vec<OsString> = l.iter().map(OsString::from).collect();
            let Some(got) = inspect_paths(argv.clone().into_iter()) else {
                continue;
            };
            fast += 1;
            let full = ["gomedic", "tools"].iter().map(OsString::from).chain(argv);
            let want = cli::Cli::try_parse_from(full).unwrap_or_else(|e| panic!("{l:?}: {e}"));
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "{l:?}");
        }
        assert!(fast > 100, "{fast}");
        for l in [
            &["inspect"][..],
            &["inspect", "--", "a"],
            &["inspect", "a", ""],
            &["inspect", "-"],
        ] {
            let argv = l.iter().map(OsString::from);
            assert!(inspect_paths(argv).is_none(), "{l:?}");
        }
    }

    /// Every `check` argument list the subtree parses, the full tree parses the same.
    #[test]
    fn check_subtree_equals_clap() {
        let words = [
            "--offline",
            "--deep",
            "--format",
            "json",
            "junit",
            "--only",
            "go.*",
            "--skip",
            "net",
            "--strict",
            "-v",
            "--go",
            "/x/go",
            "--",
            "extra",
            "--timeout",
            "3s",
            "",
            "--resolve",
            "a:1.2.3.4",
        ];
        let lists = lists(&words, 3);
        let mut taken = 0;
        for l in &lists {
            let argv: Vec<OsString> = ["gomedic", "check"]
                .iter()
                .chain(l.iter())
                .map(OsString::from)
                .collect();
            let full = cli::Cli::try_parse_from(argv.clone());
            match check_args_from(argv) {
                Some(got) => {
                    taken += 1;
                    let want = full.unwrap_or_else(|e| panic!("{l:?}: {e}"));
                    assert_eq!(format!("{got:?}"), format!("{want:?}"), "{l:?}");
                }
                // Refused by the subtree: the full tree refuses too (or shows help).
                None => assert!(full.is_err(), "{l:?}"),
            }
        }
        assert!(taken > 300, "{taken}");
    }
}
