//! What `go env -w` / `go env -u` accept, by Go version: gomedic's fallback for when the
//! go binary itself cannot be asked (missing, not starting, broken). Read from the cmd/go
//! sources of Go 1.21, 1.22, 1.24 and 1.27 (`checkEnvWrite`, `checkBuildConfig`,
//! `internal/cfg.KnownEnv`, `internal/platform` ports, `internal/goexperiment` flags).
//! A version between two of those is checked against both and refused only when both
//! refuse: the fallback must not refuse what the real go would accept.

use crate::version::GoVersion;
use crate::write::{quoted_split, Refused};
use std::collections::BTreeMap;

/// The Go minor versions the tables were read from.
const SNAPSHOTS: &[u32] = &[21, 22, 24, 27];

/// `internal/cfg.KnownEnv` of Go 1.21 (1.22 is the same).
const KNOWN_BASE: &[&str] = &[
    "AR",
    "CC",
    "CGO_CFLAGS",
    "CGO_CFLAGS_ALLOW",
    "CGO_CFLAGS_DISALLOW",
    "CGO_CPPFLAGS",
    "CGO_CPPFLAGS_ALLOW",
    "CGO_CPPFLAGS_DISALLOW",
    "CGO_CXXFLAGS",
    "CGO_CXXFLAGS_ALLOW",
    "CGO_CXXFLAGS_DISALLOW",
    "CGO_ENABLED",
    "CGO_FFLAGS",
    "CGO_FFLAGS_ALLOW",
    "CGO_FFLAGS_DISALLOW",
    "CGO_LDFLAGS",
    "CGO_LDFLAGS_ALLOW",
    "CGO_LDFLAGS_DISALLOW",
    "CXX",
    "FC",
    "GCCGO",
    "GO111MODULE",
    "GO386",
    "GOAMD64",
    "GOARCH",
    "GOARM",
    "GOBIN",
    "GOCACHE",
    "GOCACHEPROG",
    "GOENV",
    "GOEXE",
    "GOEXPERIMENT",
    "GOFLAGS",
    "GOGCCFLAGS",
    "GOHOSTARCH",
    "GOHOSTOS",
    "GOINSECURE",
    "GOMIPS",
    "GOMIPS64",
    "GOMODCACHE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOOS",
    "GOPATH",
    "GOPPC64",
    "GOPRIVATE",
    "GOPROXY",
    "GOROOT",
    "GOSUMDB",
    "GOTMPDIR",
    "GOTOOLCHAIN",
    "GOTOOLDIR",
    "GOVCS",
    "GOWASM",
    "GOWORK",
    "GO_EXTLINK_ENABLED",
    "PKG_CONFIG",
];

/// Keys added to KnownEnv later: (key, first snapshot that has it).
const KNOWN_ADDED: &[(&str, u32)] = &[
    ("GOARM64", 24),
    ("GORISCV64", 24),
    ("GOAUTH", 24),
    ("GOFIPS140", 24),
];

/// Every key some release's `KnownEnv` has.
pub(crate) fn known_in_any_release() -> impl Iterator<Item = &'static str> {
    KNOWN_BASE
        .iter()
        .copied()
        .chain(KNOWN_ADDED.iter().map(|(k, _)| *k))
}

/// Ports `internal/platform` knows (broken ones included: the go command accepts them).
const PORTS: &[&str] = &[
    "aix/ppc64",
    "android/386",
    "android/amd64",
    "android/arm",
    "android/arm64",
    "darwin/amd64",
    "darwin/arm64",
    "dragonfly/amd64",
    "freebsd/386",
    "freebsd/amd64",
    "freebsd/arm",
    "freebsd/arm64",
    "freebsd/riscv64",
    "illumos/amd64",
    "ios/amd64",
    "ios/arm64",
    "js/wasm",
    "linux/386",
    "linux/amd64",
    "linux/arm",
    "linux/arm64",
    "linux/loong64",
    "linux/mips",
    "linux/mips64",
    "linux/mips64le",
    "linux/mipsle",
    "linux/ppc64",
    "linux/ppc64le",
    "linux/riscv64",
    "linux/s390x",
    "linux/sparc64",
    "netbsd/386",
    "netbsd/amd64",
    "netbsd/arm",
    "netbsd/arm64",
    "openbsd/386",
    "openbsd/amd64",
    "openbsd/arm",
    "openbsd/arm64",
    "openbsd/mips64",
    "openbsd/ppc64",
    "openbsd/riscv64",
    "plan9/386",
    "plan9/amd64",
    "plan9/arm",
    "solaris/amd64",
    "wasip1/wasm",
    "windows/386",
    "windows/amd64",
    "windows/arm",
    "windows/arm64",
];

