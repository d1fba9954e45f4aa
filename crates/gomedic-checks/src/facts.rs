//! The facts layer: everything checks read, gathered at most once per run.
//!
//! Facts are computed on first use behind `OnceLock`s, so `--only go.binary` never runs
//! `go env`, and concurrent checks that need the same fact wait for one computation.
//! All I/O goes through [`Gather`]; the real implementation lives in gomedic-doctor,
//! tests can substitute canned answers.

use crate::policy::Policy;
use gomedic_core::net::{EndpointKind, EndpointReport};
use gomedic_goenv::envfile::{self, EnvFile};
use gomedic_goenv::gomod::{self, ModFile};
use gomedic_goenv::pathscan::{self, PathScan};
use gomedic_goenv::settings::{Layers, Resolved};
use gomedic_sys::exec;
use gomedic_sys::fs::DirProbe;
use gomedic_sys::registry::RegValue;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// The `go env` keys gomedic reads (cheap ones only: no C compiler probing).
pub const GO_ENV_KEYS: &[&str] = &[
    "GOARCH",
    "GOOS",
    "GOROOT",
    "GOPATH",
    "GOCACHE",
    "GOMODCACHE",
    "GOPROXY",
    "GOSUMDB",
    "GOENV",
    "GOVERSION",
    "GOTOOLCHAIN",
    "GOFLAGS",
    "GOTOOLDIR",
    "GOHOSTOS",
    "GOHOSTARCH",
    "GOBIN",
    "GOTMPDIR",
    "GOPRIVATE",
    "GONOSUMDB",
    "GONOPROXY",
    "GOINSECURE",
    "GOAUTH",
    "GOWORK",
    "GOMOD",
    "GO111MODULE",
    "GOEXE",
    "GOCACHEPROG",
    "GOTELEMETRY",
];

/// User and machine PATH from the registry, or why they cannot be read.
pub type RegistryPaths = Result<(Option<RegValue>, Option<RegValue>), String>;

/// The I/O behind facts. Each method is called at most once per run per argument.
pub trait Gather: Send + Sync {
    fn scan_path(&self, path_var: &std::ffi::OsStr, names: &[String], os: &str) -> PathScan;
    /// Runs `go ARGS` for the facts layer (never switching toolchains).
    fn run_go(&self, go: &Path, args: &[&str], cwd: &Path, timeout: Duration) -> exec::Result;
    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    fn probe_dir(&self, path: &Path) -> DirProbe;
    /// `check --deep`: build, run and test a fresh module; `gocache` (from `go env`, none
    /// when off) tells whether this is the first build.
    fn build_probe(
        &self,
        go: &Path,
        env: &BTreeMap<String, String>,
        gocache: Option<&Path>,
        timeout: Duration,
    ) -> BuildProbe;
    /// Layered network probes of `(url, kind)` targets, all under one deadline; `env` is
    /// the process environment (proxy variables).
    /// Recent CodeIntegrity (App Control / Smart App Control) events, newest first.
    fn ci_events(&self) -> Result<Vec<gomedic_sys::winsec::CiEvent>, String>;
    /// Smart App Control state (`VerifiedAndReputablePolicyState`: 0 off, 1 on, 2 evaluation).
    fn smart_app_control(&self) -> Result<Option<u32>, String>;
    /// `win.canary`: build a test binary once and start it repeatedly.
    fn canary(&self, go: &Path, env: &BTreeMap<String, String>, timeout: Duration) -> CanaryProbe;
    /// Windows security state (Defender, Security Center, firewall), read once.
    fn security(&self) -> gomedic_sys::winsec::Snapshot;
    /// Whether a directory is on a Dev Drive.
    fn dev_drive(&self, path: &Path) -> Result<Option<(bool, bool)>, String>;
    /// Windows' own trust decision for a file (WinVerifyTrust HRESULT; Err off Windows).
    fn win_trust(&self, path: &Path) -> Result<i32, String>;
    /// Authenticode inspection of a PE file.
    fn authenticode(&self, path: &Path) -> Result<gomedic_authenticode::Report, String>;
    /// The user and machine PATH values from the Windows registry (Err off Windows).
    fn registry_paths(&self) -> RegistryPaths;
    fn net_probe(
        &self,
        targets: &[(String, EndpointKind)],
        env: &BTreeMap<String, String>,
        sumdb_name: &str,
    ) -> Vec<EndpointReport>;
}

