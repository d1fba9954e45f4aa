//! The PATH values in the Windows registry (user `HKCU\Environment`, machine
//! `HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment`), read and written
//! with their exact type, never expanding `%VARS%`.

/// Registry value types gomedic cares about.
pub const REG_SZ: u32 = 1;
pub const REG_EXPAND_SZ: u32 = 2;

/// A string value and its registry type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegValue {
    pub kind: u32,
    pub data: String,
}

impl RegValue {
    pub fn kind_name(&self) -> String {
        match self.kind {
            REG_SZ => "REG_SZ".into(),
            REG_EXPAND_SZ => "REG_EXPAND_SZ".into(),
            k => format!("type {k}"),
        }
    }

    /// Journal encoding: 4-byte little-endian type, then UTF-8 data.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = self.kind.to_le_bytes().to_vec();
        v.extend_from_slice(self.data.as_bytes());
        v
    }

    pub fn decode(b: &[u8]) -> Option<RegValue> {
        let kind = u32::from_le_bytes(b.get(..4)?.try_into().ok()?);
        Some(RegValue {
            kind,
            data: String::from_utf8(b[4..].to_vec()).ok()?,
        })
    }
}

/// Which PATH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    User,
    Machine,
}

impl Scope {
    pub fn spec(self) -> &'static str {
        match self {
            Scope::User => "HKCU\\Environment\\Path",
            Scope::Machine => {
                "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment\\Path"
            }
        }
    }

    pub fn from_spec(s: &str) -> Option<Scope> {
        [Scope::User, Scope::Machine]
            .into_iter()
            .find(|x| x.spec().eq_ignore_ascii_case(s))
    }

    /// The Environment key, as `reg.exe` names it.
    pub fn key(self) -> &'static str {
        self.spec().trim_end_matches("\\Path")
    }

    /// Where the variables of this scope are edited in the UI.
    pub fn describe(self) -> &'static str {
        match self {
            Scope::User => "user environment variable",
            Scope::Machine => "machine (system) environment variable",
        }
    }
}

#[cfg(windows)]
mod imp {
    use super::*;
    use std::io;
    use windows_sys::Win32::Foundation::{ERROR_FILE_NOT_FOUND, ERROR_SUCCESS};
    use windows_sys::Win32::System::Registry::*;
    use windows_sys::Win32::UI::WindowsAndMessaging::{
        SendMessageTimeoutW, HWND_BROADCAST, SMTO_ABORTIFHUNG, WM_SETTINGCHANGE,
    };

    fn wide(s: &str) -> Vec<u16> {
        s.encode_utf16().chain(Some(0)).collect()
    }

    fn key(scope: Scope) -> (HKEY, &'static str) {
        match scope {
            Scope::User => (HKEY_CURRENT_USER, "Environment"),
            Scope::Machine => (
                HKEY_LOCAL_MACHINE,
                "SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment",
            ),
        }
    }

    pub fn read_value(scope: Scope, name: &str) -> io::Result<Option<RegValue>> {
        let (root, sub) = key(scope);
        let sub = wide(sub);
        let name = wide(name);
        let mut kind = 0u32;
        let mut size = 0u32;
        // RRF_NOEXPAND: keep %VARS% exactly as stored.
        let flags = RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND;
        // Two calls: the first learns the size, the second reads.
        let get = |data: *mut core::ffi::c_void, size: &mut u32, kind: &mut u32| unsafe {
            RegGetValueW(root, sub.as_ptr(), name.as_ptr(), flags, kind, data, size)
        };
        let rc = get(std::ptr::null_mut(), &mut size, &mut kind);
        if rc == ERROR_FILE_NOT_FOUND {
            return Ok(None);
        }
        if rc != ERROR_SUCCESS {
            return Err(io::Error::from_raw_os_error(rc as i32));
        }
        let mut buf = vec![0u16; (size as usize).div_ceil(2) + 1];
        let mut size2 = (buf.len() * 2) as u32;
        let rc = get(buf.as_mut_ptr().cast(), &mut size2, &mut kind);
        if rc != ERROR_SUCCESS {
            return Err(io::Error::from_raw_os_error(rc as i32));
        }
        let len = buf.iter().position(|c| *c == 0).unwrap_or(buf.len());
        Ok(Some(RegValue {
            kind,
            data: String::from_utf16_lossy(&buf[..len]),
        }))
    }

