//! Windows facts: registry PATH values, Defender and the other security products,
//! Dev Drive, Smart App Control, CodeIntegrity events, signatures, the canary probe.

use crate::{CanaryProbe, Facts};
use gomedic_sys::registry::RegValue;
use std::path::Path;

impl Facts {
    /// User and machine PATH from the registry, read once.
    pub fn registry_paths(&self) -> Result<(Option<&RegValue>, Option<&RegValue>), String> {
        match self.registry.get_or_init(|| self.gather.registry_paths()) {
            Ok((u, m)) => Ok((u.as_ref(), m.as_ref())),
            Err(e) => Err(e.clone()),
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
