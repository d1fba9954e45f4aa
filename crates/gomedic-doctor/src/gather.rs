//! Facts from the real machine.

use gomedic_facts::{BuildProbe, BuildStep, FileKind, Gather};
use gomedic_goenv::pathscan::{self, PathScan};
use gomedic_sys::exec::{self, Spec};
use gomedic_sys::fs::DirProbe;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Gathers facts by running commands and reading files on this machine.
#[derive(Debug, Default)]
pub struct SystemGather {
    pub net: NetOptions,
}

/// How network probes run.
#[derive(Debug, Clone)]
pub struct NetOptions {
    pub deadline: Duration,
    /// `--resolve HOST:PORT:ADDR` / `GOMEDIC_RESOLVE`.
    pub overrides: Vec<gomedic_net::resolve::Override>,
    /// The hosts file to inspect (default: the platform's).
    pub hosts_file: Option<std::path::PathBuf>,
}

impl Default for NetOptions {
    fn default() -> Self {
        NetOptions {
            deadline: Duration::from_secs(5),
            overrides: Vec::new(),
            hosts_file: None,
        }
    }
}

impl NetOptions {
    /// The probe configuration for this process's environment and the diagnosed go
    /// release (`major.minor`; `None`: the newest rules).
    pub fn probe_config(
        &self,
        env: &BTreeMap<String, String>,
        go_version: Option<(u32, u32)>,
    ) -> gomedic_net::ProbeConfig {
        let mut cfg = gomedic_net::ProbeConfig::new(self.deadline);
        cfg.overrides = self.overrides.clone();
        let path = self
            .hosts_file
            .clone()
            .unwrap_or_else(gomedic_net::resolve::default_hosts_file);
        // Bounded: GOMEDIC_HOSTS_FILE may name anything (a FIFO, /dev/zero, a huge file).
        cfg.hosts = read_text(&path).map(|t| (path, t));
        // url.Parse of that release (its latest patch: the minor is what is known here).
        let sem = gomedic_goenv::gosem::GoSemantics::for_version(
            go_version
                .map(|(maj, min)| format!("{maj}.{min}.99"))
                .as_deref(),
        )
        .with_godebug(env.get("GODEBUG").map(String::as_str).unwrap_or(""));
        cfg.proxy_env =
            gomedic_net::proxyenv::ProxyEnv::from_env(&|k| env.get(k).cloned()).with_semantics(sem);
        // go 1.24+: GOAUTH defaults to netrc; "off" (or another scheme only) means no
        // netrc. Older go has no GOAUTH and always reads the netrc.
        cfg.netrc_matching = gomedic_net::netrc::Matching::for_go(go_version);
        // The TLS rules of that release under this GODEBUG (cipher suites, SHA-1, RSA size).
        let minor = match go_version {
            Some((1, m)) => m,
            _ => gomedic_net::gotls::GoTls::default().minor,
        };
        cfg.go_tls = gomedic_net::gotls::GoTls::for_release(
            minor,
            env.get("GODEBUG").map(String::as_str).unwrap_or(""),
        );
        let goauth = env.get("GOAUTH").cloned().unwrap_or_default();
        if !cfg.netrc_matching.has_goauth()
            || goauth.is_empty()
            || goauth.split(';').any(|p| p.trim() == "netrc")
        {
            if let Some(p) = gomedic_net::netrc::path(&|k| env.get(k).cloned()) {
                if let Some(text) = read_text(&p) {
                    cfg.netrc = gomedic_net::netrc::parse(&text);
                }
            }
        }
        cfg
    }
}

/// A small text file gomedic reads for itself (hosts file, .netrc): at most 4 MiB of a
/// regular file, else nothing.
fn read_text(path: &Path) -> Option<String> {
    gomedic_sys::fs::read_regular_file(path, 4 << 20)
        .ok()
        .map(|d| String::from_utf8_lossy(&d).into_owned())
}

/// The go command must never switch toolchains (and download one) on gomedic's behalf.
fn go_spec(go: &Path, args: &[&str], timeout: Duration) -> Spec {
    Spec::new(go, args, timeout).env("GOTOOLCHAIN", "local")
}

/// What a path names, following symlinks.
pub fn file_kind(path: &Path) -> FileKind {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => FileKind::File,
        Ok(m) if m.is_dir() => FileKind::Dir,
        Ok(_) => FileKind::Other,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileKind::Missing,
        Err(_) => FileKind::Other,
    }
}

