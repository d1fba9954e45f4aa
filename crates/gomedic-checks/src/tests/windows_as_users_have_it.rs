use super::*;
use crate::codes::Code;
use gomedic_core::FixAction;
use gomedic_facts::os::registry::{RegValue, REG_EXPAND_SZ, REG_SZ};

/// A temp tree with Go 1.24 and Go 1.21 installations, and two plain folders.
struct Tree {
    _dir: tempfile::TempDir,
    root: String,
}

impl Tree {
    fn new() -> Tree {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().display().to_string();
        for (name, version) in [("Go124", "go1.24.11"), ("Go121", "go1.21.13")] {
            let bin = dir.path().join(name).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::write(bin.join("go.exe"), b"MZ").unwrap();
            std::fs::write(
                dir.path().join(name).join("VERSION"),
                format!("{version}\ntime 2026-01-01T00:00:00Z\n"),
            )
            .unwrap();
        }
        for d in ["other", "sys"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        Tree { _dir: dir, root }
    }

    fn p(&self, rel: &str) -> String {
        format!("{}/{rel}", self.root)
    }

    /// Go 1.24 from Go124\bin is the go in use; GOROOT=C:\Go121 in the process environment.
    fn facts(
        &self,
        user: Option<&str>,
        machine: Option<&str>,
        reg_env: Vec<(String, Option<RegValue>, Option<RegValue>)>,
    ) -> Facts {
        let mut scan = win_scan(&self.p("Go124/bin"), CandidateKind::Executable);
        scan.candidates[0].path = PathBuf::from(self.p("Go124/bin/go.exe"));
        scan.candidates[0].goroot = Some(PathBuf::from(self.p("Go124")));
        scan.candidates[0].goroot_version = Some("go1.24.11".into());
        let v = |d: &str| RegValue {
            kind: REG_EXPAND_SZ,
            data: d.to_string(),
        };
        let g = Canned {
            user_path: user.map(v),
            machine_path: machine.map(v),
            reg_env,
            real_files: true,
            scan,
            ..Canned::windows(out(0, "go version go1.24.11 windows/amd64\n"))
        };
        let mut env = BTreeMap::new();
        env.insert("USERPROFILE".to_string(), "C:\\Users\\张三".to_string());
        env.insert("GOROOT".to_string(), "C:\\Go121".to_string());
        facts_env("windows", env, g)
    }
}

fn codes(r: &gomedic_core::CheckResult) -> Vec<&str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

fn registry_fix<'a>(r: &'a gomedic_core::CheckResult, id: &str) -> (&'a str, u32, &'a str) {
    let fix = r
        .fixes
        .iter()
        .find(|x| x.id == id)
        .unwrap_or_else(|| panic!("{id} proposed: {r:?}"));
    match &fix.action {
        Some(FixAction::RegistryPath {
            value,
            value_type,
            data,
        }) => (value, *value_type, data),
        other => panic!("{other:?}"),
    }
}

#[test]
fn path_repair_adds_the_working_go_not_a_stale_goroot() {
    let t = Tree::new();
    let f = t.facts(Some(&t.p("other")), Some(&t.p("sys")), vec![]);
    let r = eval(&f, "win.path");
    assert_eq!(r.status, Status::Warn, "{r:?}");
    assert!(r.summary.contains(&t.p("Go124/bin")), "{}", r.summary);
    assert!(!r.summary.contains("Go121"), "{}", r.summary);
    assert!(
        r.details
            .iter()
            .any(|d| d.starts_with("not adding C:\\Go121\\bin") && d.contains("go.root")),
        "{r:?}"
    );
    let (value, _, data) = registry_fix(&r, "win.path-repair");
    assert_eq!(value, "HKCU\\Environment\\Path");
    assert!(data.contains(&t.p("Go124/bin")), "{data}");
    assert!(!data.contains("Go121"), "{data}");
}

