//! `gomedic explain`: what a failed go command's output means (docs/explain.md).

use super::UsageError;
use crate::cli::Format;
use clap::Args;
use gomedic_checks::Policy;
use gomedic_core::redact;
use gomedic_doctor::RunOptions;
use gomedic_explain::report::{Checks, Outcome};
use gomedic_explain::{Catalogue, Matcher};
use std::ffi::OsString;
use std::io::{BufReader, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub const EXPLAIN_HELP: &str = "\
Examples:
  gomedic explain -- go build ./...
  go test ./... 2>&1 | gomedic explain --log -
  gomedic explain --log ci.log --format json

With `-- CMD`, the command's output passes through unchanged as it arrives and explain
exits with the command's own exit code; the explanation follows on stderr (with --format
json: the JSON on stdout, the command's stdout moved to stderr). With --log, the exit code
is 0 when no known error signature matched, 1 when one did. The checks related to what
matched run on this machine as evidence (--offline: no network probes; --no-checks: none).
The catalogue: docs/explain.md.";

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Read saved go output from FILE (`-` for standard input) instead of running a command
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Only match the output: do not run the related checks on this machine
    #[arg(long)]
    pub no_checks: bool,
    /// Run the related checks without network probes
    #[arg(long)]
    pub offline: bool,
    /// The command to run, after `--`
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

pub fn run(args: ExplainArgs) -> anyhow::Result<u8> {
    let cat = gomedic_explain::catalogue().map_err(|e| anyhow::anyhow!("{e}"))?;
    let outcome =
        match (&args.log, args.command.is_empty()) {
            (Some(_), false) => {
                return Err(
                    UsageError("give either --log FILE or -- CMD ARGS..., not both".into()).into(),
                )
            }
            (None, true) => return Err(UsageError(
                "nothing to explain: give --log FILE (`-` for standard input) or -- CMD ARGS..."
                    .into(),
            )
            .into()),
            (Some(log), true) => from_log(cat, log)?,
            (None, false) => from_command(cat, &args.command, args.format)?,
        };
    let mut outcome = outcome;
    outcome.checks = related_checks(&outcome.matches, &args);
    print(&outcome, args.format)?;
    Ok(match outcome.exit {
        Some(c) => c,
        None => u8::from(!outcome.matches.is_empty()),
    })
}

fn from_log(cat: &'static Catalogue, log: &std::path::Path) -> anyhow::Result<Outcome> {
    let mut m = Matcher::new(cat, redact::global());
    let shown = redact::text(&log.display().to_string());
    let res = if log.as_os_str() == "-" {
        gomedic_explain::scan(std::io::stdin().lock(), &mut m)
    } else {
        let f = std::fs::File::open(log)
            .map_err(|e| UsageError(format!("cannot read the log {shown}: {e}")))?;
        if f.metadata().is_ok_and(|md| md.is_dir()) {
            return Err(
                UsageError(format!("cannot read the log {shown}: it is a directory")).into(),
            );
        }
        gomedic_explain::scan(f, &mut m)
    };
    res.map_err(|e| UsageError(format!("cannot read the log {shown}: {e}")))?;
    Ok(Outcome {
        source: "log",
        input: shown,
        lines: m.lines(),
        exit: None,
        matches: m.finish(),
        checks: Checks::NotRun(String::new()),
    })
}

/// Copies what the child writes to `sink` as it is read.
struct Tee<R, F: FnMut(&[u8])> {
    inner: R,
    sink: F,
}

impl<R: Read, F: FnMut(&[u8])> Read for Tee<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.sink)(&buf[..n]);
        Ok(n)
    }
}