/// `go env -json`, run and parsed.
#[derive(Debug, Clone)]
pub struct GoEnvFact {
    pub run: exec::Result,
    pub parsed: Result<BTreeMap<String, String>, String>,
}

/// One step of the deep build probe.
#[derive(Debug, Clone)]
pub struct BuildStep {
    pub name: &'static str,
    pub command: String,
    pub result: exec::Result,
}

/// Result of the deep build probe.
#[derive(Debug, Clone, Default)]
pub struct BuildProbe {
    /// Could not even set up the probe (temp dir, files).
    pub setup_error: Option<String>,
    pub workdir: Option<PathBuf>,
    pub steps: Vec<BuildStep>,
    /// The built binary was missing right after a successful build.
    pub vanished: bool,
    /// The build cache had no entries before the build (standard library not cached).
    pub cache_was_cold: Option<bool>,
}

/// Result of the `win.canary` probe.
#[derive(Debug, Clone, Default)]
pub struct CanaryProbe {
    pub setup_error: Option<String>,
    pub build: Option<exec::Result>,
    /// Each start of the built test binary, in order.
    pub runs: Vec<exec::Result>,
    /// The binary was missing after the build or between runs.
    pub vanished: bool,
}

/// Timeouts for the commands facts run.
#[derive(Debug, Clone)]
pub struct Timeouts {
    pub go_command: Duration,
    pub build: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            go_command: Duration::from_secs(10),
            build: Duration::from_secs(300),
        }
    }
}

/// What a check can know. Construct with [`Facts::new`].
pub struct Facts {
    /// `linux`, `windows`, `macos`, ... (the semantics to apply, normally the host's).
    pub os: String,
    pub env: BTreeMap<String, String>,
    pub path_var: OsString,
    pub cwd: PathBuf,
    /// `check --go PATH`.
    pub go_override: Option<PathBuf>,
    pub policy: Policy,
    pub timeouts: Timeouts,
    gather: Box<dyn Gather>,
    path_scan: OnceLock<PathScan>,
    override_candidate: OnceLock<Option<pathscan::Candidate>>,
    go_version: OnceLock<Option<exec::Result>>,
    go_env: OnceLock<Option<GoEnvFact>>,
    user_env_file: OnceLock<UserEnvFile>,
    goroot_env_file: OnceLock<Option<EnvFile>>,
    modfile: OnceLock<Option<Result<ModFile, String>>>,
    dirs: OnceLock<Vec<(String, DirProbe)>>,
    build: OnceLock<Option<BuildProbe>>,
    net: OnceLock<Vec<EndpointReport>>,
    registry: OnceLock<RegistryPaths>,
    security: OnceLock<gomedic_sys::winsec::Snapshot>,
    /// `check --offline`: network checks are skipped.
    pub offline: bool,
}

/// The user's go env file: where it is and what it holds.
#[derive(Debug, Clone)]
pub enum UserEnvFile {
    /// No file location (GOENV=off, no config dir): the reason.
    NoLocation(String),
    Missing(PathBuf),
    Unreadable(PathBuf, String),
    Parsed(EnvFile),
}

impl UserEnvFile {
    pub fn file(&self) -> Option<&EnvFile> {
        match self {
            UserEnvFile::Parsed(f) => Some(f),
            _ => None,
        }
    }
}

impl Facts {
    pub fn new(
        os: &str,
        env: BTreeMap<String, String>,
        path_var: OsString,
        cwd: PathBuf,
        go_override: Option<PathBuf>,
        policy: Policy,
        gather: Box<dyn Gather>,
    ) -> Facts {
        Facts {
            os: os.to_string(),
            env,
            path_var,
            cwd,
            go_override,
            policy,
            timeouts: Timeouts::default(),
            gather,
            path_scan: OnceLock::new(),
            override_candidate: OnceLock::new(),
            go_version: OnceLock::new(),
            go_env: OnceLock::new(),
            user_env_file: OnceLock::new(),
            goroot_env_file: OnceLock::new(),
            modfile: OnceLock::new(),
            dirs: OnceLock::new(),
            build: OnceLock::new(),
            net: OnceLock::new(),
            registry: OnceLock::new(),
            security: OnceLock::new(),
            offline: false,
        }
    }

