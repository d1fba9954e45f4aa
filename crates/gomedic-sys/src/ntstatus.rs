//! Names of the NTSTATUS codes a Windows process exit code carries when it crashed or
//! was stopped by the loader, antivirus or application control.

/// (code, name, plain-English cause) for the statuses seen in Go "ghost failures".
const TABLE: &[(u32, &str, &str)] = &[
    (0xC0000005, "STATUS_ACCESS_VIOLATION", "the process crashed (invalid memory access)"),
    (0xC0000017, "STATUS_NO_MEMORY", "out of memory"),
    (0xC0000022, "STATUS_ACCESS_DENIED", "access denied: often antivirus or application control blocking the executable or a DLL it loads"),
    (0xC000007B, "STATUS_INVALID_IMAGE_FORMAT", "the executable or a DLL is for another architecture or corrupt"),
    (0xC00000FD, "STATUS_STACK_OVERFLOW", "stack overflow"),
    (0xC0000135, "STATUS_DLL_NOT_FOUND", "a required DLL was not found"),
    (0xC0000139, "STATUS_ENTRYPOINT_NOT_FOUND", "a DLL lacks a required function (Windows too old for this Go?)"),
    (0xC0000142, "STATUS_DLL_INIT_FAILED", "a DLL failed to initialise (often injected security software)"),
    (0xC000013A, "STATUS_CONTROL_C_EXIT", "stopped by Ctrl+C"),
    (0xC0000361, "STATUS_ACCESS_DISABLED_BY_POLICY_DEFAULT", "blocked by software restriction policy"),
    (0xC0000362, "STATUS_ACCESS_DISABLED_BY_POLICY_PATH", "blocked by a path rule (AppLocker / software restriction policy)"),
    (0xC0000363, "STATUS_ACCESS_DISABLED_BY_POLICY_PUBLISHER", "blocked by a publisher rule (AppLocker)"),
    (0xC0000364, "STATUS_ACCESS_DISABLED_BY_POLICY_OTHER", "blocked by application control policy"),
    (0xC0000374, "STATUS_HEAP_CORRUPTION", "heap corruption"),
    (0xC0000409, "STATUS_STACK_BUFFER_OVERRUN", "fail-fast abort (stack buffer overrun or __fastfail)"),
    (0xC0000428, "STATUS_INVALID_IMAGE_HASH", "code integrity (WDAC / Smart App Control) rejected the file's signature or hash"),
    (0xC0000906, "STATUS_VIRUS_INFECTED", "antivirus reported the file as infected"),
    (0xC0000907, "STATUS_VIRUS_DELETED", "antivirus deleted the file"),
    (0xC0000712, "STATUS_SMARTCARD_SUBSYSTEM_FAILURE", "smart card subsystem failure"),
    (0xC0E90002, "STATUS_SYSTEM_INTEGRITY_POLICY_VIOLATION", "App Control (WDAC) or Smart App Control blocked the executable"),
];

/// Looks up an exit code as an NTSTATUS. Returns `(name, cause)`.
pub fn describe(code: u32) -> Option<(&'static str, &'static str)> {
    TABLE
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, n, d)| (*n, *d))
}

/// Whether an exit code has the NTSTATUS error severity bits (0xC0000000).
pub fn looks_like_ntstatus(code: u32) -> bool {
    code & 0xC000_0000 == 0xC000_0000
}

/// Windows system error codes returned by CreateProcess that point at security software.
pub fn describe_win32_spawn_error(code: i32) -> Option<&'static str> {
    match code {
        5 => Some("ERROR_ACCESS_DENIED: access denied (antivirus, application control or file permissions)"),
        193 => Some("ERROR_BAD_EXE_FORMAT: not a valid Windows executable for this machine"),
        225 => Some("ERROR_VIRUS_INFECTED: antivirus blocked the file as infected"),
        226 => Some("ERROR_VIRUS_DELETED: antivirus deleted the file"),
        1260 => Some("ERROR_ACCESS_DISABLED_BY_POLICY: blocked by group policy (software restriction / AppLocker)"),
        4551 => Some("ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION: blocked by App Control (WDAC)"),
        1920 => Some("ERROR_CANT_ACCESS_FILE: the file cannot be accessed (an app execution alias or a file being scanned)"),
        _ => None,
    }
}

/// Security software, policy or a file held open (by a scanner, mostly) stopped something:
/// the code that says so, found in an exit code or a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    pub code: u32,
    /// An NTSTATUS (else a Win32 error code).
    pub ntstatus: bool,
    pub name: &'static str,
    pub cause: &'static str,
}

