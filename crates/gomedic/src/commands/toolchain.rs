//! `gomedic toolchain`: arguments, then gomedic-toolchain does the work.

use super::common::UsageError;
use crate::cli::Format;
use clap::{Args, Subcommand};
use gomedic_toolchain::download::{NoProgress, Progress};
use gomedic_toolchain::goproxy::{self, Entry, SumLookup};
use gomedic_toolchain::install::{normalize_mirror, InstallError, Installer, DEFAULT_MIRRORS};
use gomedic_toolchain::report;
use gomedic_toolchain::store::{exe, Store};
use gomedic_toolchain::switch::{self, PathState};
use std::path::PathBuf;
use std::time::Duration;

pub const TOOLCHAIN_HELP: &str = "\
Installs official Go releases into gomedic's data directory (GOMEDIC_TOOLCHAINS_DIR to
override) and switches between them. Archives come from the go.dev/dl release index
(--mirror URL, or GOMEDIC_GO_MIRROR, comma-separated; default https://go.dev/dl/ then
https://golang.google.cn/dl/), are checked against the index's SHA-256 while they stream
(a missing or wrong checksum is refused), and are extracted into a temp directory that is
renamed into place only when complete. --via-goproxy fetches the golang.org/toolchain
module through your GOPROXY instead and checks it against the checksum database, like
the go command's own toolchain switch: it works wherever `go mod download` works.

Examples:
  gomedic toolchain install latest
  gomedic toolchain install 1.22.10 --via-goproxy
  gomedic toolchain use 1.22.10 --global
  gomedic toolchain list --remote";

#[derive(Debug, Args)]
pub struct ToolchainArgs {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Installed toolchains; with --remote, the releases the index offers
    List(ListArgs),
    /// Download, verify and install a Go release (latest, 1.22.10, 1.22)
    Install(InstallArgs),
    /// Make an installed toolchain the current one (--global) or explain pinning it (--here)
    Use(UseArgs),
    /// The current toolchain and whether PATH runs it
    Which(WhichArgs),
    /// Remove an installed toolchain
    Remove(RemoveArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Also list the releases of the index (cached for offline use)
    #[arg(long)]
    pub remote: bool,
    /// With --remote: every release, unstable and archived too
    #[arg(long)]
    pub all: bool,
    /// With --remote: only the cached index, no network
    #[arg(long)]
    pub offline: bool,
    #[arg(long = "mirror", value_name = "URL")]
    pub mirrors: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// latest, a release (1.22.10, go1.22.10) or a language version (1.22: its newest release)
    #[arg(required_unless_present = "from_file")]
    pub version: Option<String>,
    /// Base URL of a go.dev/dl mirror (its JSON index and archives); repeatable, tried in order
    #[arg(long = "mirror", value_name = "URL")]
    pub mirrors: Vec<String>,
    /// Fetch golang.org/toolchain through GOPROXY, verified by the checksum database
    #[arg(long, conflicts_with_all = ["mirrors", "from_file"])]
    pub via_goproxy: bool,
    /// Install this archive (goX.Y.Z.OS-ARCH.tar.gz or .zip), checked against the index
    #[arg(long, value_name = "ARCHIVE")]
    pub from_file: Option<PathBuf>,
    /// Install even when the index has no SHA-256 for the archive (not recommended)
    #[arg(long)]
    pub allow_unverified: bool,
    /// Install for another platform (GOOS/GOARCH), e.g. to copy to another machine
    #[arg(long, value_name = "GOOS/GOARCH")]
    pub platform: Option<String>,
    /// Per request: connect and headers, then each wait for data
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub timeout: String,
    /// Then make it the current toolchain
    #[arg(long)]
    pub r#use: bool,
    /// Resolve the version and say what would be downloaded and where; download nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct UseArgs {
    pub version: String,
    /// Point gomedic's `current` link at it (and make sure PATH finds it)
    #[arg(long, conflicts_with = "here")]
    pub global: bool,
    /// Explain pinning it for the module in this directory (a go.mod `toolchain` line)
    #[arg(long)]
    pub here: bool,
    /// With --here: write the `toolchain` line (with the installed go's `go mod edit`)
    #[arg(long, requires = "here")]
    pub write: bool,
    /// Show what would change (the current link, the PATH, go.mod) without changing it
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct WhichArgs {
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    pub version: String,
    /// Also when it is the current one
    #[arg(long)]
    pub force: bool,
    /// Say what would be removed without removing it
    #[arg(long)]
    pub dry_run: bool,
}

/// gomedic's HTTP client (go's proxy environment, trust and credentials) as the
/// installer's `Http`.
struct Net(gomedic_http::blocking::Blocking);

impl gomedic_toolchain::download::Http for Net {
    fn get(
        &self,
        url: &str,
        from: u64,
    ) -> Result<gomedic_toolchain::download::Response, gomedic_toolchain::download::HttpError> {
        use gomedic_toolchain::download::{HttpError, Response};
        match self.0.get(url, from) {
            Ok(r) => Ok(Response {
                status: r.status,
                len: r.len,
                body: Box::new(r.body),
            }),
            Err(gomedic_http::FetchError::NotFound(m)) => Err(HttpError::NotFound(m)),
            Err(gomedic_http::FetchError::Other(m)) => Err(HttpError::Other(m)),
        }
    }
}

fn net(timeout: Duration) -> std::io::Result<Net> {
    gomedic_http::blocking::Blocking::new(timeout).map(Net)
}

fn store() -> anyhow::Result<Store> {
    Store::locate(&|k| std::env::var(k).ok(), std::env::consts::OS).map_err(anyhow::Error::msg)
}

fn mirrors(flags: &[String]) -> Vec<String> {
    let from_env = std::env::var("GOMEDIC_GO_MIRROR").unwrap_or_default();
    let list: Vec<String> = if !flags.is_empty() {
        flags.to_vec()
    } else if !from_env.trim().is_empty() {
        from_env.split(',').map(str::to_string).collect()
    } else {
        DEFAULT_MIRRORS.iter().map(|s| s.to_string()).collect()
    };
    list.iter()
        .filter(|m| !m.trim().is_empty())
        .map(|m| normalize_mirror(m))
        .collect()
}

fn version_name(v: &str) -> String {
    if v.starts_with("go") {
        v.to_string()
    } else {
        format!("go{v}")
    }
}

/// A progress bar on a terminal, nothing otherwise.
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn new() -> Bar {
        Bar(crate::output::stderr_is_terminal().then(|| {
            let b = indicatif::ProgressBar::hidden();
            b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            b
        }))
    }
}

impl Progress for Bar {
    fn start(&self, name: &str, total: u64, done: u64) {
        if let Some(b) = &self.0 {
            b.reset();
            b.set_length(total);
            b.set_position(done);
            if let Ok(s) = indicatif::ProgressStyle::with_template(
                "{msg} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            ) {
                b.set_style(s);
            }
            b.set_message(name.to_string());
        }
    }
    fn advance(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }
    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

pub fn run(a: ToolchainArgs) -> anyhow::Result<u8> {
    match a.action {
        Action::List(l) => list(l),
        Action::Install(i) => install(i),
        Action::Use(u) => use_(u),
        Action::Which(w) => which(w),
        Action::Remove(r) => remove(r),
    }
}

fn host() -> (String, String) {
    gomedic_toolchain::platform::host()
}

fn list(a: ListArgs) -> anyhow::Result<u8> {
    let st = store()?;
    let installed = st.list()?;
    let current = st.current();
    let http = net(Duration::from_secs(30))?;
    let (goos, goarch) = host();
    let remote = if a.remote {
        let inst = Installer {
            store: &st,
            http: &http,
            mirrors: mirrors(&a.mirrors),
            progress: &NoProgress,
            goos,
            goarch,
        };
        Some(inst.index(a.offline).map_err(anyhow::Error::msg)?)
    } else {
        None
    };
    let r = report::List {
        root: &st.root,
        installed: &installed,
        current: current.as_deref(),
        remote: remote.as_ref().map(|(r, s)| (r.as_slice(), s)),
        all: a.all,
    };
    match a.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&r.json())?)?,
        Format::Human => crate::output::stdout().write_all(r.text().as_bytes())?,
    }
    Ok(0)
}