    pub fn windows(&self) -> bool {
        self.os == "windows"
    }

    /// A process environment variable (`None` when unset; may be empty).
    pub fn getenv(&self, k: &str) -> Option<String> {
        if self.windows() {
            // Windows variable names are case-insensitive.
            self.env
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
        } else {
            self.env.get(k).cloned()
        }
    }

    pub fn path_scan(&self) -> &PathScan {
        self.path_scan.get_or_init(|| {
            let names = pathscan::go_names(&self.os, self.getenv("PATHEXT").as_deref());
            self.gather.scan_path(&self.path_var, &names, &self.os)
        })
    }

    /// The `--go` binary described like a PATH candidate.
    pub fn override_candidate(&self) -> Option<&pathscan::Candidate> {
        self.override_candidate
            .get_or_init(|| {
                let p = self.go_override.as_ref()?;
                let abs = if p.is_absolute() {
                    p.clone()
                } else {
                    self.cwd.join(p)
                };
                let meta = std::fs::metadata(&abs);
                let kind = match &meta {
                    Ok(m) if m.is_dir() => pathscan::CandidateKind::Directory,
                    Ok(m) if pathscan::is_executable(m) => pathscan::CandidateKind::Executable,
                    Ok(_) => pathscan::CandidateKind::NotExecutable,
                    Err(_) => pathscan::CandidateKind::BrokenLink,
                };
                let resolved = dunce::canonicalize(&abs).ok();
                let goroot = pathscan::goroot_of(&abs, resolved.as_deref());
                let goroot_version = goroot.as_deref().and_then(pathscan::read_version_file);
                Some(pathscan::Candidate {
                    entry: usize::MAX,
                    path: abs,
                    resolved,
                    kind,
                    goroot,
                    goroot_version,
                })
            })
            .as_ref()
    }

    /// The go binary being diagnosed: `--go`, else the first usable `go` on PATH.
    pub fn go_binary(&self) -> Option<&pathscan::Candidate> {
        if self.go_override.is_some() {
            self.override_candidate()
        } else {
            self.path_scan().winner()
        }
    }

    /// `go version`, or `None` when there is no go to run.
    pub fn go_version(&self) -> Option<&exec::Result> {
        self.go_version
            .get_or_init(|| {
                let go = self.go_binary()?;
                Some(self.gather.run_go(
                    &go.path,
                    &["version"],
                    &self.cwd,
                    self.timeouts.go_command,
                ))
            })
            .as_ref()
    }

    /// `go env -json`, or `None` when there is no go to run.
    pub fn go_env(&self) -> Option<&GoEnvFact> {
        self.go_env
            .get_or_init(|| {
                let go = self.go_binary()?;
                // Naming the keys keeps go from probing the C compiler, which writes build-cache
                // entries (check must not change the machine) and doubles the run time.
                let mut args = vec!["env", "-json"];
                args.extend_from_slice(GO_ENV_KEYS);
                let run = self
                    .gather
                    .run_go(&go.path, &args, &self.cwd, self.timeouts.go_command);
                let parsed = match &run {
                    Ok(out) if out.success() => serde_json::from_slice::<
                        BTreeMap<String, serde_json::Value>,
                    >(&out.stdout)
                    .map(|m| {
                        m.into_iter()
                            .map(|(k, v)| {
                                (
                                    k,
                                    v.as_str()
                                        .map(str::to_string)
                                        .unwrap_or_else(|| v.to_string()),
                                )
                            })
                            .collect()
                    })
                    .map_err(|e| {
                        format!("`go env -json` printed something that is not a JSON object: {e}")
                    }),
                    Ok(_) => Err("`go env -json` failed".to_string()),
                    Err(_) => Err("`go env -json` did not run".to_string()),
                };
                Some(GoEnvFact { run, parsed })
            })
            .as_ref()
    }

