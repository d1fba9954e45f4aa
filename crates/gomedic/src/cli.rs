//! Argument syntax only; no I/O here.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "gomedic",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("GOMEDIC_GIT_COMMIT"), ")"),
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
    /// Explain why a go command failed: match its output against known error signatures
    /// (`explain -- go build ./...`, or `explain --log FILE|-`)
    #[command(after_long_help = crate::commands::explain::EXPLAIN_HELP)]
    Explain(crate::commands::explain::ExplainArgs),
    /// List every check with its id and what it looks at
    Checks(ChecksArgs),
    /// Show Go settings with where each value comes from; `env set` / `env unset` edit the
    /// go env file exactly as `go env -w` / `go env -u` do (journaled, undoable)
    Env(EnvArgs),
    /// Apply the automatic fixes `gomedic check` proposes (journaled, undoable, re-checked)
    #[command(after_long_help = FIX_HELP)]
    Fix(FixArgs),
    /// Undo a change gomedic made (`fix`, `env set`, `env unset`), restoring files exactly
    Undo(UndoArgs),
    /// Probe module proxies and the checksum database layer by layer; `net route MODULE`
    /// shows the path a module download takes
    #[command(args_conflicts_with_subcommands = true, after_long_help = NET_HELP)]
    Net(NetArgs),
    /// Check the Authenticode signature of PE files (go.exe, dlv.exe, test binaries), on any OS
    #[command(after_long_help = VERIFY_HELP)]
    Verify(VerifyArgs),
    /// App Control for Business (WDAC) helpers
    Wdac(WdacArgs),
    /// A verifying, caching Go module proxy (`proxy serve`)
    Proxy(ProxyArgs),
    /// Install and switch Go toolchains, verified (release index SHA-256 or checksum database)
    #[command(after_long_help = crate::commands::toolchain::TOOLCHAIN_HELP)]
    Toolchain(crate::commands::toolchain::ToolchainArgs),
    /// Go tools (gopls, dlv, staticcheck...): `tools inspect` reads their Go build info
    Tools(crate::commands::tools::ToolsArgs),
}

#[derive(Debug, Args)]
pub struct ProxyArgs {
    #[command(subcommand)]
    pub action: ProxyAction,
}

#[derive(Debug, Subcommand)]
pub enum ProxyAction {
    /// Serve the GOPROXY protocol from a cache directory, fetching misses from upstream
    /// proxies and checking .mod and .zip against the checksum database before caching
    #[command(after_long_help = PROXY_SERVE_HELP)]
    Serve(ProxyServeArgs),
    /// Copy module versions from a module cache into the proxy's storage, verified
    #[command(after_long_help = crate::commands::proxy_prefill::PREFILL_HELP)]
    Prefill(crate::commands::proxy_prefill::PrefillArgs),
}

const PROXY_SERVE_HELP: &str = "\
With no options it serves one developer: 127.0.0.1:3000, a cache in the OS cache directory
(~/.cache/gomedic/proxy, ~/Library/Caches/gomedic/proxy, %LocalAppData%\\gomedic\\proxy),
upstream https://proxy.golang.org falling back to the goproxy.io and goproxy.cn mirrors
(every .mod and .zip is checked against the checksum database whichever one answers).

Every option can also be set in a TOML file (--config FILE, else the default
gomedic/proxy.toml in the OS config directory, if it exists) under the option's name with
_ for -: listen, upstream, sumdb, cache_dir, storage, private, timeout, list_ttl,
max_upstream, memory_cache, max_direct, direct_timeout, go. Options on the command line win.

The cache directory has the layout of GOMODCACHE/cache/download, so it also works as
GOPROXY=file://DIR; with --storage s3://bucket/prefix the objects have the same keys under
the prefix, and several proxies can share one bucket. A .mod or .zip whose h1: hash differs
from the checksum database, or a zip the go command would refuse, is answered 502 and never
cached.

Module paths matching --private (GOPRIVATE syntax) are fetched by the go command from
version control (go mod download with GOPROXY=direct, in a throwaway module cache), never
asked of the upstreams or the checksum database. Clients set GONOSUMDB to the same
patterns (not GOPRIVATE, which would bypass the proxy).

