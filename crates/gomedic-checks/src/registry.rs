//! The ordered list of checks; the order is the report's order.

use crate::facts::Facts;
use gomedic_core::{Category, CheckMeta, CheckResult};
use std::time::Duration;

/// A check: its public description and the function that evaluates it.
pub struct Check {
    pub meta: CheckMeta,
    pub run: fn(&Facts) -> CheckResult,
    /// Longest a single evaluation may take before it is reported as `timeout`.
    pub timeout: Duration,
}

impl Check {
    /// Why this check does not apply to `f` at all (decided without running it, so the
    /// runner does not even start a thread for it).
    /// The platform this check is for when it is not the one being diagnosed (`windows`
    /// for the `win.*` checks elsewhere): such checks are skipped and shown as one line.
    pub fn only_on(&self, f: &Facts) -> Option<&'static str> {
        (self.meta.id.starts_with("win.") && !f.windows()).then_some("windows")
    }

    pub fn not_applicable(&self, f: &Facts) -> Option<&'static str> {
        if self.meta.id.starts_with("win.") && !f.windows() {
            Some("Windows only")
        } else if self.meta.category == Category::Network && f.offline {
            Some("skipped (--offline)")
        } else {
            None
        }
    }
}

const T: Duration = Duration::from_secs(30);
const NET_T: Duration = Duration::from_secs(24 * 3600);

