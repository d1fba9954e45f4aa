//! The report of one `gomedic check` run, and the exit code it implies.

use crate::check::{Category, CheckMeta, CheckResult, Fix, Status};
use crate::redact::Redactor;
use serde::Serialize;
use std::collections::BTreeMap;

/// Version tag of the JSON report; bump on any incompatible change (docs/report-schema.md).
pub const REPORT_SCHEMA: &str = "gomedic.report/v1";

/// What gomedic knows about the machine it runs on.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Host {
    pub os: String,
    pub arch: String,
    /// Running as root / an elevated administrator; `None` when it cannot be told.
    pub elevated: Option<bool>,
    /// Name of the CI system, when one is detected.
    pub ci: Option<String>,
    /// Container runtime, when running inside one.
    pub container: Option<String>,
    pub wsl: bool,
}

/// One check's entry in the report.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub status: Status,
    pub summary: String,
    pub details: Vec<String>,
    pub fixes: Vec<Fix>,
    /// What the check found, each under a stable code.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<crate::check::Finding>,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub data: serde_json::Map<String, serde_json::Value>,
}

impl CheckReport {
    pub fn new(meta: &CheckMeta, result: CheckResult, duration_ms: u64) -> Self {
        CheckReport {
            id: meta.id.to_string(),
            title: meta.title.to_string(),
            category: meta.category,
            status: result.status,
            summary: result.summary,
            details: result.details,
            fixes: result.fixes,
            findings: result.findings,
            duration_ms,
            data: result.data,
        }
    }
}

/// Count of checks per status; every status is always present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary(BTreeMap<Status, usize>);

impl Summary {
    pub fn of(checks: &[CheckReport]) -> Self {
        let mut m: BTreeMap<Status, usize> = Status::ALL.iter().map(|s| (*s, 0)).collect();
        for c in checks {
            *m.entry(c.status).or_default() += 1;
        }
        Summary(m)
    }
    pub fn count(&self, s: Status) -> usize {
        self.0.get(&s).copied().unwrap_or(0)
    }
}

impl Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = ser.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k.as_str(), v)?;
        }
        m.end()
    }
}

/// The whole run, in registry order.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub gomedic_version: String,
    pub host: Host,
    pub duration_ms: u64,
    /// The run as a whole: `error` when any check is `error`, `timeout` or `failed`, else
    /// `warn` when any check warns, else `ok`.
    pub status: Status,
    /// The exit code this run ends with (`0` or `1`; `--strict` included).
    pub exit_code: u8,
    pub summary: Summary,
    pub checks: Vec<CheckReport>,
}

/// Process exit codes, documented in docs/exit-codes.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// No errors (warnings allowed unless strict).
    Clean = 0,
    /// At least one error, timeout or broken check (or a warning with --strict).
    Problems = 1,
    /// Bad command line.
    Usage = 2,
    /// gomedic itself failed.
    Internal = 3,
}

impl Report {
    pub fn new(
        gomedic_version: &str,
        host: Host,
        duration_ms: u64,
        checks: Vec<CheckReport>,
    ) -> Self {
        let summary = Summary::of(&checks);
        let status = if summary.count(Status::Error)
            + summary.count(Status::Timeout)
            + summary.count(Status::Failed)
            > 0
        {
            Status::Error
        } else if summary.count(Status::Warn) > 0 {
            Status::Warn
        } else {
            Status::Ok
        };
        let mut r = Report {
            schema: REPORT_SCHEMA,
            gomedic_version: gomedic_version.to_string(),
            host,
            duration_ms,
            status,
            exit_code: 0,
            summary,
            checks,
        };
        r.exit_code = r.exit_code(false) as u8;
        r
    }

    /// Records the exit code under `--strict` (warnings fail the run).
    pub fn strict(mut self, strict: bool) -> Self {
        self.exit_code = self.exit_code(strict) as u8;
        self
    }

    /// Exit code implied by the results alone (never by how they were printed).
    pub fn exit_code(&self, strict: bool) -> ExitCode {
        let bad = self.summary.count(Status::Error)
            + self.summary.count(Status::Timeout)
            + self.summary.count(Status::Failed);
        if bad > 0 || (strict && self.summary.count(Status::Warn) > 0) {
            ExitCode::Problems
        } else {
            ExitCode::Clean
        }
    }

