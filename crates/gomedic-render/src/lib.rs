//! Renderers. Each takes a [`RedactedReport`], so nothing unredacted can be printed.

use gomedic_core::report::CheckReport;
use gomedic_core::{RedactedReport, Status};
use std::io::{self, Write};

/// Options for the human renderer.
#[derive(Debug, Clone, Copy, Default)]
pub struct HumanOptions {
    pub color: bool,
    /// Timings, and details of passing checks too.
    pub verbose: bool,
}

/// The one-character mark of a status, as every human output shows it.
pub fn symbol(s: Status) -> &'static str {
    match s {
        Status::Ok => "✓",
        Status::Warn => "!",
        Status::Error => "✗",
        Status::Skipped => "-",
        Status::Timeout => "⌛",
        Status::Failed => "☠",
    }
}

fn paint(s: Status, text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match s {
        Status::Ok => "32",
        Status::Warn => "33",
        Status::Error | Status::Failed => "31",
        Status::Timeout => "35",
        Status::Skipped => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn dim(text: &str, color: bool) -> String {
    if color {
        format!("\x1b[2m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// One line per check, then details and fixes under the ones that need attention.
pub fn human(r: &RedactedReport, o: HumanOptions, w: &mut dyn Write) -> io::Result<()> {
    let width = r.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
    for c in &r.checks {
        let sym = paint(c.status, symbol(c.status), o.color);
        let timing = if o.verbose {
            dim(&format!("  [{} ms]", c.duration_ms), o.color)
        } else {
            String::new()
        };
        writeln!(w, "{sym} {:<width$}  {}{timing}", c.id, c.summary)?;
        let show = o.verbose
            || matches!(
                c.status,
                Status::Warn | Status::Error | Status::Timeout | Status::Failed
            );
        if show {
            block(c, o, w)?;
        }
    }
    let s = &r.summary;
    let mut parts = Vec::new();
    for st in Status::ALL {
        let n = s.count(st);
        if n > 0 || st == Status::Ok {
            parts.push(format!("{n} {}", st.as_str()));
        }
    }
    writeln!(w)?;
    let line = format!("{} checks: {}", r.checks.len(), parts.join(", "));
    if o.verbose {
        writeln!(
            w,
            "{line} in {} ms ({}/{})",
            r.duration_ms, r.host.os, r.host.arch
        )?;
    } else {
        writeln!(w, "{line}")?;
    }
    Ok(())
}

fn block(c: &CheckReport, o: HumanOptions, w: &mut dyn Write) -> io::Result<()> {
    for d in &c.details {
        writeln!(w, "    {d}")?;
    }
    for f in &c.fixes {
        let tag = if f.automatic {
            format!(" (gomedic fix {})", f.id)
        } else {
            String::new()
        };
        writeln!(
            w,
            "    {} {}{tag}",
            paint(Status::Ok, "fix:", o.color),
            f.description
        )?;
        for cmd in &f.commands {
            writeln!(w, "      $ {cmd}")?;
        }
    }
    Ok(())
}

/// The versioned JSON report (docs/report-schema.md), pretty-printed.
pub fn json(r: &RedactedReport, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &**r).map_err(|e| match e.io_error_kind() {
        Some(kind) => io::Error::from(kind),
        None => io::Error::other(e),
    })?;
    writeln!(w)
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: a `testsuite` per category and a `testcase` per check. `error` checks are
/// failures; `timeout` and `failed` (the check itself broke) are errors; `skipped` is
/// skipped; warnings pass unless `strict`, matching the exit code.
pub fn junit(r: &RedactedReport, strict: bool, w: &mut dyn Write) -> io::Result<()> {
    let mut cats: Vec<&str> = Vec::new();
    for c in &r.checks {
        if !cats.contains(&c.category.as_str()) {
            cats.push(c.category.as_str());
        }
    }
    let count = |f: &dyn Fn(&CheckReport) -> bool, cat: Option<&str>| {
        r.checks
            .iter()
            .filter(|c| cat.is_none_or(|k| c.category.as_str() == k) && f(c))
            .count()
    };
    let is_fail =
        |c: &CheckReport| c.status == Status::Error || (strict && c.status == Status::Warn);
    let is_err = |c: &CheckReport| matches!(c.status, Status::Timeout | Status::Failed);
    let is_skip = |c: &CheckReport| c.status == Status::Skipped;
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="gomedic check" tests="{}" failures="{}" errors="{}" skipped="{}" time="{:.3}">"#,
        r.checks.len(),
        count(&is_fail, None),
        count(&is_err, None),
        count(&is_skip, None),
        r.duration_ms as f64 / 1000.0
    )?;
    for cat in cats {
        let tests = r
            .checks
            .iter()
            .filter(|c| c.category.as_str() == cat)
            .count();
        writeln!(
            w,
            r#"  <testsuite name="gomedic.{cat}" tests="{tests}" failures="{}" errors="{}" skipped="{}">"#,
            count(&is_fail, Some(cat)),
            count(&is_err, Some(cat)),
            count(&is_skip, Some(cat))
        )?;
        for c in r.checks.iter().filter(|c| c.category.as_str() == cat) {
            writeln!(
                w,
                r#"    <testcase classname="gomedic.{cat}" name="{}" time="{:.3}">"#,
                xml_escape(&c.id),
                c.duration_ms as f64 / 1000.0
            )?;
            let mut body = c.details.join("\n");
            for f in &c.fixes {
                body.push_str(&format!("\nfix: {}", f.description));
                for cmd in &f.commands {
                    body.push_str(&format!("\n  $ {cmd}"));
                }
            }
            let msg = xml_escape(&c.summary);
            if is_fail(c) {
                writeln!(
                    w,
                    r#"      <failure message="{msg}" type="{}">{}</failure>"#,
                    c.status.as_str(),
                    xml_escape(&body)
                )?;
            } else if is_err(c) {
                writeln!(
                    w,
                    r#"      <error message="{msg}" type="{}">{}</error>"#,
                    c.status.as_str(),
                    xml_escape(&body)
                )?;
            } else if is_skip(c) {
                writeln!(w, r#"      <skipped message="{msg}"/>"#)?;
            } else {
                writeln!(
                    w,
                    "      <system-out>{}: {}</system-out>",
                    c.status.as_str(),
                    msg
                )?;
            }
            writeln!(w, "    </testcase>")?;
        }
        writeln!(w, "  </testsuite>")?;
    }
    writeln!(w, "</testsuites>")
}