pub static CHECKS: &[Check] = &[
    Check {
        meta: CheckMeta {
            id: "go.binary",
            title: "Which go runs",
            category: Category::Toolchain,
            looks_at: "every go on PATH in order (symlinks resolved), which one wins, shadowed installs, and PATH entries that are empty, relative, missing or (Windows) app execution aliases",
            deep: false,
        },
        run: crate::binary::check,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "go.runs",
            title: "go starts and answers",
            category: Category::Toolchain,
            looks_at: "runs `go version` with a timeout and classifies failures: not_found, permission_denied, killed, exit_code (with NTSTATUS name), timeout, bad_output; slow start",
            deep: false,
        },
        run: crate::runs::check,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "go.env",
            title: "Go settings and where they come from",
            category: Category::Environment,
            looks_at: "`go env -json`, the go env file (GOENV) line by line, the provenance of GOPROXY, GOSUMDB, GOPRIVATE, GONOSUMDB, GOFLAGS, GOTOOLCHAIN, GOROOT, GOPATH, and known traps",
            deep: false,
        },
        run: crate::env::check,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "go.root",
            title: "GOROOT matches the go binary",
            category: Category::Toolchain,
            looks_at: "GOROOT from the environment, the go env file, the binary's own location and `go env GOROOT`; a GOROOT of another Go version",
            deep: false,
        },
        run: crate::root::check,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "go.version",
            title: "Go version policy and go.mod",
            category: Category::Toolchain,
            looks_at: "the Go version against the supported-version policy (minimum, deny-list, upstream support), go.mod/go.work `go` and `toolchain` lines vs the installed toolchain, and GOTOOLCHAIN",
            deep: false,
        },
        run: crate::version::check,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "go.dirs",
            title: "Go's directories are usable",
            category: Category::Filesystem,
            looks_at: "GOPATH, GOCACHE, GOMODCACHE and GOTMPDIR exist or can be created, are writable, and have free space",
            deep: false,
        },
        run: crate::dirs::check,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "path.tools",
            title: "Installed Go tools are on PATH",
            category: Category::Environment,
            looks_at: "GOBIN (or GOPATH/bin) is on PATH, and tools installed there (gopls, dlv, ...) are not shadowed by other copies",
            deep: false,
        },
        run: crate::tools::check,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "toolchain.current",
            title: "gomedic's current toolchain runs",
            category: Category::Toolchain,
            looks_at: "the toolchain `gomedic toolchain use --global` made current: its link and install are intact, and it is the go that runs (PATH order)",
            deep: false,
        },
        run: crate::toolchain::check,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "tools.path",
            title: "Which copy of each Go tool PATH runs",
            category: Category::Toolchain,
            looks_at: "every copy of gopls, dlv, staticcheck, golangci-lint, gofumpt, goimports, govulncheck... on PATH, in GOBIN and GOPATH/bin (build info read from the files): an older copy winning over a newer one",
            deep: false,
        },
        run: crate::gotools::check_path,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "tools.build",
            title: "Go tools built for this machine and this module",
            category: Category::Toolchain,
            looks_at: "GOOS/GOARCH and the Go version in each tool's build info, against this machine and the module's go line (the error each tool will print)",
            deep: false,
        },
        run: crate::gotools::check_build,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "tools.delve",
            title: "dlv supports the go in use",
            category: Category::Toolchain,
            looks_at: "Delve's supported Go range per Delve release (pkg/goversion/compat.go, kept as data) and its DWARF 5 rule, against the go in use",
            deep: false,
        },
        run: crate::gotools::check_delve,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "tools.gopls",
            title: "gopls fits the go in use",
            category: Category::Toolchain,
            looks_at: "the Go gopls was built with (before 1.21 it panics on newer version strings) and the Go its release needs",
            deep: false,
        },
        run: crate::gotools::check_gopls,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "tools.editor",
            title: "Editors use the same Go and tools",
            category: Category::Environment,
            looks_at: "VS Code user/workspace settings (go.goroot, go.alternateTools, go.toolsGopath, go.toolsEnvVars, go.toolsManagement.go; JSON with comments) and GoLand's .idea/workspace.xml GOROOT, against the terminal's",
            deep: false,
        },
        run: crate::gotools::check_editor,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "net.goproxy",
            title: "Module proxies in GOPROXY work",
            category: Category::Network,
            looks_at: "each http(s) GOPROXY entry layer by layer (DNS, TCP, HTTP proxy, TLS trust, @v/list); proposes `fix net.mirror` with proxies that work from here",
            deep: false,
        },
        run: crate::net::check_goproxy,
        // Bounded by the network deadline (--net-timeout), which may exceed 30 s.
        timeout: NET_T,
    },
    Check {
        meta: CheckMeta {
            id: "net.sumdb",
            title: "The checksum database is reachable",
            category: Category::Network,
            looks_at: "the GOSUMDB host (/latest), or a GOPROXY proxy serving /sumdb/<name>/; never suggests turning verification off",
            deep: false,
        },
        run: crate::net::check_sumdb,
        // Bounded by the network deadline (--net-timeout), which may exceed 30 s.
        timeout: NET_T,
    },
    Check {
        meta: CheckMeta {
            id: "net.hosts",
            title: "Go download hosts are reachable",
            category: Category::Network,
            looks_at: "storage.googleapis.com, go.dev and dl.google.com (toolchain downloads, module zips), and DNS answers that look poisoned",
            deep: false,
        },
        run: crate::net::check_hosts,
        // Bounded by the network deadline (--net-timeout), which may exceed 30 s.
        timeout: NET_T,
    },
    Check {
        meta: CheckMeta {
            id: "proxy.team",
            title: "A gomedic proxy in GOPROXY is up",
            category: Category::Network,
            looks_at: "one GET /healthz (2 s) of each plain-http GOPROXY entry: a gomedic proxy (Server: gomedic-proxy/...) that is healthy, shutting down, or does not serve the configured checksum database; a local proxy first in GOPROXY without a | fallback that does not answer",
            deep: false,
        },
        run: crate::proxy::check,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "win.path",
            title: "PATH in the Windows registry",
            category: Category::Environment,
            looks_at: "user and machine PATH from the registry with their value types: setx's 1024-character truncation, REG_SZ holding %VARS%, missing entries, a machine Go shadowing a user Go, GOROOT\\bin and GOPATH\\bin missing; proposes `fix win.path-repair` (Windows only)",
            deep: false,
        },
        run: crate::winpath::check,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "win.defender",
            title: "Microsoft Defender and Go",
            category: Category::Security,
            looks_at: "Defender through WMI: real-time and tamper protection, running mode, whether GOROOT, GOPATH, GOCACHE, GOMODCACHE, GOTMPDIR and go/compile/link are excluded (or that non-administrators cannot see exclusions), detections under Go's directories or %TEMP%\\go-build* (Windows only)",
            deep: false,
        },
        run: crate::winsec::check_defender,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "win.av",
            title: "Antivirus products",
            category: Category::Security,
            looks_at: "antivirus products registered with Windows Security Center, their state, and whether a third-party product is active (Windows only)",
            deep: false,
        },
        run: crate::winsec::check_av,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "win.firewall",
            title: "Firewall rules for Delve and test binaries",
            category: Category::Security,
            looks_at: "inbound firewall rules for dlv.exe, *.test.exe and go-build binaries: blocking rules and per-binary prompts (Windows only)",
            deep: false,
        },
        run: crate::winsec::check_firewall,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "win.devdrive",
            title: "Go caches on a Dev Drive",
            category: Category::Filesystem,
            looks_at: "whether GOCACHE, GOMODCACHE and GOTMPDIR are on a Dev Drive and whether Defender performance mode is on (Windows only)",
            deep: false,
        },
        run: crate::winsec::check_devdrive,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "win.motw",
            title: "No Mark-of-the-Web on the Go toolchain",
            category: Category::Security,
            looks_at: "the Zone.Identifier stream (Mark-of-the-Web) on go.exe and every executable in GOROOT: zone and download origin; proposes `fix win.motw-unblock` (Windows only)",
            deep: false,
        },
        run: crate::winmotw::check,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "win.smartscreen",
            title: "Smart App Control",
            category: Category::Security,
            looks_at: "the Smart App Control state (off, evaluation, on) and recent CodeIntegrity events (3077/3033 blocked, 3076 audit) naming go, dlv or a Go-built binary (Windows only)",
            deep: false,
        },
        run: crate::wincanary::check_smartscreen,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "win.authenticode",
            title: "Go's executables are properly signed",
            category: Category::Security,
            looks_at: "the Authenticode signatures of go.exe, gofmt.exe and dlv.exe: intact, tampered, unsigned, expired without timestamp (Windows only; `gomedic verify` works everywhere)",
            deep: false,
        },
        run: crate::winsig::check,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "win.canary",
            title: "Fresh test binaries run unhindered",
            category: Category::Security,
            looks_at: "builds a test binary into the real temp directory and starts it five times: blocked (access denied), quarantined (file gone), or scanned (first start far slower than the rest), with the measured slowdown (Windows only)",
            deep: true,
        },
        run: crate::wincanary::check_canary,
        timeout: Duration::from_secs(900),
    },
    Check {
        meta: CheckMeta {
            id: "go.build",
            title: "Build, run and test a fresh module",
            category: Category::Build,
            looks_at: "in a temporary module: go build, run the binary, go test; times each step, detects binaries that vanish or cannot start (antivirus), reports first-build cost",
            deep: true,
        },
        run: crate::build::check,
        timeout: Duration::from_secs(900),
    },
    Check {
        meta: CheckMeta {
            id: "toolchain.files",
            title: "gomedic's current toolchain is untouched",
            category: Category::Toolchain,
            looks_at: "every file of the current gomedic-installed toolchain against the SHA-256 recorded when it was extracted from its verified archive (reads the whole tree)",
            deep: true,
        },
        run: crate::toolchain::check_files,
        timeout: T,
    },
    Check {
        meta: CheckMeta {
            id: "tools.runs",
            title: "Go tools start",
            category: Category::Toolchain,
            looks_at: "runs each tool PATH finds once (`version` / `-version`) and classifies a failure: not found, permission denied, wrong format, killed",
            deep: true,
        },
        run: crate::gotools::check_runs,
        timeout: T,
    },
];

/// Looks a check up by id.
pub fn find(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.meta.id == id)
}
