//! Text from other programs: child output that is not UTF-8 (on Windows, the console or
//! ANSI code page: GBK on Chinese Windows, Shift-JIS, CP1252...), and the `%1`-style
//! inserts Windows leaves in system messages.

use encoding_rs::Encoding;
use std::sync::OnceLock;

/// Decodes a child's output: each line as UTF-8 when it is valid UTF-8, else in
/// `codepage` (a Windows code page number). A wrapper script in GBK and go's own UTF-8
/// can share one stream, hence line by line. Undecodable bytes become U+FFFD.
pub fn decode(bytes: &[u8], codepage: u32) -> String {
    decode_with(bytes, &[codepage])
}

/// As [`decode`], trying each code page in turn for a line that is not UTF-8; the first
/// that decodes it without error wins (else the first that is known).
pub fn decode_with(bytes: &[u8], codepages: &[u32]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        match std::str::from_utf8(line) {
            Ok(s) => out.push_str(s),
            Err(_) => out.push_str(&decode_line(line, codepages)),
        }
    }
    out
}

fn decode_line(line: &[u8], codepages: &[u32]) -> String {
    let mut first: Option<String> = None;
    for &cp in codepages {
        let (text, clean) = match decoder(cp) {
            Some(CodePage::Encoding(enc)) => {
                let (t, had_errors) = enc.decode_without_bom_handling(line);
                (t.into_owned(), !had_errors)
            }
            Some(CodePage::Table(upper)) => (
                line.iter()
                    .map(|&b| {
                        if b < 0x80 {
                            b as char
                        } else {
                            upper[(b - 0x80) as usize]
                        }
                    })
                    .collect(),
                true,
            ),
            None => continue,
        };
        if clean {
            return text;
        }
        first.get_or_insert(text);
    }
    first.unwrap_or_else(|| String::from_utf8_lossy(line).into_owned())
}

enum CodePage {
    Encoding(&'static Encoding),
    /// A single-byte code page encoding_rs lacks: the characters of bytes 0x80..=0xFF.
    Table(&'static [char; 128]),
}

/// The decoder of a Windows code page number, if gomedic knows it.
fn decoder(cp: u32) -> Option<CodePage> {
    use encoding_rs::*;
    let enc: &'static Encoding = match cp {
        437 => return Some(CodePage::Table(&CP437)),
        850 => return Some(CodePage::Table(&CP850)),
        65001 => UTF_8,
        936 => GBK,
        54936 => GB18030,
        950 => BIG5,
        932 => SHIFT_JIS,
        949 | 51949 => EUC_KR,
        20932 | 51932 => EUC_JP,
        50220..=50222 => ISO_2022_JP,
        866 => IBM866,
        874 => WINDOWS_874,
        1250 => WINDOWS_1250,
        1251 => WINDOWS_1251,
        1252 | 28591 => WINDOWS_1252,
        1253 => WINDOWS_1253,
        1254 | 28599 => WINDOWS_1254,
        1255 => WINDOWS_1255,
        1256 => WINDOWS_1256,
        1257 => WINDOWS_1257,
        1258 => WINDOWS_1258,
        10000 => MACINTOSH,
        10017 => X_MAC_CYRILLIC,
        20866 => KOI8_R,
        21866 => KOI8_U,
        28592 => ISO_8859_2,
        28593 => ISO_8859_3,
        28594 => ISO_8859_4,
        28595 => ISO_8859_5,
        28596 => ISO_8859_6,
        28597 => ISO_8859_7,
        28598 => ISO_8859_8,
        38598 => ISO_8859_8_I,
        28603 => ISO_8859_13,
        28605 => ISO_8859_15,
        _ => return None,
    };
    Some(CodePage::Encoding(enc))
}

/// Whether gomedic can decode this code page.
pub fn known_codepage(cp: u32) -> bool {
    decoder(cp).is_some()
}

static CP437: [char; 128] = chars("ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}");
static CP850: [char; 128] = chars("ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u{ad}±‗¾¶§÷¸°¨·¹³²■\u{a0}");

const fn chars(s: &str) -> [char; 128] {
    // A const UTF-8 walk: the tables are literals checked by a test.
    let b = s.as_bytes();
    let mut out = ['\0'; 128];
    let (mut i, mut n) = (0, 0);
    while i < b.len() && n < 128 {
        let c = b[i] as u32;
        let (cp, len) = if c < 0x80 {
            (c, 1)
        } else if c < 0xE0 {
            (((c & 0x1F) << 6) | (b[i + 1] as u32 & 0x3F), 2)
        } else if c < 0xF0 {
            (
                ((c & 0x0F) << 12) | ((b[i + 1] as u32 & 0x3F) << 6) | (b[i + 2] as u32 & 0x3F),
                3,
            )
        } else {
            (
                ((c & 0x07) << 18)
                    | ((b[i + 1] as u32 & 0x3F) << 12)
                    | ((b[i + 2] as u32 & 0x3F) << 6)
                    | (b[i + 3] as u32 & 0x3F),
                4,
            )
        };
        out[n] = match char::from_u32(cp) {
            Some(ch) => ch,
            None => '\u{FFFD}',
        };
        n += 1;
        i += len;
    }
    out
}

/// The code pages a child's non-UTF-8 output is most likely in, best first: on Windows
/// the console output code page (none when gomedic has no console), then the ANSI code
/// page; UTF-8 (65001) is left out, since the text already failed as UTF-8. Empty
/// elsewhere: Unix programs write UTF-8 or the locale's charset, which is UTF-8 here.
pub fn system_codepages() -> &'static [u32] {
    static CPS: OnceLock<Vec<u32>> = OnceLock::new();
    CPS.get_or_init(|| {
        let mut v = Vec::new();
        for cp in raw_codepages() {
            if cp != 0 && cp != 65001 && !v.contains(&cp) {
                v.push(cp);
            }
        }
        v
    })
}

