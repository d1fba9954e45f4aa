//! Windows' own Authenticode trust decision (WinVerifyTrust), which gomedic's pure-Rust
//! inspection deliberately does not make.

use std::path::Path;

/// Names of the results WinVerifyTrust gives for PE files.
pub fn name(code: i32) -> &'static str {
    match code as u32 {
        0 => "trusted",
        0x800B_0100 => "TRUST_E_NOSIGNATURE",
        0x8009_6010 => "TRUST_E_BAD_DIGEST",
        0x800B_0109 => "CERT_E_UNTRUSTEDROOT",
        0x800B_0101 => "CERT_E_EXPIRED",
        0x800B_010C => "CERT_E_REVOKED",
        0x800B_0111 => "TRUST_E_EXPLICIT_DISTRUST",
        0x800B_0004 => "TRUST_E_SUBJECT_NOT_TRUSTED",
        0x8009_2026 => "CRYPT_E_SECURITY_SETTINGS",
        0x800B_0003 => "TRUST_E_SUBJECT_FORM_UNKNOWN",
        0x800B_010A => "CERT_E_CHAINING",
        _ => "unknown result",
    }
}

/// WinVerifyTrust(WINTRUST_ACTION_GENERIC_VERIFY_V2) on a file, no UI, no revocation
/// checks (offline). Returns the HRESULT.
pub fn verify_trust(path: &Path) -> Result<i32, String> {
    #[cfg(windows)]
    {
        use std::os::windows::ffi::OsStrExt;
        use windows_sys::Win32::Security::WinTrust::*;
        let wide: Vec<u16> = path.as_os_str().encode_wide().chain(Some(0)).collect();
        let mut file = WINTRUST_FILE_INFO {
            cbStruct: std::mem::size_of::<WINTRUST_FILE_INFO>() as u32,
            pcwszFilePath: wide.as_ptr(),
            hFile: std::ptr::null_mut(),
            pgKnownSubject: std::ptr::null_mut(),
        };
        let mut data: WINTRUST_DATA = unsafe { std::mem::zeroed() };
        data.cbStruct = std::mem::size_of::<WINTRUST_DATA>() as u32;
        data.dwUIChoice = WTD_UI_NONE;
        data.fdwRevocationChecks = WTD_REVOKE_NONE;
        data.dwUnionChoice = WTD_CHOICE_FILE;
        data.Anonymous.pFile = &mut file;
        data.dwStateAction = WTD_STATEACTION_VERIFY;
        let mut action = WINTRUST_ACTION_GENERIC_VERIFY_V2;
        let hr = unsafe {
            WinVerifyTrust(
                std::ptr::null_mut(),
                &mut action,
                (&mut data as *mut WINTRUST_DATA).cast(),
            )
        };
        data.dwStateAction = WTD_STATEACTION_CLOSE;
        unsafe {
            WinVerifyTrust(
                std::ptr::null_mut(),
                &mut action,
                (&mut data as *mut WINTRUST_DATA).cast(),
            )
        };
        Ok(hr)
    }
    #[cfg(not(windows))]
    {
        let _ = path;
        Err("WinVerifyTrust exists only on Windows".into())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        assert_eq!(super::name(0x800B_0100u32 as i32), "TRUST_E_NOSIGNATURE");
        assert_eq!(super::name(0), "trusted");
    }
}
