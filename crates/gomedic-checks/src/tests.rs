//! Checks evaluated over canned facts: the cases a Linux test machine cannot produce for
//! real (Windows NTSTATUS exit codes, WindowsApps aliases, spawn errors from antivirus).

use crate::facts::{BuildProbe, Facts, Gather};
use crate::{Policy, CHECKS};
use gomedic_core::Status;
use gomedic_facts::os::exec::{self, Exit, Failure, Output};
use gomedic_facts::os::fs::DirProbe;
use gomedic_goenv::pathscan::{Candidate, CandidateKind, EntryProblem, PathEntry, PathScan};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Canned {
    sac: Option<u32>,
    canary: Option<crate::facts::CanaryProbe>,
    security: Option<gomedic_facts::os::winsec::Snapshot>,
    zone: Option<Vec<u8>>,
    user_path: Option<gomedic_facts::os::registry::RegValue>,
    machine_path: Option<gomedic_facts::os::registry::RegValue>,
    /// HKCU\Environment and machine Environment values, by name.
    reg_env: Vec<(
        String,
        Option<gomedic_facts::os::registry::RegValue>,
        Option<gomedic_facts::os::registry::RegValue>,
    )>,
    /// Real files read for `read_file` (other than Zone.Identifier streams).
    real_files: bool,
    scan: PathScan,
    version: exec::Result,
    env_json: exec::Result,
    extra: Extra,
}

/// Facts for the directory and binary cases: LongPathsEnabled, GOTMPDIR state, file bodies.
#[derive(Default)]
struct Extra {
    long_paths: Option<u32>,
    missing_dirs: Vec<PathBuf>,
    files: BTreeMap<PathBuf, Vec<u8>>,
    dirs: Vec<PathBuf>,
    /// Tool copies found, and the build info of each path.
    tools: Option<gomedic_tools::Discovery>,
    build: BTreeMap<PathBuf, gomedic_buildinfo::BuildInfo>,
}

impl Canned {
    /// go.exe in C:\Go\bin answering `go version` with `version`; nothing else gathered.
    fn windows(version: exec::Result) -> Self {
        Canned {
            extra: Extra::default(),
            sac: None,
            canary: None,
            security: None,
            zone: None,
            user_path: None,
            machine_path: None,
            reg_env: Vec::new(),
            real_files: false,
            scan: win_scan("C:\\Go\\bin", CandidateKind::Executable),
            version,
            env_json: out(0, "{}"),
        }
    }
}

impl Gather for Canned {
    fn file_kind(&self, p: &Path) -> crate::facts::FileKind {
        use crate::facts::FileKind;
        if self.extra.files.contains_key(p) {
            return FileKind::File;
        }
        if self.extra.dirs.iter().any(|d| d == p) {
            return FileKind::Dir;
        }
        match std::fs::metadata(p) {
            Ok(m) if m.is_file() => FileKind::File,
            Ok(m) if m.is_dir() => FileKind::Dir,
            Ok(_) => FileKind::Other,
            Err(_) => FileKind::Missing,
        }
    }
    fn list_dir(&self, p: &Path) -> std::io::Result<Vec<(String, crate::facts::FileKind)>> {
        let mut v = Vec::new();
        for e in std::fs::read_dir(p)?.flatten() {
            v.push((
                e.file_name().to_string_lossy().into_owned(),
                self.file_kind(&e.path()),
            ));
        }
        Ok(v)
    }
    fn canonicalize(&self, p: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(p).ok()
    }
    fn scan_path(&self, _: &std::ffi::OsStr, _: &[String], _: &str) -> PathScan {
        self.scan.clone()
    }
    fn run_go(&self, _: &Path, args: &[&str], _: &Path, _: Duration) -> exec::Result {
        if args[0] == "version" {
            self.version.clone()
        } else {
            self.env_json.clone()
        }
    }
    fn read_file(&self, p: &Path) -> std::io::Result<Vec<u8>> {
        if let Some(b) = self.extra.files.get(p) {
            return Ok(b.clone());
        }
        match &self.zone {
            Some(z) if p.to_string_lossy().ends_with(":Zone.Identifier") => Ok(z.clone()),
            // Off Windows a stream is a file named `FILE:Zone.Identifier`.
            _ if self.real_files => std::fs::read(p),
            _ => Err(std::io::ErrorKind::NotFound.into()),
        }
    }
    fn long_paths_enabled(&self) -> Result<Option<u32>, String> {
        Ok(self.extra.long_paths)
    }
    fn discover_tools(&self, dirs: &gomedic_tools::ToolDirs) -> gomedic_tools::Discovery {
        match &self.extra.tools {
            Some(d) => d.clone(),
            None => gomedic_tools::discover(dirs),
        }
    }
    fn build_info(&self, p: &Path) -> Result<Option<gomedic_buildinfo::BuildInfo>, String> {
        Ok(self.extra.build.get(p).cloned())
    }
    fn editor_config(&self, i: &gomedic_tools::EditorInputs) -> gomedic_tools::EditorConfig {
        gomedic_tools::EditorConfig {
            os: i.os.clone(),
            ..Default::default()
        }
    }
    fn probe_dir(&self, p: &Path) -> DirProbe {
        DirProbe {
            path: p.into(),
            exists: !self.extra.missing_dirs.iter().any(|d| d == p),
            not_a_dir: false,
            probed: Some(p.into()),
            writable: Ok(()),
            free_bytes: Some(1 << 40),
            owner_uid: None,
            process_uid: None,
            read_only_fs: false,
        }
    }
    fn build_probe(
        &self,
        _: &Path,
        _: &BTreeMap<String, String>,
        _: Option<&Path>,
        _: Duration,
    ) -> BuildProbe {
        BuildProbe::default()
    }
    fn ci_events(&self) -> Result<Vec<gomedic_facts::os::winsec::CiEvent>, String> {
        Ok(vec![
            gomedic_facts::os::winsec::CiEvent { event_id: 3077, time: "2026-11-21T09:30:12Z".into(), file: "\\Device\\HarddiskVolume3\\Users\\dev\\AppData\\Local\\Temp\\go-build1\\b001\\exe\\app.test.exe".into(), process: "go.exe".into() },
            gomedic_facts::os::winsec::CiEvent { event_id: 3077, time: "2026-11-20T09:30:12Z".into(), file: "\\Device\\HarddiskVolume3\\Tools\\other.exe".into(), process: "explorer.exe".into() },
        ])
    }
    fn smart_app_control(&self) -> Result<Option<u32>, String> {
        Ok(self.sac)
    }
    fn canary(
        &self,
        _: &Path,
        _: &BTreeMap<String, String>,
        _: Duration,
    ) -> crate::facts::CanaryProbe {
        self.canary.clone().unwrap_or_default()
    }
    fn security(&self) -> gomedic_facts::os::winsec::Snapshot {
        self.security.clone().unwrap_or_else(|| {
            let e = || "not recorded".to_string();
            gomedic_facts::os::winsec::Snapshot {
                status: Err(e()),
                prefs: Err(e()),
                detections: Err(e()),
                products: Err(e()),
                firewall: Err(e()),
            }
        })
    }
    fn dev_drive(&self, _: &Path) -> Result<Option<(bool, bool)>, String> {
        Ok(Some((false, false)))
    }
    fn win_trust(&self, _: &Path) -> Result<i32, String> {
        Err("not in tests".into())
    }
    fn authenticode(&self, p: &Path) -> Result<gomedic_authenticode::Report, String> {
        if let Some(b) = self.extra.files.get(p) {
            return Ok(gomedic_authenticode::verify(b));
        }
        Err("not in tests".into())
    }
    fn registry_paths(&self) -> crate::facts::RegistryPaths {
        Ok((self.user_path.clone(), self.machine_path.clone()))
    }
    fn registry_env(
        &self,
        name: &str,
    ) -> (
        Option<gomedic_facts::os::registry::RegValue>,
        Option<gomedic_facts::os::registry::RegValue>,
    ) {
        self.reg_env
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, u, m)| (u.clone(), m.clone()))
            .unwrap_or_default()
    }
    fn net_probe(
        &self,
        _: &[(String, gomedic_core::net::EndpointKind)],
        _: &BTreeMap<String, String>,
        _: &str,
        _: Option<(u32, u32)>,
    ) -> Vec<gomedic_core::net::EndpointReport> {
        Vec::new()
    }
}