impl Gather for SystemGather {
    fn proxy_health(
        &self,
        urls: &[String],
        sumdb_name: Option<&str>,
        timeout: Duration,
    ) -> Vec<gomedic_facts::proxy::ProxyHealth> {
        crate::proxyprobe::probe_all(urls, sumdb_name, timeout)
    }

    fn file_kind(&self, path: &Path) -> FileKind {
        file_kind(path)
    }

    fn list_dir(&self, path: &Path) -> std::io::Result<Vec<(String, FileKind)>> {
        let mut v = Vec::new();
        for e in std::fs::read_dir(path)?.flatten() {
            if let Ok(name) = e.file_name().into_string() {
                v.push((name, file_kind(&e.path())));
            }
        }
        Ok(v)
    }

    fn canonicalize(&self, path: &Path) -> Option<std::path::PathBuf> {
        dunce::canonicalize(path).ok()
    }

    fn scan_path(&self, path_var: &std::ffi::OsStr, names: &[String], os: &str) -> PathScan {
        pathscan::scan(path_var, names, os)
    }

    fn run_go(&self, go: &Path, args: &[&str], cwd: &Path, timeout: Duration) -> exec::Result {
        let mut spec = go_spec(go, args, timeout);
        if cwd.is_dir() {
            spec = spec.cwd(cwd);
        }
        exec::run(&spec)
    }

    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        // Never blocks: a GOENV naming a FIFO or a terminal must not hang `check`.
        gomedic_fix::read_bounded(path, 4 << 20)
    }

    fn probe_dir(&self, path: &Path) -> DirProbe {
        gomedic_sys::fs::probe_dir(path)
    }

    fn build_probe(
        &self,
        go: &Path,
        env: &BTreeMap<String, String>,
        gocache: Option<&Path>,
        timeout: Duration,
    ) -> BuildProbe {
        build_probe(go, env, gocache, timeout)
    }

    fn ci_events(&self) -> Result<Vec<gomedic_sys::winsec::CiEvent>, String> {
        gomedic_sys::winsec::code_integrity_events(200)
    }

    fn smart_app_control(&self) -> Result<Option<u32>, String> {
        gomedic_sys::registry::read_hklm_dword(
            "SYSTEM\\CurrentControlSet\\Control\\CI\\Policy",
            "VerifiedAndReputablePolicyState",
        )
        .map_err(|e| e.to_string())
    }

    fn long_paths_enabled(&self) -> Result<Option<u32>, String> {
        gomedic_sys::registry::read_hklm_dword(
            "SYSTEM\\CurrentControlSet\\Control\\FileSystem",
            "LongPathsEnabled",
        )
        .map_err(|e| e.to_string())
    }

    fn canary(
        &self,
        go: &Path,
        env: &BTreeMap<String, String>,
        timeout: Duration,
    ) -> gomedic_facts::CanaryProbe {
        canary(go, env, timeout)
    }

    fn security(&self) -> gomedic_sys::winsec::Snapshot {
        gomedic_sys::winsec::snapshot()
    }

    fn dev_drive(&self, path: &Path) -> Result<Option<(bool, bool)>, String> {
        gomedic_sys::winsec::is_dev_drive(path)
    }

    fn win_trust(&self, path: &Path) -> Result<i32, String> {
        gomedic_sys::wintrust::verify_trust(path)
    }

    fn authenticode(&self, path: &Path) -> Result<gomedic_authenticode::Report, String> {
        let data = gomedic_sys::fs::read_regular_file(path, 4 << 30)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(gomedic_authenticode::verify(&data))
    }

    fn registry_paths(
        &self,
    ) -> Result<
        (
            Option<gomedic_sys::registry::RegValue>,
            Option<gomedic_sys::registry::RegValue>,
        ),
        String,
    > {
        use gomedic_sys::registry::{read, Scope};
        let user = read(Scope::User).map_err(|e| format!("{}: {e}", Scope::User.spec()))?;
        let machine =
            read(Scope::Machine).map_err(|e| format!("{}: {e}", Scope::Machine.spec()))?;
        Ok((user, machine))
    }

    fn registry_env(
        &self,
        name: &str,
    ) -> (
        Option<gomedic_sys::registry::RegValue>,
        Option<gomedic_sys::registry::RegValue>,
    ) {
        use gomedic_sys::registry::{read_value, Scope};
        // Unreadable counts as unset: the source is then "process environment", as before.
        let get = |s| read_value(s, name).ok().flatten();
        (get(Scope::User), get(Scope::Machine))
    }

    fn net_probe(
        &self,
        targets: &[(String, gomedic_core::net::EndpointKind)],
        env: &BTreeMap<String, String>,
        sumdb_name: &str,
        go_version: Option<(u32, u32)>,
    ) -> Vec<gomedic_core::net::EndpointReport> {
        let mut cfg = self.net.probe_config(env, go_version);
        cfg.sumdb_name = sumdb_name.to_string();
        let t: Vec<gomedic_net::Target> = targets
            .iter()
            .map(|(url, kind)| gomedic_net::Target {
                url: url.clone(),
                kind: *kind,
            })
            .collect();
        gomedic_net::probe_all(&t, &cfg)
    }
}