#[test]
fn path_repair_refuses_a_folder_older_than_the_go_in_use() {
    let t = Tree::new();
    // The go in use says 1.24 but its folder's VERSION is 1.21 (a half-updated install).
    std::fs::write(t.p("Go124/VERSION"), "go1.21.13\n").unwrap();
    let f = t.facts(Some(&t.p("other")), None, vec![]);
    let r = eval(&f, "win.path");
    assert!(
        r.details
            .iter()
            .any(|d| d.contains("no Go folder proposed") && d.contains("older")),
        "{r:?}"
    );
    assert!(!r.summary.contains("Go124"), "{}", r.summary);
}

#[test]
fn quoted_entry_is_diagnosed_and_unquoted_in_place() {
    let t = Tree::new();
    let user = format!("\"{}\";{}", t.p("Go124/bin"), t.p("other"));
    let f = t.facts(Some(&user), Some(&t.p("sys")), vec![]);
    let r = eval(&f, "win.path");
    assert_eq!(r.status, Status::Warn, "{r:?}");
    assert!(codes(&r).contains(&"winpath.quoted_entry"), "{r:?}");
    // Not missing, and not asked for a second time.
    assert!(!codes(&r).contains(&"winpath.missing_entries"), "{r:?}");
    assert!(
        r.findings
            .iter()
            .all(|x| x.code != Code::WinpathGoDirMissing.as_str() || !x.message.contains("Go124")),
        "{r:?}"
    );
    let (_, kind, data) = registry_fix(&r, "win.path-repair");
    assert_eq!(kind, REG_EXPAND_SZ);
    let fix = r.fixes.iter().find(|x| x.id == "win.path-repair").unwrap();
    let all = fix.commands.join("\n");
    let cmd = format!(
        "reg add HKCU\\Environment /v Path /t REG_EXPAND_SZ /d \"{};{};%^USERPROFILE%\\go\\bin\" /f & rem cmd",
        t.p("Go124/bin"),
        t.p("other")
    );
    assert!(all.contains(&cmd), "{all}");
    assert!(
        all.contains(
            "Set-ItemProperty -Path HKCU:\\Environment -Name Path -Type ExpandString -Value '"
        ),
        "{all}"
    );
    // Unquoted where it was; then GOPATH\bin, which is missing.
    assert_eq!(
        data,
        format!(
            "{};{};%USERPROFILE%\\go\\bin",
            t.p("Go124/bin"),
            t.p("other")
        )
    );
}

#[test]
fn machine_go_shadowing_the_users_gets_an_elevated_repair() {
    let t = Tree::new();
    let machine = format!("%SystemRoot%\\system32;{};{}", t.p("Go121/bin"), t.p("sys"));
    let f = t.facts(Some(&t.p("Go124/bin")), Some(&machine), vec![]);
    let r = eval(&f, "win.path");
    assert!(
        codes(&r).contains(&"winpath.machine_go_shadows_user"),
        "{r:?}"
    );
    let (value, kind, data) = registry_fix(&r, crate::winpath::MACHINE_FIX);
    assert!(value.starts_with("HKLM\\"), "{value}");
    assert_eq!(kind, REG_EXPAND_SZ);
    assert_eq!(data, format!("%SystemRoot%\\system32;{}", t.p("sys")));
    let fix = r
        .fixes
        .iter()
        .find(|x| x.id == crate::winpath::MACHINE_FIX)
        .unwrap();
    assert!(fix.description.contains("elevated"), "{}", fix.description);
    let all = fix.commands.join("\n");
    assert!(
        all.contains("gomedic fix win.path-repair --machine"),
        "{all}"
    );
    // cmd keeps %VARS% literal with %^VAR%; PowerShell in single quotes.
    assert!(
        all.contains("reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment\" /v Path /t REG_EXPAND_SZ /d \"%^SystemRoot%\\system32;"),
        "{all}"
    );
    assert!(
        all.contains("Set-ItemProperty -Path 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment' -Name Path -Type ExpandString -Value '%SystemRoot%\\system32;"),
        "{all}"
    );
    // The user PATH repair keeps the user's Go and never adds the machine's.
    let (value, _, data) = registry_fix(&r, "win.path-repair");
    assert_eq!(value, "HKCU\\Environment\\Path");
    assert!(data.starts_with(&t.p("Go124/bin")), "{data}");
    assert!(!data.contains("Go121"), "{data}");
}

