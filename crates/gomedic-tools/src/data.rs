//! The version rules and the known-tools table, kept as TOML in `data/` and parsed once.

use gomedic_goenv::GoVersion;
use serde::Deserialize;
use std::sync::OnceLock;

pub const DELVE_TOML: &str = include_str!("../data/delve.toml");
pub const GOPLS_TOML: &str = include_str!("../data/gopls.toml");
pub const LINTERS_TOML: &str = include_str!("../data/linters.toml");
pub const TOOLS_TOML: &str = include_str!("../data/tools.toml");

/// A release version `major.minor.patch` (Delve, staticcheck, gopls: semver without the `v`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Semver(pub u32, pub u32, pub u32);

impl Semver {
    /// Parses `v1.24.2` or `1.24.2`. Pre-releases, pseudo-versions and `(devel)` are `None`:
    /// they name no release whose rules are known.
    pub fn parse(s: &str) -> Option<Semver> {
        let s = s.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        let mut it = s.split('.');
        let num = |p: Option<&str>| -> Option<u32> {
            let p = p?;
            if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            p.parse().ok()
        };
        let v = Semver(num(it.next())?, num(it.next())?, num(it.next())?);
        it.next().is_none().then_some(v)
    }
}

impl std::fmt::Display for Semver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}.{}.{}", self.0, self.1, self.2)
    }
}

/// One row of Delve's table: releases `first..=last` accept targets go1.`min` to go1.`max`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelveRow {
    pub first: Semver,
    pub last: Semver,
    pub min: u32,
    pub max: u32,
    pub go_mod: Option<String>,
}

/// Delve's behaviour changes between releases (see data/delve.toml).
#[derive(Debug, Clone)]
pub struct DelveRules {
    pub named_wording_since: Semver,
    pub go_prefixed_since: Semver,
    pub versioned_devel_since: Semver,
    pub devel_underscore_since: Semver,
    pub riscv64_since: Semver,
    pub riscv64_min_go: GoVersion,
    pub dwarf5_since: Semver,
    pub dwarf5_min_build_go: GoVersion,
    pub dwarf5_default_since_go: GoVersion,
    pub rows: Vec<DelveRow>,
}

/// The Go needed to build a gopls minor release.
#[derive(Debug, Clone)]
pub struct GoplsBuild {
    pub minor: u32,
    pub go: GoVersion,
}

#[derive(Debug, Clone)]
pub struct GoplsRules {
    pub supported_go_releases: u32,
    pub panics_if_built_before: GoVersion,
    pub builds: Vec<GoplsBuild>,
}

#[derive(Debug, Clone)]
pub struct LinterRules {
    pub go_types_parenthesis_since: GoVersion,
    pub staticcheck_own_check: (Semver, Semver),
    pub golangci_lint_exit_code: i32,
}

/// A tool gomedic knows by name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownTool {
    pub name: String,
    /// Main package paths (`path` in `go version -m`), the preferred one first.
    pub packages: Vec<String>,
    /// The module `go install` fetches for the first package path.
    pub module: String,
    /// Type-checks code with go/types (so it fails on a module newer than its build Go).
    pub typechecks: bool,
}

#[derive(Debug, Clone)]
pub struct Rules {
    pub delve: DelveRules,
    pub gopls: GoplsRules,
    pub linters: LinterRules,
    pub tools: Vec<KnownTool>,
}

