//! Differential tests: every case runs the real `go env -w` / `go env -u` in one sandbox
//! and `gomedic env set` / `env unset` in a twin (own HOME and go env file, same starting
//! bytes), on Go 1.21, 1.24 and 1.27, and compares success or refusal, the file bytes, and
//! what the real go reads back. Most cases come from cmd/go's own scripts
//! (src/cmd/go/testdata/script/env_*.txt); gomedic's deliberate differences are listed
//! as such, with `--force` variants.

use crate::harness::*;
use std::path::Path;
use std::process::{Command, Output};

/// What gomedic must do compared with go.
#[derive(Clone, Copy)]
enum Expect {
    /// Exactly what go does.
    Agree,
    /// Deliberately stricter: where go accepts, gomedic refuses (exit 2) saying it is
    /// stricter than go and naming this text; with `--force` it then writes exactly what
    /// go writes. Where go refuses, gomedic refuses too.
    Stricter(&'static str),
    /// Deliberately more lenient: where go refuses, gomedic writes these bytes.
    Lenient(&'static str),
}

struct Case {
    name: &'static str,
    /// The go env file before (`None`: no file). `{GOROOT}` is the toolchain's GOROOT.
    start: Option<&'static [u8]>,
    /// `go env` arguments: `-w KEY=VALUE...` or `-u KEY...`.
    args: &'static [&'static str],
    /// Process environment changes (`None` removes the variable).
    env: &'static [(&'static str, Option<&'static str>)],
    expect: Expect,
    /// gomedic refuses with its own reason where go gives another (both refuse).
    own_message: bool,
}

const fn case(name: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        name,
        start: None,
        args,
        env: &[],
        expect: Expect::Agree,
        own_message: false,
    }
}

impl Case {
    const fn start(mut self, s: &'static [u8]) -> Case {
        self.start = Some(s);
        self
    }
    const fn env(mut self, e: &'static [(&'static str, Option<&'static str>)]) -> Case {
        self.env = e;
        self
    }
    const fn stricter(mut self, why: &'static str) -> Case {
        self.expect = Expect::Stricter(why);
        self
    }
    const fn lenient(mut self, bytes: &'static str) -> Case {
        self.expect = Expect::Lenient(bytes);
        self
    }
    const fn own_message(mut self) -> Case {
        self.own_message = true;
        self
    }
}

const NO_GOPATH: &[(&str, Option<&str>)] = &[("GOPATH", None)];
const BAD_PORT: &[u8] = b"GOOS=bados\nGOARCH=badarch\n";
const MESSY: &[u8] =
    b"# kept comment\nGOSUMDB=sum.golang.org\nGOSUMDB=sum.golang.org\nGOFLAGS=-mod=mod\n\nGOBIN=/opt/bin\n";