/// A throwaway module in the directory Go itself builds in (GOTMPDIR, else the OS temp
/// dir): that is where antivirus watches, so probes run there.
fn temp_module(
    env: &BTreeMap<String, String>,
    prefix: &str,
    files: &[(&str, &str)],
) -> Result<tempfile::TempDir, String> {
    let base = env
        .get("GOTMPDIR")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(&base)
        .map_err(|e| {
            format!(
                "cannot create a temporary directory in {}: {e}",
                base.display()
            )
        })?;
    for (name, body) in files {
        let p = dir.path().join(name);
        std::fs::write(&p, body).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    Ok(dir)
}

const MAIN_GO: &str =
    "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"gomedic-probe-ok\") }\n";
const TEST_GO: &str = "package main\n\nimport \"testing\"\n\nfunc TestProbe(t *testing.T) {\n\tif 1+1 != 2 {\n\t\tt.Fatal(\"arithmetic\")\n\t}\n}\n";

/// Windows keeps a process's current directory within MAX_PATH unless long paths are on;
/// asked for a longer one, Windows refuses (and Wine corrupts its heap). Why, instead of
/// starting anything in `dir`.
fn long_cwd_refusal(dir: &Path) -> Option<String> {
    let n = dir.as_os_str().to_string_lossy().encode_utf16().count();
    if !cfg!(windows) || n <= 258 {
        return None;
    }
    let on = gomedic_sys::registry::read_hklm_dword(
        "SYSTEM\\CurrentControlSet\\Control\\FileSystem",
        "LongPathsEnabled",
    );
    (!matches!(on, Ok(Some(1)))).then(|| {
        format!(
            "not started: {} is {n} characters long, over MAX_PATH (259) with LongPathsEnabled off, and Windows gives no program a current directory that long",
            dir.display()
        )
    })
}

fn build_probe(
    go: &Path,
    env: &BTreeMap<String, String>,
    gocache: Option<&Path>,
    timeout: Duration,
) -> BuildProbe {
    let mut probe = BuildProbe::default();
    let files = [
        ("go.mod", "module gomedicprobe\n\ngo 1.21\n"),
        ("main.go", MAIN_GO),
        ("main_test.go", TEST_GO),
    ];
    let dir = match temp_module(env, "gomedic-build-", &files) {
        Ok(d) => d,
        Err(e) => {
            probe.setup_error = Some(e);
            return probe;
        }
    };
    probe.workdir = Some(dir.path().to_path_buf());
    if let Some(e) = long_cwd_refusal(dir.path()) {
        probe.setup_error = Some(e);
        return probe;
    }
    probe.cache_was_cold = gocache.map(cache_is_cold);

    let exe_name = if cfg!(windows) { "probe.exe" } else { "probe" };
    let spec = |args: &[&str]| {
        go_spec(go, args, timeout)
            .cwd(dir.path())
            .env("GOPROXY", "off")
            .env("GOWORK", "off")
            .env("GO111MODULE", "on")
            .env("GOFLAGS", "-mod=mod")
    };
    let build = spec(&["build", "-o", exe_name, "."]);
    let build_res = exec::run(&build);
    let built_ok = matches!(&build_res, Ok(o) if o.success());
    probe.steps.push(BuildStep {
        name: "build",
        command: "go build".into(),
        result: build_res,
    });
    if !built_ok {
        return probe;
    }
    let exe = dir.path().join(exe_name);
    if !exe.exists() {
        probe.vanished = true;
        return probe;
    }
    let run =
        exec::run(&Spec::new(&exe, &[], timeout.min(Duration::from_secs(60))).cwd(dir.path()));
    // Output other than ours means something replaced or wrapped the binary.
    let run = match run {
        Ok(o) if o.success() && !o.stdout_str().contains("gomedic-probe-ok") => Ok(exec::Output {
            exit: exec::Exit::Code(-1),
            stderr: b"unexpected output from the probe binary".to_vec(),
            ..o
        }),
        r => r,
    };
    probe.steps.push(BuildStep {
        name: "run",
        command: format!("./{exe_name}"),
        result: run,
    });
    let test = spec(&["test", "-count=1", "."]);
    probe.steps.push(BuildStep {
        name: "test",
        command: "go test".into(),
        result: exec::run(&test),
    });
    if !exe.exists() {
        probe.vanished = true;
    }
    probe
}

/// An empty build cache has none of its 256 `xx` subdirectories populated.
fn cache_is_cold(gocache: &Path) -> bool {
    let Ok(rd) = std::fs::read_dir(gocache) else {
        return true;
    };
    !rd.filter_map(|e| e.ok())
        .filter(|e| e.file_name().len() == 2)
        .any(|e| {
            std::fs::read_dir(e.path())
                .map(|mut d| d.next().is_some())
                .unwrap_or(false)
        })
}

const CANARY_TEST: &str =
    "package canary\n\nimport \"testing\"\n\nfunc TestCanary(t *testing.T) {}\n";

/// Builds a test binary into the real temp directory (where antivirus looks) and starts
/// it five times: the first start pays for any scan, the later ones show the baseline.
fn canary(
    go: &Path,
    env: &BTreeMap<String, String>,
    timeout: Duration,
) -> gomedic_facts::CanaryProbe {
    let mut p = gomedic_facts::CanaryProbe::default();
    let files = [
        ("go.mod", "module canary\n\ngo 1.21\n"),
        ("canary_test.go", CANARY_TEST),
    ];
    let dir = match temp_module(env, "gomedic-canary-", &files) {
        Ok(d) => d,
        Err(e) => {
            p.setup_error = Some(e);
            return p;
        }
    };
    if let Some(e) = long_cwd_refusal(dir.path()) {
        p.setup_error = Some(e);
        return p;
    }
    let exe = dir.path().join(if cfg!(windows) {
        "canary.test.exe"
    } else {
        "canary.test"
    });
    let build = exec::run(
        &go_spec(
            go,
            &["test", "-c", "-o", &exe.to_string_lossy(), "."],
            timeout,
        )
        .cwd(dir.path())
        .env("GOPROXY", "off")
        .env("GOWORK", "off")
        .env("GOFLAGS", "-mod=mod"),
    );
    let ok = matches!(&build, Ok(o) if o.success());
    p.build = Some(build);
    if !ok {
        return p;
    }
    for _ in 0..5 {
        if !exe.exists() {
            p.vanished = true;
            break;
        }
        p.runs.push(exec::run(
            &Spec::new(&exe, &["-test.run", "TestCanary"], Duration::from_secs(60)).cwd(dir.path()),
        ));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canary probe itself, with a real Linux toolchain (the check runs on Windows).
    #[test]
    fn canary_builds_and_starts_a_test_binary_five_times() {
        let Some(root) = std::env::var("GOMEDIC_TEST_GOROOTS")
            .ok()
            .and_then(|v| {
                v.split(',')
                    .filter_map(|p| p.split_once('='))
                    .map(|(_, r)| std::path::PathBuf::from(r))
                    .next_back()
            })
            .or_else(|| {
                let c = std::path::PathBuf::from(std::env::var("HOME").ok()?)
                    .join(".cache/gomedic/toolchains/linux/go1.27.3/go");
                c.exists().then_some(c)
            })
        else {
            panic!("no Go toolchain: run scripts/test.sh");
        };
        let tmp = tempfile::tempdir().unwrap();
        let mut env = BTreeMap::new();
        env.insert("GOTMPDIR".to_string(), tmp.path().display().to_string());
        let p = canary(&root.join("bin/go"), &env, Duration::from_secs(300));
        assert!(p.setup_error.is_none(), "{:?}", p.setup_error);
        assert!(
            matches!(&p.build, Some(Ok(o)) if o.success()),
            "{:?}",
            p.build
        );
        assert_eq!(p.runs.len(), 5);
        assert!(p.runs.iter().all(|r| matches!(r, Ok(o) if o.success())));
        assert!(!p.vanished);
    }
}
