//! golang.org/x/mod/module's case-encoding (`!` + lowercase for each uppercase letter),
//! which keeps module paths distinct on case-insensitive file systems, and the GOPROXY
//! URL space built from it.

use gomedic_goenv::gourl::quote;
use gomedic_goenv::modpath::{check_file_elem, check_module_path};

/// `module.EscapePath`.
pub fn escape_path(path: &str) -> Result<String, String> {
    check_module_path(path)?;
    escape_string(path)
}

/// `module.EscapeVersion`: versions need not be semver but must be a valid file name
/// element without `!`.
pub fn escape_version(v: &str) -> Result<String, String> {
    if check_file_elem(v).is_err() || v.contains('!') {
        return Err(format!(
            "version {} invalid: disallowed version string",
            quote(v.as_bytes())
        ));
    }
    escape_string(v)
}

fn escape_string(s: &str) -> Result<String, String> {
    if s.chars().any(|r| r == '!' || !r.is_ascii()) {
        return Err("internal error: inconsistency in EscapePath".into());
    }
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// `module.UnescapePath`.
pub fn unescape_path(escaped: &str) -> Result<String, String> {
    let q = quote(escaped.as_bytes());
    let path =
        unescape_string(escaped).ok_or_else(|| format!("invalid escaped module path {q}"))?;
    check_module_path(&path).map_err(|e| format!("invalid escaped module path {q}: {e}"))?;
    Ok(path)
}

/// `module.UnescapeVersion`.
pub fn unescape_version(escaped: &str) -> Result<String, String> {
    let v = unescape_string(escaped)
        .ok_or_else(|| format!("invalid escaped version {}", quote(escaped.as_bytes())))?;
    // Go quotes the unescaped version here.
    check_file_elem(&v)
        .map_err(|e| format!("invalid escaped version {}: {e}", quote(v.as_bytes())))?;
    Ok(v)
}

fn unescape_string(escaped: &str) -> Option<String> {
    let mut out = String::with_capacity(escaped.len());
    let mut bang = false;
    for c in escaped.chars() {
        if !c.is_ascii() {
            return None;
        }
        if bang {
            bang = false;
            if !c.is_ascii_lowercase() {
                return None;
            }
            out.push(c.to_ascii_uppercase());
            continue;
        }
        if c == '!' {
            bang = true;
            continue;
        }
        if c.is_ascii_uppercase() {
            return None;
        }
        out.push(c);
    }
    (!bang).then_some(out)
}

/// One GOPROXY request, relative to the proxy's base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyRequest {
    List { path: String },
    Latest { path: String },
    Info { path: String, version: String },
    Mod { path: String, version: String },
    Zip { path: String, version: String },
}

impl ProxyRequest {
    /// The escaped URL path (no leading slash): `$module/@v/list`, `$module/@latest`,
    /// `$module/@v/$version.{info,mod,zip}`. These are also the file names under
    /// GOMODCACHE/cache/download. The go command additionally percent-encodes `!` on
    /// the wire; servers percent-decode first.
    pub fn url_path(&self) -> Result<String, String> {
        Ok(match self {
            ProxyRequest::List { path } => format!("{}/@v/list", escape_path(path)?),
            ProxyRequest::Latest { path } => format!("{}/@latest", escape_path(path)?),
            ProxyRequest::Info { path, version } => {
                format!(
                    "{}/@v/{}.info",
                    escape_path(path)?,
                    escape_version(version)?
                )
            }
            ProxyRequest::Mod { path, version } => {
                format!("{}/@v/{}.mod", escape_path(path)?, escape_version(version)?)
            }
            ProxyRequest::Zip { path, version } => {
                format!("{}/@v/{}.zip", escape_path(path)?, escape_version(version)?)
            }
        })
    }

    /// Parses an escaped (already percent-decoded) URL path, with or without a leading
    /// slash.
    pub fn parse(url_path: &str) -> Result<ProxyRequest, String> {
        let p = url_path.strip_prefix('/').unwrap_or(url_path);
        if let Some(m) = p.strip_suffix("/@latest") {
            return Ok(ProxyRequest::Latest {
                path: unescape_path(m)?,
            });
        }
        let Some((m, file)) = p.rsplit_once("/@v/") else {
            return Err(format!("not a module proxy path: {}", quote(p.as_bytes())));
        };
        let path = unescape_path(m)?;
        if file == "list" {
            return Ok(ProxyRequest::List { path });
        }
        let Some((v, ext)) = file.rsplit_once('.') else {
            return Err(format!("not a module proxy path: {}", quote(p.as_bytes())));
        };
        let version = unescape_version(v)?;
        match ext {
            "info" => Ok(ProxyRequest::Info { path, version }),
            "mod" => Ok(ProxyRequest::Mod { path, version }),
            "zip" => Ok(ProxyRequest::Zip { path, version }),
            _ => Err(format!("not a module proxy path: {}", quote(p.as_bytes()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golang_mod_escape_examples() {
        assert_eq!(
            escape_path("github.com/GoogleCloudPlatform/omega").as_deref(),
            Ok("github.com/!google!cloud!platform/omega")
        );
        assert_eq!(
            unescape_path("github.com/!google!cloud!platform/omega").as_deref(),
            Ok("github.com/GoogleCloudPlatform/omega")
        );
        assert!(unescape_path("github.com/GoogleCloudPlatform/omega").is_err());
        assert!(unescape_path("github.com/!!google").is_err());
        assert!(unescape_path("github.com/!").is_err());
        assert_eq!(escape_version("v1.0.0-RC1").as_deref(), Ok("v1.0.0-!r!c1"));
        assert_eq!(
            escape_version("v1.0.0+incompatible").as_deref(),
            Ok("v1.0.0+incompatible")
        );
        assert_eq!(
            escape_version("v1.0.0!").unwrap_err(),
            "version \"v1.0.0!\" invalid: disallowed version string"
        );
        assert_eq!(
            unescape_version("v1.0.0-!r!c1").as_deref(),
            Ok("v1.0.0-RC1")
        );
        let r = ProxyRequest::parse("/example.com/!upper/mod/@v/v1.0.0-!r!c1.zip").unwrap();
        assert_eq!(
            r,
            ProxyRequest::Zip {
                path: "example.com/Upper/mod".into(),
                version: "v1.0.0-RC1".into()
            }
        );
        assert_eq!(
            r.url_path().unwrap(),
            "example.com/!upper/mod/@v/v1.0.0-!r!c1.zip"
        );
    }
}