fn from_command(
    cat: &'static Catalogue,
    cmd: &[OsString],
    format: Format,
) -> anyhow::Result<Outcome> {
    let shown = redact::text(
        &cmd.iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
    );
    let mut child = std::process::Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| UsageError(format!("cannot run {shown}: {e}")))?;
    let matcher = Arc::new(Mutex::new(Matcher::new(cat, redact::global())));
    let json = format == Format::Json;
    let out = child.stdout.take();
    let err = child.stderr.take();
    let pump = |stream: Option<Box<dyn Read + Send>>, to_stdout: bool| {
        let matcher = matcher.clone();
        std::thread::spawn(move || {
            let Some(s) = stream else { return };
            let tee = Tee {
                inner: s,
                sink: |b: &[u8]| {
                    if to_stdout {
                        // A closed or full stdout must not stop the command.
                        let _ = crate::output::stdout().write_all(b);
                        let _ = crate::output::stdout().flush();
                    } else {
                        crate::output::err_bytes(b);
                    }
                },
            };
            let _ = gomedic_explain::for_each_line(BufReader::new(tee), |l| {
                matcher.lock().unwrap_or_else(|p| p.into_inner()).feed(l)
            });
        })
    };
    let t1 = pump(out.map(|s| Box::new(s) as Box<dyn Read + Send>), !json);
    let t2 = pump(err.map(|s| Box::new(s) as Box<dyn Read + Send>), false);
    let status = child.wait()?;
    let _ = t1.join();
    let _ = t2.join();
    let m = Arc::try_unwrap(matcher)
        .map_err(|_| anyhow::anyhow!("output reader still running"))?
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    Ok(Outcome {
        source: "command",
        input: shown,
        lines: m.lines(),
        exit: Some(exit_code(&status)),
        matches: m.finish(),
        checks: Checks::NotRun(String::new()),
    })
}

/// Runs the checks the matched entries name (and only those) on this machine, with short
/// network timeouts so that explain answers in about a second.
fn related_checks(matches: &[gomedic_explain::Match], args: &ExplainArgs) -> Checks {
    if args.no_checks {
        return Checks::NotRun("--no-checks".into());
    }
    let mut ids: Vec<String> = Vec::new();
    for m in matches {
        for c in &m.signature.checks {
            if !ids.contains(c) {
                ids.push(c.clone());
            }
        }
    }
    if ids.is_empty() {
        return Checks::NotRun(if matches.is_empty() {
            "nothing recognised".into()
        } else {
            "no related check".into()
        });
    }
    let start = std::time::Instant::now();
    let opts = RunOptions {
        deep: false,
        only: ids,
        skip: Vec::new(),
        deadline: CHECK_DEADLINE,
    };
    let selected = match gomedic_doctor::select(&opts) {
        Ok(s) => s,
        Err(e) => return Checks::NotRun(e.to_string()),
    };
    let facts = super::common::net_options(&[], Some(NET_TIMEOUT))
        .and_then(|net| super::common::facts_with(None, Policy::default(), net));
    let mut facts = match facts {
        Ok(f) => f,
        Err(e) => return Checks::NotRun(format!("{e:#}")),
    };
    facts.offline = args.offline;
    let facts = Arc::new(facts);
    let report = super::common::run_checks(&facts, &selected, &opts, start);
    Checks::Ran(report.redact(&super::common::redactor(&facts)))
}

/// Network probes of the related checks: a reachable proxy answers well within this.
const NET_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);
const CHECK_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// The command's code as a shell reports it: a signal is 128+N; codes above 255 are 255.
fn exit_code(s: &std::process::ExitStatus) -> u8 {
    if let Some(c) = s.code() {
        return u8::try_from(c).unwrap_or(255);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = s.signal() {
            return u8::try_from(128 + sig).unwrap_or(255);
        }
    }
    255
}

fn print(o: &Outcome, format: Format) -> anyhow::Result<()> {
    if format == Format::Json {
        let mut out = crate::output::stdout();
        serde_json::to_writer_pretty(&mut out, &o.json()).map_err(std::io::Error::from)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    let text = o.text();
    if o.exit.is_some() {
        // Command mode: after the command's own output, on stderr; a command that
        // succeeded with nothing recognised adds nothing.
        if !(o.exit == Some(0) && o.matches.is_empty()) {
            crate::output::err_bytes(text.as_bytes());
        }
    } else {
        let mut out = crate::output::stdout();
        out.write_all(text.as_bytes())?;
        out.flush()?;
    }
    Ok(())
}