#[test]
fn a_newer_machine_go_is_not_removed() {
    let t = Tree::new();
    let f = t.facts(Some(&t.p("Go121/bin")), Some(&t.p("Go124/bin")), vec![]);
    let r = eval(&f, "win.path");
    assert!(
        codes(&r).contains(&"winpath.machine_go_shadows_user"),
        "{r:?}"
    );
    assert!(
        r.fixes.iter().all(|x| x.id != crate::winpath::MACHINE_FIX),
        "{r:?}"
    );
    assert!(
        r.details.iter().any(|d| d.contains("is the newer one")),
        "{r:?}"
    );
}

#[test]
fn goroot_from_hkcu_environment_is_named_with_cmd_and_powershell_advice() {
    let t = Tree::new();
    let reg = RegValue {
        kind: REG_SZ,
        data: "C:\\Go121".into(),
    };
    let f = t.facts(None, None, vec![("GOROOT".into(), Some(reg), None)]);
    let r = eval(&f, "go.root");
    assert!(
        r.details
            .iter()
            .any(|d| d.contains("← HKCU\\Environment\\GOROOT (user environment variable)")),
        "{r:?}"
    );
    let fix = r
        .fixes
        .iter()
        .find(|x| x.id == "root.unset-env")
        .expect("unset fix");
    let all = fix.commands.join("\n");
    for want in [
        "reg delete HKCU\\Environment /v GOROOT /f",
        "Remove-ItemProperty -Path HKCU:\\Environment -Name GOROOT",
        "set \"GOROOT=\" & rem ",
        "Remove-Item Env:GOROOT",
    ] {
        assert!(all.contains(want), "{want} missing in {all}");
    }
}

#[test]
fn goroot_from_the_machine_environment_needs_elevation() {
    let t = Tree::new();
    let reg = RegValue {
        kind: REG_SZ,
        data: "C:\\Go121".into(),
    };
    // A user value that differs from the process value is not the source.
    let user = RegValue {
        kind: REG_SZ,
        data: "C:\\Other".into(),
    };
    let f = t.facts(None, None, vec![("goroot".into(), Some(user), Some(reg))]);
    let r = eval(&f, "go.root");
    assert!(
        r.details
            .iter()
            .any(|d| d.contains("Session Manager\\Environment\\GOROOT (machine")),
        "{r:?}"
    );
    let fix = r.fixes.iter().find(|x| x.id == "root.unset-env").unwrap();
    let all = fix.commands.join("\n");
    assert!(all.contains("reg delete \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment\" /v GOROOT /f"), "{all}");
    assert!(
        all.contains("Remove-ItemProperty -Path 'HKLM:\\SYSTEM"),
        "{all}"
    );
    assert!(all.contains("elevated"), "{all}");
}

#[test]
fn goroot_only_in_the_process_is_still_process_environment() {
    let t = Tree::new();
    let f = t.facts(None, None, vec![]);
    let r = eval(&f, "go.root");
    assert!(
        r.details
            .iter()
            .any(|d| d.contains("← process environment")),
        "{r:?}"
    );
}

fn zone(id: u32) -> Vec<u8> {
    format!("[ZoneTransfer]\r\nZoneId={id}\r\nHostUrl=https://dl.google.com/go/go1.24.11.windows-amd64.zip\r\n").into_bytes()
}

