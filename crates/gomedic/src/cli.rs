//! Argument syntax only; no I/O here.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "gomedic",
    version,
    about = "Diagnoses, explains and repairs Go development environments",
    after_help = "Exit codes: 0 no errors (warnings allowed), 1 errors found (or warnings with --strict), 2 usage error, 3 gomedic itself failed."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose the Go environment (read-only: never changes the machine)
    #[command(after_long_help = CHECK_HELP)]
    Check(CheckArgs),
    /// List every check with its id and what it looks at
    Checks(ChecksArgs),
}

const CHECK_HELP: &str = "\
Checks run in parallel over facts gathered once (each go command runs once), with a
per-check timeout and one overall deadline. Output is one line per check; details and
proposed fixes follow checks that warn or fail.

Exit codes:
  0  no errors (warnings allowed)
  1  at least one error, timeout or broken check (or a warning with --strict)
  2  usage error
  3  gomedic itself failed

Examples:
  gomedic check
  gomedic check --deep                 # also build, run and test a fresh module
  gomedic check --only go.env,go.root --format json
  gomedic check --go /usr/local/go/bin/go";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Also run slow checks that build, run and test a temporary module
    #[arg(long)]
    pub deep: bool,
    /// Run only these checks (comma-separated ids or prefixes such as `go.*`)
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub only: Vec<String>,
    /// Skip these checks (comma-separated ids or prefixes)
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub skip: Vec<String>,
    /// Treat warnings as errors for the exit code
    #[arg(long)]
    pub strict: bool,
    /// Diagnose this go binary instead of the one PATH finds
    #[arg(long, value_name = "PATH")]
    pub go: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Show timings and the details of passing checks
    #[arg(short, long)]
    pub verbose: bool,
    /// Overall deadline in seconds [default: 60, 900 with --deep]
    #[arg(long, value_name = "SECONDS")]
    pub deadline: Option<f64>,
    /// Timeout in seconds for each go command gomedic runs (`go version`, `go env`)
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub go_timeout: f64,
    /// Minimum supported Go version (below it is an error)
    #[arg(
        long,
        env = "GOMEDIC_MIN_GO",
        value_name = "VERSION",
        default_value = "1.21.0"
    )]
    pub min_go: String,
    /// Go versions to reject, comma-separated (`1.21.0`, or a whole line like `1.20`)
    #[arg(
        long,
        env = "GOMEDIC_DENY_GO",
        value_delimiter = ',',
        value_name = "VERSIONS"
    )]
    pub deny_go: Option<Vec<String>>,
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}