/// The table. Comments name the cmd/go script a case comes from.
const CASES: &[Case] = &[
    // env_write.txt
    case("no KEY=VALUE", &["-w"]),
    case("-u without argument", &["-u"]),
    case("GOPATH absolute", &["-w", "GOPATH=/non-exist/gopath"]).env(NO_GOPATH),
    case(
        "GOPATH under an OS GOPATH",
        &["-w", "GOPATH=/non-exist/gopath2"],
    )
    .env(&[("GOPATH", Some("/other"))]),
    case("unset GOPATH under an OS GOPATH", &["-u", "GOPATH"])
        .start(b"GOPATH=/non-exist/gopath2\n")
        .env(&[("GOPATH", Some("/other"))]),
    case("unset a key not in the file", &["-u", "GOPATH"]).start(b"GOBIN=/b\n"),
    case("unknown GOGC", &["-w", "GOGC=off"]),
    case("read-only GOEXE", &["-w", "GOEXE=.bat"]),
    case("read-only GOVERSION", &["-w", "GOVERSION=customversion"]),
    case("relative GOROOT", &["-w", "GOROOT=./go"]).stricter("GOROOT"),
    case("GOENV", &["-w", "GOENV=/env"]),
    case("GODEBUG", &["-w", "GODEBUG=gctrace=1"]),
    case("two keys, sorted", &["-w", "GOOS=linux", "CC=xyc"]),
    case("unset CC", &["-u", "CC"]).start(b"CC=xyc\nGOOS=linux\n"),
    case("GOOS twice", &["-w", "GOOS=linux", "GOOS=linux"]),
    case("no =", &["-w", "GOOS"]),
    case("bad GO111MODULE", &["-w", "GO111MODULE=badvalue"]),
    case("GOPATH with ~", &["-w", "GOPATH=~/go"]),
    case("relative GOPATH", &["-w", "GOPATH=./go"]),
    case("relative GOTMPDIR", &["-w", "GOTMPDIR=x"]),
    case("absolute GOTMPDIR", &["-w", "GOTMPDIR=/non-exist/x/y/z"]),
    case("unset GOTMPDIR", &["-u", "GOTMPDIR"]).start(b"GOTMPDIR=/non-exist/x\n"),
    case("empty GOTMPDIR", &["-w", "GOTMPDIR="]).start(b"GOTMPDIR=/non-exist/x\n"),
    case("absolute CC", &["-w", "CC=/usr/bin/clang"]),
    case("CC by name", &["-w", "CC=clang"]),
    case("CC ./clang", &["-w", "CC=./clang"]),
    case("CC bin/clang", &["-w", "CC=bin/clang"]),
    case("CXX by name", &["-w", "CXX=cpp"]),
    case("CXX ./cpp", &["-w", "CXX=./cpp"]),
    case("CXX bin/cpp", &["-w", "CXX=bin/cpp"]),
    case("bad GOOS", &["-w", "GOOS=linuxx"]),
    case("bad GOARCH", &["-w", "GOARCH=amd644"]),
    case(
        "bad GOOS, good GOARCH",
        &["-w", "GOOS=linuxx", "GOARCH=amd64"],
    ),
    case("android/s390x", &["-w", "GOOS=android", "GOARCH=s390x"]),
    case("-u GOOS leaves windows/mips", &["-u", "GOOS"])
        .start(b"GOARCH=mips\nGOOS=linux\n")
        .env(&[("GOOS", Some("windows"))]),
    case("GOMODCACHE with ~", &["-w", "GOMODCACHE=~/test"]),
    case("relative GOMODCACHE", &["-w", "GOMODCACHE=./test"]),
    case(
        "unknown GOEXPERIMENT badexp",
        &["-w", "GOEXPERIMENT=badexp"],
    ),
    case(
        "GOEXPERIMENT fieldtrack",
        &["-w", "GOEXPERIMENT=fieldtrack"],
    ),
    case("unknown key already in the file", &["-w", "UNKNOWN=maybe"]).start(b"UNKNOWN=yes\n"),
    case("unset an unknown key in the file", &["-u", "UNKNOWN"]).start(b"UNKNOWN=yes\n"),
    // env_unset.txt
    case("unset a bad GOEXPERIMENT", &["-u", "GOEXPERIMENT"])
        .start(b"GOOS=bados\nGOARCH=badarch\nGOEXPERIMENT=badexp\n"),
    case("unset GOOS only", &["-u", "GOOS"]).start(BAD_PORT),
    case("unset GOARCH only", &["-u", "GOARCH"]).start(BAD_PORT),
    case("unset GOOS and GOARCH", &["-u", "GOOS", "GOARCH"]).start(BAD_PORT),
    // env_exp.txt
    case(
        "two experiments",
        &["-w", "GOEXPERIMENT=fieldtrack,staticlockranking"],
    ),
    case("unknown GOEXPERIMENT bad", &["-w", "GOEXPERIMENT=bad"]),
    // env_sanitize.txt: go writes it, then every command but `go env` fails
    case(
        "shell in GOFLAGS",
        &["-w", "GOFLAGS=$(echo 'cc\"'; echo 'OOPS=\"oops')"],
    )
    .stricter("go commands fail"),
    // env_changed.txt
    case("GOSUMDB nodefault", &["-w", "GOSUMDB=nodefault"]).stricter("GOSUMDB"),
    case("GOPROXY nodefault", &["-w", "GOPROXY=nodefault"]).stricter("GOPROXY"),
    case(
        "GOPRIVATE with spaces",
        &["-w", "GOPRIVATE=a.example, b.example"],
    )
    .stricter("GOPRIVATE"),
    case("GO111MODULE auto", &["-w", "GO111MODULE=auto"]),
    case("CGO_CFLAGS", &["-w", "CGO_CFLAGS=nodefault"]),
    case("GOFIPS140 latest", &["-w", "GOFIPS140=latest"]),
    case("CGO_ENABLED 0", &["-w", "CGO_ENABLED=0"]),
    case("GCCGO", &["-w", "GCCGO=nodefault"]),
    case("GOAMD64 v3", &["-w", "GOAMD64=v3"]),
    // env_gocacheprog.txt
    case("empty GOCACHEPROG", &["-w", "GOCACHEPROG="]),
    // Legal empty values: go falls back to its default.
    case("empty GOPATH", &["-w", "GOPATH="]).env(NO_GOPATH),
    case("empty CC, GOAMD64", &["-w", "CC=", "GOAMD64="]),
    // GOFLAGS: quotes group words (quoted.Split) ...
    case(
        "quoted GOFLAGS",
        &["-w", "GOFLAGS=\"-ldflags=-s -w\" -trimpath"],
    ),
    case(
        "single-quoted GOFLAGS",
        &["-w", "GOFLAGS='-gcflags=all=-N -l'"],
    ),
    case("GOFLAGS -mod=mod", &["-w", "GOFLAGS=-mod=mod"]),
    // ... but only at the start of a word; and some GOFLAGS break every command.
    case(
        "inner quotes in GOFLAGS",
        &["-w", "GOFLAGS=-ldflags=\"-s -w\""],
    )
    .stricter("go commands fail"),
    case("GOFLAGS -C", &["-w", "GOFLAGS=-C=/tmp"]).stricter("go commands fail"),
    case("GOFLAGS non-flag", &["-w", "GOFLAGS=vendor"]).stricter("go commands fail"),
    case("GOFIPS140 bogus", &["-w", "GOFIPS140=bogus"]).stricter("go commands fail"),
    case("GOEXPERIMENT bogus", &["-w", "GOEXPERIMENT=bogus"]),
    // gomedic's other stricter checks.
    case("ftp GOPROXY", &["-w", "GOPROXY=ftp://mirror.example"]).stricter("GOPROXY"),
    case("GOTOOLCHAIN 1.22", &["-w", "GOTOOLCHAIN=1.22"]).stricter("GOTOOLCHAIN"),
    case(
        "GOTOOLCHAIN go1.21.0+auto",
        &["-w", "GOTOOLCHAIN=go1.21.0+auto"],
    ),
    case("GOROOT", &["-w", "GOROOT={GOROOT}"]).stricter("GOROOT"),
    case("GOSUMDB off (a warning only)", &["-w", "GOSUMDB=off"]),
    // Removing GOROOT: Go 1.27 refuses, gomedic removes the line (docs/fixes.md).
    case("unset GOROOT", &["-u", "GOROOT"])
        .start(b"GOROOT={GOROOT}\nGOPROXY=https://x.example\n")
        .lenient("GOPROXY=https://x.example\n"),
    case(
        "unset GOROOT and another key",
        &["-u", "GOROOT", "GOPRIVATE"],
    )
    .start(b"GOPRIVATE=a.example\nGOROOT={GOROOT}\nGOBIN=/b\n")
    .lenient("GOBIN=/b\n"),
    // -u needs an existing file.
    case("unset without a file", &["-u", "GOPROXY"]),
    // Go 1.27 refuses GOROOT first; gomedic, lenient about GOROOT, refuses the missing file.
    case("unset GOROOT without a file", &["-u", "GOROOT"]).own_message(),
    // The file format: duplicates, comments, blank lines, CRLF, no final newline, bytes.
    case(
        "messy file, set",
        &[
            "-w",
            "GOPROXY=https://a.example,direct",
            "GOPRIVATE=*.corp.example",
        ],
    )
    .start(MESSY),
    case("messy file, unset a missing key", &["-u", "GOPRIVATE"]).start(MESSY),
    case("messy file, unset", &["-u", "GOBIN", "GOSUMDB"]).start(MESSY),
    case("CRLF lines", &["-w", "GOSUMDB=sum.golang.google.cn"])
        .start(b"GOPRIVATE=*.corp\r\n# x\r\nGOSUMDB=sum.golang.org\n"),
    case("no final newline", &["-w", "GONOSUMDB=x.example"]).start(b"GOAMD64=v2"),
    case("not UTF-8", &["-w", "GONOSUMDB=x.example"]).start(b"GOPRIVATE=\xff\xfe\nGOBIN=/b\n"),
    // Version-dependent rules.
    case(
        "windows/arm (gone by 1.27)",
        &["-w", "GOOS=windows", "GOARCH=arm"],
    ),
    case(
        "openbsd/riscv64 (new in 1.22)",
        &["-w", "GOOS=openbsd", "GOARCH=riscv64"],
    ),
    case("linux/sparc64 (a broken port)", &["-w", "GOARCH=sparc64"]),
    case("GOTELEMETRY", &["-w", "GOTELEMETRY=off"]),
    case("GOARM64 (new in 1.23)", &["-w", "GOARM64=v8.0"]),
    case("GOAUTH (new in 1.24)", &["-w", "GOAUTH=off"]),
    case("jsonv2 experiment (new)", &["-w", "GOEXPERIMENT=jsonv2"]),
    case("arenas,noregabi", &["-w", "GOEXPERIMENT=arenas,noregabi"]),
    // Odd arguments.
    case("empty key", &["-w", "=x"]),
    case("lower-case key", &["-w", "goproxy=https://x.example"]),
    case("newline in a value", &["-w", "GOPRIVATE=a\rb"]),
    case("unset a read-only key", &["-u", "GOHOSTOS"]),
];

