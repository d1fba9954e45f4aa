//! Whether a 2xx answer looks like the protocol the go command expects, and how to name
//! what came back instead (a block page, a captive portal, a login page).

/// `@v/list`: plain text, one version per line (an empty list is valid). The go command
/// takes the first field of each line and keeps the valid semantic versions, ignoring
/// the other lines; text with lines but no version at all is not a module proxy.
pub(crate) fn check_list(content_type: Option<&str>, body: &[u8]) -> Result<(), String> {
    not_html(content_type, body)?;
    let text = std::str::from_utf8(body).map_err(|_| what_came_back(content_type, body))?;
    let mut any = false;
    for first in text.lines().filter_map(|l| l.split_whitespace().next()) {
        if looks_like_version(first) {
            return Ok(());
        }
        any = true;
    }
    if any {
        return Err(what_came_back(content_type, body));
    }
    Ok(())
}

/// `/sumdb/<name>/supported`: the go command only looks at the status; a proxy answers
/// an empty (or tiny plain) body. An HTML page is not a yes.
pub(crate) fn check_supported(content_type: Option<&str>, body: &[u8]) -> bool {
    not_html(content_type, body).is_ok()
}

/// `/latest` of a checksum database: a signed note (text, a blank line, then signature
/// lines `— NAME BASE64`).
pub(crate) fn check_latest(content_type: Option<&str>, body: &[u8]) -> Result<(), String> {
    not_html(content_type, body)?;
    let text = std::str::from_utf8(body).map_err(|_| what_came_back(content_type, body))?;
    match text.split_once("\n\n") {
        Some((tree, sigs))
            if !tree.is_empty()
                && sigs
                    .lines()
                    .next()
                    .is_some_and(|l| l.starts_with("\u{2014} ")) =>
        {
            Ok(())
        }
        _ => Err(what_came_back(content_type, body)),
    }
}

fn not_html(content_type: Option<&str>, body: &[u8]) -> Result<(), String> {
    let ct_html = content_type.is_some_and(|c| {
        let c = c.to_ascii_lowercase();
        c.contains("html") || c.contains("xml")
    });
    let start = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    let start = start.trim_start();
    let body_html = start.starts_with("<!doctype")
        || start.starts_with("<html")
        || start.starts_with("<?xml")
        || start.starts_with("<head")
        || start.starts_with("<body");
    if ct_html || body_html {
        Err(what_came_back(content_type, body))
    } else {
        Ok(())
    }
}

/// A version as `@v/list` carries it: `v` and a digit (`v1.2.3`, `v0.0.0-...`).
fn looks_like_version(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && b[0] == b'v'
        && b[1].is_ascii_digit()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c))
}

/// `content type text/html; title "Access denied"; begins "<!DOCTYPE html>..."`.
pub(crate) fn what_came_back(content_type: Option<&str>, body: &[u8]) -> String {
    let mut parts = vec![format!(
        "content type {}",
        content_type
            .map(|c| sanitize(c, 60))
            .unwrap_or_else(|| "none".into())
    )];
    if let Some(t) = title(body) {
        parts.push(format!("title {t:?}"));
    }
    if body.is_empty() {
        parts.push("empty body".into());
    } else {
        let head = String::from_utf8_lossy(&body[..body.len().min(256)]);
        parts.push(format!("begins {:?}", sanitize(&head, 60)));
    }
    parts.join("; ")
}

/// The text of an HTML `<title>`, sanitised.
fn title(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(16 * 1024)]).into_owned();
    let lower = text.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let t = sanitize(&text[start..end], 80);
    (!t.is_empty()).then_some(t)
}

/// Control characters become spaces, runs of white space one space, at most `max`
/// characters (then `...`).
fn sanitize(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for w in s
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
            n += 1;
        }
        for c in w.chars().filter(|c| !matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')) {
            if n >= max {
                out.push_str("...");
                return out;
            }
            out.push(c);
            n += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert!(check_list(Some("text/plain; charset=utf-8"), b"v0.3.0\nv0.14.0\n").is_ok());
        assert!(check_list(None, b"").is_ok());
        assert!(check_list(None, b"v1.0.0 2020-01-01T00:00:00Z\r\n\n").is_ok());
        // go ignores lines that are not versions; one version is enough.
        assert!(check_list(None, b"# list\nv1.0.0\n").is_ok());
        assert!(check_list(None, b" \n\n").is_ok());
        let e = check_list(
            Some("text/html"),
            b"<!DOCTYPE html>\n<html><head><title>Access\n denied</title></head></html>",
        )
        .unwrap_err();
        assert!(
            e.contains("text/html") && e.contains("\"Access denied\""),
            "{e}"
        );
        // HTML without the content type, and text that is not versions.
        assert!(check_list(None, b"<html><body>hi</body></html>").is_err());
        let e = check_list(Some("text/plain"), b"Welcome to the hotel wifi\n").unwrap_err();
        assert!(e.contains("begins \"Welcome to the hotel wifi\""), "{e}");
        assert!(check_list(None, &[0xff, 0xfe, 0]).is_err());
    }

    #[test]
    fn latest_is_a_signed_note() {
        assert!(check_latest(
            None,
            "go.sum database tree\n1\nAAAA\n\n\u{2014} sum.golang.org Az3g\n".as_bytes()
        )
        .is_ok());
        assert!(check_latest(Some("text/html"), b"<html></html>").is_err());
        assert!(check_latest(None, b"ok\n").is_err());
    }

    #[test]
    fn details_are_sanitised_and_bounded() {
        let body = format!("<title>\u{1b}[31mred\u{202e}x{}</title>", "a".repeat(500));
        let d = what_came_back(Some("text/html\r\nX: y"), body.as_bytes());
        assert!(
            !d.contains('\u{1b}') && !d.contains('\u{202e}') && !d.contains('\r'),
            "{d}"
        );
        assert!(d.len() < 400, "{d}");
        assert!(check_supported(None, b""));
        assert!(!check_supported(Some("text/html"), b"<html>"));
    }
}
