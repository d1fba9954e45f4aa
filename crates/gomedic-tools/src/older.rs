//! A tool built with an older Go than the module it works on: the error it will print.
//! Also gopls' own Go version rules.

use crate::data::{known_tool, rules_checked, Semver};
use gomedic_goenv::GoVersion;
use serde::Serialize;

/// What a tool built with `built_with` will say about a module with a newer `go` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OlderTool {
    /// The known tool's name, or the package path given.
    pub tool: String,
    /// The message the tool prints (for go/types: one per package).
    pub message: String,
    /// The tool's exit code when it is known to refuse outright.
    pub exit_code: Option<i32>,
    /// When the message only appears under a condition gomedic cannot see (a tool version
    /// that is not known, a tool that may not type-check).
    pub condition: Option<String>,
}

/// The Go version in a build info's `go` line (`go1.22.3 X:rangefunc`, `devel go1.24-abc`,
/// `go1.25-devel_abc`).
pub fn parse_built(s: &str) -> Option<GoVersion> {
    let s = s.trim();
    let s = s.strip_prefix("devel ").unwrap_or(s);
    let word = s.split_whitespace().next()?;
    let word = word.split("-devel_").next().unwrap_or(word);
    GoVersion::parse_toolchain(word)
}

/// go/types' message (`src/go/types/check.go`): language versions on both sides;
/// Go 1.21 and 1.22 return it without the parenthesis.
pub fn go_types_message(module: &GoVersion, built: &GoVersion) -> String {
    let paren_since = rules_checked()
        .map(|r| r.linters.go_types_parenthesis_since.clone())
        .unwrap_or_else(|_| GoVersion::parse("1.23").unwrap_or_else(|| built.lang()));
    let n = module.lang();
    let m = built.lang();
    if built.lang() < paren_since.lang() {
        format!("package requires newer Go version go{n}")
    } else {
        format!("package requires newer Go version go{n} (application built with go{m})")
    }
}

/// [`tool_older_than_module_v`] when the tool's own version is not known.
pub fn tool_older_than_module(
    tool_path: &str,
    built_with_go: &str,
    module_go_line: &str,
) -> Option<OlderTool> {
    tool_older_than_module_v(tool_path, None, built_with_go, module_go_line)
}

/// Will the tool whose main package is `tool_path` (or known name: `staticcheck`), at module
/// version `tool_version` (`v0.6.1`, if known), built with `built_with_go` (`go1.23.4`), fail
/// on a module whose go.mod says `go module_go_line` (`1.24.1`)? `None` when it will not (or
/// when an input cannot be parsed: nothing is claimed then).
pub fn tool_older_than_module_v(
    tool_path: &str,
    tool_version: Option<&str>,
    built_with_go: &str,
    module_go_line: &str,
) -> Option<OlderTool> {
    let built = parse_built(built_with_go)?;
    let line = module_go_line.trim();
    let line = line.strip_prefix("go").unwrap_or(line);
    let module = GoVersion::parse(line)?;
    let known = known_tool(tool_path);
    let name = known.map(|t| t.name.as_str()).unwrap_or(tool_path);
    let newer_lang = module.lang() > built.lang();
    let out = |message: String, exit_code: Option<i32>, condition: Option<String>| {
        Some(OlderTool {
            tool: name.to_string(),
            message,
            exit_code,
            condition,
        })
    };
    let rules = rules_checked().ok()?;
    match name {
        "staticcheck" => {
            let (first, last) = rules.linters.staticcheck_own_check;
            let own = format!(
                "module requires at least go{line}, but Staticcheck was built with go{built} (compile)"
            );
            let patch_newer = module.first_release() > built;
            match tool_version.and_then(Semver::parse) {
                Some(v) if first <= v && v <= last => patch_newer.then(|| OlderTool {
                    tool: name.to_string(),
                    message: own,
                    exit_code: None,
                    condition: None,
                }),
                Some(_) => newer_lang
                    .then(|| format!("{} (compile)", go_types_message(&module, &built)))
                    .and_then(|m| out(m, None, None)),
                None if newer_lang => out(
                    format!("{} (compile)", go_types_message(&module, &built)),
                    None,
                    Some(format!("staticcheck {first}-{last} print instead: {own}")),
                ),
                None if patch_newer => out(
                    own,
                    None,
                    Some(format!("only staticcheck {first}-{last} check the patch level")),
                ),
                None => None,
            }
        }
        "golangci-lint" => newer_lang
            .then(|| {
                format!(
                    "can't load config: the Go language version (go{}) used to build golangci-lint is lower than the targeted Go version ({line})",
                    built.lang()
                )
            })
            .and_then(|m| out(m, Some(rules.linters.golangci_lint_exit_code), None)),
        "govulncheck" => newer_lang
            .then(|| {
                "govulncheck: Loading packages failed, possibly due to a mismatch between the Go version used to build govulncheck and the Go version on PATH".to_string()
            })
            .and_then(|m| out(m, None, Some(format!("wrapping {}", go_types_message(&module, &built))))),
        "gopls" => {
            // Built before 1.21, go/types could not parse "go1.22.1" (golang/go#66553).
            if built < rules.gopls.panics_if_built_before && !module.is_lang() {
                return out(
                    format!(
                        "panic: invalid Go version \"go{line}\" (should be something like \"go1.12\")"
                    ),
                    None,
                    None,
                );
            }
            newer_lang
                .then(|| go_types_message(&module, &built))
                .and_then(|m| out(m, None, None))
        }
        _ => {
            if !newer_lang {
                return None;
            }
            let m = go_types_message(&module, &built);
            match known {
                Some(t) if t.typechecks => out(m, None, None),
                Some(_) => None,
                None => out(
                    m,
                    None,
                    Some("if it type-checks Go code (go/types)".to_string()),
                ),
            }
        }
    }
}

