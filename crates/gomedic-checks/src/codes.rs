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
    // go.runs
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
    GoflagsInsecure = "goflags.insecure": "GOFLAGS contains the removed -insecure flag",
    GoflagsNotFlags = "goflags.not_flags": "GOFLAGS has words that are not flags: the go command rejects it",
    // net.goproxy
    GoproxyWorks = "goproxy.works": "the first GOPROXY proxy works",
    GoproxyTlsIntercepted = "goproxy.tls_intercepted": "the proxy works, but TLS is intercepted by a certificate only this machine trusts",
    GoproxySlowFallback = "goproxy.slow_fallback": "a proxy works, but only after failing entries every download waits for",
    GoproxyDirectOnly = "goproxy.direct_only": "GOPROXY has no proxy: modules come from their version control hosts",
    GoproxyFallsBackToDirect = "goproxy.falls_back_to_direct": "every proxy fails and the go command falls back to direct",
    GoproxyStopsAtOff = "goproxy.stops_at_off": "every proxy fails, then off stops the download",
    GoproxyUnreachable = "goproxy.unreachable": "a proxy fails in a way that ends the download",
    GoproxyUnprobed = "goproxy.unprobed": "none of the GOPROXY proxies could be probed",
    // net.sumdb
    GosumdbReachable = "gosumdb.reachable": "the checksum database answers directly",
    GosumdbViaProxy = "gosumdb.via_proxy": "the checksum database is reached through a proxy's /sumdb/ endpoint",
    GosumdbUnreachable = "gosumdb.unreachable": "the checksum database cannot be reached: verified downloads fail",
}

impl From<Code> for String {
    fn from(c: Code) -> String {
        c.as_str().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_well_formed_and_documented() {
        let docs = include_str!("../../../docs/checks.md");
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(
                s.split('.').count() >= 2
                    && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.'),
                "malformed code {s}"
            );
            assert!(docs.contains(&format!("`{s}`")), "{s} is not documented in docs/checks.md");
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
        assert!(!manifest.contains("gomedic-sys"), "gomedic-checks must not depend on the OS crate");
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if !name.ends_with(".rs") || name == "tests.rs" || name == "codes.rs" {
                continue;
            }
            let text = std::fs::read_to_string(e.path()).unwrap();
            for banned in ["std::fs", "std::process", "std::net", "gomedic_sys", "dunce::", ".is_file()", ".is_dir()", ".exists()"] {
                assert!(!text.contains(banned), "{name} uses {banned}: read the machine through Facts instead");
            }
        }
    }
}