    /// Masks secrets in every free-text field (summary, details, findings, fixes and their
    /// actions, data). The only way to get something renderable.
    pub fn redact(mut self, r: &Redactor) -> RedactedReport {
        for c in &mut self.checks {
            c.summary = r.redact(&c.summary);
            for d in &mut c.details {
                *d = r.redact(d);
            }
            for x in &mut c.findings {
                x.message = r.redact(&x.message);
            }
            for f in &mut c.fixes {
                f.description = r.redact(&f.description);
                for cmd in &mut f.commands {
                    *cmd = r.redact(cmd);
                }
                use crate::check::FixAction as A;
                let strings: Vec<&mut String> = match &mut f.action {
                    None => Vec::new(),
                    Some(A::GoEnv { set, unset }) => set
                        .iter_mut()
                        .flat_map(|(k, v)| [k, v])
                        .chain(unset.iter_mut())
                        .collect(),
                    Some(A::DefenderExclusions { paths, processes }) => {
                        paths.iter_mut().chain(processes.iter_mut()).collect()
                    }
                    Some(A::FirewallRule {
                        name,
                        local_ports,
                        remote_address,
                    }) => vec![name, local_ports, remote_address],
                    Some(A::RemoveStreams { streams }) => streams.iter_mut().collect(),
                    Some(A::ToolsRebuild { tools }) => tools
                        .iter_mut()
                        .flat_map(|t| [&mut t.path, &mut t.dest, &mut t.reason])
                        .collect(),
                    Some(A::RegistryPath { value, data, .. }) => vec![value, data],
                };
                for s in strings {
                    *s = r.redact(s);
                }
            }
            for v in c.data.values_mut() {
                r.redact_json(v);
            }
        }
        RedactedReport(self)
    }
}

/// A report whose text has passed through a [`Redactor`]; renderers accept only this.
#[derive(Debug, Clone)]
pub struct RedactedReport(Report);

impl std::ops::Deref for RedactedReport {
    type Target = Report;
    fn deref(&self) -> &Report {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(statuses: &[Status]) -> Report {
        let meta = CheckMeta {
            id: "x.y",
            title: "t",
            category: Category::Toolchain,
            looks_at: "",
            deep: false,
        };
        let checks = statuses
            .iter()
            .map(|s| CheckReport::new(&meta, CheckResult::new(*s, "s"), 1))
            .collect();
        Report::new("0", Host::default(), 1, checks)
    }

    #[test]
    fn exit_codes() {
        assert_eq!(
            rep(&[Status::Ok, Status::Warn, Status::Skipped]).exit_code(false),
            ExitCode::Clean
        );
        assert_eq!(
            rep(&[Status::Ok, Status::Warn]).exit_code(true),
            ExitCode::Problems
        );
        assert_eq!(rep(&[Status::Error]).exit_code(false), ExitCode::Problems);
        assert_eq!(rep(&[Status::Timeout]).exit_code(false), ExitCode::Problems);
        assert_eq!(rep(&[Status::Failed]).exit_code(false), ExitCode::Problems);
    }

    #[test]
    fn overall_status_and_exit_code_are_in_the_report() {
        let v = serde_json::to_value(rep(&[Status::Ok, Status::Warn, Status::Skipped])).unwrap();
        assert_eq!(v["status"], "warn");
        assert_eq!(v["exit_code"], 0);
        let v = serde_json::to_value(rep(&[Status::Ok, Status::Warn]).strict(true)).unwrap();
        assert_eq!(v["exit_code"], 1);
        let v = serde_json::to_value(rep(&[Status::Ok, Status::Timeout])).unwrap();
        assert_eq!(v["status"], "error");
        assert_eq!(v["exit_code"], 1);
        let v = serde_json::to_value(rep(&[Status::Ok, Status::Skipped])).unwrap();
        assert_eq!(v["status"], "ok");
    }

    #[test]
    fn summary_has_every_status() {
        let v = serde_json::to_value(rep(&[Status::Ok]).summary).unwrap();
        for s in Status::ALL {
            assert!(v.get(s.as_str()).is_some(), "{s:?}");
        }
        assert_eq!(v["ok"], 1);
    }

    #[test]
    fn redaction_reaches_every_text_field() {
        let meta = CheckMeta {
            id: "x.y",
            title: "t",
            category: Category::Toolchain,
            looks_at: "",
            deep: false,
        };
        let res = CheckResult::warn("https://u:pw1234@h")
            .detail("https://u:pw1234@h")
            .fix(Fix::manual(
                "f",
                "https://u:pw1234@h",
                vec!["go env -w GOPROXY=https://u:pw1234@h".into()],
            ))
            .data("goproxy", serde_json::json!({"v": ["https://u:pw1234@h"]}));
        let r = Report::new(
            "0",
            Host::default(),
            1,
            vec![CheckReport::new(&meta, res, 1)],
        );
        let red = r.redact(&Redactor::new());
        let text = serde_json::to_string(&*red).unwrap();
        assert!(!text.contains("pw1234"), "{text}");
    }
}