Examples:
  gomedic proxy serve
  gomedic proxy serve --cache-dir /var/cache/goproxy --private 'github.com/acme,*.corp.example'
  AWS_ENDPOINT_URL=http://s3.internal:9000 AWS_ALLOW_HTTP=true AWS_REGION=us-east-1 \\
    AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... gomedic proxy serve --storage s3://goproxy/cache
  gomedic proxy serve --listen 0.0.0.0:3000 --upstream 'https://proxy.golang.org|https://goproxy.io'
  GOPROXY='http://127.0.0.1:3000' GONOSUMDB=github.com/acme go mod download";

/// `gomedic proxy serve`. No clap defaults: a value given nowhere on the command line is
/// taken from the config file, then from the documented default.
#[derive(Debug, Args)]
pub struct ProxyServeArgs {
    /// Read options from this TOML file (default: gomedic/proxy.toml in the OS config
    /// directory, when it exists)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:3000]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Cache directory (GOMODCACHE/cache/download layout) [default: gomedic/proxy in the
    /// OS cache directory]; with --storage s3://, only scratch space for zips being
    /// checked [default: the system temp directory]
    #[arg(long, visible_alias = "cache", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Keep the cache in an S3-compatible bucket instead: s3://bucket/prefix (endpoint,
    /// region and credentials from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, AWS_ALLOW_HTTP)
    #[arg(long, value_name = "URL")]
    pub storage: Option<String>,
    /// Upstream proxies, GOPROXY syntax: `,` moves on after 404/410 only, `|` after any
    /// error [default: https://proxy.golang.org|https://goproxy.io|https://goproxy.cn]
    #[arg(long, value_name = "LIST")]
    pub upstream: Option<String>,
    /// Checksum database, GOSUMDB syntax (`name+key [URL]`, `sum.golang.org`), or `off`
    /// [default: sum.golang.org]
    #[arg(long, value_name = "DB")]
    pub sumdb: Option<String>,
    /// A mirror of the checksum database, as its base URL (e.g.
    /// https://goproxy.cn/sumdb/sum.golang.org), tried after the database's own URL; repeatable
    #[arg(long, value_name = "URL")]
    pub sumdb_mirror: Vec<String>,
    /// Timeout for each upstream request (connect, headers, and each wait for body data)
    /// [default: 30s]
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// How long @v/list and @latest are served from the cache before asking again
    /// [default: 60s]
    #[arg(long, value_name = "DURATION")]
    pub list_ttl: Option<String>,
    /// At most this many upstream module fetches at once (others wait) [default: 16]
    #[arg(long, value_name = "N")]
    pub max_upstream: Option<usize>,
    /// MiB of hot .info/.mod/.zip files served from memory (0: none) [default: 32]
    #[arg(long, value_name = "MIB")]
    pub memory_cache: Option<u64>,
    /// Module paths fetched by the go command from version control, GOPRIVATE syntax
    /// (comma-separated path prefixes, globs allowed); never sent upstream or to the
    /// checksum database
    #[arg(long, value_name = "PATTERNS")]
    pub private: Option<String>,
    /// At most this many go commands for --private modules at once [default: 4]
    #[arg(long, value_name = "N")]
    pub max_direct: Option<usize>,
    /// A go command for a --private module still running after this is killed
    /// [default: 5m]
    #[arg(long, value_name = "DURATION")]
    pub direct_timeout: Option<String>,
    /// The go command for --private modules [default: go on PATH]
    #[arg(long, value_name = "PATH")]
    pub go: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct WdacArgs {
    #[command(subcommand)]
    pub action: WdacAction,
}

#[derive(Debug, Subcommand)]
pub enum WdacAction {
    /// Write a supplemental policy XML that allows the Go toolchain's executables by hash
    #[command(after_long_help = WDAC_HELP)]
    Policy(WdacPolicyArgs),
}

const WDAC_HELP: &str = "\
Allows every executable of a Windows Go installation (GOROOT\\bin\\*.exe and
GOROOT\\pkg\\tool\\*\\*.exe, plus --file additions such as dlv.exe or gopls.exe) by
Authenticode hash: four rules per file (SHA-256, SHA-1, first-page SHA-256 and SHA-1), in a
supplemental policy for a base policy that allows supplemental policies (option 17).
Runs on any OS; point --goroot at a Windows Go tree when you are not on Windows.

Hash rules cannot cover `go test` and `go run` binaries: each build has a new hash. For
those, sign them with a local code-signing certificate allowed by a signer rule (for
example through `go test -exec` with a signing wrapper), or build them under an
administrator-only writable directory allowed by a FilePath rule.";