impl Blocked {
    /// `ERROR_VIRUS_INFECTED (225): ...`, `STATUS_ACCESS_DENIED (0xC0000022): ...`.
    pub fn describe(&self) -> String {
        if self.ntstatus {
            format!("{} (0x{:08X}): {}", self.name, self.code, self.cause)
        } else {
            format!("{} ({}): {}", self.name, self.code, self.cause)
        }
    }
}

const BLOCKING_WIN32: &[(u32, &str, &str)] = &[
    (
        5,
        "ERROR_ACCESS_DENIED",
        "access denied (antivirus, application control or file permissions)",
    ),
    (
        32,
        "ERROR_SHARING_VIOLATION",
        "the file is held open by another process (often an antivirus scan)",
    ),
    (
        33,
        "ERROR_LOCK_VIOLATION",
        "part of the file is locked by another process (often an antivirus scan)",
    ),
    (
        225,
        "ERROR_VIRUS_INFECTED",
        "antivirus blocked the file as infected",
    ),
    (226, "ERROR_VIRUS_DELETED", "antivirus deleted the file"),
    (
        1260,
        "ERROR_ACCESS_DISABLED_BY_POLICY",
        "blocked by group policy (software restriction / AppLocker)",
    ),
    (
        4551,
        "ERROR_SYSTEM_INTEGRITY_POLICY_VIOLATION",
        "blocked by App Control (WDAC)",
    ),
];

const BLOCKING_NTSTATUS: &[u32] = &[
    0xC0000022, 0xC0000361, 0xC0000362, 0xC0000363, 0xC0000364, 0xC0000428, 0xC0000906, 0xC0000907,
    0xC0E90002,
];
const STATUS_SHARING_VIOLATION: u32 = 0xC0000043;

/// A Win32 error code that means security software, policy or a held file.
pub fn blocked_by_win32(code: u32) -> Option<Blocked> {
    BLOCKING_WIN32
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|&(code, name, cause)| Blocked {
            code,
            ntstatus: false,
            name,
            cause,
        })
}

/// An NTSTATUS (a process exit code) that means security software, policy or a held file.
pub fn blocked_by_ntstatus(code: u32) -> Option<Blocked> {
    if code == STATUS_SHARING_VIOLATION {
        return Some(Blocked {
            code,
            ntstatus: true,
            name: "STATUS_SHARING_VIOLATION",
            cause: "the file is held open by another process (often an antivirus scan)",
        });
    }
    if !BLOCKING_NTSTATUS.contains(&code) {
        return None;
    }
    describe(code).map(|(name, cause)| Blocked {
        code,
        ntstatus: true,
        name,
        cause,
    })
}

/// The system messages of the blocking Win32 errors, as Windows prints them in the
/// system language (English and Chinese, Simplified and Traditional), lower case: the
/// fallback for output that carries no code, which is what go prints.
const BLOCKING_TEXTS: &[(&str, u32)] = &[
    ("access is denied", 5),
    ("拒绝访问", 5),
    ("存取被拒", 5),
    ("being used by another process", 32),
    ("另一个程序正在使用此文件", 32),
    ("另一個程式正在使用此檔案", 32),
    ("contains a virus", 225),
    ("virus or potentially unwanted software", 225),
    ("病毒", 225),
    ("blocked by group policy", 1260),
    ("组策略阻止", 1260),
    ("群組原則封鎖", 1260),
    ("application control policy has blocked", 4551),
    ("应用程序控制策略已阻止", 4551),
    ("應用程式控制原則已封鎖", 4551),
];

/// Finds a blocking code in a program's output: first by number, in the forms programs
/// print them (`(os error 225)`, go's `winapi error #225`, `exit status 3221227782`,
/// `0xC0000906`, `-1073741790`, HRESULTs `0x800700E1`), then by the localized message.
/// Small Win32 numbers count only on Windows (`os error 5` is EIO on Unix).
pub fn blocked_in_text(text: &str, windows: bool) -> Option<Blocked> {
    for (prefix, value) in numbers(text) {
        let p = prefix.to_ascii_lowercase();
        let hit = if value >= 0xC000_0000 {
            blocked_by_ntstatus(value)
        } else if value & 0xFFFF_0000 == 0x8007_0000 {
            blocked_by_win32(value & 0xFFFF)
        } else if p.ends_with("winapi error #")
            || (windows && (p.ends_with("os error ") || p.ends_with("error code ")))
        {
            blocked_by_win32(value)
        } else {
            None
        };
        if hit.is_some() {
            return hit;
        }
    }
    let lower = text.to_lowercase();
    BLOCKING_TEXTS
        .iter()
        .find(|(t, _)| lower.contains(t))
        .and_then(|(_, c)| blocked_by_win32(*c))
}