use std::io::Write;

fn install(a: InstallArgs) -> anyhow::Result<u8> {
    let timeout = crate::duration::positive("--timeout", &a.timeout).map_err(UsageError)?;
    let (goos, goarch) = match &a.platform {
        Some(p) => gomedic_toolchain::platform::parse(p)
            .map_err(|e| UsageError(format!("--platform: {e}")))?,
        None => host(),
    };
    let st = store()?;
    let http = net(timeout)?;
    let bar = Bar::new();
    let inst = Installer {
        store: &st,
        http: &http,
        mirrors: mirrors(&a.mirrors),
        progress: &bar,
        goos: goos.clone(),
        goarch: goarch.clone(),
    };
    if a.dry_run {
        return install_dry_run(&a, &inst);
    }
    if a.allow_unverified {
        errln!("gomedic: WARNING: --allow-unverified: an archive without a checksum in the index would be installed without any check of its contents");
    }
    let result = if let Some(f) = &a.from_file {
        // The cached index, else a fresh one, gives the file's checksum.
        let idx = inst.index(true).ok().or_else(|| inst.index(false).ok());
        inst.install_file(
            idx.as_ref().map(|(r, _)| r.as_slice()),
            f,
            a.allow_unverified,
        )
    } else if a.via_goproxy {
        let v = a.version.clone().unwrap_or_default();
        via_goproxy(&inst, &http, &version_name(&v), timeout)
    } else {
        let v = a.version.clone().unwrap_or_default();
        inst.index(false).and_then(|(rels, src)| {
            if let gomedic_toolchain::install::IndexSource::Cache { errors } = &src {
                errln!("gomedic: no mirror answered; using the cached release index");
                for e in errors {
                    errln!("  {e}");
                }
            }
            inst.install(&rels, &v, a.allow_unverified)
        })
    };
    let (version, already) = match result {
        Ok(x) => x,
        Err(e) => {
            errln!(
                "gomedic: {}",
                gomedic_core::redact::global().redact(&e.to_string())
            );
            return Ok(match e {
                InstallError::Io { .. } => 3,
                _ => 1,
            });
        }
    };
    let dir = st.dir_for(&version);
    if already {
        outln!("{version} is already installed in {}", dir.display())?;
    } else {
        outln!("installed {version} in {}", dir.display())?;
    }
    if (goos.as_str(), goarch.as_str()) != (host().0.as_str(), host().1.as_str()) {
        outln!("it is for {goos}/{goarch}, not this machine: it is never made current here")?;
        return Ok(if a.r#use { 1 } else { 0 });
    }
    if a.r#use {
        return use_(UseArgs {
            version,
            global: true,
            here: false,
            write: false,
            dry_run: false,
        });
    }
    outln!("make it current: gomedic toolchain use {version} --global")?;
    Ok(0)
}