/// Ports not in every snapshot: (port, first snapshot with it, first snapshot without it).
const PORTS_CHANGED: &[(&str, u32, u32)] = &[
    ("openbsd/riscv64", 22, u32::MAX),
    ("openbsd/mips64", 0, 27),
    ("windows/arm", 0, 27),
];

/// `internal/goexperiment.Flags` names, lower-cased, per snapshot.
#[rustfmt::skip]
const EXPERIMENTS: &[(u32, &[&str])] = &[
    (21, &[
        "fieldtrack", "preemptibleloops", "staticlockranking", "boringcrypto", "regabiwrappers",
        "regabiargs", "heapminimum512kib", "coverageredesign", "arenas", "pagetrace", "cgocheck2",
        "loopvar", "cacheprog",
    ]),
    (22, &[
        "fieldtrack", "preemptibleloops", "staticlockranking", "boringcrypto", "regabiwrappers",
        "regabiargs", "heapminimum512kib", "coverageredesign", "arenas", "pagetrace", "cgocheck2",
        "loopvar", "cacheprog", "newinliner", "rangefunc", "range", "allocheaders", "exectracer2",
    ]),
    (24, &[
        "fieldtrack", "preemptibleloops", "staticlockranking", "boringcrypto", "regabiwrappers",
        "regabiargs", "heapminimum512kib", "coverageredesign", "arenas", "cgocheck2", "loopvar",
        "cacheprog", "newinliner", "rangefunc", "aliastypeparams", "swissmap", "spinbitmutex",
        "synchashtriemap", "synctest",
    ]),
    (27, &[
        "fieldtrack", "preemptibleloops", "staticlockranking", "boringcrypto", "regabiwrappers",
        "regabiargs", "heapminimum512kib", "arenas", "cgocheck2", "loopvar", "newinliner", "dwarf5",
        "jsonv2", "greenteagc", "randomizedheapbase64", "runtimefreegc", "sizespecializedmalloc",
        "simd", "runtimesecret", "mapsplitgroup",
    ]),
];

/// The rules of one snapshot version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Snapshot(u32);

impl Snapshot {
    fn known(self, key: &str) -> bool {
        KNOWN_BASE.contains(&key)
            || KNOWN_ADDED
                .iter()
                .any(|(k, since)| *k == key && self.0 >= *since)
    }

    fn read_only(self, key: &str) -> bool {
        match key {
            "GOEXE" | "GOGCCFLAGS" | "GOHOSTARCH" | "GOHOSTOS" | "GOMOD" | "GOWORK"
            | "GOTOOLDIR" | "GOVERSION" => true,
            "GOTELEMETRY" | "GOTELEMETRYDIR" => self.0 >= 24,
            "GOROOT" => self.0 >= 27,
            _ => false,
        }
    }

    fn env_only(self, key: &str) -> bool {
        key == "GOENV" || (key == "GODEBUG" && self.0 >= 24)
    }

    fn port(self, goos: &str, goarch: &str) -> bool {
        let p = format!("{goos}/{goarch}");
        if !PORTS.contains(&p.as_str()) {
            return false;
        }
        PORTS_CHANGED
            .iter()
            .find(|(q, _, _)| *q == p)
            .is_none_or(|(_, from, until)| self.0 >= *from && self.0 < *until)
    }

