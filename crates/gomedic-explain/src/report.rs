//! What `gomedic explain` prints: the text report and the JSON document
//! (`gomedic.explain/v1`), both redacted.

use crate::Match;
use gomedic_core::redact;

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
            s.push_str(&format!("  fix: {}\n", g.fix));
            if !g.checks.is_empty() {
                s.push_str(&format!(
                    "  check: gomedic check --only {}\n",
                    g.checks.join(",")
                ));
            }
            s.push_str(&format!("  more: {}\n", g.link));
        }
        redact::text(&s)
    }
}