#[cfg(windows)]
fn raw_codepages() -> [u32; 2] {
    // SAFETY: both take no arguments and only read process state.
    unsafe {
        [
            windows_sys::Win32::System::Console::GetConsoleOutputCP(),
            windows_sys::Win32::Globalization::GetACP(),
        ]
    }
}

#[cfg(not(windows))]
fn raw_codepages() -> [u32; 0] {
    []
}

/// Decodes a child's output bytes for display (see [`system_codepages`]).
pub fn decode_output(bytes: &[u8]) -> String {
    decode_with(bytes, system_codepages())
}

/// Fills the inserts of a Windows message text (as FormatMessage with
/// FORMAT_MESSAGE_IGNORE_INSERTS leaves it, which Rust's and Go's error texts do):
/// `%1`..`%99` (with an optional `!fmt!`) take `args[n-1]`, and the printf-style `%hs`, `%ws`
/// of NTSTATUS texts take the arguments in order. An insert without an argument
/// becomes "the file", which is what these messages speak of. `%%`, `%n`, `%.`, `%!` are
/// the escapes; `%0` ends the message.
pub fn fill_inserts(msg: &str, args: &[&str]) -> String {
    const MISSING: &str = "the file";
    let mut out = String::with_capacity(msg.len() + 32);
    let mut rest = msg;
    let mut next_printf = 0usize;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).take(2).count();
        if digits > 0 {
            let n: usize = after[..digits].parse().unwrap_or(0);
            let mut tail = &after[digits..];
            if n == 0 {
                return out;
            }
            // `%1!s!`, `%2!d!`: a format spec after the number.
            if let Some(spec) = tail.strip_prefix('!') {
                if let Some(end) = spec.find('!') {
                    tail = &spec[end + 1..];
                }
            }
            out.push_str(args.get(n - 1).copied().unwrap_or(MISSING));
            rest = tail;
            continue;
        }
        let (repl, len): (&str, usize) = match after.as_bytes() {
            [b'%', ..] => ("%", 1),
            [b'n', ..] => ("\n", 1),
            [b'.', ..] => (".", 1),
            [b'!', ..] => ("!", 1),
            [b'h' | b'w', b's', ..] | [b'h' | b'w', b'S', ..] => {
                next_printf += 1;
                (args.get(next_printf - 1).copied().unwrap_or(MISSING), 2)
            }
            _ => ("%", 0),
        };
        out.push_str(repl);
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// Fills the `%1` inserts of the Windows messages inside a line of a program's output,
/// such as go's `fork/exec C:\t\app.exe: %1 is not a valid Win32 application.`: the
/// insert is the path the message follows. Lines without an insert are returned as they are.
pub fn fill_inserts_in_line(line: &str) -> String {
    let Some(at) = insert_at(line) else {
        return line.to_string();
    };
    let Some(colon) = line[..at].rfind(": ") else {
        return fill_inserts(line, &[]);
    };
    let head = &line[..colon];
    // The subject: after the verb go names (`fork/exec C:\x.exe`, `open C:\x`) or after
    // the previous `: `; a path may contain spaces, so never split on them.
    let mut start = head.rfind(": ").map(|i| i + 2).unwrap_or(0);
    for verb in [
        "fork/exec ",
        "exec ",
        "open ",
        "CreateFile ",
        "CreateProcess ",
        "remove ",
        "rename ",
        "stat ",
        "lstat ",
        "mkdir ",
    ] {
        if let Some(i) = head.rfind(verb) {
            if i + verb.len() > start && (i == 0 || !head.as_bytes()[i - 1].is_ascii_alphanumeric())
            {
                start = i + verb.len();
            }
        }
    }
    let subject = head[start..].trim().trim_matches('"');
    let subject = if subject.is_empty() {
        None
    } else {
        Some(subject)
    };
    let mut out = String::with_capacity(line.len() + 64);
    out.push_str(&line[..colon + 2]);
    out.push_str(&fill_inserts(&line[colon + 2..], subject.as_slice()));
    out
}

/// Fills the inserts in every line of a text (see [`fill_inserts_in_line`]).
pub fn fill_inserts_in_text(text: &str) -> String {
    if insert_at(text).is_none() {
        return text.to_string();
    }
    text.split_inclusive('\n')
        .map(|l| match l.strip_suffix('\n') {
            Some(body) => fill_inserts_in_line(body) + "\n",
            None => fill_inserts_in_line(l),
        })
        .collect()
}

/// Where a `%1`-style (or NTSTATUS `%hs`/`%ws`) insert starts in a line.
fn insert_at(line: &str) -> Option<usize> {
    line.match_indices('%').map(|(i, _)| i).find(|&i| {
        let b = line.as_bytes();
        match (b.get(i + 1), b.get(i + 2)) {
            // Not `%20` or `%2F`: URL escapes are no inserts.
            (Some(d), next) if (b'1'..=b'9').contains(d) => {
                !next.is_some_and(|c| c.is_ascii_alphanumeric())
            }
            (Some(b'h' | b'w'), Some(b's' | b'S')) => true,
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests;
