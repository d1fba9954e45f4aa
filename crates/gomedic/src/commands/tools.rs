//! `gomedic tools`: every copy of the Go tools (gopls, dlv, staticcheck...) with its build
//! info and the `tools.*` verdicts; `gomedic tools inspect`: the Go build info of
//! executables, read without running them.

use crate::cli::Format;
use clap::{Args, Subcommand};
use gomedic_buildinfo::{BuildInfo, Error};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, after_long_help = TOOLS_HELP)]
pub struct ToolsArgs {
    #[command(subcommand)]
    pub action: Option<ToolsAction>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also start each tool once (`tools.runs`)
    #[arg(long)]
    pub deep: bool,
}

const TOOLS_HELP: &str = "\
Lists every copy of gopls, dlv, staticcheck, golangci-lint, gofumpt, goimports, govulncheck
and the other Go programs in GOBIN and GOPATH/bin, with the module version, the Go each was
built with and its platform (read from the files, never by running them), which copy PATH
runs, and the tools.* verdicts (the same as `gomedic check --only tools`). Exit code 1 when
a verdict is an error, as `gomedic check`. Fix: `gomedic fix tools.rebuild`; undo:
`gomedic undo`.";

#[derive(Debug, Subcommand)]
pub enum ToolsAction {
    /// Print the Go build info of executables (like `go version -m`, without running go or
    /// the files): Go version, main module, dependencies, build settings
    #[command(after_long_help = INSPECT_HELP)]
    Inspect(InspectArgs),
}

const INSPECT_HELP: &str = "\
Reads ELF, PE and Mach-O files of any platform. The human output, stdout and stderr, is
exactly what `go version -m` (go 1.24+) prints: a directory is walked and files that are
not Go executables are skipped silently; for a named file that is not one, go's own line
(`stat PATH: ...`, the path alone when it cannot be read, `not a Go executable` or
`unrecognized file format` for executables and .exe/.dll/.so names, nothing for other
files). Exit code 1 when a named file is not a readable Go executable. A FIFO never hangs
it (go waits for a writer).

Examples:
  gomedic tools inspect ~/go/bin
  gomedic tools inspect --format json $(command -v gopls dlv)";

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Executables, or directories to walk
    #[arg(required = true, value_name = "FILE|DIR")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

pub fn run(args: ToolsArgs) -> anyhow::Result<u8> {
    match args.action {
        Some(ToolsAction::Inspect(a)) => inspect(a),
        None => overview(args.format, args.deep),
    }
}

/// The table and the verdicts.
fn overview(format: Format, deep: bool) -> anyhow::Result<u8> {
    use std::sync::Arc;
    let start = std::time::Instant::now();
    let facts = Arc::new(super::common::facts(
        None,
        gomedic_checks::Policy::default(),
    )?);
    let opts = gomedic_doctor::RunOptions {
        deep,
        only: vec!["tools".into()],
        skip: vec![],
        deadline: std::time::Duration::from_secs(if deep { 300 } else { 60 }),
    };
    let selected = gomedic_doctor::select(&opts).map_err(|e| anyhow::anyhow!("{e}"))?;
    let report = super::common::run_checks(&facts, &selected, &opts, start);
    let code = report.exit_code;
    let r = super::common::redactor(&facts);
    let redacted = report.redact(&r);
    let t = facts.tools();
    let mut out = crate::output::stdout();
    if format == Format::Json {
        let (tools, others) = gomedic_tools::report::json(&t.discovery);
        let mut v = serde_json::json!({
            "schema": "gomedic.tools/v1",
            "host": format!("{}/{}", t.host_goos, t.host_goarch),
            "tools": tools,
            "others": others,
            "editor": t.editor,
            "checks": redacted.checks,
        });
        r.redact_json(&mut v);
        serde_json::to_writer_pretty(&mut out, &v).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        let table = gomedic_tools::report::table(&t.discovery);
        out.write_all(r.redact(&table).as_bytes())?;
        writeln!(out)?;
        gomedic_render::human(
            &redacted,
            gomedic_render::HumanOptions {
                color: crate::output::color(),
                verbose: false,
            },
            &mut out,
        )?;
    }
    out.flush()?;
    Ok(code)
}

/// One file's outcome.
enum Outcome {
    Go(Box<BuildInfo>),
    NotGo,
    Failed(Error),
    /// stat failed on a named path.
    Missing(String),
}