/// Every number in a text (decimal, negative decimal as an i32, or 0x hex) with the
/// text just before it.
fn numbers(text: &str) -> Vec<(&str, u32)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let neg = b[i] == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit);
        let boundary = start == 0 || !b[start - 1].is_ascii_alphanumeric();
        if boundary && b[i] == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X')) {
            let digits = b[i + 2..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            if (1..=8).contains(&digits) {
                if let Ok(v) = u32::from_str_radix(&text[i + 2..i + 2 + digits], 16) {
                    out.push((prefix_before(text, start), v));
                }
            }
            i += 2 + digits.max(1);
            continue;
        }
        if boundary && (neg || b[i].is_ascii_digit()) {
            let from = if neg { i + 1 } else { i };
            let digits = b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
            let num = &text[from..from + digits];
            let v = if neg {
                num.parse::<i64>()
                    .ok()
                    .filter(|n| *n <= 1 << 31)
                    .map(|n| (-n) as i32 as u32)
            } else {
                num.parse::<u32>().ok()
            };
            if let Some(v) = v {
                out.push((prefix_before(text, start), v));
            }
            i = from + digits;
            continue;
        }
        i += 1;
    }
    out
}

fn prefix_before(text: &str, at: usize) -> &str {
    let mut from = at.saturating_sub(16);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    &text[from..at]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn access_denied() {
        assert_eq!(describe(0xC0000022).unwrap().0, "STATUS_ACCESS_DENIED");
        assert!(looks_like_ntstatus(0xC0000022));
        assert!(!looks_like_ntstatus(1));
        assert!(describe(1).is_none());
    }

    fn code_in(text: &str, windows: bool) -> Option<u32> {
        blocked_in_text(text, windows).map(|b| b.code)
    }

    #[test]
    fn blocking_codes_by_number() {
        // Go on Windows when FormatMessage has no text (Wine, stripped systems).
        assert_eq!(
            code_in("fork/exec C:\\t\\a.exe: winapi error #225", false),
            Some(225)
        );
        assert_eq!(
            code_in("C:\\go.exe: 此处无文字 (os error 226)", true),
            Some(226)
        );
        // `os error 5` is EIO on Unix.
        assert_eq!(
            code_in("read /x: Input/output error (os error 5)", false),
            None
        );
        // go test / go run print the child's exit code in decimal.
        assert_eq!(
            code_in("FAIL\texample\t0.1s\nexit status 3221227782", false),
            Some(0xC0000906)
        );
        assert_eq!(code_in("exit status 0xc0000022", false), Some(0xC0000022));
        assert_eq!(
            code_in("%ERRORLEVEL% is -1073741790", false),
            Some(0xC0000022)
        );
        assert_eq!(code_in("HRESULT 0x800700E1", false), Some(225));
        // Other numbers are not signs.
        assert_eq!(code_in("exit status 2", true), None);
        assert_eq!(code_in("exit status 3221225477", true), None); // access violation: a crash
        assert_eq!(code_in("go1.22.10 windows/amd64 b001 0x1234", true), None);
        let b = blocked_in_text("exit status 3221227782", false).unwrap();
        assert_eq!(
            b.describe(),
            "STATUS_VIRUS_INFECTED (0xC0000906): antivirus reported the file as infected"
        );
        assert_eq!(
            blocked_by_win32(32).unwrap().describe().split(' ').next(),
            Some("ERROR_SHARING_VIOLATION")
        );
    }

    #[test]
    fn blocking_codes_by_localized_text() {
        // Recorded go outputs, English and Chinese Windows.
        let en = "fork/exec C:\\Users\\x\\AppData\\Local\\Temp\\go-build1\\b001\\exe\\app.exe: Operation did not complete successfully because the file contains a virus or potentially unwanted software.";
        assert_eq!(code_in(en, true), Some(225));
        let zh = "fork/exec C:\\Users\\张三\\AppData\\Local\\Temp\\go-build1\\b001\\exe\\app.exe: 无法成功完成操作，因为文件包含病毒或潜在的垃圾软件。";
        assert_eq!(code_in(zh, true), Some(225));
        assert_eq!(code_in("open C:\\x\\a.exe: 拒绝访问。", true), Some(5));
        assert_eq!(
            code_in("open C:\\x\\a.exe: Access is denied.", true),
            Some(5)
        );
        assert_eq!(
            code_in(
                "remove a.exe: 另一个程序正在使用此文件，进程无法访问。",
                true
            ),
            Some(32)
        );
        assert_eq!(
            code_in(
                "The process cannot access the file because it is being used by another process.",
                true
            ),
            Some(32)
        );
        assert_eq!(
            code_in(
                "组策略阻止了这个程序。要获取详细信息，请与系统管理员联系。",
                true
            ),
            Some(1260)
        );
        assert_eq!(
            code_in("An Application Control policy has blocked this file.", true),
            Some(4551)
        );
        assert_eq!(code_in("undefined: fmt.Printl", true), None);
    }
}
