//! GOOS/GOARCH of this machine, as Go names them.

/// (GOOS, GOARCH) of the machine gomedic runs on.
pub fn host() -> (String, String) {
    let (os, arch) = gomedic_goenv::rules::host();
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