    /// A value from `go env -json`, if it ran.
    pub fn go_env_value(&self, key: &str) -> Option<&str> {
        self.go_env()?
            .parsed
            .as_ref()
            .ok()?
            .get(key)
            .map(String::as_str)
    }

    pub fn user_env_file(&self) -> &UserEnvFile {
        self.user_env_file.get_or_init(|| {
            let getenv = |k: &str| self.getenv(k);
            let path = match envfile::user_env_file_path(&getenv, &self.os) {
                Ok(p) => p,
                Err(why) => return UserEnvFile::NoLocation(why),
            };
            match self.gather.read_file(&path) {
                Ok(data) => UserEnvFile::Parsed(EnvFile::parse(&path, &data, true)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => UserEnvFile::Missing(path),
                Err(e) => UserEnvFile::Unreadable(path, e.to_string()),
            }
        })
    }

    /// The GOROOT in effect: what `go env` says, else what the go command would compute.
    pub fn goroot(&self) -> Option<PathBuf> {
        if let Some(g) = self.go_env_value("GOROOT").filter(|g| !g.is_empty()) {
            return Some(PathBuf::from(g));
        }
        if let Some(g) = self.getenv("GOROOT").filter(|g| !g.is_empty()) {
            return Some(PathBuf::from(g));
        }
        if let Some(e) = self.user_env_file().file().and_then(|f| f.get("GOROOT")) {
            return Some(PathBuf::from(&e.value));
        }
        self.go_binary().and_then(|c| c.goroot.clone())
    }

    pub fn goroot_env_file(&self) -> Option<&EnvFile> {
        self.goroot_env_file
            .get_or_init(|| {
                let p = self.goroot()?.join("go.env");
                let data = self.gather.read_file(&p).ok()?;
                Some(EnvFile::parse(&p, &data, false))
            })
            .as_ref()
    }

    /// Provenance of one setting. `default` is the go command's built-in default.
    pub fn resolve(&self, key: &str) -> Resolved {
        let getenv = |k: &str| self.getenv(k);
        let layers = Layers {
            getenv: &getenv,
            user_file: self.user_env_file().file(),
            goroot_file: self.goroot_env_file(),
        };
        let (default, note) = self.default_for(key);
        layers.resolve(key, &default, &note)
    }

    fn default_for(&self, key: &str) -> (String, String) {
        match key {
            "GOROOT" => (
                self.go_binary()
                    .and_then(|c| c.goroot.clone())
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                "the go binary's own installation".into(),
            ),
            "GOPATH" => {
                let home = if self.windows() {
                    self.getenv("USERPROFILE")
                } else {
                    self.getenv("HOME")
                };
                let sep = if self.windows() { "\\" } else { "/" };
                (
                    home.map(|h| format!("{h}{sep}go")).unwrap_or_default(),
                    "$HOME/go".into(),
                )
            }
            "GONOPROXY" | "GONOSUMDB" => (self.resolve("GOPRIVATE").value, "from GOPRIVATE".into()),
            "GOTOOLCHAIN" => (
                "local".into(),
                "no GOTOOLCHAIN anywhere: the go command stays local".into(),
            ),
            "GOAUTH" => ("netrc".into(), String::new()),
            _ => (
                self.go_env_value(key).unwrap_or("").to_string(),
                String::new(),
            ),
        }
    }

    /// The nearest go.work / go.mod from the working directory.
    pub fn modfile(&self) -> Option<&Result<ModFile, String>> {
        self.modfile
            .get_or_init(|| {
                let gowork = self.getenv("GOWORK");
                let path = gomod::find(&self.cwd, gowork.as_deref())?;
                Some(match self.gather.read_file(&path) {
                    Ok(data) => Ok(gomod::parse(&path, &String::from_utf8_lossy(&data))),
                    Err(e) => Err(format!("{}: {e}", path.display())),
                })
            })
            .as_ref()
    }

    /// The directories Go writes to, labelled (`GOPATH`, `GOCACHE`, ...), probed.
    pub fn dirs(&self) -> &[(String, DirProbe)] {
        self.dirs.get_or_init(|| {
            let list_sep = if self.windows() { ';' } else { ':' };
            let mut out = Vec::new();
            let value = |k: &str| self.setting(k);
            for p in value("GOPATH").split(list_sep).filter(|p| !p.is_empty()) {
                out.push(("GOPATH".to_string(), self.gather.probe_dir(Path::new(p))));
            }
            for key in ["GOCACHE", "GOMODCACHE", "GOTMPDIR"] {
                let v = value(key);
                if v.is_empty() || (key == "GOCACHE" && v == "off") {
                    continue;
                }
                out.push((key.to_string(), self.gather.probe_dir(Path::new(&v))));
            }
            out
        })
    }

    /// `go env -json` values if some check already ran it (never runs it).
    pub fn gathered_go_env(&self) -> Option<&BTreeMap<String, String>> {
        self.go_env.get()?.as_ref()?.parsed.as_ref().ok()
    }

    /// The user's go env file if some check already read it (never reads it).
    pub fn gathered_user_env_file(&self) -> Option<&EnvFile> {
        self.user_env_file.get()?.file()
    }

    pub fn build_probe(&self) -> Option<&BuildProbe> {
        self.build
            .get_or_init(|| {
                let go = self.go_binary()?;
                let gocache = self
                    .go_env_value("GOCACHE")
                    .filter(|c| !c.is_empty() && *c != "off")
                    .map(Path::new);
                Some(
                    self.gather
                        .build_probe(&go.path, &self.env, gocache, self.timeouts.build),
                )
            })
            .as_ref()
    }

    /// Probes of every network target gomedic knows (see [`crate::net::targets`]), once.
    pub fn net_reports(&self) -> &[EndpointReport] {
        self.net.get_or_init(|| {
            let targets = crate::net::targets(self);
            let name = crate::net::sumdb(self)
                .map(|s| s.name)
                .unwrap_or_else(|| "sum.golang.org".into());
            self.gather.net_probe(&targets, &self.env, &name)
        })
    }

    /// The effective value of a Go setting: `go env` when it ran, else gomedic's resolution.
    pub fn setting(&self, key: &str) -> String {
        if key == "GOTOOLCHAIN" {
            return self.resolve(key).value;
        }
        self.go_env_value(key)
            .map(str::to_string)
            .unwrap_or_else(|| self.resolve(key).value)
    }

    /// User and machine PATH from the registry, read once.
    pub fn registry_paths(&self) -> Result<(Option<&RegValue>, Option<&RegValue>), String> {
        match self.registry.get_or_init(|| self.gather.registry_paths()) {
            Ok((u, m)) => Ok((u.as_ref(), m.as_ref())),
            Err(e) => Err(e.clone()),
        }
    }

    /// Authenticode inspection of `path` (not cached: each file is read once per check).
    pub fn authenticode(&self, path: &Path) -> Result<gomedic_authenticode::Report, String> {
        self.gather.authenticode(path)
    }

    /// Reads a small file through the gather layer (also alternate data streams on Windows).
    pub fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.gather.read_file(path)
    }

    pub fn security(&self) -> &gomedic_sys::winsec::Snapshot {
        self.security.get_or_init(|| self.gather.security())
    }

    pub fn dev_drive(&self, path: &Path) -> Result<Option<(bool, bool)>, String> {
        self.gather.dev_drive(path)
    }

    pub fn smart_app_control(&self) -> Result<Option<u32>, String> {
        self.gather.smart_app_control()
    }

    pub fn canary(&self) -> Option<CanaryProbe> {
        let go = self.go_binary()?;
        Some(self.gather.canary(&go.path, &self.env, self.timeouts.build))
    }

    pub fn ci_events(&self) -> Result<Vec<gomedic_sys::winsec::CiEvent>, String> {
        self.gather.ci_events()
    }

    pub fn win_trust(&self, path: &Path) -> Result<i32, String> {
        self.gather.win_trust(path)
    }
}