/// Keys a case's arguments name.
fn keys_of(args: &[&str]) -> Vec<String> {
    args.iter()
        .skip(1)
        .map(|a| a.split('=').next().unwrap_or(a).to_string())
        .filter(|k| !k.is_empty())
        .collect()
}

struct Sandbox {
    t: TestEnv,
    root: std::path::PathBuf,
}

impl Sandbox {
    fn new(ver: &str, root: &Path, c: &Case) -> Sandbox {
        let mut t = TestEnv::with_go(ver);
        // The file's GOFLAGS must count.
        t.unset("GOFLAGS");
        for (k, v) in c.env {
            match v {
                Some(v) => t.set(k, *v),
                None => t.unset(k),
            };
        }
        let data = t.path("gomedic-data").display().to_string();
        t.set("GOMEDIC_DATA_DIR", data);
        if let Some(s) = c.start {
            let p = t.env_file();
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, subst(s, root)).unwrap();
        }
        Sandbox {
            t,
            root: root.to_path_buf(),
        }
    }

    fn go(&self, args: &[&str]) -> Output {
        Command::new(self.root.join("bin/go"))
            .args(args)
            .env_clear()
            .envs(&self.t.env)
            .current_dir(&self.t.cwd)
            .output()
            .unwrap()
    }

    fn file(&self) -> Option<Vec<u8>> {
        std::fs::read(self.t.env_file()).ok()
    }

    /// Paths of this sandbox replaced, so twins compare equal.
    fn norm(&self, b: &[u8]) -> String {
        String::from_utf8_lossy(b).replace(&self.t.dir.path().display().to_string(), "$SANDBOX")
    }

    /// What the real go reads now: `go env -json KEYS` and whether `go version` runs.
    fn read_back(&self, keys: &[String]) -> (bool, String) {
        let v = self.go(&["version"]);
        let mut a = vec!["env", "-json"];
        a.extend(keys.iter().map(String::as_str));
        if keys.is_empty() {
            a.push("GOOS");
        }
        let e = self.go(&a);
        let works = v.status.success() && e.status.success();
        (
            works,
            format!(
                "go env -json exit {:?}\n{}{}",
                e.status.code(),
                self.norm(&e.stdout),
                self.norm(&e.stderr)
            ),
        )
    }
}