/// `install --dry-run`: what would be fetched from where, and where it would go.
fn install_dry_run(a: &InstallArgs, inst: &Installer<'_>) -> anyhow::Result<u8> {
    let v = a.version.clone().unwrap_or_default();
    if let Some(f) = &a.from_file {
        outln!(
            "dry run: would check {} against the release index and install it into {}",
            f.display(),
            inst.store.root.display()
        )?;
        return Ok(0);
    }
    if a.via_goproxy {
        let name = version_name(&v);
        outln!(
            "dry run: would fetch {}@{} through GOPROXY, check it against the checksum database and install it into {}",
            goproxy::MODULE,
            goproxy::module_version(&name, &inst.goos, &inst.goarch),
            inst.store.dir_for(&inst.install_name(&name)).display()
        )?;
        return Ok(0);
    }
    let (rels, _) = match inst.index(false) {
        Ok(x) => x,
        Err(e) => {
            errln!(
                "gomedic: {}",
                gomedic_core::redact::global().redact(&e.to_string())
            );
            return Ok(1);
        }
    };
    let rel = match gomedic_toolchain::index::resolve(&rels, &v) {
        Ok(r) => r,
        Err(e) => {
            errln!("gomedic: {e}");
            return Ok(1);
        }
    };
    let dir = inst.store.dir_for(&inst.install_name(&rel.version));
    if inst.is_installed(&rel.version) {
        outln!(
            "dry run: {} is already installed in {}",
            rel.version,
            dir.display()
        )?;
        return Ok(0);
    }
    match gomedic_toolchain::index::archive_for(rel, &inst.goos, &inst.goarch) {
        Some(f) => outln!(
            "dry run: would download {} ({} bytes, sha256 {}) from {} and install it into {}",
            f.filename,
            f.size,
            if f.sha256.is_empty() {
                "none in the index"
            } else {
                &f.sha256
            },
            inst.mirrors
                .first()
                .map(String::as_str)
                .unwrap_or("(no mirror)"),
            dir.display()
        )?,
        None => {
            errln!(
                "gomedic: {} has no archive for {}/{} in the index",
                rel.version,
                inst.goos,
                inst.goarch
            );
            return Ok(1);
        }
    }
    Ok(0)
}

