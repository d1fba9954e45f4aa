//! The journal and gomedic's writes under real use: corrupt entries, kill -9 in the
//! middle of `env set`, and many `env set` at once.

use crate::harness::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn command(t: &TestEnv, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gomedic"));
    c.args(args)
        .env_clear()
        .envs(&t.env)
        .current_dir(&t.cwd)
        .stdin(Stdio::null());
    c
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// gomedic's temp files in `dir` (`.NAME.gomedic-tmp-PID`).
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().contains(".gomedic-tmp-"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0)
}

/// A small deterministic generator for kill delays (no extra dependency).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }
}

#[test]
fn a_corrupt_entry_never_blocks_undo_of_the_others() {
    let mut t = TestEnv::with_go("1.27.3");
    let data = t.path("data");
    t.set("GOMEDIC_DATA_DIR", data.display().to_string());
    let o = t.gomedic(&["env", "set", "GONOSUMDB=one.example"]);
    assert_exit(&o, 0, "first set");
    let after_first = std::fs::read(t.env_file()).unwrap();
    let o = t.gomedic(&["env", "set", "GONOSUMDB=two.example"]);
    assert_exit(&o, 0, "second set");
    let journal = data.join("journal");
    // Newer than both: garbage, an empty file (a crash of another tool), an entry of a
    // change kind this gomedic does not know.
    let bad = [
        ("29990101T000000Z.000000001-env-set-0001", "{\"id\": tru".to_string()),
        ("29990101T000000Z.000000002-env-set-0002", String::new()),
        (
            "29990101T000000Z.000000003-fix-0003",
            r#"{"id":"29990101T000000Z.000000003-fix-0003","created":"2999-01-01T00:00:00Z","state":"applied","plan":{"fix_id":"x","description":"d","changes":[{"kind":"cache_trim"}]}}"#.to_string(),
        ),
    ];
    for (id, text) in &bad {
        std::fs::write(journal.join(format!("{id}.json")), text).unwrap();
    }
    // --list shows every entry, the corrupt ones as such with their file and problem.
    let o = t.gomedic(&["undo", "--list"]);
    assert_exit(&o, 0, "undo --list");
    let list = stdout(&o);
    for (id, _) in &bad {
        let line = list
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} not listed:\n{list}"));
        assert!(
            line.contains("corrupt") && line.contains(&format!("{id}.json")),
            "{line}"
        );
    }
    assert!(list.contains("cache_trim"), "{list}");
    assert_eq!(list.matches("applied").count(), 2, "{list}");
    // undo skips them, naming each, and undoes the newest healthy entry.
    let o = t.gomedic(&["undo"]);
    assert_exit(&o, 0, "undo");
    let err = stderr(&o);
    for (id, _) in &bad {
        assert!(
            err.contains(&format!("{id}.json")),
            "{id} not named:\n{err}"
        );
    }
    assert_eq!(std::fs::read(t.env_file()).unwrap(), after_first);
    let o = t.gomedic(&["undo"]);
    assert_exit(&o, 0, "undo the first");
    assert!(!t.env_file().exists());
    // Asked for by id, a corrupt entry is refused with its path and problem.
    let o = t.gomedic(&["undo", bad[0].0]);
    assert_exit(&o, 2, "undo of a corrupt entry");
    assert!(
        stderr(&o).contains(&format!("{}.json", bad[0].0)) && stderr(&o).contains("corrupt"),
        "{}",
        stderr(&o)
    );
}

/// kill -9 at random moments of `env set`: the go env file always holds the old or the
/// new bytes, temp files are never readable by others, and the next run removes them.
#[test]
fn kill_9_during_env_set_leaves_old_or_new_bytes() {
    let mut t = TestEnv::with_go("1.27.3");
    let data = t.path("data");
    t.set("GOMEDIC_DATA_DIR", data.display().to_string());
    let file = t.env_file();
    let dir = file.parent().unwrap().to_path_buf();
    let journal = data.join("journal");
    // Where `env set` makes its private copies of the go env file for go to work on.
    let tmp = t.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    t.set("TMPDIR", tmp.display().to_string());
    let content = |n: usize| format!("# kept\nGONOSUMDB=v{n}.example\n");
    t.write_env_file(&content(0));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    // How long one run takes, to kill anywhere inside it.
    let start = Instant::now();
    let o = command(&t, &["env", "set", "GONOSUMDB=v1.example"])
        .output()
        .unwrap();
    assert_exit(&o, 0, "timing run");
    let full = start.elapsed().as_millis() as u64;
    let mut current = 1;
    let mut rng = Lcg(0x9e3779b97f4a7c15 ^ std::process::id() as u64);
    let (mut killed, mut finished) = (0, 0);
    let iterations = 100;
    for i in 2..2 + iterations {
        let old = content(current);
        let new = content(i);
        let mut child = command(&t, &["env", "set", &format!("GONOSUMDB=v{i}.example")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = rng.next(full + full / 4);
        std::thread::sleep(Duration::from_millis(delay));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        } else {
            finished += 1;
        }
        child.wait().unwrap();
        let now = std::fs::read_to_string(&file).unwrap();
        assert!(
            now == old || now == new,
            "iteration {i} (killed after {delay} ms): neither old nor new bytes:\n{now:?}"
        );
        if now == new {
            current = i;
        }
        assert_eq!(mode(&file), 0o600, "iteration {i}: the file keeps its mode");
        for tmp in temp_files(&dir).into_iter().chain(temp_files(&journal)) {
            assert_eq!(
                mode(&tmp) & 0o077,
                0,
                "iteration {i}: {} is readable by others",
                tmp.display()
            );
        }
    }
    assert!(
        killed >= iterations / 4,
        "only {killed} runs were killed ({finished} finished)"
    );
    // What a kill between creating a temp file and renaming it leaves (the window is too
    // short to hit reliably): temp files of a process that is gone.
    let mut gone = Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let planted = [
        dir.join(format!(".env.gomedic-tmp-{dead}")),
        journal.join(format!(
            ".29990101T000000Z.1-env-set-0001.json.gomedic-tmp-{dead}"
        )),
    ];
    for p in &planted {
        std::fs::write(p, "GONOSUMDB=half").unwrap();
    }
    // The next run finishes, and no temp file is left next to the file or in the journal.
    let o = command(&t, &["env", "set", "GONOSUMDB=final.example"])
        .output()
        .unwrap();
    assert_exit(&o, 0, "the run after the kills");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "# kept\nGONOSUMDB=final.example\n"
    );
    assert_eq!(
        temp_files(&dir),
        Vec::<PathBuf>::new(),
        "temp files next to the go env file"
    );
    assert_eq!(
        temp_files(&journal),
        Vec::<PathBuf>::new(),
        "temp files in the journal"
    );
    let copies: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("gomedic-env-"))
        .collect();
    assert!(
        copies.is_empty(),
        "copies of the go env file left by killed runs: {copies:?}"
    );
    // Interrupted entries stay undoable; the listing reads every entry.
    let o = command(&t, &["undo", "--list"]).output().unwrap();
    assert_exit(&o, 0, "undo --list");
    assert!(!stdout(&o).contains("corrupt"), "{}", stdout(&o));
}

