//! The one I/O seam of the facts layer, and the results of the probes behind it.

use gomedic_core::net::{EndpointKind, EndpointReport};
use gomedic_goenv::pathscan::PathScan;
use gomedic_sys::exec;
use gomedic_sys::fs::DirProbe;
use gomedic_sys::registry::RegValue;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a path names, as far as checks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    Missing,
    File,
    Dir,
    /// A device, FIFO, socket, or unreadable metadata.
    Other,
}

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
    /// One variable from the user and the machine Environment keys, unexpanded
    /// (`(None, None)` off Windows).
    fn registry_env(&self, name: &str) -> (Option<RegValue>, Option<RegValue>) {
        let _ = name;
        (None, None)
    }
    /// Layered network probes of `(url, kind)` targets, all under one deadline; `env` is
    /// the process environment (proxy variables); `go_version` (`major.minor`) the go
    /// release whose credential rules (.netrc, GOAUTH) apply, `None` for the newest.
    fn net_probe(
        &self,
        targets: &[(String, EndpointKind)],
        env: &BTreeMap<String, String>,
        sumdb_name: &str,
        go_version: Option<(u32, u32)>,
    ) -> Vec<EndpointReport>;
    /// `GET /healthz` (and, from a gomedic proxy, `/sumdb/<name>/supported`) of each
    /// plain-http URL, one short request each, in parallel. Fakes that do not answer see
    /// no gomedic proxy.
    fn proxy_health(
        &self,
        urls: &[String],
        sumdb_name: Option<&str>,
        timeout: Duration,
    ) -> Vec<crate::proxy::ProxyHealth> {
        let _ = (sumdb_name, timeout);
        urls.iter()
            .map(|u| crate::proxy::ProxyHealth {
                url: u.clone(),
                addrs: Vec::new(),
                answer: crate::proxy::HealthAnswer::Other,
            })
            .collect()
    }
    /// `HKLM\\SYSTEM\\CurrentControlSet\\Control\\FileSystem` `LongPathsEnabled` (`None` when
    /// absent, which Windows reads as 0; Err off Windows or when unreadable).
    fn long_paths_enabled(&self) -> Result<Option<u32>, String> {
        Err("not read".into())
    }
    /// What is at `path` (following symlinks).
    fn file_kind(&self, path: &Path) -> FileKind;
    /// The entries of a directory: names and kinds (following symlinks).
    fn list_dir(&self, path: &Path) -> std::io::Result<Vec<(String, FileKind)>>;
    /// The path with every symlink resolved (`None` when it cannot be resolved).
    fn canonicalize(&self, path: &Path) -> Option<PathBuf>;

    /// Every copy of the known Go tools (and other executables in GOBIN/GOPATH/bin).
    fn discover_tools(&self, dirs: &gomedic_tools::ToolDirs) -> gomedic_tools::Discovery {
        gomedic_tools::discover(dirs)
    }
    /// Go build information read from an executable without running it (`Ok(None)`: not
    /// a Go executable).
    fn build_info(&self, path: &Path) -> Result<Option<gomedic_buildinfo::BuildInfo>, String> {
        gomedic_buildinfo::read(path).map_err(|e| e.to_string())
    }
    /// The editors' Go settings (VS Code, GoLand).
    fn editor_config(&self, inputs: &gomedic_tools::EditorInputs) -> gomedic_tools::EditorConfig {
        gomedic_tools::load_editor_config(inputs)
    }
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
