//! The check model: what a check is, and what it returns.

use serde::Serialize;

/// Broad area a check belongs to; used for grouping in renderers (JUnit suites).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Toolchain,
    Environment,
    Filesystem,
    Build,
    Network,
    Security,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Toolchain => "toolchain",
            Category::Environment => "environment",
            Category::Filesystem => "filesystem",
            Category::Build => "build",
            Category::Network => "network",
            Category::Security => "security",
        }
    }
}

/// Static description of a check; the id is part of gomedic's public contract.
#[derive(Debug, Clone, Serialize)]
pub struct CheckMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub category: Category,
    /// One sentence: what the check looks at.
    pub looks_at: &'static str,
    /// Runs only with `check --deep` (slow, or builds something).
    pub deep: bool,
}

/// Outcome of one check. `Failed` means the check itself broke, not the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warn,
    Error,
    Skipped,
    Timeout,
    Failed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Ok,
        Status::Warn,
        Status::Error,
        Status::Skipped,
        Status::Timeout,
        Status::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Error => "error",
            Status::Skipped => "skipped",
            Status::Timeout => "timeout",
            Status::Failed => "failed",
        }
    }

    /// Worse of two statuses for a check that aggregates several findings.
    /// Only ok < warn < error are combined; other statuses are set explicitly.
    pub fn worst(self, other: Status) -> Status {
        fn rank(s: Status) -> u8 {
            match s {
                Status::Ok | Status::Skipped => 0,
                Status::Warn => 1,
                Status::Error | Status::Timeout | Status::Failed => 2,
            }
        }
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// A proposed remedy. `commands` are exact, copy-pasteable command lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub id: String,
    pub description: String,
    pub commands: Vec<String>,
    /// gomedic can apply it itself (`gomedic fix ID`).
    pub automatic: bool,
    /// What `gomedic fix` does for an automatic fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<FixAction>,
}

/// A machine change gomedic knows how to plan, journal, apply and undo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FixAction {
    /// Edit the user's go env file as `go env -w` / `go env -u` would.
    GoEnv {
        set: Vec<(String, String)>,
        unset: Vec<String>,
    },
    /// Add Microsoft Defender exclusions (paths, and processes whose opened files are skipped).
    DefenderExclusions {
        paths: Vec<String>,
        processes: Vec<String>,
    },
    /// Add one named inbound firewall rule (idempotent); undo deletes it.
    FirewallRule {
        name: String,
        local_ports: String,
        remote_address: String,
    },
    /// Delete alternate data streams (Mark-of-the-Web `file:Zone.Identifier`).
    RemoveStreams { streams: Vec<String> },
    /// Replace a PATH value in the Windows registry (type kept, or REG_EXPAND_SZ for %VARS%).
    RegistryPath {
        value: String,
        value_type: u32,
        data: String,
    },
    /// Rebuild Go tools with the go in use (`go install PACKAGE@VERSION`), each replacing
    /// the binary at its own path; the old binaries are kept in the journal.
    ToolsRebuild { tools: Vec<ToolRebuild> },
}

/// One tool binary to rebuild.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolRebuild {
    /// The binary replaced.
    pub path: String,
    /// Where the rebuilt binary goes (the same path, or without a foreign `.exe`).
    pub dest: String,
    /// Main package path (`golang.org/x/tools/gopls`).
    pub package: String,
    /// `v0.16.2`, or `latest`.
    pub version: String,
    /// Why, one line.
    pub reason: String,
}

impl Fix {
    pub fn manual(id: &str, description: impl Into<String>, commands: Vec<String>) -> Fix {
        Fix {
            id: id.to_string(),
            description: description.into(),
            commands,
            automatic: false,
            action: None,
        }
    }

    /// A fix gomedic applies itself through `gomedic fix ID`.
    pub fn auto(
        id: &str,
        description: impl Into<String>,
        commands: Vec<String>,
        action: FixAction,
    ) -> Fix {
        Fix {
            id: id.to_string(),
            description: description.into(),
            commands,
            automatic: true,
            action: Some(action),
        }
    }
}

/// One thing a check found, under a stable code (`goprivate.pattern_whitespace`). Later
/// features (policy suppressions, `explain`, alerts on change) refer to codes, never to
/// summary text, so a code is never renamed once released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: String,
    pub status: Status,
    pub message: String,
}

/// What a check returns. Renderers add id/title/timing from [`CheckMeta`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub status: Status,
    pub summary: String,
    pub details: Vec<String>,
    pub fixes: Vec<Fix>,
    /// The findings behind the status, each with its stable code.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// Machine-readable facts for JSON consumers (e.g. a failure classification).
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub data: serde_json::Map<String, serde_json::Value>,
}

impl CheckResult {
    pub fn new(status: Status, summary: impl Into<String>) -> Self {
        CheckResult {
            status,
            summary: summary.into(),
            details: Vec::new(),
            fixes: Vec::new(),
            findings: Vec::new(),
            data: serde_json::Map::new(),
        }
    }
    pub fn ok(summary: impl Into<String>) -> Self {
        Self::new(Status::Ok, summary)
    }
    pub fn warn(summary: impl Into<String>) -> Self {
        Self::new(Status::Warn, summary)
    }
    pub fn error(summary: impl Into<String>) -> Self {
        Self::new(Status::Error, summary)
    }
    pub fn skipped(summary: impl Into<String>) -> Self {
        Self::new(Status::Skipped, summary)
    }
    pub fn failed(summary: impl Into<String>) -> Self {
        Self::new(Status::Failed, summary)
    }
    pub fn detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }
    pub fn with_details(mut self, lines: impl IntoIterator<Item = String>) -> Self {
        self.details.extend(lines);
        self
    }
    pub fn fix(mut self, fix: Fix) -> Self {
        self.fixes.push(fix);
        self
    }
    /// Records a finding under its stable code.
    pub fn finding(
        mut self,
        code: impl Into<String>,
        status: Status,
        message: impl Into<String>,
    ) -> Self {
        self.findings.push(Finding {
            code: code.into(),
            status,
            message: message.into(),
        });
        self
    }
    pub fn data(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.data.insert(key.to_string(), value.into());
        self
    }
}
