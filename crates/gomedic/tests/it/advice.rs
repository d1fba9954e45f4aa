//! Advice that fixes: each suggested fix is applied as the user would (its commands run
//! in a shell, or `gomedic fix ID`), then the check runs again and the finding is gone;
//! where it matters, the real go command confirms the problem and the cure.

use crate::harness::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

pub fn codes(report: &Value, id: &str) -> Vec<String> {
    check(report, id)["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["code"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The codes of `id` without the version policy's (an old test toolchain is unsupported).
fn module_codes(report: &Value, id: &str) -> Vec<String> {
    codes(report, id)
        .into_iter()
        .filter(|c| c != "version.unsupported")
        .collect()
}

/// The fix `fix_id` proposed by check `id`.
pub fn fix<'a>(report: &'a Value, id: &str, fix_id: &str) -> &'a Value {
    check(report, id)["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == fix_id)
        .unwrap_or_else(|| panic!("{id} proposes no {fix_id}: {:#}", check(report, id)))
}

pub fn commands(fix: &Value) -> Vec<String> {
    fix["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

/// Runs `commands` in `shell` (`sh`, `bash`, `zsh`, `fish`) with the test's environment,
/// as a user would paste them, and returns the environment they leave behind.
pub fn run_commands(t: &TestEnv, shell: &str, commands: &[String]) -> BTreeMap<String, String> {
    let script = format!("{}\nenv -0\n", commands.join("\n"));
    let out = Command::new(shell)
        .arg("-c")
        .arg(&script)
        .env_clear()
        .envs(&t.env)
        .current_dir(&t.cwd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{shell} -c {script:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .split(|b| *b == 0)
        .filter_map(|kv| {
            let kv = String::from_utf8_lossy(kv);
            let (k, v) = kv.split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .filter(|(k, _)| !matches!(k.as_str(), "PWD" | "OLDPWD" | "SHLVL" | "_"))
        .collect()
}

/// Runs the real go with the test's environment.
pub fn go(t: &TestEnv, root: &Path, args: &[&str]) -> std::process::Output {
    Command::new(root.join("bin/go"))
        .args(args)
        .env_clear()
        .envs(&t.env)
        .current_dir(&t.cwd)
        .output()
        .unwrap()
}

/// A file:// module proxy holding golang.org/toolchain@v0.0.1-go{ver}.linux-amd64 made
/// from the installed toolchain (the files `go version` needs), as proxy.golang.org
/// serves it.
fn toolchain_proxy(proxy: &Path, ver: &str) {
    let root = goroot(ver);
    let v = format!("v0.0.1-go{ver}.linux-amd64");
    let dir = proxy.join("golang.org/toolchain/@v");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("list"), format!("{v}\n")).unwrap();
    std::fs::write(
        dir.join(format!("{v}.info")),
        format!("{{\"Version\":\"{v}\",\"Time\":\"2025-01-01T00:00:00Z\"}}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("{v}.mod")),
        "module golang.org/toolchain\n",
    )
    .unwrap();
    let zip = dir.join(format!("{v}.zip"));
    let py = r#"
import sys, zipfile, os
root, out, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
    for rel in ["bin/go", "VERSION", "go.env", "bin/gofmt", "pkg/tool/linux_amd64/compile"]:
        z.write(os.path.join(root, rel), prefix + rel)
"#;
    let st = Command::new("python3")
        .args([
            "-c",
            py,
            root.to_str().unwrap(),
            zip.to_str().unwrap(),
            &format!("golang.org/toolchain@{v}/"),
        ])
        .status()
        .unwrap();
    assert!(st.success());
}

/// go.mod needs a newer go and GOTOOLCHAIN=local (a shell variable) forbids switching.
/// The advice removes the variable (not `go env -w GOTOOLCHAIN=goX+auto`, which the
/// variable overrides and gomedic would then call a stale pin); applied, real go switches
/// to the toolchain go.mod names and the check is clean once it is cached.
#[test]
fn gomod_needs_newer_go_advice_lets_go_switch() {
    let mut t = TestEnv::with_go("1.22.10");
    let proxy = t.path("proxy");
    toolchain_proxy(&proxy, "1.24.11");
    t.set("GOPROXY", format!("file://{}", proxy.display()));
    t.set("GONOSUMDB", "golang.org/toolchain");
    std::fs::write(t.cwd.join("go.mod"), "module example.com/m\n\ngo 1.24.11\n").unwrap();
    let root = goroot("1.22.10");
    // What go itself says.
    let o = go(&t, &root, &["list", "-m"]);
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("requires go >= 1.24.11 (running go 1.22.10; GOTOOLCHAIN=local)"),
        "{o:?}"
    );

    let (code, r) = t.check_json(&["--only", "go.version"]);
    assert_eq!(code, 1);
    assert_eq!(
        module_codes(&r, "go.version"),
        ["gomod.needs_newer_go"],
        "{r:#}"
    );
    let all = text(&r, "go.version");
    assert!(!all.contains("+auto"), "no pinned switch advice: {all}");
    let fx = fix(&r, "go.version", "version.allow-switch");
    assert_eq!(
        fx["automatic"], false,
        "the shell variable is the user's: {fx:#}"
    );
    let cmds = commands(fx);
    assert!(cmds[0].starts_with("unset GOTOOLCHAIN"), "{cmds:?}");

    // Apply it as the user would, in their shell.
    t.env = run_commands(&t, "sh", &cmds);
    assert!(!t.env.contains_key("GOTOOLCHAIN"));
    let (_, r) = t.check_json(&["--only", "go.version"]);
    let c = module_codes(&r, "go.version");
    assert!(
        !c.contains(&"gomod.needs_newer_go".to_string())
            && !c.contains(&"gotoolchain.stale_pin".to_string()),
        "{r:#}"
    );
    assert_eq!(
        c,
        ["gomod.switches_toolchain"],
        "go will switch (and download): {r:#}"
    );
    // Real go now switches to go1.24.11 (downloaded from the proxy once).
    let o = go(&t, &root, &["version"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("go1.24.11"),
        "{o:?}"
    );
    let (code, r) = t.check_json(&["--only", "go.version"]);
    assert_eq!(code, 0, "{r:#}");
    assert_status(&r, "go.version", "warn"); // go1.22 is out of upstream support
    assert_eq!(codes(&r, "go.version"), ["version.unsupported"], "{r:#}");
    assert!(text(&r, "go.version").contains("already in the module cache"));
}

/// The same with GOTOOLCHAIN=local in the go env file: `gomedic fix version.allow-switch`.
#[test]
fn gomod_needs_newer_go_env_file_is_fixed_by_gomedic_fix() {
    let mut t = TestEnv::with_go("1.27.3");
    t.unset("GOTOOLCHAIN");
    t.set("GOMEDIC_DATA_DIR", t.path("data").display().to_string());
    t.write_env_file("GOTOOLCHAIN=local\n");
    std::fs::write(t.cwd.join("go.mod"), "module example.com/m\n\ngo 1.30\n").unwrap();
    let (_, r) = t.check_json(&["--only", "go.version"]);
    assert_eq!(
        module_codes(&r, "go.version"),
        ["gomod.needs_newer_go"],
        "{r:#}"
    );
    let s = text(&r, "go.version");
    assert!(!s.contains("go1.30.0+auto"), "{s}");
    assert!(
        s.contains("newer than the newest Go release line gomedic knows"),
        "{s}"
    );
    let fx = fix(&r, "go.version", "version.allow-switch");
    assert_eq!(commands(fx), ["go env -u GOTOOLCHAIN"]);
    let o = t.gomedic(&["fix", "version.allow-switch", "--yes"]);
    assert_exit(&o, 0, "gomedic fix version.allow-switch");
    let (_, r) = t.check_json(&["--only", "go.version"]);
    // go.env's GOTOOLCHAIN=auto applies: go would switch (the download of an unreleased
    // go1.30.0 fails, which the note says); never a stale pin.
    assert_eq!(
        module_codes(&r, "go.version"),
        ["gomod.switches_toolchain"],
        "{r:#}"
    );
}

/// GOPROXY=off gets a fix, from either layer, and applying it restores downloads.
#[test]
fn goproxy_off_fix_works_from_the_environment_and_the_env_file() {
    let root = newest();
    // In the environment: the user's shell unsets it.
    let mut t = TestEnv::new(&[&root.join("bin")]);
    t.set("GOPROXY", "off");
    let o = go(
        &t,
        &root,
        &["mod", "download", "-x", "example.com/x@v1.0.0"],
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("module lookup disabled by GOPROXY=off"),
        "{o:?}"
    );
    let (_, r) = t.check_json(&["--only", "go.env"]);
    assert!(
        codes(&r, "go.env").contains(&"goproxy.off".to_string()),
        "{r:#}"
    );
    let fx = fix(&r, "go.env", "env.goproxy-off");
    assert_eq!(fx["automatic"], false);
    t.env = run_commands(&t, "sh", &commands(fx));
    let (code, r) = t.check_json(&["--only", "go.env"]);
    assert!(codes(&r, "go.env").is_empty(), "{r:#}");
    assert_eq!(code, 0);
    let o = go(&t, &root, &["env", "GOPROXY"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "https://proxy.golang.org,direct"
    );

    // In the go env file, with another entry after it: gomedic fix removes the line.
    let mut t = TestEnv::new(&[&root.join("bin")]);
    t.unset("GOPROXY");
    t.set("GOMEDIC_DATA_DIR", t.path("data").display().to_string());
    t.write_env_file("GOPROXY=off,https://proxy.example\n");
    let (_, r) = t.check_json(&["--only", "go.env"]);
    let fx = fix(&r, "go.env", "env.goproxy-off");
    assert_eq!(commands(fx), ["go env -u GOPROXY"]);
    assert_exit(
        &t.gomedic(&["fix", "env.goproxy-off", "--yes"]),
        0,
        "gomedic fix env.goproxy-off",
    );
    let (_, r) = t.check_json(&["--only", "go.env"]);
    assert!(
        !codes(&r, "go.env").contains(&"goproxy.off".to_string()),
        "{r:#}"
    );
    let o = go(&t, &root, &["env", "GOPROXY"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "https://proxy.golang.org,direct"
    );
}

fn installed(shell: &str) -> Option<std::path::PathBuf> {
    ["/usr/bin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(shell))
        .find(|p| p.is_file())
}

/// The PATH a new terminal of `shell` starts with, after its startup files ran.
fn new_terminal_path(t: &TestEnv, shell: &Path, args: &[&str]) -> String {
    let out = Command::new(shell)
        .args(args)
        .env_clear()
        .envs(&t.env)
        .current_dir(&t.cwd)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    s.lines().last().unwrap_or("").to_string()
}

/// path.tools tells each shell's user the line for the file that shell reads (zsh never
/// reads ~/.profile), appends it only once however often it is run, and a new shell then
/// has GOPATH/bin on PATH, so the check passes. Shells that are not installed are
/// skipped (scripts/test.sh installs bash, zsh and fish).
#[test]
fn path_tools_advice_works_in_each_shell() {
    let mut tried = 0;
    for (shell, starts) in [
        (
            "bash",
            vec![vec!["-ic", "echo \"$PATH\""], vec!["-lc", "echo \"$PATH\""]],
        ),
        (
            "zsh",
            vec![
                vec!["-ic", "echo \"$PATH\""],
                vec!["-lic", "echo \"$PATH\""],
            ],
        ),
        (
            "fish",
            vec![
                vec!["-c", "string join : $PATH"],
                vec!["-lic", "string join : $PATH"],
            ],
        ),
        ("dash", vec![vec!["-lc", "echo \"$PATH\""]]),
    ] {
        let Some(bin) = installed(shell) else {
            eprintln!("{shell} is not installed: skipped");
            continue;
        };
        tried += 1;
        let mut t = TestEnv::with_go("1.27.3");
        t.set("SHELL", bin.display().to_string());
        let gobin = t.home.join("go/bin");
        let (_, r) = t.check_json(&["--only", "path.tools"]);
        assert_eq!(codes(&r, "path.tools"), ["gobin.not_on_path"]);
        let fx = fix(&r, "path.tools", "path.add-gobin");
        let desc = fx["description"].as_str().unwrap();
        let want = if shell == "dash" { "sh" } else { shell };
        assert!(desc.contains(&format!("for {want}")), "{shell}: {desc}");
        let cmds = commands(fx);
        let all = cmds.join("\n");
        if shell == "zsh" {
            assert!(
                all.contains("~/.zshrc") && !all.contains(".profile"),
                "{all}"
            );
        }
        // Run the advice twice: the startup files change once.
        let files = |t: &TestEnv| -> Vec<(String, String)> {
            let mut v = Vec::new();
            for f in [
                ".bashrc",
                ".profile",
                ".bash_profile",
                ".zshrc",
                ".config/fish/fish_variables",
            ] {
                if let Ok(s) = std::fs::read_to_string(t.home.join(f)) {
                    v.push((f.to_string(), s));
                }
            }
            v
        };
        run_commands(&t, shell, &cmds);
        let once = files(&t);
        assert!(!once.is_empty(), "{shell}: nothing written by {cmds:?}");
        run_commands(&t, shell, &cmds);
        assert_eq!(
            files(&t),
            once,
            "{shell}: running the advice twice changed the files again"
        );
        for (f, text) in &once {
            assert!(
                text.matches(&*gobin.display().to_string()).count() <= 1,
                "{shell}: {f} has it twice:\n{text}"
            );
        }
        // New shells have it on PATH, and the check passes with that PATH.
        for args in &starts {
            let path = new_terminal_path(&t, &bin, args);
            assert!(
                path.split(':').any(|p| Path::new(p) == gobin),
                "{shell} {args:?}: PATH {path:?} lacks {}",
                gobin.display()
            );
            let mut t2 = TestEnv::with_go("1.27.3");
            t2.home = t.home.clone();
            t2.env = t.env.clone();
            t2.set("PATH", path);
            let (_, r) = t2.check_json(&["--only", "path.tools"]);
            assert_status(&r, "path.tools", "ok");
        }
    }
    assert!(tried >= 1, "no shell to try");
}

/// The shell gomedic runs under decides the advice, not only $SHELL.
#[test]
fn path_tools_advice_follows_the_parent_shell() {
    let Some(zsh) = installed("zsh") else {
        eprintln!("zsh is not installed: skipped");
        return;
    };
    let mut t = TestEnv::with_go("1.27.3");
    t.set("SHELL", "/bin/bash");
    let gomedic = env!("CARGO_BIN_EXE_gomedic");
    let out = Command::new(&zsh)
        .arg("-c")
        .arg(format!("{gomedic} check --offline --only path.tools; true"))
        .env_clear()
        .envs(&t.env)
        .current_dir(&t.cwd)
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("for zsh (your shell, from parent process)") && s.contains("~/.zshrc"),
        "{s}"
    );
    let out = Command::new("bash")
        .arg("-lc")
        .arg(format!("{gomedic} check --offline --only path.tools; true"))
        .env_clear()
        .envs(&t.env)
        .env("SHELL", zsh)
        .current_dir(&t.cwd)
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("for bash login shell (your shell, from parent process)"),
        "{s}"
    );
}

/// GOFLAGS=-insecure: real go (every installed version) rejects it in `go get` and ignores
/// it elsewhere; gomedic says exactly that, as an error, and removing it (the fix, applied
/// from the environment and by `gomedic fix` from the go env file) makes `go get` work.
#[test]
fn goflags_insecure_breaks_go_get_on_every_version_and_its_fix_works() {
    const REJECTED: &str = "go: -insecure flag is no longer supported; use GOINSECURE instead";
    for (ver, root) in goroots() {
        for value in ["-insecure", "-modcacherw --insecure=true"] {
            let mut t = TestEnv::with_go(&ver);
            t.set("GOFLAGS", value);
            std::fs::write(t.cwd.join("go.mod"), "module example.com/m\n\ngo 1.21\n").unwrap();
            let get = go(&t, &root, &["get", "example.com/x@v1.0.0"]);
            assert!(
                String::from_utf8_lossy(&get.stderr).contains(REJECTED),
                "go{ver} {value}: {get:?}"
            );
            let build = go(&t, &root, &["list", "-m"]);
            assert!(
                build.status.success(),
                "go{ver}: other commands ignore it: {build:?}"
            );
            let (code, r) = t.check_json(&["--only", "go.env"]);
            assert_eq!(code, 1, "go{ver}");
            assert_status(&r, "go.env", "error");
            assert!(
                text(&r, "go.env").contains(&REJECTED.replace('"', "\\\"")),
                "go{ver}: {r:#}"
            );
            let fx = fix(&r, "go.env", "env.goflags-insecure");
            t.env = run_commands(&t, "sh", &commands(fx));
            let get = go(&t, &root, &["get", "example.com/x@v1.0.0"]);
            assert!(
                !String::from_utf8_lossy(&get.stderr).contains(REJECTED),
                "go{ver}: {get:?}"
            );
            let (_, r) = t.check_json(&["--only", "go.env"]);
            assert!(codes(&r, "go.env").is_empty(), "go{ver}: {r:#}");
        }
    }
    let root = newest();
    // Set to false it is harmless, and not flagged.
    let mut t = TestEnv::new(&[&root.join("bin")]);
    t.set("GOFLAGS", "-insecure=false");
    let (_, r) = t.check_json(&["--only", "go.env"]);
    assert!(codes(&r, "go.env").is_empty(), "{r:#}");
    let mut t = TestEnv::new(&[&root.join("bin")]);
    t.unset("GOFLAGS");
    t.set("GOMEDIC_DATA_DIR", t.path("data").display().to_string());
    t.write_env_file("GOFLAGS=-modcacherw -insecure\n");
    assert_exit(
        &t.gomedic(&["fix", "env.goflags-insecure", "--yes"]),
        0,
        "gomedic fix env.goflags-insecure",
    );
    let o = go(&t, &root, &["env", "GOFLAGS"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "-modcacherw");
    let (_, r) = t.check_json(&["--only", "go.env"]);
    assert!(codes(&r, "go.env").is_empty(), "{r:#}");
}

/// A GOROOT without go.env: real go has empty GOPROXY and GOSUMDB and every download
/// fails; `check --offline` says so (error, goroot.no_go_env) and the restore command it
/// gives makes go's defaults come back.
#[test]
fn goroot_without_go_env_is_an_error_and_restoring_it_works() {
    let mut t = TestEnv::new(&[]);
    let copy = t.path("go");
    copy_newest_goroot(&copy);
    std::fs::remove_file(copy.join("go.env")).unwrap();
    t.set(
        "PATH",
        format!("{}:/usr/bin:/bin", copy.join("bin").display()),
    );
    t.unset("GOPROXY");
    std::fs::write(
        t.cwd.join("go.mod"),
        "module example.com/m\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.0\n",
    )
    .unwrap();
    let dl = go(&t, &copy, &["mod", "download", "golang.org/x/text@v0.3.0"]);
    let err = String::from_utf8_lossy(&dl.stderr);
    assert!(
        !dl.status.success()
            && err.contains("GOPROXY list is not the empty string, but contains no entries"),
        "{dl:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&go(&t, &copy, &["env", "GOSUMDB"]).stdout).trim(),
        ""
    );

    let (code, r) = t.check_json(&[]);
    assert_eq!(code, 1, "{r:#}");
    assert_status(&r, "go.root", "error");
    assert_eq!(codes(&r, "go.root"), ["goroot.no_go_env"], "{r:#}");
    let fx = fix(&r, "go.root", "goroot.restore-go-env");
    run_commands(&t, "sh", &commands(fx));
    let (code, r) = t.check_json(&[]);
    assert!(codes(&r, "go.root").is_empty(), "{r:#}");
    assert_eq!(code, 0, "{r:#}");
    for (k, want) in [
        ("GOPROXY", "https://proxy.golang.org,direct"),
        ("GOSUMDB", "sum.golang.org"),
        ("GOTOOLCHAIN", "local"),
    ] {
        assert_eq!(
            String::from_utf8_lossy(&go(&t, &copy, &["env", k]).stdout).trim(),
            want,
            "{k}"
        );
    }
    // With GOPROXY and GOSUMDB set elsewhere downloads work: a warning only.
    std::fs::remove_file(copy.join("go.env")).unwrap();
    t.set("GOPROXY", format!("file://{}", t.path("proxy").display()))
        .set("GOSUMDB", "sum.golang.org");
    let (_, r) = t.check_json(&["--only", "go.root"]);
    assert_status(&r, "go.root", "warn");
    assert_eq!(codes(&r, "go.root"), ["goroot.no_go_env"]);
}

/// Two Go installs on PATH: the report says which is newer, and when an older one wins,
/// the fix's command puts the newer one first.
#[test]
fn two_installs_say_which_is_newer_and_the_order_fix_works() {
    let new = goroot("1.27.3");
    let old = goroot("1.22.10");
    let mut t = TestEnv::new(&[&old.join("bin"), &new.join("bin")]);
    let (_, r) = t.check_json(&["--only", "go.binary"]);
    let s = check(&r, "go.binary")["summary"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        s.contains("go1.22.10") && s.contains("the newer go1.27.3 comes later on PATH"),
        "{s}"
    );
    let fx = fix(&r, "go.binary", "path.order");
    assert!(
        fx["description"]
            .as_str()
            .unwrap()
            .contains("older than go1.27.3"),
        "{fx:#}"
    );
    t.env = run_commands(&t, "sh", &commands(fx));
    let (_, r) = t.check_json(&["--only", "go.binary,go.runs"]);
    assert!(
        check(&r, "go.runs")["summary"]
            .as_str()
            .unwrap()
            .contains("go1.27.3"),
        "{r:#}"
    );
    let s = check(&r, "go.binary")["summary"].as_str().unwrap();
    assert!(
        s.contains("shadowing an older Go install (go1.22.10)"),
        "{s}"
    );
    assert!(!text(&r, "go.binary").contains("newer than"), "{r:#}");
}

/// GOROOT in the go env file is one problem: go.env reports it and its fix; go.root
/// reports what it breaks and points there, without a second copy of the fix.
#[test]
fn goroot_in_env_file_is_reported_once() {
    let t = TestEnv::with_go("1.27.3");
    t.write_env_file(&format!("GOROOT={}\n", goroot("1.24.11").display()));
    let (_, r) = t.check_json(&["--only", "go.env,go.root"]);
    let with_fix: Vec<&str> = ["go.env", "go.root"]
        .into_iter()
        .filter(|id| {
            check(&r, id)["fixes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["id"] == "env.goroot-file")
        })
        .collect();
    assert_eq!(with_fix, ["go.env"], "{r:#}");
    assert_eq!(codes(&r, "go.env"), ["goroot.in_env_file"]);
    assert_eq!(codes(&r, "go.root"), ["goroot.version_mismatch"], "{r:#}");
    let out = t.gomedic(&["check", "--only", "go.env,go.root"]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(s.matches("$ go env -u GOROOT").count(), 1, "{s}");
}

/// `gomedic check` (and other commands) in a mount namespace where `ro` is mounted
/// read-only; `None` when this machine cannot make one (no privileges).
fn in_ro_namespace(
    t: &TestEnv,
    ro: &Path,
    program: &Path,
    args: &[&str],
    cwd: &Path,
) -> Option<std::process::Output> {
    let quoted: Vec<String> = std::iter::once(program.display().to_string())
        .chain(args.iter().map(|a| a.to_string()))
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let script = format!(
        "mount --bind -o ro '{0}' '{0}' || exit 97\nexec {1}",
        ro.display(),
        quoted.join(" ")
    );
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .env_clear()
        .envs(&t.env)
        .current_dir(cwd)
        .output()
        .ok()?;
    if out.status.code() == Some(97)
        || (!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("unshare"))
    {
        return None;
    }
    Some(out)
}

/// A read-only GOCACHE (a read-only filesystem here): the check names the directory and
/// a real remedy (the default location, which is writable), not a placeholder path or
/// `go clean -cache`. Applied, the check passes and real go builds again.
#[test]
fn read_only_gocache_gets_a_real_remedy() {
    let mut t = TestEnv::with_go("1.27.3");
    let root = goroot("1.27.3");
    let cache = t.home.join("cache/go-build");
    std::fs::create_dir_all(&cache).unwrap();
    let pkg = t.path("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("go.mod"), "module example.com/p\n\ngo 1.21\n").unwrap();
    std::fs::write(pkg.join("p.go"), "package p\n\nfunc F() int { return 1 }\n").unwrap();
    let gomedic = Path::new(env!("CARGO_BIN_EXE_gomedic"));
    let args = [
        "check",
        "--offline",
        "--format",
        "json",
        "--only",
        "go.dirs",
    ];
    let Some(out) = in_ro_namespace(&t, &cache, gomedic, &args, &t.cwd) else {
        eprintln!("cannot mount a read-only directory here: skipped");
        return;
    };
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_status(&r, "go.dirs", "error");
    assert_eq!(codes(&r, "go.dirs"), ["godir.not_writable"], "{r:#}");
    let s = text(&r, "go.dirs");
    assert!(
        !s.contains("/path/with/space") && !s.contains("go clean -cache"),
        "{s}"
    );
    let build = in_ro_namespace(&t, &cache, &root.join("bin/go"), &["build", "./"], &pkg).unwrap();
    assert!(
        String::from_utf8_lossy(&build.stderr).contains("failed to initialize build cache"),
        "{build:?}"
    );

    let fx = fix(&r, "go.dirs", "dirs.relocate-gocache");
    let cmds = commands(fx);
    assert!(cmds[0].starts_with("unset GOCACHE"), "{cmds:?}");
    t.env = run_commands(&t, "sh", &cmds);
    let out = in_ro_namespace(&t, &cache, gomedic, &args, &t.cwd).unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_status(&r, "go.dirs", "ok");
    let build = in_ro_namespace(&t, &cache, &root.join("bin/go"), &["build", "./"], &pkg).unwrap();
    assert!(build.status.success(), "{build:?}");
}

/// Runs `program args` as the unprivileged user 65534 (`nobody`).
fn as_nobody(t: &TestEnv, program: &Path, args: &[&str]) -> std::process::Output {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(program)
        .args(args)
        .env_clear()
        .envs(&t.env)
        .current_dir(&t.cwd)
        .output()
        .unwrap()
}

/// A GOCACHE left behind by `sudo go build` (owned by root) or made read-only: as an
/// ordinary user, the check gives the chown or chmod for that exact directory, and
/// running it makes the check pass.
#[test]
fn gocache_owned_by_root_or_read_only_gets_chown_or_chmod() {
    use std::os::unix::fs::{chown, PermissionsExt};
    if unsafe_euid() != 0 || !Path::new("/usr/bin/setpriv").exists() {
        eprintln!("needs root and setpriv to play an ordinary user: skipped");
        return;
    }
    for case in ["root-owned", "read-only"] {
        let mut t = TestEnv::new(&[]);
        // The ordinary user must reach the toolchain, gomedic and the test directory.
        std::fs::set_permissions(t.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let copy = t.path("go");
        copy_newest_goroot(&copy);
        t.set(
            "PATH",
            format!("{}:/usr/bin:/bin", copy.join("bin").display()),
        );
        let cache = t.home.join("cache/go-build");
        std::fs::create_dir_all(&cache).unwrap();
        for d in [&t.home, &t.cwd] {
            chown(d, Some(65534), Some(65534)).unwrap();
        }
        chown(t.home.join("cache"), Some(65534), Some(65534)).unwrap();
        if case == "read-only" {
            chown(&cache, Some(65534), Some(65534)).unwrap();
            std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
        let gomedic = Path::new(env!("CARGO_BIN_EXE_gomedic"));
        let args = [
            "check",
            "--offline",
            "--format",
            "json",
            "--only",
            "go.dirs",
        ];
        let out = as_nobody(&t, gomedic, &args);
        let r: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{case}: {e}: {out:?}"));
        assert_eq!(
            codes(&r, "go.dirs"),
            ["godir.not_writable"],
            "{case}: {r:#}"
        );
        let (id, shell_prefix) = if case == "root-owned" {
            // `sudo` and `id` as the ordinary user would see them.
            (
                "dirs.chown-gocache",
                "sudo() { \"$@\"; }; id() { echo 65534; }; ",
            )
        } else {
            ("dirs.chmod-gocache", "")
        };
        let cmds = commands(fix(&r, "go.dirs", id));
        assert!(
            cmds[0].contains(&*cache.display().to_string()),
            "{case}: {cmds:?}"
        );
        let script = format!("{shell_prefix}{}", cmds.join("\n"));
        let run = if case == "root-owned" {
            Command::new("sh").args(["-c", &script]).output().unwrap()
        } else {
            as_nobody(&t, Path::new("/bin/sh"), &["-c", &script])
        };
        assert!(run.status.success(), "{case}: {run:?}");
        let out = as_nobody(&t, gomedic, &args);
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_status(&r, "go.dirs", "ok");
    }
}

fn unsafe_euid() -> u32 {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(1)
}

/// The remaining everyday fixes, each applied as shown (its commands in sh, or
/// `gomedic fix ID` when automatic) and the finding gone afterwards.
#[test]
fn everyday_fixes_remove_their_findings() {
    struct Case {
        name: &'static str,
        check: &'static str,
        code: &'static str,
        fix: &'static str,
        setup: fn(&mut TestEnv),
    }
    let cases = [
        Case {
            name: "stale GOTOOLCHAIN pin in the go env file",
            check: "go.version",
            code: "gotoolchain.stale_pin",
            fix: "version.gotoolchain-reset",
            setup: |t| {
                t.unset("GOTOOLCHAIN");
                t.write_env_file("GOTOOLCHAIN=go1.22.10\n");
            },
        },
        Case {
            name: "empty GOPROXY variable",
            check: "go.env",
            code: "goproxy.empty_in_environment",
            fix: "env.goproxy-empty",
            setup: |t| {
                t.set("GOPROXY", "");
            },
        },
        Case {
            name: "GOROOT variable of another version",
            check: "go.root",
            code: "goroot.version_mismatch",
            fix: "root.unset-env",
            setup: |t| {
                t.set("GOROOT", goroot("1.22.10").display().to_string());
            },
        },
        Case {
            name: "GOSUMDB=off in the environment",
            check: "go.env",
            code: "gosumdb.off",
            fix: "env.gosumdb-off",
            setup: |t| {
                t.set("GOSUMDB", "off");
            },
        },
    ];
    for c in cases {
        let mut t = TestEnv::with_go("1.27.3");
        t.set("GOMEDIC_DATA_DIR", t.path("data").display().to_string());
        (c.setup)(&mut t);
        let (_, r) = t.check_json(&["--only", c.check]);
        assert!(
            codes(&r, c.check).contains(&c.code.to_string()),
            "{}: {r:#}",
            c.name
        );
        let fx = fix(&r, c.check, c.fix).clone();
        if fx["automatic"] == true {
            assert_exit(&t.gomedic(&["fix", c.fix, "--yes"]), 0, c.name);
        } else {
            // Commands that only illustrate (a placeholder module path) are not run.
            let cmds: Vec<String> = commands(&fx)
                .into_iter()
                .filter(|c| !c.contains("corp.example.com"))
                .collect();
            t.env = run_commands(&t, "sh", &cmds);
        }
        let (_, r) = t.check_json(&["--only", c.check]);
        assert!(
            !codes(&r, c.check).contains(&c.code.to_string()),
            "{}: still there after {}: {r:#}",
            c.name,
            c.fix
        );
    }
}

/// No go on PATH but one installed in ~/sdk (where `go install golang.org/dl/...` puts
/// them): the fix names that directory for the user's shell, and a new shell finds go.
#[test]
fn go_installed_but_not_on_path_gets_the_real_directory() {
    let mut t = TestEnv::new(&[]);
    t.set("SHELL", "/bin/bash");
    let sdk = t.home.join("sdk");
    std::fs::create_dir_all(&sdk).unwrap();
    std::os::unix::fs::symlink(goroot("1.27.3"), sdk.join("go1.27.3")).unwrap();
    let (_, r) = t.check_json(&["--only", "go.binary"]);
    assert_eq!(codes(&r, "go.binary"), ["path.go_missing"]);
    let fx = fix(&r, "go.binary", "path.add-goroot-bin");
    let bin = sdk.join("go1.27.3/bin");
    assert!(
        fx["description"]
            .as_str()
            .unwrap()
            .contains(&*bin.display().to_string()),
        "{fx:#}"
    );
    run_commands(&t, "bash", &commands(fx));
    let path = new_terminal_path(&t, Path::new("/bin/bash"), &["-ic", "echo \"$PATH\""]);
    t.set("PATH", path);
    let (_, r) = t.check_json(&["--only", "go.binary,go.runs"]);
    assert_status(&r, "go.binary", "ok");
    assert!(
        check(&r, "go.runs")["summary"]
            .as_str()
            .unwrap()
            .contains("go1.27.3"),
        "{r:#}"
    );
}

/// A copy of the newest toolchain at `dst`: hard links where possible (same filesystem),
/// else a real copy.
fn copy_newest_goroot(dst: &std::path::Path) {
    let linked = Command::new("cp")
        .arg("-al")
        .arg(newest())
        .arg(dst)
        .status()
        .unwrap();
    if !linked.success() {
        let _ = std::fs::remove_dir_all(dst);
        assert!(Command::new("cp")
            .arg("-a")
            .arg(newest())
            .arg(dst)
            .status()
            .unwrap()
            .success());
    }
}
