//! The facts layer: everything checks read about the machine, gathered at most once per run.
//!
//! Facts are computed on first use behind `OnceLock`s, so `--only go.binary` never runs
//! `go env`, and concurrent checks that need the same fact wait for one computation.
//! All I/O goes through [`Gather`]; the real implementation lives in gomedic-doctor,
//! tests substitute canned answers. The facts are split by domain:
//!
//! - [`go`]: the go binary, `go env -json` (asked once), the typed settings snapshot;
//! - [`files`]: the go env files, go.mod, the directories Go writes to, file kinds;
//! - [`network`]: the endpoints to probe and their reports;
//! - [`windows`]: registry PATH, Defender and friends, signatures, the canary probe.
//!
//! Checks depend on this crate, never on the OS layer: the OS data types they read are
//! re-exported in [`os`].

pub mod files;
mod gather;
pub mod go;
pub mod network;
pub mod os;
pub mod policy;
pub mod proxy;
pub mod shell;
pub mod tools;
pub mod windows;

pub use files::{FileError, UserEnvFile};
pub use gather::{BuildProbe, BuildStep, CanaryProbe, FileKind, Gather, RegistryPaths};
pub use go::{GoEnvError, GoEnvFact, GO_ENV_KEYS};
pub use policy::Policy;
pub use shell::{Shell, ShellKind};

use gomedic_core::net::EndpointReport;
use gomedic_goenv::envfile::EnvFile;
use gomedic_goenv::gomod::ModFile;
use gomedic_goenv::pathscan::{self, PathScan};
use gomedic_goenv::snapshot::Snapshot;
use gomedic_sys::exec;
use gomedic_sys::fs::DirProbe;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

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
    /// `check --offline`: network checks are skipped.
    pub offline: bool,
    gather: Box<dyn Gather>,
    path_scan: OnceLock<PathScan>,
    override_candidate: OnceLock<Option<pathscan::Candidate>>,
    go_version: OnceLock<Option<exec::Result>>,
    go_env: OnceLock<Option<GoEnvFact>>,
    settings: OnceLock<Snapshot>,
    user_env_file: OnceLock<UserEnvFile>,
    goroot_env_file: OnceLock<Option<EnvFile>>,
    modfile: OnceLock<Option<Result<ModFile, files::FileError>>>,
    dirs: OnceLock<Vec<(String, DirProbe)>>,
    build: OnceLock<Option<BuildProbe>>,
    net: OnceLock<Vec<EndpointReport>>,
    proxy_health: OnceLock<Vec<proxy::ProxyHealth>>,
    registry: OnceLock<RegistryPaths>,
    security: OnceLock<gomedic_sys::winsec::Snapshot>,
    shell: OnceLock<Option<Shell>>,
    go_script: OnceLock<Option<String>>,
    tools: OnceLock<tools::ToolsFacts>,
    early_tools: OnceLock<tools::Found>,
    editor: OnceLock<gomedic_tools::EditorConfig>,
    local_settings: OnceLock<Snapshot>,
    env_origins: std::sync::Mutex<BTreeMap<String, Option<windows::EnvOrigin>>>,
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
            offline: false,
            gather,
            path_scan: OnceLock::new(),
            override_candidate: OnceLock::new(),
            go_version: OnceLock::new(),
            go_env: OnceLock::new(),
            settings: OnceLock::new(),
            user_env_file: OnceLock::new(),
            goroot_env_file: OnceLock::new(),
            modfile: OnceLock::new(),
            dirs: OnceLock::new(),
            build: OnceLock::new(),
            net: OnceLock::new(),
            proxy_health: OnceLock::new(),
            registry: OnceLock::new(),
            security: OnceLock::new(),
            shell: OnceLock::new(),
            go_script: OnceLock::new(),
            tools: OnceLock::new(),
            early_tools: OnceLock::new(),
            editor: OnceLock::new(),
            local_settings: OnceLock::new(),
            env_origins: Default::default(),
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
}
