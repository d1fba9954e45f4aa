//! GOOS/GOARCH of this machine, as Go names them.

/// (GOOS, GOARCH) of the machine gomedic runs on.
pub fn host() -> (String, String) {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        o => o,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "x86" => "386",
        "aarch64" => "arm64",
        "loongarch64" => "loong64",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        "mips64" if cfg!(target_endian = "little") => "mips64le",
        a => a,
    };
    (os.to_string(), arch.to_string())
}

/// `windows/amd64` → ("windows", "amd64").
pub fn parse(s: &str) -> Result<(String, String), String> {
    match s.split_once('/') {
        Some((o, a)) if !o.is_empty() && !a.is_empty() && !a.contains('/') => {
            Ok((o.to_string(), a.to_string()))
        }
        _ => Err(format!("{s:?} is not GOOS/GOARCH (e.g. windows/amd64)")),
    }
}