fn out(code: i64, stdout: &str) -> exec::Result {
    Ok(Output {
        exit: Exit::Code(code),
        stdout: stdout.as_bytes().to_vec(),
        stderr: Vec::new(),
        duration: Duration::from_millis(5),
    })
}

fn win_scan(dir: &str, kind: CandidateKind) -> PathScan {
    let path = PathBuf::from(format!("{dir}\\go.exe"));
    PathScan {
        entries: vec![PathEntry {
            index: 0,
            raw: dir.into(),
            display: dir.into(),
            non_utf8: false,
            problems: vec![],
        }],
        candidates: vec![Candidate {
            entry: 0,
            path,
            resolved: None,
            kind,
            goroot: None,
            goroot_version: None,
        }],
    }
}

fn facts(os: &str, g: Canned) -> Facts {
    facts_env(os, BTreeMap::new(), g)
}

fn facts_env(os: &str, env: BTreeMap<String, String>, g: Canned) -> Facts {
    Facts::new(
        os,
        env,
        "".into(),
        PathBuf::from("C:\\work"),
        None,
        Policy::default(),
        Box::new(g),
    )
}

fn eval(f: &Facts, id: &str) -> gomedic_core::CheckResult {
    let r = (CHECKS.iter().find(|c| c.meta.id == id).unwrap().run)(f);
    if f.windows() {
        assert_both_shells(&r);
    }
    r
}

/// Windows advice comes in both shells: a fix with a PowerShell-only command also has a
/// cmd one (issue #11). Checked on every Windows evaluation in these tests.
fn assert_both_shells(r: &gomedic_core::CheckResult) {
    for fx in &r.fixes {
        let ps_only = |c: &str| {
            let c = c.trim_start();
            c.starts_with("$env:")
                || c.starts_with("Remove-Item Env:")
                || c.starts_with("New-Item ")
                || c.starts_with("Set-ItemProperty")
                || c.starts_with("New-ItemProperty")
                || c.starts_with("Remove-ItemProperty")
        };
        let cmd_form = |c: &str| {
            let c = c.trim_start();
            c.starts_with("set ")
                || c.starts_with("reg ")
                || c.starts_with("mkdir ")
                || c.starts_with("rmdir ")
                || c.starts_with("powershell ")
                || c.starts_with("go ")
                || c.starts_with("gomedic ")
                || c.contains("& rem cmd")
        };
        // cmd has no `#` comments, and `set X=v   # ...` would keep the comment in X.
        for c in &fx.commands {
            let t = c.trim_start();
            if ["set ", "reg ", "mkdir ", "rmdir "]
                .iter()
                .any(|p| t.starts_with(p))
            {
                assert!(
                    !t.contains(" # "),
                    "{}: a cmd line with a # comment: {t}",
                    fx.id
                );
                assert!(
                    !t.starts_with("set ") || t.starts_with("set \""),
                    "{}: an unquoted cmd set: {t}",
                    fx.id
                );
            }
        }
        if fx.commands.iter().any(|c| ps_only(c)) {
            assert!(
                fx.commands.iter().any(|c| cmd_form(c)),
                "{}: fix {} gives PowerShell commands only: {:#?}",
                r.summary,
                fx.id,
                fx.commands
            );
        }
    }
}

#[test]
fn ntstatus_access_denied_is_named() {
    let f = facts("windows", Canned::windows(out(0xC0000022, "")));
    let r = eval(&f, "go.runs");
    assert_eq!(r.status, Status::Error);
    assert!(
        r.summary.contains("0xC0000022 STATUS_ACCESS_DENIED"),
        "{}",
        r.summary
    );
    assert_eq!(r.data["classification"], "exit_code");
    assert_eq!(r.data["ntstatus"], "STATUS_ACCESS_DENIED");
    assert!(r.fixes.iter().any(|x| x.id == "av.check"));
}

#[test]
fn antivirus_spawn_refusal_is_permission_denied() {
    let f = facts(
        "windows",
        Canned::windows(Err(Failure::PermissionDenied {
                message: "C:\\Go\\bin\\go.exe: Operation did not complete successfully because the file contains a virus. (os error 225)".into(),
                os_code: Some(225),
            })),
    );
    let r = eval(&f, "go.runs");
    assert_eq!(r.data["classification"], "permission_denied");
    assert!(r.details.iter().any(|d| d.contains("antivirus")));
}

#[test]
fn windowsapps_alias_is_an_error() {
    let f = facts(
        "windows",
        Canned {
            extra: Extra::default(),
            user_path: None,
            machine_path: None,
            reg_env: Vec::new(),
            real_files: false,
            zone: None,
            security: None,
            sac: None,
            canary: None,
            scan: win_scan(
                "C:\\Users\\u\\AppData\\Local\\Microsoft\\WindowsApps",
                CandidateKind::WindowsAppsAlias,
            ),
            version: out(0, "go version go1.22.10 windows/amd64\n"),
            env_json: out(0, "{}"),
        },
    );
    // Windows runs the alias, so it is what `go` means here; the report says it is a trap.
    let r = eval(&f, "go.binary");
    assert_eq!(r.status, Status::Error);
    assert!(
        r.summary.contains("WindowsApps app execution alias"),
        "{r:?}"
    );
}

#[test]
fn unknown_ntstatus_still_gets_hex() {
    let f = facts("windows", Canned::windows(out(0xC0001234, "")));
    let r = eval(&f, "go.runs");
    assert!(r.summary.contains("0xC0001234"), "{}", r.summary);
}

/// No go, no files.
fn empty_facts() -> Facts {
    facts(
        "linux",
        Canned {
            extra: Extra::default(),
            user_path: None,
            machine_path: None,
            reg_env: Vec::new(),
            real_files: false,
            zone: None,
            security: None,
            sac: None,
            canary: None,
            scan: PathScan::default(),
            version: Err(Failure::NotFound {
                message: "x".into(),
            }),
            env_json: out(1, ""),
        },
    )
}

#[test]
fn every_check_survives_empty_facts() {
    // No go, no files: every check must return a status, never panic.
    let f = empty_facts();
    for c in CHECKS {
        let r = (c.run)(&f);
        assert!(!r.summary.is_empty(), "{}", c.meta.id);
    }
}

fn win_facts_with_user_path(v: gomedic_facts::os::registry::RegValue) -> Facts {
    let mut env = BTreeMap::new();
    env.insert("USERPROFILE".to_string(), "C:\\Users\\dev".to_string());
    let g = Canned {
        user_path: Some(v),
        ..Canned::windows(out(0, "go version go1.27.3 windows/amd64\n"))
    };
    facts_env("windows", env, g)
}

