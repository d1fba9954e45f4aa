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

/// Text from the report made safe for a terminal: control characters (an escape
/// sequence in a go env value, a carriage return in a file) and bidirectional overrides
/// are shown as escapes (`\x1b`, `\r`, `\u{202e}`) instead of acting on the terminal.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        match c {
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// `1 check`, `2 checks`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn platform_name(os: &str) -> &str {
    match os {
        "windows" => "Windows",
        "linux" => "Linux",
        "macos" => "macOS",
        o => o,
    }
}

/// Checks that are for another platform (`data.only_on`), shown as one line.
fn only_on(c: &CheckReport) -> Option<&str> {
    if c.status != Status::Skipped {
        return None;
    }
    c.data.get("only_on").and_then(|v| v.as_str())
}

/// The id column of a grouped line: `win.*` when every id shares that prefix, else the ids.
fn group_label(ids: &[&str]) -> String {
    match ids.first().and_then(|i| i.split_once('.')) {
        Some((prefix, _))
            if ids.len() > 1 && ids.iter().all(|i| i.starts_with(&format!("{prefix}."))) =>
        {
            format!("{prefix}.*")
        }
        _ => ids.join(","),
    }
}

/// Skipped checks that share one reason (`data.skip_group`, e.g. no Go tools at all), shown
/// as one line.
fn skip_group(c: &CheckReport) -> Option<&str> {
    if c.status != Status::Skipped {
        return None;
    }
    c.data.get("skip_group").and_then(|v| v.as_str())
}

