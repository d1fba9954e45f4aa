//! Every finding code, with what it means. Codes are gomedic's public contract (policy
//! suppressions, `explain`, alerts refer to them), so they are listed once here, never
//! renamed, and each is documented in docs/checks.md.

macro_rules! codes {
    ($($name:ident = $code:literal: $desc:literal,)*) => {
        /// A stable finding code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $($name,)* }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => $code,)* }
            }

            /// One sentence on what the finding means.
            pub fn description(self) -> &'static str {
                match self { $(Code::$name => $desc,)* }
            }
        }
    };
}

codes! {
    // go.binary
    PathEmptyEntry = "path.empty_entry": "PATH has an empty entry; outside Windows it means the current directory, so a go in any directory you cd into can run",
    PathRelativeEntry = "path.relative_entry": "a PATH entry is relative: it is resolved against whatever directory a command runs in",
    PathEntryNotADirectory = "path.entry_not_a_directory": "a PATH entry exists but is not a directory",
    PathUnexpandedVariable = "path.unexpanded_variable": "a PATH entry contains an unexpanded %VARIABLE% (PATH stored as REG_SZ instead of REG_EXPAND_SZ?)",
    PathQuotedEntry = "path.quoted_entry": "a PATH entry is wrapped in quotes: cmd and Go remove them, CreateProcess and most programs search them literally",
    OverrideIsDirectory = "override.is_directory": "the go binary named with --go is a directory, not a go binary",
    OverrideMissing = "override.missing": "the go binary named with --go does not exist",
    PathGoMissing = "path.go_missing": "there is no go on PATH",
    PathGoUnusable = "path.go_unusable": "every go on PATH is broken (not executable, a directory or a broken symlink)",
    PathWindowsAppsAlias = "path.windowsapps_alias": "the go PATH finds is a WindowsApps app execution alias, not a Go installation",
    PathBrokenGo = "path.broken_go": "a broken go earlier on PATH is skipped by the lookup",
    PathShadowedInstall = "path.shadowed_install": "the go PATH finds shadows another Go installation of a different version",
    // go.runs
    GoNotFound = "go.not_found": "go cannot be run: there is no go binary (see go.binary), or the file vanished before it started (antivirus quarantine?)",
    GoPermissionDenied = "go.permission_denied": "the operating system refused to start go: no execute permission or a noexec mount; on Windows antivirus, Smart App Control, App Control or AppLocker",
    GoSpawnFailed = "go.spawn_failed": "go could not be started: often a binary for another OS or CPU architecture, or a corrupt download",
    GoKilled = "go.killed": "go was killed by a signal as it started: an out-of-memory killer, a security agent, or a crash",
    GoExitCode = "go.exit_code": "`go version` exited with a non-zero code (on Windows often an NTSTATUS such as STATUS_ACCESS_DENIED)",
    GoTimeout = "go.timeout": "`go version` did not finish within the go command timeout",
    GoBadOutput = "go.bad_output": "`go version` printed something other than a Go version line",
    GoIsDirectory = "go.is_directory": "the go binary is a directory (named go.exe or go), not a program: nothing to start",
    GoWrapperScript = "go.wrapper_script": "go is a wrapper script (go.bat, go.cmd, or a #! script), not the Go toolchain's executable; what it runs decides what go does",
    GoSlowStart = "go.slow_start": "the go command took longer than the policy allows to answer; real-time antivirus scanning is the usual cause",
    // go.env
    GoenvNoGo = "goenv.no_go": "there is no go binary, so go env cannot run",
    GoenvDidNotRun = "goenv.did_not_run": "the go binary could not be started to run go env",
    GoenvFailed = "goenv.failed": "go env -json exited with an error: every go command likely fails the same way",
    GoenvNotJson = "goenv.not_json": "go env -json printed something that is not JSON (a wrapper script or profile output)",
    GoenvIncomplete = "goenv.incomplete": "go env -json has no value for keys every working go reports",
    EnvfileUnreadable = "envfile.unreadable": "the go env file exists but cannot be read",
    EnvfileBadLines = "envfile.bad_lines": "the go env file has lines the go command ignores or misreads",
    SettingsGoDisagrees = "settings.go_disagrees": "go reports a value other than its environment and go env files give: a wrapper script, alias or another GOENV changes it",
    GoproxyEmptyInEnvironment = "goproxy.empty_in_environment": "GOPROXY is set but empty in the process environment",
    GoproxyEmptyLine = "goproxy.empty_line": "an empty GOPROXY= line in the go env file shadows $GOROOT/go.env: every module download fails",
    GosumdbEmptyLine = "gosumdb.empty_line": "an empty GOSUMDB= line in the go env file shadows $GOROOT/go.env: every checksum lookup fails",
    GoproxyInvalid = "goproxy.invalid": "GOPROXY does not parse as the go command parses it: every module download fails",
    GoproxyOff = "goproxy.off": "GOPROXY=off: no module can be downloaded",
    GoproxyPlainHttp = "goproxy.plain_http": "a GOPROXY entry uses plain http:// to a remote host",
    GosumdbInvalid = "gosumdb.invalid": "GOSUMDB does not parse as the go command parses it: every verified download fails",
    GosumdbOff = "gosumdb.off": "GOSUMDB=off disables checksum verification for every module",
    GorootInEnvFile = "goroot.in_env_file": "GOROOT is set in the go env file, overriding every installation's own GOROOT",
    PatternsMatchEverything = "patterns.match_everything": "GOPRIVATE, GONOPROXY or GONOSUMDB matches every module path",
    GoinsecureSet = "goinsecure.set": "GOINSECURE skips HTTPS certificate checks for the module paths it matches",
    GoflagsUnparsable = "goflags.unparsable": "GOFLAGS cannot be split as the go command splits it: every go command fails",
    GoflagsInsecure = "goflags.insecure": "GOFLAGS contains the removed -insecure flag: every go get fails",
    GoflagsNotFlags = "goflags.not_flags": "GOFLAGS has words that are not flags: the go command rejects it",
    // go.root
    GorootUnknown = "goroot.unknown": "GOROOT cannot be determined",
    GorootUnreadable = "goroot.unreadable": "the GOROOT directory cannot be read",
    GorootIncomplete = "goroot.incomplete": "GOROOT has no compiler: the installation is damaged, half-deleted, or quarantined by antivirus",
    GorootVersionMismatch = "goroot.version_mismatch": "GOROOT holds another Go version than the go binary: builds fail with version mismatch errors",
    GorootNoGoEnv = "goroot.no_go_env": "GOROOT has no go.env (Go 1.21+): GOPROXY and GOSUMDB lose their defaults and every module download fails",
    GorootNotOwn = "goroot.not_own": "GOROOT is not the installation the go binary belongs to",
    GopathIsGoroot = "gopath.is_goroot": "GOPATH is set to GOROOT, which has no effect and confuses tools",
    // go.version
    VersionBelowMinimum = "version.below_minimum": "the installed Go is older than the policy's minimum version",
    VersionDenied = "version.denied": "the installed Go is on the policy's deny-list",
    VersionUnsupported = "version.unsupported": "the installed Go no longer receives security fixes from the Go project",
    GotoolchainInvalid = "gotoolchain.invalid": "GOTOOLCHAIN is invalid: every go command fails",
    GotoolchainStalePin = "gotoolchain.stale_pin": "GOTOOLCHAIN in the go env file pins a Go version other than the installed one",
    GomodUnreadable = "gomod.unreadable": "go.mod or go.work cannot be read",
    GomodInvalidVersion = "gomod.invalid_version": "a go or toolchain line of go.mod or go.work that the go command refuses (no valid version, not exactly one argument, repeated): every go command in the module fails",
    GomodSwitchesToolchain = "gomod.switches_toolchain": "go.mod or go.work needs a newer Go: the go command switches to (and may download) another toolchain",
    GomodNeedsNewerGo = "gomod.needs_newer_go": "go.mod or go.work requires a newer Go than the installed one, and GOTOOLCHAIN does not allow switching",
    // go.dirs
    GocacheOff = "gocache.off": "GOCACHE=off: every build recompiles everything, and Go 1.12 and later refuse to build",
    GodirNotAbsolute = "godir.not_absolute": "GOPATH, GOCACHE, GOMODCACHE or GOTMPDIR is not an absolute path; the go command rejects it",
    GodirNotADirectory = "godir.not_a_directory": "GOPATH, GOCACHE, GOMODCACHE or GOTMPDIR exists but is not a directory",
    GodirNotWritable = "godir.not_writable": "GOPATH, GOCACHE, GOMODCACHE or GOTMPDIR is not writable",
    GotmpdirMissing = "godir.gotmpdir_missing": "GOTMPDIR is set to a directory that does not exist: go never creates it, so every build fails with \"go: creating work dir\"",
    GodirTooLong = "godir.too_long": "a Go directory is longer than Windows' MAX_PATH (259 characters) and LongPathsEnabled is off",
    DiskNearlyFull = "disk.nearly_full": "a Go directory's filesystem has less free space than the policy's error threshold",
    DiskLowSpace = "disk.low_space": "a Go directory's filesystem has less free space than the policy's warning threshold",
    // tools.*
    ToolsShadowed = "tools.shadowed": "the copy of a Go tool that PATH runs is older (module version or the Go it was built with) than another copy on PATH, in GOBIN or GOPATH/bin",
    ToolsForeignPlatform = "tools.foreign_platform": "a Go tool binary was built for another GOOS/GOARCH than this machine (a copied GOPATH/bin): it cannot run here",
    ToolsOlderThanModule = "tools.older_than_module": "a Go tool was built with a Go older than the module's go line: it reports `package requires newer Go version` (or its own refusal) instead of analysing the code",
    ToolsNoBuildinfo = "tools.no_buildinfo": "a Go tool's build information cannot be read from its executable (damaged or truncated file)",
    ToolsDelveTooOld = "tools.delve_too_old": "the dlv PATH runs is too old for the go in use: Delve refuses to debug what it builds",
    ToolsDelveTooNew = "tools.delve_too_new": "the dlv PATH runs is too new for the go in use: Delve refuses programs built by a Go this old",
    ToolsDelveRebuild = "tools.delve_rebuild": "dlv was built with a Go older than 1.25 and cannot read the DWARF 5 of programs built by Go 1.25+",
    ToolsGoplsUnsupported = "tools.gopls_unsupported": "the gopls PATH runs was built with a Go it does not support (before 1.21 it panics on new version strings), or needs a newer go to build",
    ToolsEditorGoroot = "tools.editor_goroot": "VS Code or GoLand uses another Go (go.goroot, go.alternateTools.go, go.toolsEnvVars GOROOT, go.toolsManagement.go, GoLand's GOROOT) than the terminal",
    ToolsEditorTool = "tools.editor_tool": "VS Code runs another copy of a tool (go.alternateTools, go.toolsGopath, its lookup order) or changes the tools' environment (go.toolsEnvVars)",
    ToolsEditorSettings = "tools.editor_settings": "an editor settings file cannot be parsed: VS Code ignores what it cannot read",
    ToolsRunFailed = "tools.run_failed": "a Go tool could not be started (--deep): not executable, blocked by antivirus or policy, or built for another system",
    // path.tools
    GobinNotOnPath = "gobin.not_on_path": "GOBIN (or GOPATH/bin) is not on PATH: tools from go install (gopls, dlv, ...) are not found",
    GobinToolShadowed = "gobin.tool_shadowed": "a tool installed with go install is shadowed by another copy earlier on PATH",
    // go.env: GOPROXY, GOSUMDB and pattern list findings (the settings snapshot's route)
    GoproxyIgnoredAfterDirectOrOff = "goproxy.ignored_after_direct_or_off": "a GOPROXY entry after direct or off, which the go command ignores",
    GoproxyEmptyEntry = "goproxy.empty_entry": "GOPROXY has an empty entry (skipped, harmless)",
    GoproxyWhitespace = "goproxy.whitespace": "a GOPROXY entry has spaces around it (trimmed, harmless)",
    GoproxyImplicitHttps = "goproxy.implicit_https": "a GOPROXY entry has no scheme: the go command uses https://",
    GosumdbCrash = "gosumdb.crash": "a GOSUMDB name that makes the go command crash when it verifies a download",
    GosumdbUnusableUrl = "gosumdb.unusable_url": "the GOSUMDB URL cannot be used: every checksum lookup fails",
    GosumdbOffToolchain = "gosumdb.off_toolchain": "GOSUMDB=off, so toolchain downloads (always verified) fail",
    GoprivatePatternWhitespace = "goprivate.pattern_whitespace": "GOPRIVATE: an entry has spaces: the go command does not trim them, so it matches no module",
    GoprivatePatternMalformed = "goprivate.pattern_malformed": "GOPRIVATE: an entry is not a valid pattern: the go command skips it",
    GoprivatePatternNeverMatches = "goprivate.pattern_never_matches": "GOPRIVATE: an entry has an empty path element: it matches no module",
    GoprivateTrailingSlash = "goprivate.trailing_slash": "GOPRIVATE: an entry ends with /, which the go command removes (harmless)",
    GoprivateEmptyEntry = "goprivate.empty_entry": "GOPRIVATE: an empty entry (skipped, harmless)",
    GonoproxyPatternWhitespace = "gonoproxy.pattern_whitespace": "GONOPROXY: an entry has spaces: the go command does not trim them, so it matches no module",
    GonoproxyPatternMalformed = "gonoproxy.pattern_malformed": "GONOPROXY: an entry is not a valid pattern: the go command skips it",
    GonoproxyPatternNeverMatches = "gonoproxy.pattern_never_matches": "GONOPROXY: an entry has an empty path element: it matches no module",
    GonoproxyTrailingSlash = "gonoproxy.trailing_slash": "GONOPROXY: an entry ends with /, which the go command removes (harmless)",
    GonoproxyEmptyEntry = "gonoproxy.empty_entry": "GONOPROXY: an empty entry (skipped, harmless)",
    GonosumdbPatternWhitespace = "gonosumdb.pattern_whitespace": "GONOSUMDB: an entry has spaces: the go command does not trim them, so it matches no module",
    GonosumdbPatternMalformed = "gonosumdb.pattern_malformed": "GONOSUMDB: an entry is not a valid pattern: the go command skips it",
    GonosumdbPatternNeverMatches = "gonosumdb.pattern_never_matches": "GONOSUMDB: an entry has an empty path element: it matches no module",
    GonosumdbTrailingSlash = "gonosumdb.trailing_slash": "GONOSUMDB: an entry ends with /, which the go command removes (harmless)",
    GonosumdbEmptyEntry = "gonosumdb.empty_entry": "GONOSUMDB: an empty entry (skipped, harmless)",
    GoinsecurePatternWhitespace = "goinsecure.pattern_whitespace": "GOINSECURE: an entry has spaces: the go command does not trim them, so it matches no module",
    GoinsecurePatternMalformed = "goinsecure.pattern_malformed": "GOINSECURE: an entry is not a valid pattern: the go command skips it",
    GoinsecurePatternNeverMatches = "goinsecure.pattern_never_matches": "GOINSECURE: an entry has an empty path element: it matches no module",
    GoinsecureTrailingSlash = "goinsecure.trailing_slash": "GOINSECURE: an entry ends with /, which the go command removes (harmless)",
    GoinsecureEmptyEntry = "goinsecure.empty_entry": "GOINSECURE: an empty entry (skipped, harmless)",
    // net.goproxy
    GoproxyWorks = "goproxy.works": "the first GOPROXY proxy works",
    GoproxyTlsIntercepted = "goproxy.tls_intercepted": "the proxy works, but TLS is intercepted by a certificate only this machine trusts",
    GoproxySlowFallback = "goproxy.slow_fallback": "a proxy works, but only after failing entries every download waits for",
    GoproxyDirectOnly = "goproxy.direct_only": "GOPROXY has no proxy: modules come from their version control hosts",
    GoproxyFallsBackToDirect = "goproxy.falls_back_to_direct": "every proxy fails and the go command falls back to direct",
    GoproxyStopsAtOff = "goproxy.stops_at_off": "every proxy fails, then off stops the download",
    GoproxyUnreachable = "goproxy.unreachable": "a proxy fails in a way that ends the download",
    GoproxyUnprobed = "goproxy.unprobed": "none of the GOPROXY proxies could be probed",
    GoproxyUnverifiable = "goproxy.unverifiable": "the GOPROXY proxy needs a TLS cipher suite gomedic lacks; go's TLS accepts the server and its certificate passes go's checks, so go may work",
    GoproxyPrivateFirst = "goproxy.private_first": "the first GOPROXY proxy is private and does not serve public modules: for them the go command moves on to the next entry",
    // net.sumdb
    GosumdbReachable = "gosumdb.reachable": "the checksum database answers directly",
    GosumdbViaProxy = "gosumdb.via_proxy": "the checksum database is reached through a proxy's /sumdb/ endpoint",
    GosumdbUnreachable = "gosumdb.unreachable": "the checksum database cannot be reached: verified downloads fail",
    // net.hosts
    HostsUnreachable = "hosts.unreachable": "a Go download host is unreachable: toolchain downloads (GOTOOLCHAIN) and some module zips may fail",
    DnsSuspicious = "dns.suspicious": "a DNS answer for a Go host looks poisoned or redirected",
    // toolchain.current, toolchain.files
    ToolchainActive = "toolchain.active": "go on PATH is the toolchain gomedic made current",
    ToolchainNotActive = "toolchain.not_active": "gomedic made a toolchain current, but another go (or none) runs as `go`",
    ToolchainCurrentBroken = "toolchain.current_broken": "gomedic's current toolchain link points at a missing or incomplete install",
    ToolchainTampered = "toolchain.tampered": "files of gomedic's current toolchain differ from the verified archive they were extracted from (--deep)",
    // proxy.team
    ProxyHealthy = "proxy.healthy": "a GOPROXY entry is a gomedic proxy and answers /healthz with 200",
    ProxyUnreachable = "proxy.unreachable": "a proxy on this machine or the local network is first in GOPROXY without a | fallback and does not answer: every module download fails while it is down",
    ProxyDownFallsBack = "proxy.down_falls_back": "a local proxy first in GOPROXY does not answer; after | the go command moves on to the next entry",
    ProxyShuttingDown = "proxy.shutting_down": "a gomedic proxy in GOPROXY is shutting down (/healthz 503)",
    ProxyUnhealthy = "proxy.unhealthy": "a gomedic proxy in GOPROXY answers /healthz with neither 200 nor 503",
    ProxySumdbUnsupported = "proxy.sumdb_unsupported": "a gomedic proxy in GOPROXY does not serve the configured checksum database: the go command asks the next proxy or the database directly",
    // win.path
    WinpathUnreadable = "winpath.unreadable": "the user or machine PATH cannot be read from the registry",
    WinpathSetxTruncated = "winpath.setx_truncated": "the user PATH is exactly 1024 characters: the signature of setx truncation",
    WinpathRegSzVariables = "winpath.reg_sz_variables": "the user PATH is stored as REG_SZ but contains %VARIABLES%, which REG_SZ never expands",
    WinpathMissingEntries = "winpath.missing_entries": "entries of the registry PATH do not exist",
    WinpathMachineGoShadowsUser = "winpath.machine_go_shadows_user": "a Go on the machine PATH shadows the user's Go: the machine PATH comes first",
    WinpathQuotedEntry = "winpath.quoted_entry": "a registry PATH entry is wrapped in quotes, which Windows keeps literally: the folder is not searched",
    WinpathGoDirMissing = "winpath.go_dir_missing": "a Go bin folder (the working go's folder, GOBIN or GOPATH\\bin) is not on the registry PATH: new terminals do not find go or installed tools",
    // win.defender
    DefenderUnreadable = "defender.unreadable": "Microsoft Defender's state cannot be read (usually: not an administrator)",
    DefenderScansGoDirs = "defender.scans_go_dirs": "Defender scans Go's directories in real time: builds are slower and fresh test binaries may be quarantined",
    DefenderGoFilesDetected = "defender.go_files_detected": "Defender quarantined or blocked Go-related files, such as freshly built test binaries",
    // win.av
    AvNoneRegistered = "av.none_registered": "Windows Security Center lists no antivirus product",
    AvThirdParty = "av.third_party": "a third-party antivirus is active; gomedic cannot read its settings",
    // win.firewall
    FirewallBlocksGo = "firewall.blocks_go": "inbound firewall rules block Delve or Go test binaries",
    FirewallPerBinaryRules = "firewall.per_binary_rules": "firewall rules for temporary go-build binaries: each go run or go test binary triggers a new prompt",
    // win.motw
    MotwInternetZone = "motw.internet_zone": "Go executables carry Mark-of-the-Web from the Internet zone: SmartScreen and Smart App Control scan or block them",
    // win.smartscreen
    SmartAppControlOn = "smart_app_control.on": "Smart App Control is on: it blocks unsigned programs without reputation, including every binary go build and go test produce",
    AppControlBlockedGo = "appcontrol.blocked_go": "App Control or Smart App Control blocked Go binaries recently (CodeIntegrity events 3077/3033)",
    AppControlWouldBlockGo = "appcontrol.would_block_go": "App Control in audit mode would block Go binaries when enforced (CodeIntegrity event 3076)",
    // win.authenticode
    AuthenticodeUnreadable = "authenticode.unreadable": "the signature of a Go executable cannot be read",
    AuthenticodeUnsigned = "authenticode.unsigned": "an official Go executable is not Authenticode-signed",
    AuthenticodeBrokenSignature = "authenticode.broken_signature": "a Go executable changed after it was signed",
    AuthenticodeExpiredWithoutTimestamp = "authenticode.expired_without_timestamp": "a Go executable's signing certificate expired and the signature has no timestamp",
    AuthenticodeNotExecutable = "authenticode.not_executable": "a Go executable is not a valid Windows executable",
    AuthenticodeNotAFile = "authenticode.not_a_file": "a Go executable's path names a directory (or something else that is not a file): no signature to check",
    GoExeForeignArch = "goexe.foreign_arch": "go.exe is built for another CPU than Windows runs on (an x86 go.exe on x64, an x64 one on ARM64): it runs emulated, and builds for its own GOARCH by default",
    // win.canary
    CanarySetupFailed = "canary.setup_failed": "the canary test module could not be set up",
    CanaryNotBuilt = "canary.not_built": "the canary test binary was not built",
    CanaryBuildNotRun = "canary.build_not_run": "`go test -c` for the canary could not be started or did not finish",
    CanaryBuildFailed = "canary.build_failed": "`go test -c` failed for a one-line test",
    CanaryExitCode = "canary.exit_code": "the freshly built test binary exited with an error: antivirus or application control",
    CanaryPermissionDenied = "canary.permission_denied": "Windows refused to start the freshly built test binary",
    CanaryQuarantined = "canary.quarantined": "the freshly built test binary disappeared: quarantined by antivirus",
    CanaryTimeout = "canary.timeout": "the freshly built test binary hung on start: held by a scanner",
    CanarySpawnFailed = "canary.spawn_failed": "the freshly built test binary could not be started",
    CanaryTooFewRuns = "canary.too_few_runs": "the canary did not run often enough to compare start times",
    CanarySlowFirstStart = "canary.slow_first_start": "the first start of a new test binary is much slower than later ones: on-access scanning of every fresh build",
    // go.build
    BuildSetupFailed = "build.setup_failed": "the temporary module of the build probe could not be set up",
    BuildStepFailed = "build.step_failed": "a step of the build probe (build, run, test) exited with an error",
    BuildStepBlocked = "build.step_blocked": "a step of the build probe failed with an error security software produces",
    BuildNotFound = "build.not_found": "a step of the build probe could not be started: file not found (a fresh binary that vanished is antivirus quarantine)",
    BuildPermissionDenied = "build.permission_denied": "the operating system refused to start a step of the build probe",
    BuildSpawnFailed = "build.spawn_failed": "a step of the build probe could not be started",
    BuildTimeout = "build.timeout": "a step of the build probe did not finish in time",
    BuildBinaryVanished = "build.binary_vanished": "the binary go build wrote was gone before it could run: quarantined by antivirus",
    // any check (the runner)
    CheckPanicked = "check.panicked": "the check itself crashed (a gomedic bug)",
    CheckTimeout = "check.timeout": "the check did not finish within its timeout or the overall deadline",
    CheckNotStarted = "check.not_started": "the check could not be started (no thread)",
    CheckNoResult = "check.no_result": "the check ended without a result",
}

