//! `gomedic proxy serve --config FILE`: a TOML file with the flags' names as keys, and
//! the defaults that let one developer run the proxy with no configuration at all.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// `https://proxy.golang.org`, falling back on any error to two public mirrors. Every
/// file is checked against the checksum database, so a mirror cannot change a module.
pub const DEFAULT_UPSTREAM: &str = "https://proxy.golang.org|https://goproxy.io|https://goproxy.cn";

/// The keys of a config file: the long flags, with `_` for `-`. All optional.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub upstream: Option<String>,
    pub sumdb: Option<String>,
    /// Checksum database mirrors (base URLs), tried after the database's own URL.
    pub sumdb_mirror: Option<Vec<String>>,
    pub cache_dir: Option<PathBuf>,
    pub storage: Option<String>,
    pub private: Option<String>,
    pub timeout: Option<String>,
    pub list_ttl: Option<String>,
    pub max_upstream: Option<usize>,
    /// MiB of hot files served from memory.
    pub memory_cache: Option<u64>,
    pub max_direct: Option<usize>,
    pub direct_timeout: Option<String>,
    pub go: Option<PathBuf>,
}

impl FileConfig {
    /// Reads and parses `path`; errors name the file (and the key, from the parser).
    pub fn load(path: &Path) -> Result<FileConfig, String> {
        let s = std::fs::read_to_string(path)
            .map_err(|e| format!("config file {}: {e}", path.display()))?;
        let mut c = Self::parse(&s).map_err(|e| format!("config file {}: {e}", path.display()))?;
        // Relative paths in the file are relative to the file, not to the working directory.
        let base = path.parent().unwrap_or(Path::new("."));
        if let Some(d) = &c.cache_dir {
            c.cache_dir = Some(base.join(d));
        }
        if let Some(g) = &c.go {
            // A bare name (`go`) is looked up on PATH, as on the command line.
            if g.components().count() > 1 {
                c.go = Some(base.join(g));
            }
        }
        Ok(c)
    }

    pub fn parse(s: &str) -> Result<FileConfig, String> {
        toml::from_str(s).map_err(|e| e.to_string().trim_end().to_string())
    }
}

/// `<user config dir>/gomedic/proxy.toml`: `$XDG_CONFIG_HOME` or `~/.config` on Linux,
/// `~/Library/Application Support` on macOS, `%AppData%` on Windows.
pub fn default_config_file(getenv: &dyn Fn(&str) -> Option<String>, os: &str) -> Option<PathBuf> {
    gomedic_goenv::envfile::user_config_dir(getenv, os)
        .ok()
        .map(|d| d.join("gomedic").join("proxy.toml"))
}

/// `<user cache dir>/gomedic/proxy`, the user cache dir as Go's `os.UserCacheDir`:
/// `$XDG_CACHE_HOME` or `~/.cache`, `~/Library/Caches` on macOS, `%LocalAppData%` on
/// Windows.
pub fn default_cache_dir(
    getenv: &dyn Fn(&str) -> Option<String>,
    os: &str,
) -> Result<PathBuf, String> {
    let nonempty = |k: &str| getenv(k).filter(|v| !v.is_empty());
    let base = match os {
        "windows" => nonempty("LocalAppData")
            .or_else(|| nonempty("LOCALAPPDATA"))
            .map(PathBuf::from)
            .ok_or("%LocalAppData% is not defined")?,
        "macos" | "ios" => nonempty("HOME")
            .map(|h| PathBuf::from(h).join("Library/Caches"))
            .ok_or("$HOME is not defined")?,
        _ => match nonempty("XDG_CACHE_HOME") {
            Some(x) if Path::new(&x).is_absolute() => PathBuf::from(x),
            Some(_) => return Err("path in $XDG_CACHE_HOME is relative".into()),
            None => nonempty("HOME")
                .map(|h| PathBuf::from(h).join(".cache"))
                .ok_or("neither $XDG_CACHE_HOME nor $HOME are defined")?,
        },
    };
    Ok(base.join("gomedic").join("proxy"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| vars.iter().find(|v| v.0 == k).map(|v| v.1.to_string())
    }

    #[test]
    fn default_cache_dir_follows_the_os_conventions() {
        let linux = [("HOME", "/home/u"), ("XDG_CACHE_HOME", "/xdg/cache")];
        assert_eq!(
            default_cache_dir(&env(&linux), "linux").unwrap(),
            Path::new("/xdg/cache/gomedic/proxy")
        );
        assert_eq!(
            default_cache_dir(&env(&linux[..1]), "linux").unwrap(),
            Path::new("/home/u/.cache/gomedic/proxy")
        );
        assert_eq!(
            default_cache_dir(
                &env(&[("HOME", "/home/u"), ("XDG_CACHE_HOME", "")]),
                "linux"
            )
            .unwrap(),
            Path::new("/home/u/.cache/gomedic/proxy")
        );
        assert!(
            default_cache_dir(&env(&[("XDG_CACHE_HOME", "rel")]), "linux")
                .unwrap_err()
                .contains("relative")
        );
        assert!(default_cache_dir(&env(&[]), "linux").is_err());
        assert_eq!(
            default_cache_dir(&env(&linux), "macos").unwrap(),
            Path::new("/home/u/Library/Caches/gomedic/proxy")
        );
        assert_eq!(
            default_cache_dir(
                &env(&[("LocalAppData", r"C:\Users\u\AppData\Local")]),
                "windows"
            )
            .unwrap(),
            Path::new(r"C:\Users\u\AppData\Local")
                .join("gomedic")
                .join("proxy")
        );
        assert_eq!(
            default_config_file(&env(&[("XDG_CONFIG_HOME", "/xdg/config")]), "linux").unwrap(),
            Path::new("/xdg/config/gomedic/proxy.toml")
        );
        assert_eq!(
            default_config_file(&env(&[("HOME", "/home/u")]), "macos").unwrap(),
            Path::new("/home/u/Library/Application Support/gomedic/proxy.toml")
        );
    }

    #[test]
    fn config_files_are_strict() {
        let c = FileConfig::parse(
            "listen = \"127.0.0.1:1\"\nmax_direct = 2\nprivate = \"github.com/acme\"\n",
        )
        .unwrap();
        assert_eq!(c.listen.as_deref(), Some("127.0.0.1:1"));
        assert_eq!(c.max_direct, Some(2));
        let e = FileConfig::parse("listen = \"x\"\nupstreams = \"y\"\n").unwrap_err();
        assert!(e.contains("unknown field `upstreams`"), "{e}");
        let e = FileConfig::parse("max_upstream = \"many\"\n").unwrap_err();
        assert!(e.contains("max_upstream"), "{e}");
        assert!(FileConfig::parse("listen = ").is_err());
    }
}