    fn experiments(self) -> &'static [&'static str] {
        EXPERIMENTS
            .iter()
            .find(|(v, _)| *v == self.0)
            .map(|(_, e)| *e)
            .unwrap_or(&[])
    }

    /// `checkEnvWrite`.
    fn check_write(
        self,
        key: &str,
        val: &str,
        existing: &[String],
        windows: bool,
    ) -> Result<(), Refused> {
        if self.read_only(key) {
            return Err(Refused(format!("{key} cannot be modified")));
        }
        if self.env_only(key) {
            return Err(Refused(format!(
                "{key} can only be set using the OS environment"
            )));
        }
        if !self.known(key) && !existing.iter().any(|k| k == key) {
            return Err(Refused(format!("unknown go command variable {key}")));
        }
        crate::write::check_value_syntax(key, val, windows)
    }

    /// `buildcfg.ParseGOEXPERIMENT`'s name check.
    fn check_experiment(self, value: &str) -> Result<(), Refused> {
        for f in value.split(',') {
            if f.is_empty() || f == "none" {
                continue;
            }
            let name = f.strip_prefix("no").unwrap_or(f);
            if name != "regabi" && !self.experiments().contains(&name) {
                return Err(Refused(format!("unknown GOEXPERIMENT {name}")));
            }
        }
        Ok(())
    }
}

/// An edit as `go env -w` (`Set`) or `go env -u` (`Unset`) receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvOp {
    Set(Vec<(String, String)>),
    Unset(Vec<String>),
}

/// What the fallback needs to know about the configuration being edited.
pub struct Context<'a> {
    /// Keys the go command accepts because a go env file already has them (the user's
    /// file and `$GOROOT/go.env`).
    pub existing: &'a [String],
    pub windows: bool,
    /// The current value of a key as the go command resolves it (environment, go env
    /// file, `$GOROOT/go.env`), empty when unset.
    pub current: &'a dyn Fn(&str) -> String,
    /// A process environment variable (go's `getOrigEnv`), empty when unset.
    pub os_env: &'a dyn Fn(&str) -> String,
    /// `GOOS`/`GOARCH` the go binary was built for (go's `build.Default`).
    pub host: (&'a str, &'a str),
}

/// The fallback rules for one go binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    snapshots: Vec<Snapshot>,
    /// For messages: "Go 1.24", "Go 1.25 (between the 1.24 and 1.27 rules)", ...
    pub described: String,
}

impl Rules {
    /// Rules for `version` (`go1.24.11`, from `$GOROOT/VERSION`); `None` when unknown:
    /// then every snapshot is tried.
    pub fn for_version(version: Option<&str>) -> Rules {
        let minor = version
            .and_then(|v| GoVersion::parse(v.split_whitespace().next().unwrap_or(v)))
            .filter(|v| v.major == 1)
            .map(|v| v.minor);
        let Some(m) = minor else {
            return Rules {
                snapshots: SNAPSHOTS.iter().map(|s| Snapshot(*s)).collect(),
                described: "any Go from 1.21 to 1.27 (the version is unknown)".into(),
            };
        };
        let first = SNAPSHOTS[0];
        let last = *SNAPSHOTS.last().expect("not empty");
        if m <= first {
            return Rules {
                snapshots: vec![Snapshot(first)],
                described: format!("Go 1.{first}"),
            };
        }
        if m >= last {
            return Rules {
                snapshots: vec![Snapshot(last)],
                described: format!("Go 1.{last}"),
            };
        }
        if SNAPSHOTS.contains(&m) {
            return Rules {
                snapshots: vec![Snapshot(m)],
                described: format!("Go 1.{m}"),
            };
        }
        let hi = *SNAPSHOTS.iter().find(|s| **s > m).expect("m < last");
        let lo = *SNAPSHOTS.iter().rev().find(|s| **s < m).expect("m > first");
        Rules {
            snapshots: vec![Snapshot(lo), Snapshot(hi)],
            described: format!("Go 1.{m} (as lenient as the Go 1.{lo} and 1.{hi} rules)"),
        }
    }

    /// Refused only if every snapshot refuses; the newest one's message.
    fn all<F: Fn(Snapshot) -> Result<(), Refused>>(&self, f: F) -> Result<(), Refused> {
        let mut last = Ok(());
        for s in &self.snapshots {
            match f(*s) {
                Ok(()) => return Ok(()),
                Err(e) => last = Err(e),
            }
        }
        last
    }

    /// `checkEnvWrite` for one `KEY=VALUE` (with `""` for `go env -u KEY`).
    pub fn check_write(
        &self,
        key: &str,
        val: &str,
        existing: &[String],
        windows: bool,
    ) -> Result<(), Refused> {
        self.all(|s| s.check_write(key, val, existing, windows))
    }