impl Code {
    /// The code for a string (codes computed by gomedic-goenv, such as pattern findings).
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl From<Code> for String {
    fn from(c: Code) -> String {
        c.as_str().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code the settings snapshot's route can report is registered (go.env would
    /// otherwise drop it).
    #[test]
    fn every_route_diagnostic_code_is_registered() {
        use gomedic_goenv::goproxy::GoProxyIssue;
        use gomedic_goenv::patterns::PatternIssue;
        use gomedic_goenv::route::{codes as rc, pattern_code, PATTERN_SETTINGS};
        let mut all: Vec<String> = [
            rc::GOPROXY_INVALID,
            rc::GOPROXY_OFF,
            rc::GOPROXY_IGNORED_AFTER_DIRECT_OR_OFF,
            rc::GOPROXY_EMPTY_ENTRY,
            rc::GOPROXY_WHITESPACE,
            rc::GOPROXY_IMPLICIT_HTTPS,
            rc::GOSUMDB_INVALID,
            rc::GOSUMDB_CRASH,
            rc::GOSUMDB_UNUSABLE_URL,
            rc::GOSUMDB_OFF,
            rc::GOSUMDB_OFF_TOOLCHAIN,
        ]
        .iter()
        .map(|c| c.to_string())
        .collect();
        all.extend(
            GoProxyIssue::ALL
                .iter()
                .map(|i| format!("goproxy.{}", i.as_str())),
        );
        for k in PATTERN_SETTINGS {
            all.extend(PatternIssue::ALL.iter().map(|i| pattern_code(k, *i)));
        }
        for c in all {
            assert!(Code::parse(&c).is_some(), "{c} is not in the registry");
        }
    }

    #[test]
    fn codes_are_unique_well_formed_and_documented() {
        let docs = include_str!("../../../docs/checks.md");
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(
                s.split('.').count() >= 2
                    && s.bytes().all(|b| b.is_ascii_lowercase()
                        || b.is_ascii_digit()
                        || b == b'_'
                        || b == b'.'),
                "malformed code {s}"
            );
            assert!(
                docs.contains(&format!("`{s}`")),
                "{s} is not documented in docs/checks.md"
            );
        }
    }
}

/// Checks are pure: no check reads the machine itself (everything goes through facts).
#[cfg(test)]
mod purity {
    #[test]
    fn checks_do_no_io_of_their_own() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let manifest = std::fs::read_to_string(dir.join("../Cargo.toml")).unwrap();
        assert!(
            !manifest.contains("gomedic-sys"),
            "gomedic-checks must not depend on the OS crate"
        );
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if !name.ends_with(".rs") || name == "tests.rs" || name == "codes.rs" {
                continue;
            }
            let text = std::fs::read_to_string(e.path()).unwrap();
            for banned in [
                "std::fs",
                "std::process",
                "std::net",
                "gomedic_sys",
                "dunce::",
                ".is_file()",
                ".is_dir()",
                ".exists()",
            ] {
                assert!(
                    !text.contains(banned),
                    "{name} uses {banned}: read the machine through Facts instead"
                );
            }
        }
    }
}