/// The GOPROXY and GOSUMDB the go command would use (the typed settings snapshot), then
/// golang.org/toolchain through them.
fn via_goproxy(
    inst: &Installer<'_>,
    http: &Net,
    version: &str,
    timeout: Duration,
) -> Result<(String, bool), InstallError> {
    use gomedic_goenv::goproxy::{ProxyEntry, SumDb as GoSumDb};
    let facts = super::common::facts(None, gomedic_checks::Policy::default())
        .map_err(|e| InstallError::Refused(e.to_string()))?;
    let s = facts.settings();
    let list = s
        .goproxy
        .clone()
        .map_err(|e| InstallError::Refused(format!("GOPROXY: {e}")))?;
    let entries: Vec<Entry> = list
        .iter()
        .map(|e| match e {
            ProxyEntry::Url { url, fallback } => Entry::Url {
                url: url.clone(),
                fallback_on_error: *fallback == gomedic_goenv::goproxy::Fallback::OnAnyError,
            },
            ProxyEntry::Direct => Entry::Url {
                url: goproxy::ORIGIN.into(),
                fallback_on_error: false,
            },
            ProxyEntry::Off => Entry::Off,
        })
        .collect();
    let db = match s.gosumdb.clone() {
        Err(e) => return Err(InstallError::Refused(format!("GOSUMDB: {e}"))),
        Ok(GoSumDb::Off) => None,
        Ok(GoSumDb::On {
            name,
            key,
            url,
            explicit_url,
        }) => {
            let spec = format!("{} {url}", key.unwrap_or(name.clone()));
            let mut db = gomedic_proxy::sumdb::SumDb::parse(&spec)
                .map_err(|e| InstallError::Refused(format!("GOSUMDB: {e}")))?;
            db.url = goproxy::sumdb_base(http, &entries, &name, &url, explicit_url)
                .map_err(InstallError::Refused)?;
            Some(db)
        }
    };
    let sums = db
        .map(|db| ProxySums::new(db, inst.store.root.join("cache"), timeout))
        .transpose()
        .map_err(|e| InstallError::Refused(e.to_string()))?;
    inst.install_via_goproxy(
        &entries,
        sums.as_ref().map(|s| s as &dyn SumLookup),
        version,
    )
}

/// The proxy's checksum database client (signed tree heads, inclusion proofs from tiles,
/// the last tree head remembered under the toolchains directory).
struct ProxySums {
    rt: tokio::runtime::Runtime,
    checker: gomedic_proxy::sumdb::Checker,
}

impl ProxySums {
    fn new(
        db: gomedic_proxy::sumdb::SumDb,
        dir: PathBuf,
        timeout: Duration,
    ) -> std::io::Result<ProxySums> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let checker = {
            let _g = rt.enter();
            gomedic_proxy::sumdb::Checker::on_disk(
                db,
                dir,
                gomedic_http::Client::new(timeout),
                std::sync::Arc::new(|m| {
                    errln!("gomedic: {m}");
                }),
            )
        };
        Ok(ProxySums { rt, checker })
    }
}

impl SumLookup for ProxySums {
    fn zip_hash(&self, path: &str, version: &str) -> Result<String, String> {
        let s = self.rt.block_on(self.checker.lookup(path, version))?;
        s.zip
            .ok_or_else(|| format!("the checksum database has no zip hash for {path}@{version}"))
    }
}