    /// `work.CheckGOOSARCHPair`.
    pub fn check_port(&self, goos: &str, goarch: &str) -> Result<(), Refused> {
        self.all(|s| {
            if s.port(goos, goarch) {
                Ok(())
            } else {
                Err(Refused(format!(
                    "unsupported GOOS/GOARCH pair {goos}/{goarch}"
                )))
            }
        })
    }

    /// The name check of `buildcfg.ParseGOEXPERIMENT`.
    pub fn check_experiment(&self, value: &str) -> Result<(), Refused> {
        self.all(|s| s.check_experiment(value))
    }

    /// Everything `go env -w` / `go env -u` check before writing, in the go command's
    /// order (`runEnvW` / `runEnvU`): each argument, duplicates, the resulting
    /// GOOS/GOARCH/GOEXPERIMENT combination, then GOTMPDIR.
    pub fn check(&self, op: &EnvOp, ctx: &Context) -> Result<(), Refused> {
        let mut add: BTreeMap<&str, &str> = BTreeMap::new();
        let mut del: Vec<&str> = Vec::new();
        match op {
            EnvOp::Set(pairs) => {
                if pairs.is_empty() {
                    return Err(Refused("no KEY=VALUE arguments given".into()));
                }
                for (k, v) in pairs {
                    self.check_write(k, v, ctx.existing, ctx.windows)?;
                    if add.insert(k, v).is_some() {
                        return Err(Refused(format!("multiple values for key: {k}")));
                    }
                }
            }
            EnvOp::Unset(keys) => {
                if keys.is_empty() {
                    return Err(Refused("'go env -u' requires an argument".into()));
                }
                for k in keys {
                    self.check_write(k, "", ctx.existing, ctx.windows)?;
                    del.push(k);
                }
            }
        }
        // checkBuildConfig: a changed key takes the new value, or after -u what the OS
        // environment (else go's built-in default) gives.
        let get = |key: &str, host: &str| -> (String, bool) {
            if let Some(v) = add.get(key) {
                return (v.to_string(), true);
            }
            if del.contains(&key) {
                let v = (ctx.os_env)(key);
                return (if v.is_empty() { host.to_string() } else { v }, true);
            }
            let v = (ctx.current)(key);
            (if v.is_empty() { host.to_string() } else { v }, false)
        };
        let (goos, os_changed) = get("GOOS", ctx.host.0);
        let (goarch, arch_changed) = get("GOARCH", ctx.host.1);
        if os_changed || arch_changed {
            self.check_port(&goos, &goarch)?;
        }
        let (exp, exp_changed) = get("GOEXPERIMENT", "");
        if exp_changed {
            self.check_experiment(&exp)?;
        }
        if let Some(t) = add.get("GOTMPDIR") {
            if !t.is_empty() && !crate::write::is_abs(t, ctx.windows) {
                return Err(Refused("GOTMPDIR must be an absolute path".into()));
            }
        }
        Ok(())
    }
}

/// Why `GOFLAGS=val` makes every go command except `go env` fail (`base.InitGOFLAGS`;
/// `-C` is refused when it comes from GOFLAGS). `None` when the words look like flags;
/// unknown flag names are not detected here.
pub fn goflags_breakage(val: &str) -> Option<String> {
    let words = match quoted_split(val) {
        Ok(w) => w,
        Err(e) => return Some(format!("parsing $GOFLAGS: {e}")),
    };
    for f in &words {
        let bad = !f.starts_with('-')
            || f == "-"
            || f == "--"
            || f.starts_with("---")
            || f.starts_with("-=")
            || f.starts_with("--=");
        if bad {
            return Some(format!("parsing $GOFLAGS: non-flag {f:?}"));
        }
        let name = f.trim_start_matches('-');
        let name = name.split('=').next().unwrap_or(name);
        if name == "C" {
            return Some("-C flag must be first flag on command line (from $GOFLAGS)".into());
        }
    }
    None
}

/// Go's name for a Rust target OS name (`macos` is `darwin`; the others agree).
pub fn goos(rust_os: &str) -> &str {
    match rust_os {
        "macos" => "darwin",
        o => o,
    }
}