// Raw file shapes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DelveFile {
    rules: DelveRulesRaw,
    release: Vec<DelveRowRaw>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DelveRulesRaw {
    named_wording_since: String,
    go_prefixed_since: String,
    versioned_devel_since: String,
    devel_underscore_since: String,
    riscv64_since: String,
    riscv64_min_go: String,
    dwarf5_since: String,
    dwarf5_min_build_go: String,
    dwarf5_default_since_go: String,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DelveRowRaw {
    first: String,
    last: String,
    min: u32,
    max: u32,
    go_mod: Option<String>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoplsFile {
    policy: GoplsPolicyRaw,
    build: Vec<GoplsBuildRaw>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoplsPolicyRaw {
    supported_go_releases: u32,
    panics_if_built_before: String,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoplsBuildRaw {
    minor: u32,
    go: String,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LintersFile {
    go_types: GoTypesRaw,
    staticcheck: StaticcheckRaw,
    golangci_lint: GolangciRaw,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoTypesRaw {
    parenthesis_since: String,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StaticcheckRaw {
    own_check_first: String,
    own_check_last: String,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GolangciRaw {
    exit_code: i32,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolsFile {
    tool: Vec<KnownTool>,
}

fn semver(file: &str, what: &str, s: &str) -> Result<Semver, String> {
    Semver::parse(s).ok_or_else(|| format!("{file}: {what}: {s:?} is not a release version"))
}

fn gover(file: &str, what: &str, s: &str) -> Result<GoVersion, String> {
    GoVersion::parse(s).ok_or_else(|| format!("{file}: {what}: {s:?} is not a Go version"))
}

pub fn parse_delve(text: &str) -> Result<DelveRules, String> {
    const F: &str = "delve.toml";
    let f: DelveFile = toml::from_str(text).map_err(|e| format!("{F}: {e}"))?;
    let r = &f.rules;
    let mut rows = Vec::new();
    for (i, row) in f.release.iter().enumerate() {
        let what = format!("release #{}", i + 1);
        let first = semver(F, &what, &row.first)?;
        let last = semver(F, &what, &row.last)?;
        if last < first || row.min > row.max {
            return Err(format!("{F}: {what}: empty range"));
        }
        if let Some(prev) = rows.last() {
            let prev: &DelveRow = prev;
            if first <= prev.last {
                return Err(format!(
                    "{F}: {what}: {first} overlaps or precedes the previous row (up to {})",
                    prev.last
                ));
            }
            if row.min < prev.min || row.max < prev.max {
                return Err(format!("{F}: {what}: Go range goes backwards"));
            }
        }
        if let Some(g) = &row.go_mod {
            gover(F, &what, g)?;
        }
        rows.push(DelveRow {
            first,
            last,
            min: row.min,
            max: row.max,
            go_mod: row.go_mod.clone(),
        });
    }
    if rows.is_empty() {
        return Err(format!("{F}: no release rows"));
    }
    Ok(DelveRules {
        named_wording_since: semver(F, "named_wording_since", &r.named_wording_since)?,
        go_prefixed_since: semver(F, "go_prefixed_since", &r.go_prefixed_since)?,
        versioned_devel_since: semver(F, "versioned_devel_since", &r.versioned_devel_since)?,
        devel_underscore_since: semver(F, "devel_underscore_since", &r.devel_underscore_since)?,
        riscv64_since: semver(F, "riscv64_since", &r.riscv64_since)?,
        riscv64_min_go: gover(F, "riscv64_min_go", &r.riscv64_min_go)?,
        dwarf5_since: semver(F, "dwarf5_since", &r.dwarf5_since)?,
        dwarf5_min_build_go: gover(F, "dwarf5_min_build_go", &r.dwarf5_min_build_go)?,
        dwarf5_default_since_go: gover(F, "dwarf5_default_since_go", &r.dwarf5_default_since_go)?,
        rows,
    })
}

pub fn parse_gopls(text: &str) -> Result<GoplsRules, String> {
    const F: &str = "gopls.toml";
    let f: GoplsFile = toml::from_str(text).map_err(|e| format!("{F}: {e}"))?;
    let mut builds: Vec<GoplsBuild> = Vec::new();
    for b in &f.build {
        let what = format!("build v0.{}", b.minor);
        let go = gover(F, &what, &b.go)?;
        if let Some(prev) = builds.last() {
            if b.minor <= prev.minor || go < prev.go {
                return Err(format!("{F}: {what}: out of order"));
            }
        }
        builds.push(GoplsBuild { minor: b.minor, go });
    }
    if f.policy.supported_go_releases == 0 {
        return Err(format!("{F}: supported_go_releases must be at least 1"));
    }
    Ok(GoplsRules {
        supported_go_releases: f.policy.supported_go_releases,
        panics_if_built_before: gover(
            F,
            "panics_if_built_before",
            &f.policy.panics_if_built_before,
        )?,
        builds,
    })
}

pub fn parse_linters(text: &str) -> Result<LinterRules, String> {
    const F: &str = "linters.toml";
    let f: LintersFile = toml::from_str(text).map_err(|e| format!("{F}: {e}"))?;
    let first = semver(F, "own_check_first", &f.staticcheck.own_check_first)?;
    let last = semver(F, "own_check_last", &f.staticcheck.own_check_last)?;
    if last < first {
        return Err(format!("{F}: staticcheck: empty range"));
    }
    Ok(LinterRules {
        go_types_parenthesis_since: gover(F, "parenthesis_since", &f.go_types.parenthesis_since)?,
        staticcheck_own_check: (first, last),
        golangci_lint_exit_code: f.golangci_lint.exit_code,
    })
}

pub fn parse_tools(text: &str) -> Result<Vec<KnownTool>, String> {
    const F: &str = "tools.toml";
    let f: ToolsFile = toml::from_str(text).map_err(|e| format!("{F}: {e}"))?;
    let mut seen = std::collections::HashSet::new();
    for t in &f.tool {
        let ok_name = !t.name.is_empty()
            && t.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok_name || !seen.insert(t.name.clone()) {
            return Err(format!(
                "{F}: tool name {:?} is invalid or repeated",
                t.name
            ));
        }
        if t.packages.is_empty()
            || t.packages.iter().any(|p| p.is_empty() || p.contains(' '))
            || !t.packages[0].starts_with(&t.module)
        {
            return Err(format!(
                "{F}: tool {}: packages must be non-empty paths, the first inside module {}",
                t.name, t.module
            ));
        }
    }
    Ok(f.tool)
}

pub fn parse_all() -> Result<Rules, String> {
    Ok(Rules {
        delve: parse_delve(DELVE_TOML)?,
        gopls: parse_gopls(GOPLS_TOML)?,
        linters: parse_linters(LINTERS_TOML)?,
        tools: parse_tools(TOOLS_TOML)?,
    })
}

/// The embedded rules. The data is checked by this crate's tests, so a failure here is a
/// build defect; it is reported by [`rules_checked`] rather than by a panic.
pub fn rules_checked() -> Result<&'static Rules, &'static str> {
    static RULES: OnceLock<Result<Rules, String>> = OnceLock::new();
    RULES
        .get_or_init(parse_all)
        .as_ref()
        .map_err(|e| e.as_str())
}

static EMPTY_TOOLS: Vec<KnownTool> = Vec::new();

/// Every known tool, in table order.
pub fn known_tools() -> &'static [KnownTool] {
    rules_checked()
        .map(|r| &r.tools[..])
        .unwrap_or(&EMPTY_TOOLS)
}

/// The known tool named `name` (`dlv`, `gopls`...), or the one whose main package is `name`.
pub fn known_tool(name: &str) -> Option<&'static KnownTool> {
    known_tools()
        .iter()
        .find(|t| t.name == name || t.packages.iter().any(|p| p == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_parses() {
        let r = parse_all().unwrap();
        assert_eq!(r.delve.rows.last().unwrap().last, Semver(1, 27, 1));
        assert_eq!(r.tools.len(), 10);
        assert!(rules_checked().is_ok());
    }

    #[test]
    fn malformed_entries_are_rejected() {
        // Overlapping Delve rows (the mistake a hand-edited table makes).
        let bad = DELVE_TOML.replace(
            "first = \"1.8.0\"\nlast = \"1.8.3\"",
            "first = \"1.8.0\"\nlast = \"1.9.0\"",
        );
        assert_ne!(bad, DELVE_TOML);
        let e = parse_delve(&bad).unwrap_err();
        assert!(e.contains("overlaps"), "{e}");
        // A version that is not one.
        let bad = DELVE_TOML.replace("first = \"1.27.1\"", "first = \"1.27.x\"");
        assert!(parse_delve(&bad).unwrap_err().contains("1.27.x"));
        // Unknown key (a typo) is an error, not silently ignored.
        let bad = DELVE_TOML.replace(
            "min = 25\nmax = 27\ngo_mod = \"1.25.0\"",
            "min = 25\nmxa = 27",
        );
        assert!(parse_delve(&bad).is_err());
        let bad = GOPLS_TOML.replace("go = \"1.23.4\"", "go = \"1.23.x\"");
        assert!(parse_gopls(&bad).is_err());
        let bad = GOPLS_TOML.replace("minor = 20", "minor = 18");
        assert!(parse_gopls(&bad).unwrap_err().contains("out of order"));
        let bad = TOOLS_TOML.replace("name = \"impl\"", "name = \"gopls\"");
        assert!(parse_tools(&bad).is_err());
        let bad = TOOLS_TOML.replace("module = \"mvdan.cc/gofumpt\"", "module = \"mvdan.cc/x\"");
        assert!(parse_tools(&bad).is_err());
        let bad = LINTERS_TOML.replace("own_check_last = \"0.6.1\"", "own_check_last = \"0.4.0\"");
        assert!(parse_linters(&bad).is_err());
        assert!(parse_linters("not toml [").is_err());
    }

    #[test]
    fn known_tools_table() {
        assert_eq!(
            known_tool("dlv").unwrap().packages[0],
            "github.com/go-delve/delve/cmd/dlv"
        );
        let g = known_tool("github.com/golangci/golangci-lint/cmd/golangci-lint").unwrap();
        assert_eq!(g.name, "golangci-lint");
        assert_eq!(g.packages.len(), 2);
        let names: Vec<_> = known_tools().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "gopls",
                "dlv",
                "staticcheck",
                "golangci-lint",
                "gofumpt",
                "goimports",
                "gotests",
                "gomodifytags",
                "impl",
                "govulncheck"
            ]
        );
        assert!(known_tool("gofmt").is_none());
        assert_eq!(Semver::parse("v1.24.2"), Some(Semver(1, 24, 2)));
        for bad in [
            "v1.24",
            "v1.24.2-rc.1",
            "(devel)",
            "v1.25.3-0.20250101-abcdef",
            "",
        ] {
            assert_eq!(Semver::parse(bad), None, "{bad}");
        }
    }
}