fn use_(a: UseArgs) -> anyhow::Result<u8> {
    let st = store()?;
    let version = version_name(&a.version);
    let inst = st.read(&version);
    if inst.manifest.is_none() {
        errln!(
            "gomedic: {version} is not installed in {} (gomedic toolchain install {})",
            st.root.display(),
            version.trim_start_matches("go")
        );
        return Ok(1);
    }
    if a.here {
        return use_here(&st, &version, a.write, a.dry_run);
    }
    if !a.global {
        return Err(UsageError(
            "say --global (gomedic's current link) or --here (this module)".into(),
        )
        .into());
    }
    let (goos, _) = host();
    let link = st.current_link();
    let bin = link.join("bin");
    if a.dry_run {
        outln!("dry run: {} would point at {version}", link.display())?;
    } else {
        if let Err(e) = st.set_current(&version) {
            errln!("gomedic: {e}");
            return Ok(1);
        }
        outln!("{} now points at {version}", link.display())?;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    match switch::path_state(&path, &bin, &exe("go", &goos)) {
        PathState::First => {
            outln!("{} is first on PATH: `go` runs {version}", bin.display())?;
            Ok(0)
        }
        state => {
            if let PathState::Shadowed { by } | PathState::Missing { other: Some(by) } = &state {
                outln!("but `go` on PATH runs {}", by.display())?;
            }
            path_advice(&bin, a.dry_run)
        }
    }
}

/// Puts `bin` first on PATH: the user PATH in the registry on Windows (journaled,
/// undoable), the exact line for the user's shell elsewhere.
fn path_advice(bin: &std::path::Path, dry_run: bool) -> anyhow::Result<u8> {
    if cfg!(windows) {
        let spec = r"HKCU\Environment\Path";
        let before = gomedic_sys::registry::read(gomedic_sys::registry::Scope::User)
            .map_err(|e| anyhow::anyhow!("cannot read {spec}: {e}"))?;
        // REG_EXPAND_SZ unless the value exists as REG_SZ: keep its type.
        let (kind, data) = match &before {
            Some(b) => (b.kind, b.data.clone()),
            None => (2, String::new()),
        };
        let after = switch::prepend_windows_path(&data, &bin.display().to_string());
        let edit = gomedic_doctor::envedit::plan_registry_path(
            spec,
            kind,
            &after,
            "toolchain.use",
            "put gomedic's current toolchain first on the user PATH",
        )
        .map_err(anyhow::Error::msg)?;
        let r = gomedic_core::redact::global();
        super::common::print_plan(&edit.plan, &r)?;
        if dry_run {
            outln!("dry run: nothing changed")?;
            return Ok(0);
        }
        let journal = super::common::journal()?;
        let entry = journal.apply(edit.plan)?;
        outln!("applied; undo with: gomedic undo {}", entry.id)?;
        for w in edit.warnings {
            outln!("note: {w}")?;
        }
        return Ok(0);
    }
    let shell = std::env::var("SHELL").unwrap_or_default();
    let name = std::path::Path::new(&shell)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (line, where_) = switch::shell_line(&name, bin);
    outln!("to run it as `go`, {where_}:")?;
    outln!("  {line}")?;
    Ok(0)
}

fn use_here(st: &Store, version: &str, write: bool, dry_run: bool) -> anyhow::Result<u8> {
    let (goos, _) = host();
    let go = st.dir_for(version).join("bin").join(exe("go", &goos));
    outln!(
        "a `toolchain {version}` line in go.mod makes every go 1.21+ building this module use {version} or newer: with GOTOOLCHAIN=auto (the default) an older go downloads it through GOPROXY (golang.org/toolchain, checked by the checksum database); with GOTOOLCHAIN=local it refuses to build instead."
    )?;
    if !write {
        outln!(
            "write it with: gomedic toolchain use {} --here --write",
            version.trim_start_matches("go")
        )?;
        return Ok(0);
    }
    if !std::path::Path::new("go.mod").is_file() {
        errln!("gomedic: no go.mod in the current directory");
        return Ok(1);
    }
    let cwd = std::env::current_dir()?;
    match switch::gomod_with_toolchain(&go, &cwd, version) {
        Ok((before, after)) => {
            let plan = gomedic_fix::Plan::new(
                "toolchain.here",
                format!("pin {version} in go.mod"),
                vec![gomedic_fix::Change::file(
                    cwd.join("go.mod"),
                    Some(before),
                    Some(after),
                    vec![format!("toolchain {version}")],
                )],
            );
            let r = gomedic_core::redact::global();
            super::common::print_plan(&plan, &r)?;
            if dry_run {
                outln!("dry run: nothing changed")?;
                return Ok(0);
            }
            let entry = super::common::journal()?.apply(plan)?;
            outln!("applied; undo with: gomedic undo {}", entry.id)?;
            Ok(0)
        }
        Err(e) => {
            errln!("gomedic: {e}");
            Ok(1)
        }
    }
}

fn which(a: WhichArgs) -> anyhow::Result<u8> {
    let st = store()?;
    let current = st.current();
    let (goos, _) = host();
    let link = st.current_link();
    let state = current.as_ref().map(|_| {
        let path = std::env::var_os("PATH").unwrap_or_default();
        switch::path_state(&path, &link.join("bin"), &exe("go", &goos))
    });
    let r = report::Which {
        current: current.as_deref(),
        link: &link,
        goos: &goos,
        state: state.as_ref(),
    };
    match a.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&r.json())?)?,
        Format::Human => crate::output::stdout().write_all(r.text().as_bytes())?,
    }
    Ok(if current.is_some() { 0 } else { 1 })
}

fn remove(a: RemoveArgs) -> anyhow::Result<u8> {
    let st = store()?;
    let version = version_name(&a.version);
    if !st.dir_for(&version).is_dir() {
        errln!(
            "gomedic: {version} is not installed in {}",
            st.root.display()
        );
        return Ok(1);
    }
    if st.current().as_deref() == Some(version.as_str()) && !a.force {
        errln!("gomedic: {version} is the current toolchain: `use` another first, or pass --force");
        return Ok(1);
    }
    if a.dry_run {
        outln!("dry run: would remove {}", st.dir_for(&version).display())?;
        return Ok(0);
    }
    st.remove(&version)?;
    outln!("removed {version}")?;
    Ok(0)
}