/// Twenty `env set` at once, each of its own key: gomedic serialises its writers, so none
/// loses another's key, and none exits 0 without its key in the file.
#[test]
fn parallel_env_set_never_loses_a_key() {
    let mut t = TestEnv::with_go("1.27.3");
    t.set("GOMEDIC_DATA_DIR", t.path("data").display().to_string());
    t.write_env_file("GOPRIVATE=start.example\n");
    let bin = t.path("bin").display().to_string();
    // Values equal to go's default (CC=gcc, PKG_CONFIG=pkg-config) read back the same with
    // or without their line; GOTOOLCHAIN is read back from the file only.
    let pairs: Vec<String> = [
        "GONOSUMDB=k1.example",
        "GONOPROXY=k2.example",
        "GOINSECURE=k3.example",
        "GOVCS=k4.example:git",
        &format!("GOBIN={bin}"),
        "GOAMD64=v2",
        "GO386=sse2",
        "GOMIPS=softfloat",
        "GOPPC64=power9",
        "GOWASM=satconv",
        "CGO_CFLAGS=-O2",
        "CGO_CXXFLAGS=-O1",
        "CGO_FFLAGS=-O3",
        "CGO_CPPFLAGS=-DK14",
        "AR=ar",
        "CC=gcc",
        "PKG_CONFIG=pkg-config",
        "GOTOOLCHAIN=local",
        "GOARM=7",
        "GOPRIVATE=k20.example",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(pairs.len(), 20);
    let start = Instant::now();
    let children: Vec<_> = pairs
        .iter()
        .map(|p| {
            command(&t, &["env", "set", p])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let took = start.elapsed();
    let file = std::fs::read_to_string(t.env_file()).unwrap();
    let lines: Vec<&str> = file.lines().collect();
    for (p, o) in pairs.iter().zip(&outs) {
        if o.status.success() {
            assert!(
                lines.contains(&p.as_str()),
                "`env set {p}` exited 0 but the file lacks its line:\n{file}\n{}",
                stderr(o)
            );
        }
    }
    for (p, o) in pairs.iter().zip(&outs) {
        assert_exit(o, 0, &format!("env set {p} (of 20 at once, {took:?})"));
    }
    assert_eq!(lines.len(), 20, "{file}");
}

/// A key another program removes right after gomedic wrote it is reported, never exit 0:
/// also for a value equal to go's default and for GOTOOLCHAIN, which `go env` cannot show.
#[test]
fn a_lost_key_is_never_exit_0() {
    let mut t = TestEnv::with_go("1.27.3");
    t.set("GOMEDIC_DATA_DIR", t.path("data").display().to_string());
    // A go that, after the real go wrote the file, removes every line of the file when
    // the read-back runs (GOENV is unset then: the real go env file).
    let real = goroot("1.27.3").join("bin/go");
    let fake = t.fake_go(
        "eraser",
        &format!(
            "if [ -z \"$GOENV\" ] && [ \"$1\" = version ]; then : > \"{}\"; fi\nexec {} \"$@\"",
            t.env_file().display(),
            real.display()
        ),
    );
    for pair in ["CC=gcc", "GOTOOLCHAIN=local", "GONOSUMDB=lost.example"] {
        t.write_env_file("GOPRIVATE=x.example\n");
        let o = t.gomedic(&[
            "env",
            "set",
            pair,
            "--go",
            &fake.join("go").display().to_string(),
        ]);
        assert_exit(&o, 1, &format!("env set {pair} whose line is removed"));
        let key = pair.split('=').next().unwrap();
        let (out, err) = (stdout(&o), stderr(&o));
        // `go env` sees a lost GONOSUMDB itself; a default value or GOTOOLCHAIN only the
        // check of gomedic's own line in the file can see.
        let by_go = key == "GONOSUMDB" && out.contains("MISMATCH");
        assert!(
            by_go || (err.contains(&format!("{key}=")) && err.contains("changed the go env file")),
            "{pair}:\n{out}\n{err}"
        );
    }
}