fn subst(b: &[u8], root: &Path) -> Vec<u8> {
    let s = b
        .split(|c| *c == b'\n')
        .map(|l| {
            String::from_utf8(l.to_vec())
                .map(|s| {
                    s.replace("{GOROOT}", &root.display().to_string())
                        .into_bytes()
                })
                .unwrap_or_else(|_| l.to_vec())
        })
        .collect::<Vec<_>>();
    s.join(&b'\n')
}

fn out_text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// go's refusal: its last stderr line that is not a warning or usage text.
fn go_error(sb: &Sandbox, o: &Output) -> String {
    let text = sb.norm(&o.stderr);
    text.lines()
        .rev()
        .find(|l| {
            !l.trim().is_empty()
                && !l.starts_with("warning: ")
                && !l.starts_with("usage: ")
                && !l.starts_with("Run 'go help")
        })
        .unwrap_or("")
        .to_string()
}

/// Runs one case on one version; returns whether go accepted it, or what disagreed.
fn run_case(ver: &str, root: &Path, c: &Case) -> Result<bool, String> {
    run_case_in(ver, root, c, false)
}

/// `builtin`: gomedic's go cannot be asked (a `GOFLAGS=-C` in its environment breaks
/// every go command), so gomedic's copy of the rules for that version decides.
fn run_case_in(ver: &str, root: &Path, c: &Case, builtin: bool) -> Result<bool, String> {
    let args: Vec<String> = c
        .args
        .iter()
        .map(|a| a.replace("{GOROOT}", &root.display().to_string()))
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let keys = keys_of(&args);
    let by_go = Sandbox::new(ver, root, c);
    let mut by_gm = Sandbox::new(ver, root, c);
    if builtin {
        by_gm.t.set("GOFLAGS", "-C=/nonexistent");
    }
    let start = by_gm.file();

    let mut go_args = vec!["env"];
    go_args.extend_from_slice(&args);
    let go_out = by_go.go(&go_args);
    let go_ok = go_out.status.success();
    let go_file = by_go.file();
    let (go_works, go_reads) = by_go.read_back(&keys);

    let mut gm_args = vec!["env", if args[0] == "-w" { "set" } else { "unset" }];
    gm_args.extend_from_slice(&args[1..]);
    let ctx = |what: &str, o: &Output| {
        format!(
            "[go {ver}] {}: {what}\n  go env {args:?}: {}\n  gomedic: {}",
            c.name,
            out_text(&go_out).replace('\n', "\n    "),
            out_text(o).replace('\n', "\n    ")
        )
    };

    // gomedic must do what go did: refuse, or write go's bytes and read back the same.
    let agree = |o: &Output| -> Result<(), String> {
        if go_ok && builtin {
            // Written, then go (broken by GOFLAGS) cannot read it back: exit 1; or
            // nothing to change: exit 0.
            let err = String::from_utf8_lossy(&o.stderr);
            let want = if go_file == start { 0 } else { 1 };
            if o.status.code() != Some(want) || !err.contains("could not be asked") {
                return Err(ctx("built-in rules: should write, then exit 1", o));
            }
            if by_gm.file() != go_file {
                return Err(ctx(
                    &format!(
                        "file differs:\n    go:      {:?}\n    gomedic: {:?}",
                        go_file.as_deref().map(|b| by_go.norm(b)),
                        by_gm.file().as_deref().map(|b| by_gm.norm(b))
                    ),
                    o,
                ));
            }
        } else if go_ok {
            let want = if go_works { 0 } else { 1 };
            if o.status.code() != Some(want) {
                return Err(ctx(&format!("gomedic should exit {want}"), o));
            }
            if String::from_utf8_lossy(&o.stderr).contains("differs from what `go env` wrote") {
                return Err(ctx("gomedic's own bytes differ from go's", o));
            }
            if want == 1 && !String::from_utf8_lossy(&o.stderr).contains("gomedic undo") {
                return Err(ctx("no undo hint after breaking go", o));
            }
            if by_gm.file() != go_file {
                return Err(ctx(
                    &format!(
                        "file differs:\n    go:      {:?}\n    gomedic: {:?}",
                        go_file.as_deref().map(|b| by_go.norm(b)),
                        by_gm.file().as_deref().map(|b| by_gm.norm(b))
                    ),
                    o,
                ));
            }
            let (_, gm_reads) = by_gm.read_back(&keys);
            if gm_reads != go_reads {
                return Err(ctx(
                    &format!("go reads back differently:\n{go_reads}\n---\n{gm_reads}"),
                    o,
                ));
            }
        } else {
            if o.status.code() != Some(2) {
                return Err(ctx("go refuses; gomedic should exit 2", o));
            }
            if by_gm.file() != start {
                return Err(ctx("gomedic changed the file while refusing", o));
            }
            let msg = go_error(&by_go, &go_out);
            let gm_err = by_gm.norm(&o.stderr);
            // Argument-count errors are the command line parser's (clap's) own.
            if args.len() > 1
                && !c.own_message
                && !gm_err.contains(msg.trim().trim_start_matches("go: "))
            {
                return Err(ctx(&format!("gomedic's message lacks go's {msg:?}"), o));
            }
        }
        Ok(())
    };

    let o = by_gm.t.gomedic(&gm_args);
    let r = match c.expect {
        Expect::Agree => agree(&o),
        Expect::Stricter(_) if !go_ok => agree(&o),
        Expect::Stricter(why) => {
            let err = String::from_utf8_lossy(&o.stderr);
            if o.status.code() != Some(2)
                || !err.contains("stricter than go")
                || !err.contains(why)
                || !err.contains("--force")
            {
                return Err(ctx(
                    &format!(
                        "a deliberate refusal: exit 2, \"stricter than go\", {why:?}, --force"
                    ),
                    &o,
                ));
            }
            if by_gm.file() != start {
                return Err(ctx("gomedic changed the file while refusing", &o));
            }
            let mut forced = gm_args.clone();
            forced.push("--force");
            let o = by_gm.t.gomedic(&forced);
            agree(&o).map_err(|e| format!("with --force: {e}"))
        }
        Expect::Lenient(_) if go_ok => agree(&o),
        Expect::Lenient(bytes) => {
            if o.status.code() != Some(0) {
                return Err(ctx("deliberately lenient: gomedic should write", &o));
            }
            let got = by_gm.file().unwrap_or_default();
            if got != subst(bytes.as_bytes(), root) {
                return Err(ctx(
                    &format!("file: {:?}", String::from_utf8_lossy(&got)),
                    &o,
                ));
            }
            Ok(())
        }
    };
    r.map(|()| go_ok)
}

