//! Windows facts: registry PATH values, Defender and the other security products,
//! Dev Drive, Smart App Control, CodeIntegrity events, signatures, the canary probe.

use crate::{CanaryProbe, Facts};
use gomedic_goenv::settings::Source;
use gomedic_goenv::snapshot::Setting;
use gomedic_sys::registry::{RegValue, Scope, REG_EXPAND_SZ};
use std::path::Path;

/// Where a process environment variable came from on Windows: Explorer builds every new
/// process's environment from `HKCU\Environment` and the machine Environment key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvOrigin {
    pub scope: Scope,
    pub value: RegValue,
}

impl EnvOrigin {
    /// `HKCU\Environment\GOROOT (user environment variable)`.
    pub fn describe(&self, name: &str) -> String {
        format!("{}\\{name} ({})", self.scope.key(), self.scope.describe())
    }
}

impl Facts {
    /// User and machine PATH from the registry, read once.
    pub fn registry_paths(&self) -> Result<(Option<&RegValue>, Option<&RegValue>), String> {
        match self.registry.get_or_init(|| self.gather.registry_paths()) {
            Ok((u, m)) => Ok((u.as_ref(), m.as_ref())),
            Err(e) => Err(e.clone()),
        }
    }

    /// `%NAME%` expanded from the process environment (unknown names stay as they are).
    pub fn expand_vars(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            match after.find('%') {
                Some(j) if j > 0 => {
                    let name = &after[..j];
                    match self.getenv(name) {
                        Some(v) => out.push_str(&v),
                        None => {
                            out.push('%');
                            out.push_str(name);
                            out.push('%');
                        }
                    }
                    rest = &after[j + 1..];
                }
                _ => {
                    out.push('%');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The registry value a process environment variable came from: the user's when it
    /// matches the process value, else the machine's (`None` off Windows, when neither is
    /// set, or when the process value was changed after logon, e.g. by `set` in a terminal).
    pub fn env_origin(&self, name: &str) -> Option<EnvOrigin> {
        if !self.windows() {
            return None;
        }
        let current = self.getenv(name)?;
        let key = name.to_ascii_uppercase();
        if let Some(hit) = self.env_origins.lock().ok()?.get(&key) {
            return hit.clone();
        }
        let (user, machine) = self.gather.registry_env(name);
        let matches = |v: &RegValue| {
            let v2 = if v.kind == REG_EXPAND_SZ {
                self.expand_vars(&v.data)
            } else {
                v.data.clone()
            };
            v2 == current
        };
        let origin = [(Scope::User, user), (Scope::Machine, machine)]
            .into_iter()
            .find_map(|(scope, v)| {
                v.filter(|v| matches(v))
                    .map(|value| EnvOrigin { scope, value })
            });
        if let Ok(mut m) = self.env_origins.lock() {
            m.insert(key, origin.clone());
        }
        origin
    }

    /// Where a setting comes from, naming the registry key when a process environment
    /// value was loaded from it.
    pub fn describe_source(&self, key: &str, s: &Setting) -> String {
        match (&s.source, self.env_origin(key)) {
            (Source::Environment, Some(o)) => o.describe(key),
            (src, _) => src.describe(),
        }
    }

    /// Authenticode inspection of `path` (not cached: each file is read once per check).
    pub fn authenticode(&self, path: &Path) -> Result<gomedic_authenticode::Report, String> {
        self.gather.authenticode(path)
    }

    pub fn security(&self) -> &gomedic_sys::winsec::Snapshot {
        self.security.get_or_init(|| self.gather.security())
    }

    pub fn dev_drive(&self, path: &Path) -> Result<Option<(bool, bool)>, String> {
        self.gather.dev_drive(path)
    }

    /// `LongPathsEnabled` from the registry: `Ok(true)` only when it is 1.
    pub fn long_paths_enabled(&self) -> Result<bool, String> {
        self.gather.long_paths_enabled().map(|v| v == Some(1))
    }

    pub fn smart_app_control(&self) -> Result<Option<u32>, String> {
        self.gather.smart_app_control()
    }

    pub fn canary(&self) -> Option<CanaryProbe> {
        let go = self.go_binary()?;
        Some(self.gather.canary(&go.path, &self.env, self.timeouts.build))
    }

    pub fn ci_events(&self) -> Result<Vec<gomedic_sys::winsec::CiEvent>, String> {
        self.gather.ci_events()
    }

    pub fn win_trust(&self, path: &Path) -> Result<i32, String> {
        self.gather.win_trust(path)
    }
}