    pub fn write(scope: Scope, v: Option<&RegValue>) -> io::Result<()> {
        let (root, sub) = key(scope);
        let sub = wide(sub);
        let name = wide("Path");
        let mut hkey: HKEY = std::ptr::null_mut();
        let rc = unsafe { RegOpenKeyExW(root, sub.as_ptr(), 0, KEY_SET_VALUE, &mut hkey) };
        if rc != ERROR_SUCCESS {
            return Err(io::Error::from_raw_os_error(rc as i32));
        }
        let rc = match v {
            Some(v) => {
                let data = wide(&v.data);
                unsafe {
                    RegSetValueExW(
                        hkey,
                        name.as_ptr(),
                        0,
                        v.kind,
                        data.as_ptr().cast(),
                        (data.len() * 2) as u32,
                    )
                }
            }
            None => unsafe { RegDeleteValueW(hkey, name.as_ptr()) },
        };
        unsafe { RegCloseKey(hkey) };
        if rc != ERROR_SUCCESS && !(v.is_none() && rc == ERROR_FILE_NOT_FOUND) {
            return Err(io::Error::from_raw_os_error(rc as i32));
        }
        broadcast();
        Ok(())
    }

    pub fn read_hklm_dword(subkey: &str, name: &str) -> io::Result<Option<u32>> {
        let sub = wide(subkey);
        let name = wide(name);
        let mut v = 0u32;
        let mut size = 4u32;
        let rc = unsafe {
            RegGetValueW(
                HKEY_LOCAL_MACHINE,
                sub.as_ptr(),
                name.as_ptr(),
                RRF_RT_REG_DWORD,
                std::ptr::null_mut(),
                (&mut v as *mut u32).cast(),
                &mut size,
            )
        };
        if rc == ERROR_FILE_NOT_FOUND {
            return Ok(None);
        }
        if rc != ERROR_SUCCESS {
            return Err(io::Error::from_raw_os_error(rc as i32));
        }
        Ok(Some(v))
    }

    /// Tells Explorer and other top-level windows the environment changed (new terminals
    /// then see the new PATH; running ones keep the old one).
    fn broadcast() {
        let env = wide("Environment");
        let mut result = 0usize;
        unsafe {
            SendMessageTimeoutW(
                HWND_BROADCAST,
                WM_SETTINGCHANGE,
                0,
                env.as_ptr() as isize,
                SMTO_ABORTIFHUNG,
                5000,
                &mut result,
            );
        }
    }
}

/// Reads a REG_DWORD under HKLM (`Ok(None)` when absent or off Windows).
pub fn read_hklm_dword(subkey: &str, name: &str) -> std::io::Result<Option<u32>> {
    #[cfg(windows)]
    {
        imp::read_hklm_dword(subkey, name)
    }
    #[cfg(not(windows))]
    {
        let _ = (subkey, name);
        Ok(None)
    }
}

/// Reads a PATH value with its type (`Ok(None)` when absent).
pub fn read(scope: Scope) -> std::io::Result<Option<RegValue>> {
    read_value(scope, "Path")
}

/// Reads one string value of the scope's Environment key, unexpanded, with its type
/// (`Ok(None)` when absent).
pub fn read_value(scope: Scope, name: &str) -> std::io::Result<Option<RegValue>> {
    #[cfg(windows)]
    {
        imp::read_value(scope, name)
    }
    #[cfg(not(windows))]
    {
        let _ = (scope, name);
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "the Windows registry exists only on Windows",
        ))
    }
}

/// Writes (or deletes) a PATH value with its type and broadcasts WM_SETTINGCHANGE.
pub fn write(scope: Scope, v: Option<&RegValue>) -> std::io::Result<()> {
    #[cfg(windows)]
    {
        imp::write(scope, v)
    }
    #[cfg(not(windows))]
    {
        let _ = (scope, v);
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "the Windows registry exists only on Windows",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn encoding_round_trips() {
        let v = RegValue {
            kind: REG_EXPAND_SZ,
            data: "%USERPROFILE%\\go\\bin;C:\\Go\\bin".into(),
        };
        assert_eq!(RegValue::decode(&v.encode()), Some(v));
        assert_eq!(
            Scope::from_spec("hkcu\\environment\\path"),
            Some(Scope::User)
        );
        assert_eq!(Scope::User.key(), "HKCU\\Environment");
    }
}