fn inspect(args: InspectArgs) -> anyhow::Result<u8> {
    if args.format == Format::Human {
        return inspect_human(&args.paths);
    }
    let mut results: Vec<(PathBuf, Outcome)> = Vec::new();
    let mut failed = false;
    for p in &args.paths {
        // Read first: a Go executable needs no stat (a path walk, issue #16).
        let o = scan(p);
        match o {
            Outcome::Go(_) => results.push((p.clone(), o)),
            _ => match std::fs::metadata(p) {
                Err(e) => {
                    failed = true;
                    results.push((p.clone(), Outcome::Missing(e.to_string())))
                }
                Ok(m) if m.is_dir() => walk(p, &mut |f| {
                    if let o @ Outcome::Go(_) = scan(&f) {
                        results.push((f, o));
                    }
                }),
                Ok(_) => {
                    failed = true;
                    results.push((p.clone(), o))
                }
            },
        }
    }
    let files: Vec<serde_json::Value> = results
        .iter()
        .map(|(p, o)| {
            let path = p.display().to_string();
            let err = |class: &str, msg: String| {
                serde_json::json!({"path": path, "error": {"class": class, "message": msg}})
            };
            match o {
                Outcome::Go(bi) => serde_json::json!({"path": path, "build_info": bi}),
                Outcome::NotGo => err(
                    "not_go",
                    format!("could not read Go build info from {path}: not a Go executable"),
                ),
                Outcome::Failed(e @ Error::UnrecognizedFormat { .. }) => {
                    err("unrecognized_format", e.to_string())
                }
                Outcome::Failed(e @ Error::Malformed { .. }) => err("malformed", e.to_string()),
                Outcome::Failed(e) => err("unreadable", e.to_string()),
                Outcome::Missing(e) => err("unreadable", e.clone()),
            }
        })
        .collect();
    let v = serde_json::json!({"schema": "gomedic.tools.inspect/v1", "files": files});
    outln!("{}", serde_json::to_string_pretty(&v)?)?;
    Ok(u8::from(failed))
}

/// `go version -m`'s text, each file printed as it is read (no build info is kept, so a
/// file costs no allocation: issue #16's speed), and go's stderr for named files that are
/// not Go programs (go 1.24+: exit 1). One write for all files, flushed before an error to
/// keep go's order; sized for most tools at once (growing it costs an unmap per step with
/// musl).
fn inspect_human(paths: &[PathBuf]) -> anyhow::Result<u8> {
    let mut out = String::with_capacity(paths.len() * 1024);
    let mut failed = false;
    for p in paths {
        let label = p.to_string_lossy();
        // Read first: a Go executable needs no stat (a path walk).
        let e = match gomedic_buildinfo::write_version_m_of(p, &label, &mut out) {
            Ok(true) => continue,
            Ok(false) => None,
            Err(e) => Some(e),
        };
        let msg = match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                walk(p, &mut |f| {
                    // Like go: errors for named files only.
                    let _ =
                        gomedic_buildinfo::write_version_m_of(&f, &f.to_string_lossy(), &mut out);
                });
                continue;
            }
            // go's os.Stat error.
            Err(e) => {
                let op = match () {
                    _ if cfg!(unix) => "stat",
                    _ if e.kind() == std::io::ErrorKind::NotFound => "GetFileAttributesEx",
                    _ => "CreateFile",
                };
                Some(format!(
                    "{op} {label}: {}",
                    gomedic_core::text::go_os_error(&e)
                ))
            }
            // Opening or reading the file failed: go names only the file.
            Ok(_) if matches!(e, Some(Error::Io { .. })) => Some(label.to_string()),
            // Other errors only for files that could be Go programs.
            Ok(m) if !go_binary_candidate(p, &m) => None,
            Ok(_) => Some(match e {
                None => format!(
                    "{label}: could not read Go build info from {label}: not a Go executable"
                ),
                Some(e) => format!("{label}: {e}"),
            }),
        };
        failed = true;
        if let Some(msg) = msg {
            crate::output::stdout().write_all(out.as_bytes())?;
            out.clear();
            errln!("{msg}");
        }
    }
    crate::output::stdout().write_all(out.as_bytes())?;
    Ok(u8::from(failed))
}

/// go's `isGoBinaryCandidate`: executable, or named like a Go program or library. Go on
/// Windows reports no executable bits, so there only the name counts.
fn go_binary_candidate(p: &Path, m: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if m.is_file() && m.permissions().mode() & 0o111 != 0 {
            return true;
        }
    }
    let _ = m;
    let name = p.to_string_lossy().to_lowercase();
    // filepath.Ext: from the last dot of the last element.
    let last = name.rsplit(std::path::is_separator).next().unwrap_or("");
    let ext = last.rfind('.').map_or("", |i| &last[i..]);
    matches!(ext, ".so" | ".exe" | ".dll") || name.contains(".so.")
}

fn scan(p: &Path) -> Outcome {
    match gomedic_buildinfo::read(p) {
        Ok(Some(bi)) => Outcome::Go(Box::new(bi)),
        Ok(None) => Outcome::NotGo,
        Err(e) => Outcome::Failed(e),
    }
}

/// Lexical order like go's WalkDir; regular files and symlinks to files, directories
/// entered but not through symlinks. `file` gets each file found.
fn walk(dir: &Path, file: &mut dyn FnMut(PathBuf)) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() {
            walk(&p, file);
        } else if t.is_file() || (t.is_symlink() && p.is_file()) {
            file(p);
        }
    }
}