/// One line per check, then details and fixes under the ones that need attention. The
/// checks for another platform are one line ("9 Windows checks not applicable on linux";
/// the JSON report keeps each).
pub fn human(r: &RedactedReport, o: HumanOptions, w: &mut dyn Write) -> io::Result<()> {
    // Lines: (status, id column, summary, the check when it is one).
    let mut rows: Vec<(Status, String, String, Option<&CheckReport>)> = Vec::new();
    let mut grouped: Vec<&str> = Vec::new();
    let mut skip_groups: Vec<&str> = Vec::new();
    for c in &r.checks {
        if let Some(why) = skip_group(c) {
            if skip_groups.contains(&why) {
                continue;
            }
            skip_groups.push(why);
            let ids: Vec<&str> = r
                .checks
                .iter()
                .filter(|x| skip_group(x) == Some(why))
                .map(|x| x.id.as_str())
                .collect();
            if ids.len() > 1 {
                let label = group_label(&ids);
                rows.push((
                    Status::Skipped,
                    label,
                    format!("{} skipped: {why}", count(ids.len(), "check", "checks")),
                    None,
                ));
                continue;
            }
        }
        if let Some(os) = only_on(c) {
            if grouped.contains(&os) {
                continue;
            }
            grouped.push(os);
            let ids: Vec<&str> = r
                .checks
                .iter()
                .filter(|x| only_on(x) == Some(os))
                .map(|x| x.id.as_str())
                .collect();
            let label = group_label(&ids);
            let what = format!("{} check", platform_name(os));
            let summary = format!(
                "{} not applicable on {}",
                count(ids.len(), &what, &format!("{what}s")),
                r.host.os
            );
            rows.push((Status::Skipped, label, summary, None));
            continue;
        }
        rows.push((c.status, c.id.clone(), escape_controls(&c.summary), Some(c)));
    }
    let width = rows
        .iter()
        .map(|(_, id, _, _)| id.chars().count())
        .max()
        .unwrap_or(0);
    // Fixes already printed under an earlier check: (id, commands) -> that check.
    let mut shown_fixes: Vec<(&str, &[String], &str)> = Vec::new();
    for (status, id, summary, c) in &rows {
        let sym = paint(*status, symbol(*status), o.color);
        let timing = match c {
            Some(c) if o.verbose => dim(
                &format!("  [{}]", gomedic_core::duration::human_ms(c.duration_ms)),
                o.color,
            ),
            _ => String::new(),
        };
        writeln!(w, "{sym} {id:<width$}  {summary}{timing}")?;
        let Some(c) = c else {
            if o.verbose {
                let ids: Vec<&str> = r
                    .checks
                    .iter()
                    .filter(|x| only_on(x).is_some_and(|os| summary.contains(platform_name(os))))
                    .map(|x| x.id.as_str())
                    .collect();
                writeln!(w, "    {}", ids.join(", "))?;
            }
            continue;
        };
        let show = o.verbose
            || matches!(
                c.status,
                Status::Warn | Status::Error | Status::Timeout | Status::Failed
            );
        if show {
            block(c, o, &mut shown_fixes, w)?;
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
    let line = format!(
        "{}: {}",
        count(r.checks.len(), "check", "checks"),
        parts.join(", ")
    );
    if o.verbose {
        writeln!(
            w,
            "{line} in {} ({}/{})",
            gomedic_core::duration::human_ms(r.duration_ms),
            r.host.os,
            r.host.arch
        )?;
    } else {
        writeln!(w, "{line}")?;
    }
    Ok(())
}

fn block<'a>(
    c: &'a CheckReport,
    o: HumanOptions,
    shown_fixes: &mut Vec<(&'a str, &'a [String], &'a str)>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for d in &c.details {
        // A note repeated within one check is shown once.
        if seen.contains(&d.as_str()) {
            continue;
        }
        seen.push(d);
        writeln!(w, "    {}", escape_controls(d))?;
    }
    for f in &c.fixes {
        let tag = if f.automatic {
            format!(" (gomedic fix {})", f.id)
        } else {
            String::new()
        };
        if let Some((_, _, under)) = shown_fixes
            .iter()
            .find(|(id, cmds, _)| *id == f.id && *cmds == f.commands.as_slice())
        {
            writeln!(
                w,
                "    {} {}{tag}: shown under {under}",
                paint(Status::Ok, "fix:", o.color),
                escape_controls(&f.description)
            )?;
            continue;
        }
        shown_fixes.push((&f.id, &f.commands, &c.id));
        writeln!(
            w,
            "    {} {}{tag}",
            paint(Status::Ok, "fix:", o.color),
            escape_controls(&f.description)
        )?;
        for cmd in &f.commands {
            writeln!(w, "      $ {}", escape_controls(cmd))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use gomedic_core::{Category, CheckMeta, CheckResult, Host, Redactor, Report};

    fn report(results: Vec<(&'static str, CheckResult)>) -> RedactedReport {
        let checks = results
            .into_iter()
            .map(|(id, r)| {
                let meta = CheckMeta {
                    id,
                    title: "t",
                    category: Category::Toolchain,
                    looks_at: "",
                    deep: false,
                };
                gomedic_core::report::CheckReport::new(&meta, r, 2006)
            })
            .collect();
        let host = Host {
            os: "linux".into(),
            arch: "amd64".into(),
            ..Host::default()
        };
        Report::new("0", host, 12_000, checks).redact(&Redactor::new())
    }

    fn text(r: &RedactedReport, verbose: bool) -> String {
        let mut out = Vec::new();
        human(
            r,
            HumanOptions {
                color: false,
                verbose,
            },
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn control_characters_are_escaped() {
        let r = report(vec![(
            "go.env",
            CheckResult::warn("GOFLAGS=\x1b[2Jx\ry")
                .detail("GOPRIVATE=a\u{202e}b\tc\u{9b}")
                .fix(gomedic_core::Fix::manual(
                    "f",
                    "d\x07",
                    vec!["go env -w X=\x1b]0;t\x07".into()],
                )),
        )]);
        let s = text(&r, true);
        assert!(!s.chars().any(|c| c.is_control() && c != '\n'), "{s:?}");
        assert!(s.contains("GOFLAGS=\\x1b[2Jx\\ry"), "{s}");
        assert!(s.contains("a\\u{202e}b\\tc\\x9b"), "{s}");
        assert!(s.contains("X=\\x1b]0;t\\x07"), "{s}");
    }

    #[test]
    fn checks_skipped_for_one_reason_are_one_line() {
        let none = |msg: &str| CheckResult::skipped(msg).data("skip_group", "no tools");
        let r = report(vec![
            ("tools.path", none("no tools")),
            ("tools.delve", none("no dlv")),
            ("tools.editor", CheckResult::skipped("no settings")),
            ("net.x", none("no tools")),
        ]);
        let s = text(&r, false);
        assert!(
            s.contains("- tools.path,tools.delve,net.x  3 checks skipped: no tools\n"),
            "{s}"
        );
        assert!(s.contains("- tools.editor"), "{s}");
        // One check alone keeps its own line.
        let r = report(vec![("tools.path", none("no tools at all"))]);
        assert!(text(&r, false).contains("- tools.path  no tools at all"));
    }

    #[test]
    fn other_platform_checks_are_one_line_and_plurals_are_right() {
        let win = |r: CheckResult| r.data("only_on", "windows");
        let r = report(vec![
            ("go.env", CheckResult::ok("fine")),
            ("win.path", win(CheckResult::skipped("Windows only"))),
            ("win.av", win(CheckResult::skipped("Windows only"))),
            ("go.build", CheckResult::skipped("runs only with --deep")),
        ]);
        let s = text(&r, false);
        assert!(
            s.contains("- win.*     2 Windows checks not applicable on linux\n"),
            "{s}"
        );
        assert!(!s.contains("Windows only"), "{s}");
        assert!(s.contains("4 checks: 1 ok, 3 skipped"), "{s}");
        let v = text(&r, true);
        assert!(v.contains("    win.path, win.av\n"), "{v}");
        assert!(
            v.contains("[2 s]") && v.contains("in 12 s (linux/amd64)"),
            "{v}"
        );
        let one = report(vec![
            ("go.env", CheckResult::ok("fine")),
            ("win.path", win(CheckResult::skipped("Windows only"))),
        ]);
        let s = text(&one, false);
        assert!(
            s.contains("win.path  1 Windows check not applicable on linux"),
            "{s}"
        );
        assert!(s.contains("2 checks:"), "{s}");
        let single = report(vec![("go.env", CheckResult::ok("fine"))]);
        assert!(text(&single, false).contains("1 check: 1 ok"));
    }

    #[test]
    fn a_fix_and_a_note_are_shown_once() {
        let fx = gomedic_core::Fix::manual(
            "env.goroot-file",
            "Remove GOROOT",
            vec!["go env -u GOROOT".into()],
        );
        let r = report(vec![
            (
                "go.env",
                CheckResult::error("a")
                    .detail("same")
                    .detail("same")
                    .fix(fx.clone()),
            ),
            ("go.root", CheckResult::error("b").fix(fx)),
        ]);
        let s = text(&r, false);
        assert_eq!(s.matches("    same\n").count(), 1, "{s}");
        assert_eq!(s.matches("$ go env -u GOROOT").count(), 1, "{s}");
        assert!(s.contains("fix: Remove GOROOT: shown under go.env"), "{s}");
    }
}