#[derive(Debug, Args)]
pub struct WdacPolicyArgs {
    /// Where to write the XML (default: standard output)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The Go installation to allow (default: the GOROOT of the go on PATH)
    #[arg(long, value_name = "DIR")]
    pub goroot: Option<PathBuf>,
    /// Extra executables to allow (dlv.exe, gopls.exe, ...); repeatable
    #[arg(long, value_name = "FILE")]
    pub file: Vec<PathBuf>,
    /// PolicyID of the base policy this supplements
    #[arg(
        long,
        value_name = "GUID",
        default_value = "{00000000-0000-0000-0000-000000000000}"
    )]
    pub base_policy_id: String,
}

const VERIFY_HELP: &str = "\
For each file: the Authenticode image digest is recomputed and compared with the signed
one (tampered), the PKCS#7 signer's signature and the certificate chain inside the
signature are verified (bad_signature), and an expired signing certificate without a
timestamp is reported (expired_without_timestamp). Timestamps (RFC 3161 or legacy) are
shown, and recorded page hashes are recomputed page by page. gomedic does not decide
whether the root is trusted; on Windows it also shows WinVerifyTrust's own answer.

Statuses: valid, unsigned, tampered, bad_signature, expired_without_timestamp, not_pe,
malformed (and unreadable for files that cannot be read). Exit code 0 when every file is
valid, 1 otherwise, 2 for usage errors.";

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// PE files to check
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

const NET_HELP: &str = "\
Without URLs, probes every http(s) entry of the effective GOPROXY, the GOSUMDB host,
proxy.golang.org, sum.golang.org, sum.golang.google.cn, storage.googleapis.com, go.dev,
dl.google.com, goproxy.cn, goproxy.io and mirrors.aliyun.com/goproxy/. Each endpoint gets
DNS (system resolver; hosts-file entries and private answers for public names are
flagged), TCP, the HTTP proxy from HTTPS_PROXY/NO_PROXY as Go uses them, TLS (SNI, ALPN
h2 and http/1.1, chain checked against the system store and Mozilla's roots), then one
real request (@v/list for a proxy, /latest for a checksum database), following redirects
as go does; a 200 that is not the protocol (a block page) is not_goproxy. Never cached.

Verdicts: ok, dns_failed, dns_suspicious, tcp_refused, tcp_timeout, tcp_failed, tls_reset,
tls_timeout, tls_failed, tls_intercepted, tls_untrusted, tls_hostname_mismatch,
proxy_auth_required, proxy_failed, http_error, not_goproxy (docs/net.md).

Examples:
  gomedic net
  gomedic net https://goproxy.example.com --timeout 3s
  gomedic net --resolve proxy.golang.org:443:10.0.0.7 --format json
  gomedic net route github.com/corp/private-module";

#[derive(Debug, Args)]
pub struct NetArgs {
    #[command(subcommand)]
    pub action: Option<NetAction>,
    /// URLs to probe (default: the effective GOPROXY, GOSUMDB and well-known Go hosts)
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,
    /// Deadline for the whole run (e.g. 500ms, 3s, 1m30s; a plain number is seconds)
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        allow_hyphen_values = true
    )]
    pub timeout: String,
    /// Resolve HOST:PORT to ADDR (an IP, or IP:PORT), like curl --resolve; repeatable
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
    /// What the URLs are: a module proxy, a checksum database, or any host
    #[arg(long, value_enum, default_value_t = EndpointArg::Auto)]
    pub kind: EndpointArg,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EndpointArg {
    Auto,
    Proxy,
    Sumdb,
    Host,
}

