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
}