/// The `GOOS` and `GOARCH` of the machine gomedic runs on, in Go's names. The one place
/// Rust's names become Go's (tools, toolchains, GOROOT/pkg/tool, env validation).
pub fn host() -> (&'static str, &'static str) {
    let os = goos(std::env::consts::OS);
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "x86" => "386",
        "aarch64" => "arm64",
        "loongarch64" => "loong64",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        "mips64" if cfg!(target_endian = "little") => "mips64le",
        "mips" if cfg!(target_endian = "little") => "mipsle",
        a => a,
    };
    (os, arch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(
        current: &'a dyn Fn(&str) -> String,
        os_env: &'a dyn Fn(&str) -> String,
    ) -> Context<'a> {
        Context {
            existing: &[],
            windows: false,
            current,
            os_env,
            host: ("linux", "amd64"),
        }
    }

    fn set(kv: &[(&str, &str)]) -> EnvOp {
        EnvOp::Set(
            kv.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn unset(k: &[&str]) -> EnvOp {
        EnvOp::Unset(k.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn versions_pick_snapshots() {
        assert_eq!(
            Rules::for_version(Some("go1.21.13")).snapshots,
            vec![Snapshot(21)]
        );
        assert_eq!(
            Rules::for_version(Some("go1.20.1")).snapshots,
            vec![Snapshot(21)]
        );
        assert_eq!(
            Rules::for_version(Some("go1.23.9")).snapshots,
            vec![Snapshot(22), Snapshot(24)]
        );
        assert_eq!(
            Rules::for_version(Some("go1.26rc1")).snapshots,
            vec![Snapshot(24), Snapshot(27)]
        );
        assert_eq!(
            Rules::for_version(Some("go1.30.0")).snapshots,
            vec![Snapshot(27)]
        );
        assert_eq!(
            Rules::for_version(Some("devel +abc")).snapshots.len(),
            SNAPSHOTS.len()
        );
        assert_eq!(Rules::for_version(None).snapshots.len(), SNAPSHOTS.len());
    }

    #[test]
    fn keys_differ_by_version() {
        let r21 = Rules::for_version(Some("go1.21.13"));
        let r24 = Rules::for_version(Some("go1.24.11"));
        let r27 = Rules::for_version(Some("go1.27.3"));
        assert_eq!(
            r21.check_write("GOFIPS140", "latest", &[], false)
                .unwrap_err()
                .0,
            "unknown go command variable GOFIPS140"
        );
        assert!(r24.check_write("GOFIPS140", "latest", &[], false).is_ok());
        assert!(r21
            .check_write("GOFIPS140", "x", &["GOFIPS140".into()], false)
            .is_ok());
        assert_eq!(
            r21.check_write("GODEBUG", "x=1", &[], false).unwrap_err().0,
            "unknown go command variable GODEBUG"
        );
        assert_eq!(
            r27.check_write("GODEBUG", "x=1", &[], false).unwrap_err().0,
            "GODEBUG can only be set using the OS environment"
        );
        assert_eq!(
            r21.check_write("GOTELEMETRY", "off", &[], false)
                .unwrap_err()
                .0,
            "unknown go command variable GOTELEMETRY"
        );
        assert_eq!(
            r24.check_write("GOTELEMETRY", "off", &[], false)
                .unwrap_err()
                .0,
            "GOTELEMETRY cannot be modified"
        );
        assert!(r24.check_write("GOROOT", "/x", &[], false).is_ok());
        assert_eq!(
            r27.check_write("GOROOT", "", &[], false).unwrap_err().0,
            "GOROOT cannot be modified"
        );
        // Between 1.24 and 1.27: GOROOT accepted because 1.24 accepts it.
        assert!(Rules::for_version(Some("go1.25.5"))
            .check_write("GOROOT", "/x", &[], false)
            .is_ok());
    }

    #[test]
    fn ports_differ_by_version() {
        let r21 = Rules::for_version(Some("go1.21.13"));
        let r27 = Rules::for_version(Some("go1.27.3"));
        assert!(r21.check_port("windows", "arm").is_ok());
        assert_eq!(
            r27.check_port("windows", "arm").unwrap_err().0,
            "unsupported GOOS/GOARCH pair windows/arm"
        );
        assert!(r21.check_port("openbsd", "riscv64").is_err());
        assert!(r27.check_port("openbsd", "riscv64").is_ok());
        assert!(
            r27.check_port("linux", "sparc64").is_ok(),
            "broken ports are accepted"
        );
        assert!(Rules::for_version(Some("go1.26.6"))
            .check_port("windows", "arm")
            .is_ok());
        assert!(r27.check_port("android", "s390x").is_err());
    }

    #[test]
    fn build_config_after_set_and_unset() {
        let r = Rules::for_version(Some("go1.27.3"));
        let none = |_: &str| String::new();
        let c = ctx(&none, &none);
        assert_eq!(
            r.check(&set(&[("GOOS", "linuxx")]), &c).unwrap_err().0,
            "unsupported GOOS/GOARCH pair linuxx/amd64"
        );
        assert_eq!(
            r.check(&set(&[("GOARCH", "amd644")]), &c).unwrap_err().0,
            "unsupported GOOS/GOARCH pair linux/amd644"
        );
        assert!(r
            .check(&set(&[("GOOS", "windows"), ("GOARCH", "arm64")]), &c)
            .is_ok());
        assert_eq!(
            r.check(&set(&[("GOEXPERIMENT", "badexp")]), &c)
                .unwrap_err()
                .0,
            "unknown GOEXPERIMENT badexp"
        );
        assert!(r
            .check(
                &set(&[("GOEXPERIMENT", "fieldtrack,nojsonv2,,none,regabi")]),
                &c
            )
            .is_ok());
        assert!(Rules::for_version(Some("go1.21.13"))
            .check(&set(&[("GOEXPERIMENT", "jsonv2")]), &c)
            .is_err());
        assert_eq!(
            r.check(&set(&[("GOOS", "linux"), ("GOOS", "linux")]), &c)
                .unwrap_err()
                .0,
            "multiple values for key: GOOS"
        );
        assert_eq!(
            r.check(&set(&[("GOTMPDIR", "x")]), &c).unwrap_err().0,
            "GOTMPDIR must be an absolute path"
        );
        // env_write.txt: GOOS=linux GOARCH=mips in the file, GOOS=windows in the OS
        // environment: -u GOOS leaves windows/mips.
        let cur = |k: &str| match k {
            "GOOS" => "windows".into(),
            "GOARCH" => "mips".into(),
            _ => String::new(),
        };
        let os = |k: &str| {
            if k == "GOOS" {
                "windows".into()
            } else {
                String::new()
            }
        };
        assert_eq!(
            r.check(&unset(&["GOOS"]), &ctx(&cur, &os)).unwrap_err().0,
            "unsupported GOOS/GOARCH pair windows/mips"
        );
        // env_unset.txt: a bad file can be repaired only as a whole.
        let bad = |k: &str| match k {
            "GOOS" => "bados".into(),
            "GOARCH" => "badarch".into(),
            "GOEXPERIMENT" => "badexp".into(),
            _ => String::new(),
        };
        let c = ctx(&bad, &none);
        assert!(r.check(&unset(&["GOEXPERIMENT"]), &c).is_ok());
        assert_eq!(
            r.check(&unset(&["GOOS"]), &c).unwrap_err().0,
            "unsupported GOOS/GOARCH pair linux/badarch"
        );
        assert_eq!(
            r.check(&unset(&["GOARCH"]), &c).unwrap_err().0,
            "unsupported GOOS/GOARCH pair bados/amd64"
        );
        assert!(r.check(&unset(&["GOOS", "GOARCH"]), &c).is_ok());
        assert_eq!(
            r.check(&unset(&[]), &c).unwrap_err().0,
            "'go env -u' requires an argument"
        );
    }

    #[test]
    fn goflags_that_break_every_command() {
        assert_eq!(
            goflags_breakage("-mod=mod vendor").unwrap(),
            "parsing $GOFLAGS: non-flag \"vendor\""
        );
        assert!(goflags_breakage("\"-ldflags=-s -w\" -trimpath").is_none());
        assert!(goflags_breakage("'-gcflags=all=-N -l'").is_none());
        assert!(goflags_breakage("-C=/tmp").unwrap().contains("-C flag"));
        assert!(goflags_breakage("--C").is_some());
        assert!(goflags_breakage("\"-x").unwrap().contains("unterminated"));
        assert!(goflags_breakage("-").is_some());
        assert!(goflags_breakage("-=x").is_some());
        assert!(goflags_breakage("").is_none());
        assert!(goflags_breakage("$(echo 'cc\"'; echo 'OOPS=\"oops')").is_some());
    }
}