#[derive(Debug, Subcommand)]
pub enum NetAction {
    /// The route a download of MODULE takes: proxies in order, fallbacks, checksum database
    Route {
        /// Module path, e.g. github.com/corp/lib (matched against GOPRIVATE, GONOPROXY, GONOSUMDB)
        #[arg(value_name = "MODULE")]
        module: String,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

const FIX_HELP: &str = "\
gomedic fix runs the checks, collects the fixes they mark automatic, shows the plan with
before and after values, asks for confirmation (unless --yes), writes a journal entry,
applies the change, then re-runs the checks. `gomedic undo` restores the previous state.
gomedic never disables checksum verification on its own.

Examples:
  gomedic fix --dry-run           # show what would change
  gomedic fix env.goroot-file --yes
  gomedic undo --list";

#[derive(Debug, Args)]
pub struct EnvArgs {
    #[command(subcommand)]
    pub action: Option<EnvAction>,
    /// Output format (for showing settings)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum EnvAction {
    /// Set values in the go env file, as `go env -w KEY=VALUE...`
    #[command(after_long_help = ENV_EDIT_HELP)]
    Set {
        /// KEY=VALUE pairs
        #[arg(required = true, value_name = "KEY=VALUE")]
        pairs: Vec<String>,
        #[command(flatten)]
        opts: EnvEditArgs,
    },
    /// Remove keys from the go env file, as `go env -u KEY...`
    #[command(after_long_help = ENV_EDIT_HELP)]
    Unset {
        #[arg(required = true, value_name = "KEY")]
        keys: Vec<String>,
        #[command(flatten)]
        opts: EnvEditArgs,
    },
}

const ENV_EDIT_HELP: &str = "\
Every change is first tried by the go command itself (`go env -w` / `go env -u` on a
private copy of the go env file): what it refuses, gomedic refuses with its words, and
the bytes it writes are the bytes gomedic writes. Only when that go cannot run does
gomedic fall back to its own copy of the go command's rules, and says so.

gomedic is stricter than go for values that go accepts but that break every later go
command or module download (for example GOFLAGS that make every command fail, an
invalid GOPROXY, GOROOT in the go env file); --force writes them anyway.

Exit codes: 0 applied and read back; 1 the write failed, go did not answer, or go
commands fail after the change (undo with `gomedic undo`); 2 refused, nothing changed.";

/// Options shared by `env set` and `env unset`.
#[derive(Debug, Args)]
pub struct EnvEditArgs {
    /// Show the change without making it
    #[arg(long)]
    pub dry_run: bool,
    /// Write even what gomedic refuses as stricter than go (never what go refuses)
    #[arg(long)]
    pub force: bool,
    /// The go command whose go env file and rules apply (default: the go on PATH)
    #[arg(long, value_name = "PATH")]
    pub go: Option<PathBuf>,
    /// Timeout for each go command gomedic runs (e.g. 500ms, 3s; a plain number is seconds)
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        allow_hyphen_values = true
    )]
    pub go_timeout: String,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Fix ids to apply (default: every automatic fix the checks propose)
    #[arg(value_name = "FIX_ID")]
    pub ids: Vec<String>,
    /// Show the plan without changing anything
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Diagnose this go binary instead of the one PATH finds
    #[arg(long, value_name = "PATH")]
    pub go: Option<PathBuf>,
    /// Skip the network checks (and so the fixes they propose, such as net.mirror)
    #[arg(long)]
    pub offline: bool,
    /// win.path-repair on the machine PATH instead of the user's (needs an elevated terminal)
    #[arg(long)]
    pub machine: bool,
    /// For net checks: resolve HOST:PORT to ADDR (an IP, or IP:PORT); repeatable
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
}

#[derive(Debug, Args)]
pub struct UndoArgs {
    /// Journal entry to undo (default: the most recent change)
    #[arg(value_name = "ENTRY")]
    pub entry: Option<String>,
    /// List journal entries instead
    #[arg(long)]
    pub list: bool,
    /// Restore even if the file changed after gomedic wrote it
    #[arg(long)]
    pub force: bool,
    /// Show what would be restored without changing anything
    #[arg(long)]
    pub dry_run: bool,
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

/// Output formats of `gomedic check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    /// JUnit XML for CI systems: a suite per category, a test case per check.
    Junit,
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
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Show timings and the details of passing checks
    #[arg(short, long)]
    pub verbose: bool,
    /// Skip the network checks (net.*)
    #[arg(long)]
    pub offline: bool,
    /// For net checks: resolve HOST:PORT to ADDR (an IP, or IP:PORT); repeatable
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
    /// For net checks: deadline of all network probes (e.g. 500ms, 3s; a plain number
    /// is seconds)
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "5s",
        allow_hyphen_values = true
    )]
    pub net_timeout: String,
    /// Overall deadline (e.g. 90s, 1m30s; a plain number is seconds) [default: 1m, 15m
    /// with --deep]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub deadline: Option<String>,
    /// Timeout for each go command gomedic runs (`go version`, `go env`; e.g. 500ms, 3s;
    /// a plain number is seconds)
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        allow_hyphen_values = true
    )]
    pub go_timeout: String,
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