/// The Go needed to build gopls `gopls_version` (`v0.17.0`): its go.mod `go` line.
pub fn gopls_build_go(gopls_version: &str) -> Option<GoVersion> {
    let v = Semver::parse(gopls_version)?;
    if v.0 != 0 {
        return None;
    }
    rules_checked()
        .ok()?
        .gopls
        .builds
        .iter()
        .find(|b| b.minor == v.1)
        .map(|b| b.go.clone())
}

/// gopls' support policy for the `go` command it runs: one of the two latest Go releases
/// (`newest_go` is the newest Go release the caller knows of, e.g. `go1.27.3`).
pub fn gopls_supports_go(go_in_use: &str, newest_go: &str) -> Option<bool> {
    let used = parse_built(go_in_use)?;
    let newest = parse_built(newest_go)?;
    let n = rules_checked().ok()?.gopls.supported_go_releases;
    if used.major != newest.major {
        return Some(used.major > newest.major);
    }
    Some(used.minor + n > newest.minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(tool: &str, built: &str, line: &str) -> Option<String> {
        tool_older_than_module(tool, built, line).map(|o| o.message)
    }

    #[test]
    fn go_types_message_per_go_version() {
        let gopls = "golang.org/x/tools/gopls";
        // Go 1.21 and 1.22: no parenthesis (golang/go#68258). Language versions only.
        assert_eq!(
            msg(gopls, "go1.21.13", "1.24.1").as_deref(),
            Some("package requires newer Go version go1.24")
        );
        assert_eq!(
            msg(gopls, "go1.22.10", "1.23").as_deref(),
            Some("package requires newer Go version go1.23")
        );
        // 1.23 and later: with it, M the language version of the build Go.
        assert_eq!(
            msg(gopls, "go1.23.4", "1.24.0").as_deref(),
            Some("package requires newer Go version go1.24 (application built with go1.23)")
        );
        assert_eq!(
            msg("impl", "go1.24.11 X:rangefunc", "1.27").as_deref(),
            Some("package requires newer Go version go1.27 (application built with go1.24)")
        );
        // Same minor, newer patch: go/types does not care.
        assert_eq!(msg(gopls, "go1.24.0", "1.24.9"), None);
        assert_eq!(msg(gopls, "go1.25.0", "1.24.9"), None);
        // gopls built before 1.21 panics on a patch-level go line.
        assert_eq!(
            msg(gopls, "go1.20.14", "1.22.1").as_deref(),
            Some("panic: invalid Go version \"go1.22.1\" (should be something like \"go1.12\")")
        );
        assert_eq!(
            msg(gopls, "go1.20.14", "1.22").as_deref(),
            Some("package requires newer Go version go1.22")
        );
        // Tools that do not type-check say nothing; unknown tools: conditional.
        assert_eq!(msg("dlv", "go1.21.0", "1.27.0"), None);
        assert_eq!(msg("mvdan.cc/gofumpt", "go1.21.0", "1.27.0"), None);
        let o = tool_older_than_module("example.com/cmd/x", "go1.22.1", "1.23.0").unwrap();
        assert!(o.condition.is_some());
        assert_eq!(o.tool, "example.com/cmd/x");
        // Garbage in: no claim.
        assert_eq!(msg(gopls, "unknown", "1.23"), None);
        assert_eq!(msg(gopls, "go1.22.1", "latest"), None);
    }

    #[test]
    fn staticcheck_linters_govulncheck() {
        let sc = "honnef.co/go/tools/cmd/staticcheck";
        // 0.5.x-0.6.x: its own check, patch level included.
        let o = tool_older_than_module_v(sc, Some("v0.6.1"), "go1.24.0", "1.24.1").unwrap();
        assert_eq!(
            o.message,
            "module requires at least go1.24.1, but Staticcheck was built with go1.24.0 (compile)"
        );
        assert_eq!(
            tool_older_than_module_v(sc, Some("v0.5.0"), "go1.24.1", "1.24.1"),
            None
        );
        // v0.7.0 and v0.4.x: go/types, compile category.
        assert_eq!(
            tool_older_than_module_v(sc, Some("v0.7.0"), "go1.24.0", "1.24.1"),
            None
        );
        let o = tool_older_than_module_v(sc, Some("v0.7.0"), "go1.25.5", "1.26.0").unwrap();
        assert_eq!(
            o.message,
            "package requires newer Go version go1.26 (application built with go1.25) (compile)"
        );
        let o = tool_older_than_module(sc, "go1.24.0", "1.24.1").unwrap();
        assert!(o.condition.unwrap().contains("v0.5.0-v0.6.1"));
        // golangci-lint: language versions, exit 3, the go line as written.
        let o = tool_older_than_module("golangci-lint", "go1.22.12", "1.23.1").unwrap();
        assert_eq!(
            o.message,
            "can't load config: the Go language version (go1.22) used to build golangci-lint is lower than the targeted Go version (1.23.1)"
        );
        assert_eq!(o.exit_code, Some(3));
        assert_eq!(
            tool_older_than_module(
                "github.com/golangci/golangci-lint/cmd/golangci-lint",
                "go1.26.2",
                "1.26.5"
            ),
            None
        );
        let o = tool_older_than_module("govulncheck", "go1.21.13", "1.22.0").unwrap();
        assert!(o
            .message
            .starts_with("govulncheck: Loading packages failed"));
    }

    #[test]
    fn gopls_rules() {
        assert_eq!(gopls_build_go("v0.17.0").unwrap().to_string(), "1.23.1");
        assert_eq!(gopls_build_go("v0.20.0").unwrap().to_string(), "1.24.2");
        assert_eq!(gopls_build_go("v0.16.2").unwrap().to_string(), "1.19");
        assert_eq!(gopls_build_go("v0.99.0"), None);
        assert_eq!(gopls_build_go("v1.0.0"), None);
        assert_eq!(gopls_supports_go("go1.26.4", "go1.27.3"), Some(true));
        assert_eq!(gopls_supports_go("go1.27.0", "go1.27.3"), Some(true));
        assert_eq!(gopls_supports_go("go1.25.9", "go1.27.3"), Some(false));
        assert_eq!(gopls_supports_go("go1.28rc1", "go1.27.3"), Some(true));
        assert_eq!(gopls_supports_go("x", "go1.27.3"), None);
    }
}