/// gomedic's built-in rules (used when go cannot run) against the real go: the same
/// refusals, messages and bytes, per version. Only the cases where gomedic agrees with go;
/// files that are not UTF-8 need go.
#[test]
fn env_diff_builtin_rules_agree_with_go() {
    let versions = versions();
    let cases: Vec<&Case> = CASES
        .iter()
        .filter(|c| matches!(c.expect, Expect::Agree))
        .filter(|c| c.start.is_none_or(|s| std::str::from_utf8(s).is_ok()))
        .collect();
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = versions
            .iter()
            .map(|(ver, root)| {
                let cases = &cases;
                s.spawn(move || {
                    cases
                        .iter()
                        .filter_map(|c| run_case_in(ver, root, c, true).err())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The versions compared: 1.21, 1.24 (if installed) and 1.27, which must be installed.
fn versions() -> Vec<(String, std::path::PathBuf)> {
    let all = goroots();
    let pick = |minor: &str| {
        all.iter()
            .filter(|(v, _)| v.starts_with(&format!("1.{minor}.")))
            .max_by_key(|(v, _)| v.rsplit('.').next().and_then(|p| p.parse::<u32>().ok()))
            .map(|(v, r)| (v.clone(), r.clone()))
    };
    let mut out = Vec::new();
    for (minor, required) in [("21", true), ("24", false), ("27", true)] {
        match pick(minor) {
            Some(v) => out.push(v),
            None if required => panic!(
                "Go 1.{minor} is not installed (have {:?}); run scripts/test.sh",
                all.keys()
            ),
            None => {}
        }
    }
    out
}

#[test]
fn env_diff_gomedic_agrees_with_go_env_w_and_u() {
    let versions = versions();
    // One thread per version: each case is a handful of short process runs.
    let results: Vec<Vec<Result<bool, String>>> = std::thread::scope(|s| {
        let handles: Vec<_> = versions
            .iter()
            .map(|(ver, root)| {
                s.spawn(move || CASES.iter().map(|c| run_case(ver, root, c)).collect())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut failures: Vec<String> = results
        .iter()
        .flatten()
        .filter_map(|r| r.as_ref().err().cloned())
        .collect();
    // The allow-list stays exact: a deliberate difference must show on some version.
    for (i, c) in CASES.iter().enumerate() {
        let go_ok: Vec<bool> = results
            .iter()
            .filter_map(|v| v[i].as_ref().ok().copied())
            .collect();
        if go_ok.len() != results.len() {
            continue;
        }
        match c.expect {
            Expect::Stricter(_) if !go_ok.contains(&true) => failures.push(format!(
                "{}: listed as stricter than go, but go refuses it on every version",
                c.name
            )),
            Expect::Lenient(_) if !go_ok.contains(&false) => failures.push(format!(
                "{}: listed as more lenient than go, but go accepts it on every version",
                c.name
            )),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A sandbox whose PATH is `dirs` only (plus /usr/bin:/bin, which hold no go).
fn with_path(dirs: &[&Path]) -> TestEnv {
    let mut t = TestEnv::new(dirs);
    t.unset("GOFLAGS");
    let data = t.path("gomedic-data").display().to_string();
    t.set("GOMEDIC_DATA_DIR", data);
    t
}

/// A go that hangs: a clear error and nothing written; with --force the file is written
/// with gomedic's own rules, but the exit code is still 1, with the undo command.
#[test]
fn env_set_with_a_hanging_go_never_reports_success() {
    let mut t = with_path(&[]);
    let dir = t.fake_go("hang", "sleep 30");
    t.set("PATH", format!("{}:/usr/bin:/bin", dir.display()));
    let started = std::time::Instant::now();
    let args = [
        "env",
        "set",
        "GOPROXY=https://a.example",
        "--go-timeout",
        "1",
    ];
    let o = t.gomedic(&args);
    assert_exit(&o, 1, "hanging go");
    assert!(
        stderr(&o).contains("did not finish within 1 s"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("nothing was changed"), "{}", stderr(&o));
    assert!(!t.env_file().exists());
    let mut forced = args.to_vec();
    forced.push("--force");
    let o = t.gomedic(&forced);
    assert_exit(&o, 1, "hanging go, --force");
    let err = stderr(&o);
    assert!(
        err.contains("could not be asked") && err.contains("gomedic undo"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(t.env_file()).unwrap(),
        "GOPROXY=https://a.example\n"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

/// No go at all: gomedic's copy of the go command's rules decides, and says so.
#[test]
fn env_set_without_go_uses_the_builtin_rules() {
    let t = with_path(&[]);
    let o = t.gomedic(&[
        "env",
        "set",
        "GOPROXY=https://a.example",
        "GOOS=windows",
        "GOARCH=arm64",
    ]);
    assert_exit(&o, 0, "no go");
    assert!(
        stderr(&o).contains("could not be asked (no go command on PATH)"),
        "{}",
        stderr(&o)
    );
    let o = t.gomedic(&["env", "set", "GOEXPERIMENT=bogus"]);
    assert_exit(&o, 2, "no go, bad GOEXPERIMENT");
    let err = stderr(&o);
    assert!(
        err.contains("unknown GOEXPERIMENT bogus") && err.contains("gomedic's copy"),
        "{err}"
    );
    let o = t.gomedic(&["env", "set", "GOOS=android", "GOARCH=s390x"]);
    assert_exit(&o, 2, "no go, bad port");
    assert!(
        stderr(&o).contains("unsupported GOOS/GOARCH pair android/s390x"),
        "{}",
        stderr(&o)
    );
    let o = t.gomedic(&["env", "set", "GOFLAGS=vendor"]);
    assert_exit(&o, 2, "no go, GOFLAGS");
    assert!(stderr(&o).contains("stricter than go"), "{}", stderr(&o));
    let o = t.gomedic(&["env", "set", "GOFLAGS=\"-ldflags=-s -w\""]);
    assert_exit(&o, 0, "no go, quoted GOFLAGS");
    let o = t.gomedic(&["env", "unset", "GOARCH", "GOOS"]);
    assert_exit(&o, 0, "no go, unset");
    assert_eq!(
        std::fs::read_to_string(t.env_file()).unwrap(),
        "GOFLAGS=\"-ldflags=-s -w\"\nGOPROXY=https://a.example\n"
    );
}

/// A go env file that breaks every go command, `go env -u` included: gomedic removes the
/// line (go cannot) and go works again.
#[test]
fn env_unset_repairs_a_file_that_breaks_go_itself() {
    let (_, root) = versions().pop().unwrap();
    for (start, key) in [
        ("GOFLAGS=-C=/tmp\nGOBIN=/b\n", "GOFLAGS"),
        ("GOROOT=/nonexistent/go\nGOBIN=/b\n", "GOROOT"),
    ] {
        let t = with_path(&[&root.join("bin")]);
        t.write_env_file(start);
        let go = |args: &[&str]| {
            Command::new(root.join("bin/go"))
                .args(args)
                .env_clear()
                .envs(&t.env)
                .current_dir(&t.cwd)
                .output()
                .unwrap()
        };
        assert!(
            !go(&["env", "-u", key]).status.success(),
            "go repairs {key} itself now"
        );
        assert!(!go(&["version"]).status.success());
        let o = t.gomedic(&["env", "unset", key]);
        assert_exit(&o, 0, key);
        assert_eq!(std::fs::read_to_string(t.env_file()).unwrap(), "GOBIN=/b\n");
        assert!(go(&["version"]).status.success(), "{key}");
    }
}

/// `--go` chooses the go whose rules apply: GOFIPS140 is new in Go 1.24.
#[test]
fn env_set_follows_the_go_given_with_go_flag() {
    let vs = versions();
    let (_, old) = vs.first().unwrap();
    let (_, new) = vs.last().unwrap();
    let t = with_path(&[&old.join("bin")]);
    let o = t.gomedic(&["env", "set", "GOFIPS140=latest"]);
    assert_exit(&o, 2, "Go 1.21");
    assert!(
        stderr(&o).contains("unknown go command variable GOFIPS140"),
        "{}",
        stderr(&o)
    );
    let newgo = new.join("bin/go").display().to_string();
    let o = t.gomedic(&["env", "set", "GOFIPS140=latest", "--go", &newgo]);
    assert_exit(&o, 0, "--go newest");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("go reads \"latest\""),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(
        t.gomedic(&["env", "set", "GOFIPS140=x", "--go-timeout", "0"])
            .status
            .code(),
        Some(2)
    );
}