/// Go 1.24 in Go124 (GOROOT) with go.exe marked zone 3 and gofmt.exe zone 2; the user
/// profile 张三 with the downloaded archive (zone 3) and an installer (zone 2).
fn motw_facts(t: &Tree, go_zone: Option<u32>) -> Facts {
    let w = |rel: &str, data: &[u8]| std::fs::write(t.p(rel), data).unwrap();
    w("Go124/bin/gofmt.exe", b"MZ");
    if let Some(z) = go_zone {
        w("Go124/bin/go.exe:Zone.Identifier", &zone(z));
    }
    w("Go124/bin/gofmt.exe:Zone.Identifier", &zone(2));
    // `%USERPROFILE%\Downloads`, spelled with a backslash as Windows would.
    let dl = t.p("张三\\Downloads");
    std::fs::create_dir_all(&dl).unwrap();
    for (name, z) in [
        ("go1.24.11.windows-amd64.zip", 3),
        ("go1.22.10.windows-amd64.msi", 2),
        ("notgo.windows-amd64.zip", 3),
    ] {
        std::fs::write(format!("{dl}/{name}"), b"PK").unwrap();
        std::fs::write(format!("{dl}/{name}:Zone.Identifier"), zone(z)).unwrap();
    }
    let mut scan = win_scan(&t.p("Go124/bin"), CandidateKind::Executable);
    scan.candidates[0].path = PathBuf::from(t.p("Go124/bin/go.exe"));
    let g = Canned {
        real_files: true,
        scan,
        ..Canned::windows(out(0, "go version go1.24.11 windows/amd64\n"))
    };
    let mut env = BTreeMap::new();
    env.insert("USERPROFILE".to_string(), t.p("张三"));
    env.insert("GOROOT".to_string(), t.p("Go124"));
    facts_env("windows", env, g)
}

#[test]
fn motw_unblocks_zones_3_and_4_and_the_downloaded_archive_only() {
    let t = Tree::new();
    let f = motw_facts(&t, Some(3));
    let r = eval(&f, "win.motw");
    assert_eq!(r.status, Status::Warn, "{r:?}");
    assert!(
        r.summary.contains("1 from the Internet or Restricted zone"),
        "{}",
        r.summary
    );
    let zip = format!("{}/go1.24.11.windows-amd64.zip", t.p("张三\\Downloads"));
    assert!(
        r.details
            .iter()
            .any(|d| d.starts_with(&format!("downloaded archive {zip}: zone 3"))),
        "{r:?}"
    );
    match &r.fixes[0].action {
        Some(FixAction::RemoveStreams { streams }) => assert_eq!(
            streams,
            &vec![
                format!("{}:Zone.Identifier", t.p("Go124/bin/go.exe")),
                format!("{zip}:Zone.Identifier"),
            ],
            "zone 2 marks and other downloads are left alone"
        ),
        other => panic!("{other:?}"),
    }
    let cmds = r.fixes[0].commands.join("\n");
    assert!(cmds.contains("-match '^ZoneId=[34]'"), "{cmds}");
    assert!(
        cmds.contains("# PowerShell") && cmds.contains("powershell -NoProfile -Command"),
        "{cmds}"
    );
}

#[test]
fn motw_of_zone_2_only_is_ok_and_proposes_nothing() {
    let t = Tree::new();
    let f = motw_facts(&t, Some(2));
    let r = eval(&f, "win.motw");
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert!(r.fixes.is_empty(), "{r:?}");
    assert!(r.findings.is_empty(), "{r:?}");
}

#[test]
fn motw_on_the_archive_alone_is_reported() {
    let t = Tree::new();
    let f = motw_facts(&t, None);
    std::fs::remove_file(t.p("Go124/bin/gofmt.exe:Zone.Identifier")).unwrap();
    let r = eval(&f, "win.motw");
    assert_eq!(r.status, Status::Ok, "{r:?}");
    assert!(
        r.details
            .iter()
            .any(|d| d.contains("go1.24.11.windows-amd64.zip: zone 3 (Internet)")),
        "{r:?}"
    );
    assert!(
        r.details.iter().any(|d| d.contains("unblock it first")),
        "{r:?}"
    );
    assert!(!r.details.iter().any(|d| d.contains("notgo")), "{r:?}");
}

#[test]
fn go_archive_names() {
    use crate::winmotw::is_go_archive;
    assert!(is_go_archive("go1.24.11.windows-amd64.zip"));
    assert!(is_go_archive("go1.22.10.windows-arm64.msi"));
    assert!(is_go_archive("GO1.21.13.WINDOWS-386.ZIP"));
    assert!(!is_go_archive("go1.24.11.linux-amd64.tar.gz"));
    assert!(!is_go_archive("gopls.windows-amd64.zip"));
    assert!(!is_go_archive("go"));
}
