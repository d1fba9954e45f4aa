//! Facts about the machine gomedic runs on: OS, elevation, CI, container, WSL.

use gomedic_core::Host;

/// Describes the current host. `getenv` is injected so tests stay hermetic.
pub fn detect(getenv: &dyn Fn(&str) -> Option<String>) -> Host {
    Host {
        os: std::env::consts::OS.to_string(),
        arch: std::env::consts::ARCH.to_string(),
        elevated: elevated(),
        ci: ci_name(getenv),
        container: container(),
        wsl: wsl(getenv),
    }
}

/// Name of the CI system from its well-known variables.
pub fn ci_name(getenv: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    const KNOWN: &[(&str, &str)] = &[
        ("GITHUB_ACTIONS", "github-actions"),
        ("GITLAB_CI", "gitlab"),
        ("TF_BUILD", "azure-pipelines"),
        ("JENKINS_URL", "jenkins"),
        ("BUILDKITE", "buildkite"),
        ("CIRCLECI", "circleci"),
        ("TRAVIS", "travis"),
        ("TEAMCITY_VERSION", "teamcity"),
        ("APPVEYOR", "appveyor"),
        ("BITBUCKET_BUILD_NUMBER", "bitbucket"),
        ("DRONE", "drone"),
        ("CODEBUILD_BUILD_ID", "aws-codebuild"),
    ];
    for (var, name) in KNOWN {
        if getenv(var).is_some_and(|v| !v.is_empty()) {
            return Some((*name).to_string());
        }
    }
    match getenv("CI").as_deref() {
        Some(v) if !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false") => {
            Some("generic".to_string())
        }
        _ => None,
    }
}

fn wsl(getenv: &dyn Fn(&str) -> Option<String>) -> bool {
    if !cfg!(target_os = "linux") {
        return false;
    }
    if getenv("WSL_DISTRO_NAME").is_some() || getenv("WSL_INTEROP").is_some() {
        return true;
    }
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.to_ascii_lowercase().contains("microsoft"))
        .unwrap_or(false)
}

fn container() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    if std::path::Path::new("/.dockerenv").exists() {
        return Some("docker".into());
    }
    if let Ok(s) = std::fs::read_to_string("/run/.containerenv") {
        let _ = s;
        return Some("podman".into());
    }
    if let Ok(s) = std::fs::read_to_string("/proc/1/environ") {
        if let Some(v) = s.split('\0').find_map(|kv| kv.strip_prefix("container=")) {
            return Some(v.to_string());
        }
    }
    if let Ok(s) = std::fs::read_to_string("/proc/1/cgroup") {
        for (needle, name) in [
            ("docker", "docker"),
            ("kubepods", "kubernetes"),
            ("containerd", "containerd"),
            ("lxc", "lxc"),
        ] {
            if s.contains(needle) {
                return Some(name.into());
            }
        }
    }
    None
}

#[cfg(unix)]
fn elevated() -> Option<bool> {
    Some(unsafe { libc::geteuid() } == 0)
}

#[cfg(windows)]
fn elevated() -> Option<bool> {
    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
    use windows_sys::Win32::Security::{
        GetTokenInformation, TokenElevation, TOKEN_ELEVATION, TOKEN_QUERY,
    };
    use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};
    unsafe {
        let mut token: HANDLE = std::ptr::null_mut();
        if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
            return None;
        }
        let mut elev = TOKEN_ELEVATION { TokenIsElevated: 0 };
        let mut len = 0u32;
        let ok = GetTokenInformation(
            token,
            TokenElevation,
            &mut elev as *mut _ as *mut _,
            std::mem::size_of::<TOKEN_ELEVATION>() as u32,
            &mut len,
        );
        CloseHandle(token);
        if ok == 0 {
            None
        } else {
            Some(elev.TokenIsElevated != 0)
        }
    }
}

#[cfg(not(any(unix, windows)))]
fn elevated() -> Option<bool> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn ci_detection() {
        let env = |k: &str| match k {
            "GITHUB_ACTIONS" => Some("true".to_string()),
            _ => None,
        };
        assert_eq!(ci_name(&env).as_deref(), Some("github-actions"));
        let env = |k: &str| (k == "CI").then(|| "false".to_string());
        assert_eq!(ci_name(&env), None);
        let env = |k: &str| (k == "CI").then(|| "true".to_string());
        assert_eq!(ci_name(&env).as_deref(), Some("generic"));
    }
}
