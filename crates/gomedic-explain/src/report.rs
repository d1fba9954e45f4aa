//! What `gomedic explain` prints: the text report and the JSON document
//! (`gomedic.explain/v1`), both redacted.

use crate::Match;
use gomedic_core::report::{CheckReport, RedactedReport};
use gomedic_core::{redact, Status};

pub const SUGGESTION: &str = "run `gomedic check` to diagnose the Go environment";

/// One explained input: a log or a command's output.
pub struct Outcome {
    /// `log` or `command`.
    pub source: &'static str,
    /// The file name, `standard input`, or the command line.
    pub input: String,
    pub lines: u64,
    /// The command's exit code (command mode).
    pub exit: Option<u8>,
    pub matches: Vec<Match>,
    /// The related checks, run on this machine after matching.
    pub checks: Checks,
}

/// What became of the related checks.
pub enum Checks {
    /// Run; the report holds only the checks the matched entries name.
    Ran(RedactedReport),
    /// Not run, and why (`--no-checks`, nothing matched, no related check).
    NotRun(String),
}

impl Checks {
    fn of<'a>(&'a self, m: &'a Match) -> impl Iterator<Item = &'a CheckReport> {
        let list: &[CheckReport] = match self {
            Checks::Ran(r) => &r.checks,
            Checks::NotRun(_) => &[],
        };
        list.iter()
            .filter(move |c| m.signature.checks.iter().any(|id| id == &c.id))
    }
}

impl Outcome {
    pub fn json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "schema": "gomedic.explain/v1",
            "source": self.source,
            "input": self.input,
            "lines": self.lines,
            "recognised": !self.matches.is_empty(),
            "matches": self.matches,
        });
        if let Some(c) = self.exit {
            v["command_exit_code"] = serde_json::json!(c);
        }
        match &self.checks {
            Checks::Ran(r) => v["checks"] = serde_json::json!(r.checks),
            Checks::NotRun(why) => {
                v["checks"] = serde_json::json!([]);
                v["checks_not_run"] = serde_json::json!(why);
            }
        }
        if self.matches.is_empty() {
            v["suggestion"] = serde_json::json!(SUGGESTION);
        }
        redact::global().redact_json(&mut v);
        v
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        let what = match self.exit {
            Some(c) => format!("{} (exit code {c})", self.input),
            None => format!("{} lines of {}", self.lines, self.input),
        };
        if self.matches.is_empty() {
            s.push_str(&format!(
                "gomedic explain: no known error signature in {what}; {SUGGESTION}\n"
            ));
            return redact::text(&s);
        }
        let n = self.matches.len();
        s.push_str(&format!(
            "gomedic explain: {n} known cause{} in {what}\n",
            if n == 1 { "" } else { "s" }
        ));
        for m in &self.matches {
            let g = &m.signature;
            s.push_str(&format!("\n✗ {}: {} [{}]\n", g.id, g.title, g.layer));
            for e in &m.evidence {
                let text = e.text.replace('\n', "\n      ");
                s.push_str(&format!("  line {}: {text}\n", e.line));
            }
            if m.count > m.evidence.len() as u64 {
                s.push_str(&format!("  ({} matching lines in all)\n", m.count));
            }
            s.push_str(&format!("  what happened: {}\n", g.explanation));
            self.evidence_from_checks(m, &mut s);
            s.push_str(&format!("  fix: {}\n", g.fix));
            if !g.checks.is_empty() {
                s.push_str(&format!(
                    "  check: gomedic check --only {}\n",
                    g.checks.join(",")
                ));
            }
            s.push_str(&format!("  more: {}\n", g.link));
        }
        if let Checks::NotRun(why) = &self.checks {
            s.push_str(&format!("\n(related checks not run: {why})\n"));
        }
        redact::text(&s)
    }

    /// The related checks' verdicts on this machine, the findings the entry names, and
    /// the automatic fixes they offer.
    fn evidence_from_checks(&self, m: &Match, s: &mut String) {
        let related: Vec<&CheckReport> = self.checks.of(m).collect();
        if related.is_empty() {
            return;
        }
        s.push_str("  on this machine now:\n");
        for c in &related {
            s.push_str(&format!(
                "    {} {}: {}\n",
                gomedic_render::symbol(c.status),
                c.id,
                c.summary.replace('\n', " ")
            ));
            for f in &c.findings {
                if f.status != Status::Ok
                    && f.message != c.summary
                    && m.signature.codes.iter().any(|x| x == &f.code)
                {
                    s.push_str(&format!("      {}: {}\n", f.code, f.message));
                }
            }
        }
        let mut fixes: Vec<&gomedic_core::Fix> = related
            .iter()
            .filter(|c| !matches!(c.status, Status::Ok | Status::Skipped))
            .flat_map(|c| &c.fixes)
            .filter(|f| f.automatic)
            .collect();
        let mut seen = std::collections::HashSet::new();
        fixes.retain(|f| seen.insert(f.id.clone()));
        for f in fixes {
            s.push_str(&format!(
                "  fix now: gomedic fix {} ({})\n",
                f.id, f.description
            ));
        }
        if related
            .iter()
            .all(|c| matches!(c.status, Status::Ok | Status::Skipped))
        {
            s.push_str(
                "    (the related checks pass here now: the cause may be where the command ran \
                 (a CI runner, a container) or may have passed)\n",
            );
        }
    }
}