#[test]
fn win_path_repair_keeps_vars_and_drops_duplicates() {
    use gomedic_facts::os::registry::{RegValue, REG_EXPAND_SZ, REG_SZ};
    let f = win_facts_with_user_path(RegValue {
        kind: REG_SZ,
        data: "%USERPROFILE%\\go\\bin;C:\\Tools;c:\\tools\\".into(),
    });
    let r = eval(&f, "win.path");
    assert_eq!(r.status, Status::Warn, "{r:?}");
    assert!(r.summary.contains("REG_SZ"), "{}", r.summary);
    let fix = r
        .fixes
        .iter()
        .find(|x| x.id == "win.path-repair")
        .expect("repair proposed");
    match &fix.action {
        Some(gomedic_core::FixAction::RegistryPath {
            value,
            value_type,
            data,
        }) => {
            assert_eq!(value, "HKCU\\Environment\\Path");
            assert_eq!(*value_type, REG_EXPAND_SZ);
            // The working go's folder (C:\\Go\\bin) is added too.
            assert_eq!(data, "%USERPROFILE%\\go\\bin;C:\\Tools;C:\\Go\\bin");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn win_path_setx_truncation_is_an_error() {
    use gomedic_facts::os::registry::{RegValue, REG_EXPAND_SZ};
    let mut data = "C:\\a;".repeat(204);
    data.push_str("C:\\b");
    assert_eq!(data.len(), 1024);
    let f = win_facts_with_user_path(RegValue {
        kind: REG_EXPAND_SZ,
        data,
    });
    let r = eval(&f, "win.path");
    assert_eq!(r.status, Status::Error);
    assert!(r.summary.contains("1024"), "{}", r.summary);
    // Off Windows the check is skipped.
    let linux = facts(
        "linux",
        Canned {
            extra: Extra::default(),
            scan: PathScan::default(),
            version: out(1, ""),
            env_json: out(1, ""),
            user_path: None,
            machine_path: None,
            reg_env: Vec::new(),
            real_files: false,
            zone: None,
            security: None,
            sac: None,
            canary: None,
        },
    );
    assert_eq!(eval(&linux, "win.path").status, Status::Skipped);
}

#[test]
fn motw_on_go_exe_is_reported_with_origin_and_unblock_fix() {
    let zone = b"[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=https://go.dev/dl/\r\nHostUrl=https://dl.google.com/go/go1.22.10.windows-amd64.zip\r\n".to_vec();
    let f = facts(
        "windows",
        Canned {
            zone: Some(zone),
            ..Canned::windows(out(0, "go version go1.22.10 windows/amd64\n"))
        },
    );
    let r = eval(&f, "win.motw");
    assert_eq!(r.status, Status::Warn, "{r:?}");
    assert!(
        r.details
            .iter()
            .any(|d| d.contains("Internet") && d.contains("dl.google.com")),
        "{r:?}"
    );
    match &r.fixes[0].action {
        Some(gomedic_core::FixAction::RemoveStreams { streams }) => assert_eq!(
            streams,
            &vec!["C:\\Go\\bin\\go.exe:Zone.Identifier".to_string()]
        ),
        other => panic!("{other:?}"),
    }
    // UTF-16 streams (written by some browsers) parse too.
    let mut u16 = vec![0xff, 0xfe];
    for c in "[ZoneTransfer]\r\nZoneId=4\r\n".encode_utf16() {
        u16.extend_from_slice(&c.to_le_bytes());
    }
    assert_eq!(crate::winmotw::parse_zone(&u16).zone, Some(4));
}

fn win_with_security(fixture: &str) -> Facts {
    let snap: gomedic_facts::os::winsec::Snapshot = serde_json::from_str(fixture).expect("fixture");
    let mut env = BTreeMap::new();
    env.insert("USERPROFILE".to_string(), "C:\\Users\\dev".to_string());
    env.insert(
        "TEMP".to_string(),
        "C:\\Users\\dev\\AppData\\Local\\Temp".to_string(),
    );
    env.insert(
        "GOCACHE".to_string(),
        "C:\\Users\\dev\\AppData\\Local\\go-build".to_string(),
    );
    let g = Canned {
        security: Some(snap),
        ..Canned::windows(out(0, "go version go1.22.10 windows/amd64\n"))
    };
    facts_env("windows", env, g)
}

#[test]
fn defender_as_administrator_finds_quarantined_test_binary() {
    let f = win_with_security(include_str!("fixtures/defender-admin.json"));
    let r = eval(&f, "win.defender");
    assert_eq!(r.status, Status::Error, "{r:#?}");
    assert!(
        r.details
            .iter()
            .any(|d| d.contains("Wacatac") && d.contains("go-build")),
        "{r:#?}"
    );
    assert!(
        !r.details.iter().any(|d| d.contains("toolbar.exe")),
        "unrelated detections are left out"
    );
    assert!(
        r.details
            .iter()
            .any(|d| d.contains("GOPATH") && d.contains("scanned in real time")),
        "{r:#?}"
    );
    let ex = r
        .fixes
        .iter()
        .find(|x| x.id == "win.defender-exclusions")
        .expect("exclusion fix");
    assert!(ex
        .commands
        .iter()
        .any(|c| c.contains("-ExclusionProcess 'compile.exe'")));
    assert!(
        !ex.commands.iter().any(|c| c.contains("'C:\\Go'")),
        "already excluded"
    );
    assert!(ex.automatic);
    assert!(
        ex.commands.iter().any(|c| c.contains("Temp\\go-build*")),
        "{:?}",
        ex.commands
    );
    assert!(
        !ex.commands.iter().any(|c| c.contains("pkg\\mod")),
        "GOMODCACHE is inside GOPATH: {:?}",
        ex.commands
    );
    match &ex.action {
        Some(gomedic_core::FixAction::DefenderExclusions { paths, processes }) => {
            assert!(paths.iter().any(|p| p.ends_with("\\go")), "{paths:?}");
            assert_eq!(
                processes,
                &vec![
                    "go.exe".to_string(),
                    "compile.exe".to_string(),
                    "link.exe".to_string()
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    let fw = eval(&f, "win.firewall");
    assert_eq!(fw.status, Status::Warn, "{fw:#?}");
    assert!(fw
        .fixes
        .iter()
        .any(|x| x.id == "win.firewall-dlv" && x.commands[0].contains("-RemoteAddress 127.0.0.1")));
    let dlv = fw
        .fixes
        .iter()
        .find(|x| x.id == "win.firewall-dlv")
        .unwrap();
    assert!(
        matches!(&dlv.action, Some(gomedic_core::FixAction::FirewallRule { local_ports, remote_address, .. }) if local_ports == "2345-2349" && remote_address == "127.0.0.1")
    );
    assert_eq!(eval(&f, "win.av").status, Status::Ok);
    let dd = eval(&f, "win.devdrive");
    assert!(
        dd.details
            .iter()
            .any(|d| d.contains("performance mode: disabled")),
        "{dd:#?}"
    );
}

#[test]
fn defender_without_administrator_rights_does_not_guess() {
    let f = win_with_security(include_str!("fixtures/defender-user.json"));
    let r = eval(&f, "win.defender");
    assert_eq!(r.status, Status::Ok, "{r:#?}");
    assert!(r
        .details
        .iter()
        .any(|d| d.contains("hidden from non-administrators")));
    assert!(r.fixes.is_empty());
    let av = eval(&f, "win.av");
    assert_eq!(av.status, Status::Warn);
    assert!(
        av.summary.contains("Contoso Endpoint Security"),
        "{}",
        av.summary
    );
}

#[test]
fn defender_passive_behind_other_av() {
    let f = win_with_security(include_str!("fixtures/defender-passive.json"));
    let r = eval(&f, "win.defender");
    assert_eq!(r.status, Status::Skipped, "{r:#?}");
    assert!(r.summary.contains("0x800106BA"));
    assert_eq!(eval(&f, "win.av").status, Status::Skipped);
    // No Defender at all (its WMI namespace is missing, as under Wine or on some servers).
    let none = win_with_security(
        r#"{"status":{"Err":"WMI namespace ROOT\\Microsoft\\Windows\\Defender: HRESULT Call failed with: 0x8004100E"},"prefs":{"Err":"x"},"detections":{"Err":"x"},"products":{"Err":"x"},"firewall":{"Err":"x"}}"#,
    );
    let r = eval(&none, "win.defender");
    assert_eq!(r.status, Status::Skipped, "{r:#?}");
    assert!(r.summary.contains("not installed"));
}

fn ok_run(ms_: u64) -> exec::Result {
    Ok(Output {
        exit: Exit::Code(0),
        stdout: b"PASS\n".to_vec(),
        stderr: vec![],
        duration: Duration::from_millis(ms_),
    })
}

#[test]
fn canary_reads_scanning_blocking_and_quarantine() {
    let f = facts(
        "windows",
        Canned {
            sac: Some(1),
            ..Canned::windows(out(0, "go version go1.22.10 windows/amd64\n"))
        },
    );
    let probe = |runs: Vec<exec::Result>, vanished: bool| crate::facts::CanaryProbe {
        setup_error: None,
        build: Some(ok_run(900)),
        runs,
        vanished,
    };
    let scanned = crate::wincanary::evaluate(
        &probe(
            vec![ok_run(2400), ok_run(40), ok_run(35), ok_run(38), ok_run(41)],
            false,
        ),
        &f,
    );
    assert_eq!(scanned.status, Status::Warn, "{scanned:#?}");
    assert!(scanned.summary.contains("longer"), "{}", scanned.summary);
    assert_eq!(scanned.data["first_start_ms"], 2400);
    let fine =
        crate::wincanary::evaluate(&probe(vec![ok_run(60), ok_run(40), ok_run(35)], false), &f);
    assert_eq!(fine.status, Status::Ok);
    let denied = crate::wincanary::evaluate(
        &probe(
            vec![Err(Failure::PermissionDenied {
                message: "Access is denied. (os error 5)".into(),
                os_code: Some(5),
            })],
            false,
        ),
        &f,
    );
    assert_eq!(denied.status, Status::Error);
    assert!(denied.summary.contains("blocked"));
    let gone = crate::wincanary::evaluate(&probe(vec![ok_run(50)], true), &f);
    assert!(gone.summary.contains("quarantined"));
    let nt = crate::wincanary::evaluate(&probe(vec![out(0xC0000022, "")], false), &f);
    assert!(
        nt.summary.contains("STATUS_ACCESS_DENIED"),
        "{}",
        nt.summary
    );
    // Smart App Control on is a warning with the reason.
    let sac = eval(&f, "win.smartscreen");
    assert_eq!(sac.status, Status::Error, "{sac:#?}");
    assert!(sac.summary.contains("blocked 1 Go"), "{}", sac.summary);
    assert!(
        sac.details.iter().any(|d| d.contains("app.test.exe"))
            && !sac.details.iter().any(|d| d.contains("other.exe"))
    );
}

/// A problem without a registered code cannot be suppressed, explained or alerted on.
fn assert_coded(what: &str, r: &gomedic_core::CheckResult) {
    if matches!(
        r.status,
        Status::Warn | Status::Error | Status::Timeout | Status::Failed
    ) {
        assert!(
            !r.findings.is_empty(),
            "{what}: {} without a finding: {r:#?}",
            r.status.as_str()
        );
    }
    for x in &r.findings {
        assert!(
            crate::Code::ALL.iter().any(|c| c.as_str() == x.code),
            "{what}: finding code {} is not in the registry",
            x.code
        );
    }
}

#[test]
fn every_problem_has_a_registered_code() {
    use gomedic_facts::os::registry::{RegValue, REG_EXPAND_SZ, REG_SZ};
    let win_go = || out(0, "go version go1.22.10 windows/amd64\n");
    let mut setx = "C:\\a;".repeat(204);
    setx.push_str("C:\\b");
    let situations: Vec<(&str, Facts)> = vec![
        ("empty facts", empty_facts()),
        ("NTSTATUS access denied", facts("windows", Canned::windows(out(0xC0000022, "")))),
        ("unknown NTSTATUS", facts("windows", Canned::windows(out(0xC0001234, "")))),
        (
            "antivirus refuses go.exe",
            facts(
                "windows",
                Canned::windows(Err(Failure::PermissionDenied {
                    message: "Operation did not complete successfully because the file contains a virus. (os error 225)".into(),
                    os_code: Some(225),
                })),
            ),
        ),
        (
            "go.exe cannot start",
            facts(
                "windows",
                Canned::windows(Err(Failure::SpawnFailed {
                    message: "%1 is not a valid Win32 application. (os error 193)".into(),
                    os_code: Some(193),
                })),
            ),
        ),
        (
            "go.exe vanished",
            facts("windows", Canned::windows(Err(Failure::NotFound { message: "gone".into() }))),
        ),
        (
            "go hangs",
            facts(
                "windows",
                Canned {
                    env_json: Err(Failure::Timeout {
                        after: Duration::from_secs(10),
                        stdout: vec![],
                        stderr: vec![],
                    }),
                    ..Canned::windows(Err(Failure::Timeout {
                        after: Duration::from_secs(10),
                        stdout: vec![],
                        stderr: b"waiting".to_vec(),
                    }))
                },
            ),
        ),
        (
            "go killed",
            facts(
                "linux",
                Canned::windows(Ok(Output {
                    exit: Exit::Signal(9),
                    stdout: vec![],
                    stderr: vec![],
                    duration: Duration::from_millis(5),
                })),
            ),
        ),
        (
            "go prints garbage",
            facts(
                "windows",
                Canned {
                    env_json: out(0, "{not json"),
                    ..Canned::windows(out(0, "hello\n"))
                },
            ),
        ),
        (
            "WindowsApps alias",
            facts(
                "windows",
                Canned {
                    scan: win_scan(
                        "C:\\Users\\u\\AppData\\Local\\Microsoft\\WindowsApps",
                        CandidateKind::WindowsAppsAlias,
                    ),
                    ..Canned::windows(win_go())
                },
            ),
        ),
        (
            "REG_SZ user PATH",
            win_facts_with_user_path(RegValue {
                kind: REG_SZ,
                data: "%USERPROFILE%\\go\\bin;C:\\Tools;c:\\tools\\".into(),
            }),
        ),
        (
            "setx-truncated user PATH",
            win_facts_with_user_path(RegValue {
                kind: REG_EXPAND_SZ,
                data: setx,
            }),
        ),
        (
            "Mark-of-the-Web",
            facts(
                "windows",
                Canned {
                    zone: Some(b"[ZoneTransfer]\r\nZoneId=3\r\n".to_vec()),
                    ..Canned::windows(win_go())
                },
            ),
        ),
        ("Defender as administrator", win_with_security(include_str!("fixtures/defender-admin.json"))),
        ("Defender as user", win_with_security(include_str!("fixtures/defender-user.json"))),
        ("Defender passive", win_with_security(include_str!("fixtures/defender-passive.json"))),
        (
            "Smart App Control on",
            facts(
                "windows",
                Canned {
                    sac: Some(1),
                    ..Canned::windows(win_go())
                },
            ),
        ),
    ];
    let mut situations = situations;
    // A PATH with every kind of bad entry, a broken go before the winner, and an older
    // Go installation it shadows.
    let entry = |index: usize, dir: &str, problems: Vec<EntryProblem>| PathEntry {
        index,
        raw: dir.into(),
        display: dir.into(),
        non_utf8: false,
        problems,
    };
    let cand = |entry: usize, dir: &str, kind: CandidateKind, version: Option<&str>| Candidate {
        entry,
        path: PathBuf::from(format!("{dir}\\go.exe")),
        resolved: None,
        kind,
        goroot: None,
        goroot_version: version.map(str::to_string),
    };
    let messy = PathScan {
        entries: vec![
            entry(0, "", vec![EntryProblem::Empty]),
            entry(1, "bin", vec![EntryProblem::Relative]),
            entry(2, "\"C:\\Q\"", vec![EntryProblem::Quoted]),
            entry(3, "%FOO%\\bin", vec![EntryProblem::UnexpandedVariable]),
            entry(4, "C:\\file.txt", vec![EntryProblem::NotADirectory]),
            entry(5, "C:\\Broken", vec![]),
            entry(6, "C:\\Go\\bin", vec![]),
            entry(7, "C:\\Old\\bin", vec![]),
            entry(8, "C:\\Go\\bin", vec![EntryProblem::Duplicate(6)]),
        ],
        candidates: vec![
            cand(5, "C:\\Broken", CandidateKind::BrokenLink, None),
            cand(
                6,
                "C:\\Go\\bin",
                CandidateKind::Executable,
                Some("go1.22.10"),
            ),
            cand(
                7,
                "C:\\Old\\bin",
                CandidateKind::Executable,
                Some("go1.20.1"),
            ),
        ],
    };
    situations.push((
        "messy PATH",
        facts(
            "windows",
            Canned {
                scan: messy,
                ..Canned::windows(win_go())
            },
        ),
    ));
    let mut only_broken = win_scan("C:\\Go\\bin", CandidateKind::Directory);
    only_broken.candidates[0].kind = CandidateKind::NotExecutable;
    situations.push((
        "only a broken go",
        facts(
            "windows",
            Canned {
                scan: only_broken,
                ..Canned::windows(win_go())
            },
        ),
    ));
    situations.push((
        "go env fails",
        facts(
            "windows",
            Canned {
                env_json: out(1, ""),
                ..Canned::windows(win_go())
            },
        ),
    ));
    // An old go under settings that break it.
    let env: BTreeMap<String, String> = [
        ("GOTOOLCHAIN", "bogus"),
        ("GOCACHE", "off"),
        ("GOPATH", "relative\\go"),
        ("GOFLAGS", "-insecure"),
        ("GOINSECURE", "*"),
        ("GOPROXY", "off"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    situations.push((
        "old go, broken settings",
        facts_env(
            "windows",
            env,
            Canned::windows(out(0, "go version go1.20.5 windows/amd64\n")),
        ),
    ));
    situations.push((
        "denied go",
        facts(
            "windows",
            Canned::windows(out(0, "go version go1.21.0 windows/amd64\n")),
        ),
    ));
    let mut seen = std::collections::BTreeSet::new();
    for (what, f) in &situations {
        for c in CHECKS {
            let r = (c.run)(f);
            assert_coded(&format!("{what}: {}", c.meta.id), &r);
            seen.extend(r.findings.iter().map(|x| x.code.clone()));
        }
    }
    // The canary's verdicts, from recorded probes.
    let f = &situations
        .iter()
        .find(|(w, _)| *w == "Smart App Control on")
        .unwrap()
        .1;
    let probe = |build: Option<exec::Result>, runs: Vec<exec::Result>, vanished: bool| {
        crate::facts::CanaryProbe {
            setup_error: None,
            build,
            runs,
            vanished,
        }
    };
    let ok = || Some(ok_run(900));
    let probes = vec![
        probe(
            ok(),
            vec![ok_run(2400), ok_run(40), ok_run(35), ok_run(38)],
            false,
        ),
        probe(
            ok(),
            vec![Err(Failure::PermissionDenied {
                message: "Access is denied.".into(),
                os_code: Some(5),
            })],
            false,
        ),
        probe(
            ok(),
            vec![Err(Failure::NotFound {
                message: "gone".into(),
            })],
            false,
        ),
        probe(
            ok(),
            vec![Err(Failure::SpawnFailed {
                message: "bad exe".into(),
                os_code: None,
            })],
            false,
        ),
        probe(
            ok(),
            vec![Err(Failure::Timeout {
                after: Duration::from_secs(60),
                stdout: vec![],
                stderr: vec![],
            })],
            false,
        ),
        probe(ok(), vec![ok_run(50)], true),
        probe(ok(), vec![ok_run(50)], false),
        probe(ok(), vec![out(0xC0000022, "")], false),
        probe(Some(out(1, "")), vec![], false),
        probe(
            Some(Err(Failure::NotFound {
                message: "no go".into(),
            })),
            vec![],
            false,
        ),
        probe(None, vec![], false),
        crate::facts::CanaryProbe {
            setup_error: Some("disk full".into()),
            ..Default::default()
        },
    ];
    for p in &probes {
        let r = crate::wincanary::evaluate(p, f);
        assert_coded("win.canary", &r);
        seen.extend(r.findings.iter().map(|x| x.code.clone()));
    }
    // The build probe's verdicts, from recorded probes.
    let step = |name: &'static str, result: exec::Result| crate::facts::BuildStep {
        name,
        command: format!("go {name}"),
        result,
    };
    let failed = |code: i64, stderr: &str| -> exec::Result {
        Ok(Output {
            exit: Exit::Code(code),
            stdout: vec![],
            stderr: stderr.as_bytes().to_vec(),
            duration: Duration::from_millis(5),
        })
    };
    let builds = vec![
        BuildProbe {
            setup_error: Some("no temp dir".into()),
            ..Default::default()
        },
        BuildProbe {
            steps: vec![step("build", failed(1, "main.go:1: syntax error"))],
            ..Default::default()
        },
        BuildProbe {
            steps: vec![
                step("build", ok_run(900)),
                step("run", failed(1, "fork/exec ./app: Access is denied.")),
            ],
            ..Default::default()
        },
        BuildProbe {
            steps: vec![
                step("build", ok_run(900)),
                step(
                    "run",
                    Err(Failure::NotFound {
                        message: "./app".into(),
                    }),
                ),
                step(
                    "test",
                    Err(Failure::PermissionDenied {
                        message: "denied".into(),
                        os_code: Some(5),
                    }),
                ),
                step(
                    "vet",
                    Err(Failure::SpawnFailed {
                        message: "bad exe".into(),
                        os_code: None,
                    }),
                ),
                step(
                    "race",
                    Err(Failure::Timeout {
                        after: Duration::from_secs(300),
                        stdout: vec![],
                        stderr: vec![],
                    }),
                ),
            ],
            ..Default::default()
        },
        BuildProbe {
            steps: vec![step("build", ok_run(900))],
            vanished: true,
            ..Default::default()
        },
    ];
    for p in &builds {
        let r = crate::build::evaluate(p, f);
        assert_coded("go.build", &r);
        seen.extend(r.findings.iter().map(|x| x.code.clone()));
    }
    // The situations above reach these codes (a guard against a silently dropped finding).
    for code in [
        "go.not_found",
        "go.permission_denied",
        "go.spawn_failed",
        "go.killed",
        "go.exit_code",
        "go.timeout",
        "go.bad_output",
        "goenv.no_go",
        "goenv.incomplete",
        "goenv.not_json",
        "goenv.did_not_run",
        "path.go_missing",
        "path.windowsapps_alias",
        "winpath.setx_truncated",
        "winpath.reg_sz_variables",
        "motw.internet_zone",
        "defender.scans_go_dirs",
        "defender.go_files_detected",
        "av.third_party",
        "firewall.blocks_go",
        "smart_app_control.on",
        "appcontrol.blocked_go",
        "canary.slow_first_start",
        "canary.permission_denied",
        "canary.quarantined",
        "canary.spawn_failed",
        "canary.timeout",
        "canary.too_few_runs",
        "canary.exit_code",
        "canary.build_failed",
        "canary.build_not_run",
        "canary.not_built",
        "canary.setup_failed",
        "build.setup_failed",
        "build.step_failed",
        "build.step_blocked",
        "build.not_found",
        "build.permission_denied",
        "build.spawn_failed",
        "build.timeout",
        "build.binary_vanished",
        "path.empty_entry",
        "path.relative_entry",
        "path.quoted_entry",
        "path.unexpanded_variable",
        "path.entry_not_a_directory",
        "path.broken_go",
        "path.shadowed_install",
        "path.go_unusable",
        "goenv.failed",
        "version.below_minimum",
        "version.denied",
        "gotoolchain.invalid",
        "godir.not_absolute",
        "winpath.missing_entries",
        "winpath.go_dir_missing",
    ] {
        assert!(
            seen.contains(code),
            "no situation produced {code}; seen: {seen:?}"
        );
    }
}

#[test]
fn path_tools_on_windows_repairs_the_registry_path_not_with_setenvironmentvariable() {
    let f = win_facts_with_user_path(gomedic_facts::os::registry::RegValue {
        kind: gomedic_facts::os::registry::REG_EXPAND_SZ,
        data: "C:\\Go\\bin".into(),
    });
    let r = eval(&f, "path.tools");
    assert_eq!(r.status, Status::Warn, "{r:?}");
    let fx = r
        .fixes
        .iter()
        .find(|x| x.id == "path.add-gobin")
        .expect("fix");
    let all = fx.commands.join("\n");
    assert!(all.contains("gomedic fix win.path-repair"), "{all}");
    assert!(
        all.contains("-notcontains 'C:\\Users\\dev\\go\\bin'"),
        "{all}"
    );
    // It reads the expanded PATH and writes REG_SZ: every %VARIABLE% would be frozen.
    assert!(!all.contains("SetEnvironmentVariable('Path'"), "{all}");
    assert!(!fx.commands.iter().any(|c| c.starts_with("setx")), "{all}");
}

/// go.build knows a blocked binary by its code and by its message in the system
/// language, not by English text alone.
#[test]
fn build_blocked_by_code_and_localized_text() {
    let f = facts(
        "windows",
        Canned::windows(out(0, "go version go1.22.10 windows/amd64\n")),
    );
    let run_failed = |code: i64, stderr: &[u8]| BuildProbe {
        steps: vec![crate::facts::BuildStep {
            name: "run",
            command: "go run .".into(),
            result: Ok(Output {
                exit: Exit::Code(code),
                stdout: vec![],
                stderr: stderr.to_vec(),
                duration: Duration::from_millis(5),
            }),
        }],
        ..Default::default()
    };
    let blocked = |p: &BuildProbe| {
        let r = crate::build::evaluate(p, &f);
        let codes: Vec<_> = r.findings.iter().map(|x| x.code.as_str()).collect();
        (codes.contains(&"build.step_blocked"), r.details.join("\n"))
    };
    // Chinese Windows: go prints the system message in Chinese.
    let zh = "fork/exec C:\\Users\\张三\\AppData\\Local\\Temp\\go-build1\\b001\\exe\\app.exe: 无法成功完成操作，因为文件包含病毒或潜在的垃圾软件。\n";
    let (b, d) = blocked(&run_failed(1, zh.as_bytes()));
    assert!(b && d.contains("ERROR_VIRUS_INFECTED (225)"), "{d}");
    // The binary's exit status is the NTSTATUS, whatever the language.
    let (b, d) = blocked(&run_failed(1, b"exit status 3221227782\n"));
    assert!(b && d.contains("STATUS_VIRUS_INFECTED (0xC0000906)"), "{d}");
    let (b, d) = blocked(&run_failed(0xC0000022, b""));
    assert!(b && d.contains("STATUS_ACCESS_DENIED"), "{d}");
    // No message text at all (FormatMessage failed): go's numeric form.
    let (b, d) = blocked(&run_failed(
        1,
        b"fork/exec C:\\t\\app.exe: winapi error #226\n",
    ));
    assert!(b && d.contains("ERROR_VIRUS_DELETED"), "{d}");
    // The insert of a system message is the path go named, and it is not a block.
    let (b, d) = blocked(&run_failed(
        1,
        "fork/exec C:\\t\\app.exe: %1 的 EXE 格式无效。\n".as_bytes(),
    ));
    assert!(
        !b && d.contains("C:\\t\\app.exe: C:\\t\\app.exe 的 EXE 格式无效。"),
        "{d}"
    );
    // An ordinary compile error is no block.
    let (b, _) = blocked(&run_failed(
        1,
        b"./main.go:3:2: undefined: fmt.Printl\nexit status 1\n",
    ));
    assert!(!b);
}

/// win.path, go.root advice and win.motw on Windows as users have it (issue #11).
mod windows_as_users_have_it;

// --- go.dirs: GOTMPDIR and MAX_PATH; binaries: wrappers, directories, PE machine types ---

fn codes_of(r: &gomedic_core::CheckResult) -> Vec<String> {
    r.findings.iter().map(|f| f.code.to_string()).collect()
}

fn env_of(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn missing_gotmpdir_is_an_error_on_every_os() {
    for (os, dir) in [("windows", "C:\\missing\\tmp"), ("linux", "/missing/tmp")] {
        let mut g = Canned::windows(out(0, "go version go1.22.10 windows/amd64\n"));
        g.extra.missing_dirs = vec![PathBuf::from(dir)];
        let f = facts_env(os, env_of(&[("GOTMPDIR", dir)]), g);
        let r = eval(&f, "go.dirs");
        assert_eq!(r.status, Status::Error, "{os}: {r:?}");
        assert!(
            codes_of(&r).contains(&"godir.gotmpdir_missing".to_string()),
            "{os}: {r:?}"
        );
        assert!(r.summary.contains("go: creating work dir"), "{}", r.summary);
        assert!(r.fixes.iter().any(|x| x.id == "dirs.create-gotmpdir"));
        // Moving it means unsetting it (go then uses the system temp directory), never
        // pointing it at another directory that may not exist either.
        let mv = r
            .fixes
            .iter()
            .find(|x| x.id == "dirs.relocate-gotmpdir")
            .unwrap_or_else(|| panic!("{os}: {r:?}"));
        assert!(
            mv.description.starts_with("Stop setting GOTMPDIR"),
            "{os}: {}",
            mv.description
        );
        // Other missing Go directories are still fine: go creates those.
        let mut g = Canned::windows(out(0, ""));
        g.extra.missing_dirs = vec![PathBuf::from(dir)];
        let f = facts_env(os, env_of(&[("GOCACHE", dir)]), g);
        let r = eval(&f, "go.dirs");
        assert!(
            !codes_of(&r).contains(&"godir.gotmpdir_missing".to_string()),
            "{r:?}"
        );
    }
}

#[test]
fn a_go_directory_over_max_path_is_named_with_its_length() {
    let long = format!("C:\\{}", "a".repeat(300));
    let run = |os: &str, long_paths: Option<u32>| {
        let mut g = Canned::windows(out(0, ""));
        g.extra.long_paths = long_paths;
        let f = facts_env(os, env_of(&[("GOTMPDIR", &long)]), g);
        eval(&f, "go.dirs")
    };
    let r = run("windows", None);
    assert_eq!(r.status, Status::Warn, "{r:?}");
    let msg = &r
        .findings
        .iter()
        .find(|x| x.code == "godir.too_long")
        .expect("godir.too_long")
        .message;
    assert!(
        msg.contains("GOTMPDIR") && msg.contains("303 characters"),
        "{msg}"
    );
    assert_eq!(r.data["too_long"][0]["length"], 303);
    let fix = r
        .fixes
        .iter()
        .find(|x| x.id == "win.enable-long-paths")
        .unwrap();
    assert!(fix.commands.iter().any(|c| c.starts_with("reg add")));
    assert!(fix
        .commands
        .iter()
        .any(|c| c.starts_with("New-ItemProperty")));
    assert!(!codes_of(&run("windows", Some(0))).is_empty());
    assert!(
        !codes_of(&run("windows", Some(1))).contains(&"godir.too_long".to_string()),
        "LongPathsEnabled=1"
    );
    assert!(!codes_of(&run("linux", None)).contains(&"godir.too_long".to_string()));
    // 259 characters is still within MAX_PATH.
    let mut g = Canned::windows(out(0, ""));
    g.extra.long_paths = Some(0);
    let ok = format!("C:\\{}", "a".repeat(256));
    let f = facts_env("windows", env_of(&[("GOTMPDIR", &ok)]), g);
    assert!(!codes_of(&eval(&f, "go.dirs")).contains(&"godir.too_long".to_string()));
}

#[test]
fn canary_failure_in_a_long_temp_dir_names_the_length() {
    let long = format!("C:\\{}", "t".repeat(280));
    let mut g = Canned::windows(out(0, ""));
    g.canary = Some(crate::facts::CanaryProbe {
        setup_error: Some(format!(
            "cannot create a temporary directory in {long}: Invalid name (os error 123)"
        )),
        ..Default::default()
    });
    let f = facts_env("windows", env_of(&[("GOTMPDIR", &long)]), g);
    let r = eval(&f, "win.canary");
    assert!(r.summary.contains("283 characters long"), "{}", r.summary);
    assert!(r.findings[0].message.contains("MAX_PATH"), "{r:?}");
}

/// A minimal unsigned PE image for `machine` (PE32 for x86, PE32+ otherwise).
fn pe_bytes(machine: u16) -> Vec<u8> {
    let plus = machine != 0x14c;
    let mut d = vec![0u8; 0x400];
    d[..2].copy_from_slice(b"MZ");
    d[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    d[0x80..0x84].copy_from_slice(b"PE\0\0");
    let coff = 0x84;
    d[coff..coff + 2].copy_from_slice(&machine.to_le_bytes());
    let opt = coff + 20;
    d[coff + 16..coff + 18].copy_from_slice(&(if plus { 0xf0u16 } else { 0xe0 }).to_le_bytes());
    d[opt..opt + 2].copy_from_slice(&(if plus { 0x20bu16 } else { 0x10b }).to_le_bytes());
    d[opt + 60..opt + 64].copy_from_slice(&0x400u32.to_le_bytes());
    d[opt + 68..opt + 70].copy_from_slice(&3u16.to_le_bytes());
    let dd = opt + if plus { 112 } else { 96 };
    d[dd - 4..dd].copy_from_slice(&16u32.to_le_bytes());
    d
}

fn scan_of(path: &str) -> PathScan {
    let p = PathBuf::from(path);
    let dir = path.rsplit_once('\\').map(|(d, _)| d).unwrap_or("");
    let mut s = win_scan(dir, CandidateKind::Executable);
    s.candidates[0].path = p;
    s
}

#[test]
fn a_batch_wrapper_is_a_wrapper_not_a_broken_install() {
    let bat = "C:\\tools\\go.bat";
    let real = "C:\\Program Files\\Go\\bin\\go.exe";
    let mut g = Canned::windows(out(0, "go version go1.22.10 windows/amd64\n"));
    g.scan = scan_of(bat);
    g.extra.files.insert(
        bat.into(),
        format!("@echo off\r\nrem wrapper\r\n\"{real}\" %*\r\n").into_bytes(),
    );
    g.extra.files.insert(real.into(), pe_bytes(0x8664));
    let f = facts_env("windows", env_of(&[("PROCESSOR_ARCHITECTURE", "AMD64")]), g);
    let r = eval(&f, "win.authenticode");
    assert!(
        !codes_of(&r).contains(&"authenticode.not_executable".to_string()),
        "{r:?}"
    );
    assert!(!r.fixes.iter().any(|x| x.id == "go.reinstall"), "{r:?}");
    assert!(
        r.details
            .iter()
            .any(|d| d.contains("wrapper script") && d.contains(real)),
        "{r:?}"
    );
    // The go.exe it runs is the one inspected: unsigned, x64.
    assert_eq!(r.data["files"][0]["path"], real);
    assert_eq!(r.data["files"][0]["machine"], "x64");
    let runs = eval(&f, "go.runs");
    assert_eq!(runs.status, Status::Ok, "{runs:?}");
    let w = runs
        .findings
        .iter()
        .find(|x| x.code == "go.wrapper_script")
        .expect("go.wrapper_script");
    assert!(w.message.contains(real), "{}", w.message);
    assert_eq!(runs.data["wrapper_runs"], real);
}

#[test]
fn an_x86_go_exe_on_x64_windows_is_named() {
    let go = "C:\\Go\\bin\\go.exe";
    let run = |machine: u16, host: &str| {
        let mut g = Canned::windows(out(0, ""));
        g.extra.files.insert(go.into(), pe_bytes(machine));
        let f = facts_env("windows", env_of(&[("PROCESSOR_ARCHITECTURE", host)]), g);
        eval(&f, "win.authenticode")
    };
    let r = run(0x14c, "AMD64");
    let x = r
        .findings
        .iter()
        .find(|x| x.code == "goexe.foreign_arch")
        .expect("foreign arch");
    assert_eq!(x.status, Status::Warn);
    assert!(
        x.message.contains("x86 (32-bit) go.exe on x64 Windows"),
        "{}",
        x.message
    );
    assert!(r
        .details
        .iter()
        .any(|d| d.contains("x86 (32-bit) console program")));
    let r = run(0xaa64, "AMD64");
    let x = r
        .findings
        .iter()
        .find(|x| x.code == "goexe.foreign_arch")
        .unwrap();
    assert_eq!(x.status, Status::Error, "{}", x.message);
    assert!(x.message.contains("ARM64"));
    // A 32-bit gomedic sees x86 in PROCESSOR_ARCHITECTURE; the real CPU is in ...W6432.
    let mut g = Canned::windows(out(0, ""));
    g.extra.files.insert(go.into(), pe_bytes(0x8664));
    let f = facts_env(
        "windows",
        env_of(&[
            ("PROCESSOR_ARCHITECTURE", "x86"),
            ("PROCESSOR_ARCHITEW6432", "AMD64"),
        ]),
        g,
    );
    assert!(!codes_of(&eval(&f, "win.authenticode")).contains(&"goexe.foreign_arch".to_string()));
    assert!(!codes_of(&run(0x8664, "AMD64")).contains(&"goexe.foreign_arch".to_string()));
}

#[test]
fn a_directory_named_go_exe_is_never_ok_nor_antivirus() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("go.exe");
    std::fs::create_dir(&dir).unwrap();
    let g = Canned::windows(Err(Failure::PermissionDenied {
        message: "Access is denied. (os error 5)".into(),
        os_code: Some(5),
    }));
    let f = Facts::new(
        "windows",
        BTreeMap::new(),
        "".into(),
        PathBuf::from("C:\\work"),
        Some(dir.clone()),
        Policy::default(),
        Box::new(g),
    );
    let r = eval(&f, "win.authenticode");
    assert_eq!(r.status, Status::Error, "{r:?}");
    assert!(codes_of(&r).contains(&"authenticode.not_a_file".to_string()));
    assert!(!r.summary.contains("intact"), "{}", r.summary);
    let runs = eval(&f, "go.runs");
    assert_eq!(runs.status, Status::Error);
    assert_eq!(codes_of(&runs), vec!["go.is_directory".to_string()]);
    assert!(!runs.fixes.iter().any(|x| x.id == "av.check"));
    assert!(
        !runs.details.iter().any(|d| d.contains("antivirus")),
        "{runs:?}"
    );
}

#[test]
fn no_file_checked_is_not_intact() {
    // go.exe found by the scan but gone: nothing read, so no verdict.
    let f = facts("windows", Canned::windows(out(0, "")));
    let r = eval(&f, "win.authenticode");
    assert_eq!(r.status, Status::Skipped, "{r:?}");
}

/// A copy of a tool at `path` (`place`: PATH entry or GOPATH/bin).
fn tool_copy(path: &str, on_path: bool) -> gomedic_tools::FoundCopy {
    gomedic_tools::FoundCopy {
        locations: vec![gomedic_tools::discover::Location {
            path: PathBuf::from(path),
            place: if on_path {
                gomedic_tools::Place::Path { entry: 0 }
            } else {
                gomedic_tools::Place::GopathBin { index: 0 }
            },
        }],
        canonical: None,
        kind: CandidateKind::Executable,
        build: None,
    }
}

fn build_info(
    go: &str,
    pkg: &str,
    module: &str,
    version: &str,
    goos: &str,
) -> gomedic_buildinfo::BuildInfo {
    let text = format!(
        "path\t{pkg}\nmod\t{module}\t{version}\th1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nbuild\tGOARCH=amd64\nbuild\tGOOS={goos}\n"
    );
    let mut b = gomedic_buildinfo::BuildInfo::parse_text(&text).unwrap();
    b.go_version = go.to_string();
    b
}

/// Linux facts, go1.27.3 in use, a module saying `go 1.27` in `dir`, and these tools.
fn tools_facts(
    dir: &Path,
    tools: Vec<gomedic_tools::ToolCopies>,
    others: Vec<gomedic_tools::FoundCopy>,
    build: Vec<(&str, gomedic_buildinfo::BuildInfo)>,
) -> Facts {
    tools_facts_run(
        dir,
        tools,
        others,
        build,
        out(0, "go version go1.27.3 linux/amd64\n"),
    )
}

/// [`tools_facts`] where running anything (`version`) answers `run`.
fn tools_facts_run(
    dir: &Path,
    tools: Vec<gomedic_tools::ToolCopies>,
    others: Vec<gomedic_tools::FoundCopy>,
    build: Vec<(&str, gomedic_buildinfo::BuildInfo)>,
    run: exec::Result,
) -> Facts {
    std::fs::write(dir.join("go.mod"), "module example.com/m\n\ngo 1.27\n").unwrap();
    let mut extra = Extra {
        tools: Some(gomedic_tools::Discovery { tools, others }),
        ..Default::default()
    };
    for (p, b) in build {
        extra.build.insert(PathBuf::from(p), b);
    }
    let env_json = out(
        0,
        r#"{"GOVERSION":"go1.27.3","GOHOSTOS":"linux","GOHOSTARCH":"amd64","GOOS":"linux","GOARCH":"amd64"}"#,
    );
    let g = Canned {
        extra,
        user_path: None,
        machine_path: None,
        reg_env: Vec::new(),
        real_files: true,
        zone: None,
        security: None,
        sac: None,
        canary: None,
        scan: linux_scan("/go/bin"),
        version: run,
        env_json,
    };
    Facts::new(
        "linux",
        BTreeMap::new(),
        "/go/bin".into(),
        dir.to_path_buf(),
        None,
        Policy::default(),
        Box::new(g),
    )
}

fn linux_scan(dir: &str) -> PathScan {
    PathScan {
        entries: vec![PathEntry {
            index: 0,
            raw: dir.into(),
            display: dir.into(),
            non_utf8: false,
            problems: Vec::<EntryProblem>::new(),
        }],
        candidates: vec![Candidate {
            path: PathBuf::from(dir).join("go"),
            resolved: None,
            entry: 0,
            kind: CandidateKind::Executable,
            goroot: None,
            goroot_version: None,
        }],
    }
}

fn codes(r: &gomedic_core::CheckResult) -> Vec<String> {
    r.findings.iter().map(|f| f.code.clone()).collect()
}

#[test]
fn tools_old_delve_and_gopls_are_named_with_their_own_errors_and_one_rebuild_fix() {
    let d = tempfile::tempdir().unwrap();
    let tools = vec![
        gomedic_tools::ToolCopies {
            name: "gopls".into(),
            copies: vec![tool_copy("/gobin/gopls", true)],
            winner: Some(0),
        },
        gomedic_tools::ToolCopies {
            name: "dlv".into(),
            copies: vec![tool_copy("/gobin/dlv", true)],
            winner: Some(0),
        },
    ];
    let f = tools_facts(
        d.path(),
        tools,
        vec![],
        vec![
            (
                "/gobin/gopls",
                build_info(
                    "go1.21.13",
                    "golang.org/x/tools/gopls",
                    "golang.org/x/tools/gopls",
                    "v0.16.2",
                    "linux",
                ),
            ),
            (
                "/gobin/dlv",
                build_info(
                    "go1.21.13",
                    "github.com/go-delve/delve/cmd/dlv",
                    "github.com/go-delve/delve",
                    "v1.23.1",
                    "linux",
                ),
            ),
        ],
    );
    let b = eval(&f, "tools.build");
    assert_eq!(b.status, Status::Warn, "{b:#?}");
    assert_eq!(codes(&b), ["tools.older_than_module"]);
    assert!(
        b.summary
            .contains("package requires newer Go version go1.27"),
        "{}",
        b.summary
    );
    let dl = eval(&f, "tools.delve");
    assert_eq!(dl.status, Status::Error);
    assert_eq!(codes(&dl), ["tools.delve_too_old"]);
    assert!(
        dl.summary.contains(
            "Version of Delve is too old for Go version go1.27.3 (maximum supported version 1.23"
        ),
        "{}",
        dl.summary
    );
    // Both checks offer the same complete list (the fix command keeps the first it sees).
    let list = |r: &gomedic_core::CheckResult| match &r.fixes[0].action {
        Some(gomedic_core::FixAction::ToolsRebuild { tools }) => tools
            .iter()
            .map(|t| format!("{}@{}", t.package, t.version))
            .collect::<Vec<_>>(),
        a => panic!("{a:?}"),
    };
    assert_eq!(list(&b), list(&dl));
    assert_eq!(
        list(&b),
        [
            "github.com/go-delve/delve/cmd/dlv@latest",
            "golang.org/x/tools/gopls@v0.16.2"
        ]
    );
    assert_eq!(eval(&f, "tools.path").status, Status::Ok);
}

#[test]
fn tools_an_older_copy_winning_on_path_is_shadowing_a_newer_one() {
    let d = tempfile::tempdir().unwrap();
    let mk = |winner: usize| {
        vec![gomedic_tools::ToolCopies {
            name: "gopls".into(),
            copies: vec![tool_copy("/a/gopls", true), tool_copy("/b/gopls", true)],
            winner: Some(winner),
        }]
    };
    let builds = || {
        vec![
            (
                "/a/gopls",
                build_info(
                    "go1.27.3",
                    "golang.org/x/tools/gopls",
                    "golang.org/x/tools/gopls",
                    "v0.16.2",
                    "linux",
                ),
            ),
            (
                "/b/gopls",
                build_info(
                    "go1.27.3",
                    "golang.org/x/tools/gopls",
                    "golang.org/x/tools/gopls",
                    "v0.18.1",
                    "linux",
                ),
            ),
        ]
    };
    let f = tools_facts(d.path(), mk(0), vec![], builds());
    let r = eval(&f, "tools.path");
    assert_eq!(codes(&r), ["tools.shadowed"], "{r:#?}");
    assert!(r.summary.contains("/a/gopls") && r.summary.contains("/b/gopls"));
    // The newer one winning: nothing to say.
    let f = tools_facts(d.path(), mk(1), vec![], builds());
    assert_eq!(eval(&f, "tools.path").status, Status::Ok);
}

#[test]
fn tools_a_windows_binary_in_gopath_bin_is_foreign_and_rebuilt_without_exe() {
    let d = tempfile::tempdir().unwrap();
    let others = vec![tool_copy("/gopath/bin/gofumpt.exe", false)];
    let f = tools_facts(
        d.path(),
        vec![],
        others,
        vec![(
            "/gopath/bin/gofumpt.exe",
            build_info(
                "go1.27.3",
                "mvdan.cc/gofumpt",
                "mvdan.cc/gofumpt",
                "v0.7.0",
                "windows",
            ),
        )],
    );
    let r = eval(&f, "tools.build");
    assert_eq!(r.status, Status::Error);
    assert_eq!(codes(&r), ["tools.foreign_platform"]);
    match &r.fixes[0].action {
        Some(gomedic_core::FixAction::ToolsRebuild { tools }) => {
            assert_eq!(tools[0].path, "/gopath/bin/gofumpt.exe");
            assert_eq!(tools[0].dest, "/gopath/bin/gofumpt");
            assert_eq!(tools[0].version, "v0.7.0");
        }
        a => panic!("{a:?}"),
    }
}

#[test]
fn tools_checks_skip_without_tools_and_devel_builds_are_not_rebuilt() {
    let d = tempfile::tempdir().unwrap();
    let f = tools_facts(d.path(), vec![], vec![], vec![]);
    for id in ["tools.path", "tools.build", "tools.delve", "tools.gopls"] {
        assert_eq!(eval(&f, id).status, Status::Skipped, "{id}");
    }
    let tools = vec![gomedic_tools::ToolCopies {
        name: "gopls".into(),
        copies: vec![tool_copy("/gobin/gopls", true)],
        winner: Some(0),
    }];
    let f = tools_facts(
        d.path(),
        tools,
        vec![],
        vec![(
            "/gobin/gopls",
            build_info(
                "go1.21.13",
                "golang.org/x/tools/gopls",
                "golang.org/x/tools/gopls",
                "(devel)",
                "linux",
            ),
        )],
    );
    let r = eval(&f, "tools.build");
    assert_eq!(codes(&r), ["tools.older_than_module"]);
    assert!(
        r.fixes.is_empty(),
        "a (devel) build has no version to fetch: {r:#?}"
    );
}

#[test]
fn tools_runs_classifies_a_tool_that_cannot_start() {
    let d = tempfile::tempdir().unwrap();
    let tools = || {
        vec![gomedic_tools::ToolCopies {
            name: "dlv".into(),
            copies: vec![tool_copy("/gobin/dlv", true)],
            winner: Some(0),
        }]
    };
    let builds = || {
        vec![(
            "/gobin/dlv",
            build_info(
                "go1.27.3",
                "github.com/go-delve/delve/cmd/dlv",
                "github.com/go-delve/delve",
                "v1.27.1",
                "linux",
            ),
        )]
    };
    let blocked = Err(Failure::PermissionDenied {
        message: "Permission denied (os error 13)".into(),
        os_code: Some(13),
    });
    let f = tools_facts_run(d.path(), tools(), vec![], builds(), blocked);
    let r = eval(&f, "tools.runs");
    assert_eq!(r.status, Status::Error);
    assert_eq!(codes(&r), ["tools.run_failed"]);
    assert!(r.summary.contains("permission_denied"), "{}", r.summary);
    let f = tools_facts_run(
        d.path(),
        tools(),
        vec![],
        builds(),
        out(0, "Delve Debugger\nVersion: 1.27.1\n"),
    );
    assert_eq!(eval(&f, "tools.runs").status, Status::Ok);
    assert_eq!(eval(&f, "tools.delve").status, Status::Ok);
}

#[test]
fn tools_gopls_built_before_go121_and_delve_in_its_own_words() {
    let d = tempfile::tempdir().unwrap();
    let one = |name: &str, path: &str| gomedic_tools::ToolCopies {
        name: name.into(),
        copies: vec![tool_copy(path, true)],
        winner: Some(0),
    };
    let f = tools_facts(
        d.path(),
        vec![one("gopls", "/gobin/gopls")],
        vec![],
        vec![(
            "/gobin/gopls",
            build_info(
                "go1.20.14",
                "golang.org/x/tools/gopls",
                "golang.org/x/tools/gopls",
                "v0.15.3",
                "linux",
            ),
        )],
    );
    let r = eval(&f, "tools.gopls");
    assert_eq!(r.status, Status::Warn, "{r:#?}");
    assert_eq!(codes(&r), ["tools.gopls_unsupported"]);
    // The go in use is go1.27.3; Delve v1.20.2 accepts go1.18-1.20 only, and in its own
    // era's words (no `go` prefix before v1.21.1).
    let f = tools_facts(
        d.path(),
        vec![one("dlv", "/gobin/dlv")],
        vec![],
        vec![(
            "/gobin/dlv",
            build_info(
                "go1.27.3",
                "github.com/go-delve/delve/cmd/dlv",
                "github.com/go-delve/delve",
                "v1.20.2",
                "linux",
            ),
        )],
    );
    let r = eval(&f, "tools.delve");
    assert_eq!(codes(&r), ["tools.delve_too_old"]);
    assert!(
        r.summary
            .contains("Go version 1.27.3 (maximum supported version 1.20"),
        "{}",
        r.summary
    );
}
