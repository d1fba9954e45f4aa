//! Fake Go tool modules (gopls, dlv, staticcheck, gofumpt, goimports) with their real module
//! paths and versions, served as a `file://` GOPROXY directory, and a hermetic `go install`
//! of them: the installed binaries carry real build info (module path, version, h1: sum).

use std::path::{Path, PathBuf};
use std::process::Command;

/// One fake tool: `module@version`, its main package under `package` ("" = module root).
#[derive(Debug, Clone, Copy)]
pub struct FakeTool {
    pub name: &'static str,
    pub module: &'static str,
    pub version: &'static str,
    pub package: &'static str,
}

impl FakeTool {
    /// What `go install` is given: `golang.org/x/tools/gopls@v0.16.2`.
    pub fn target(&self) -> String {
        match self.package {
            "" => format!("{}@{}", self.module, self.version),
            p => format!("{}/{p}@{}", self.module, self.version),
        }
    }
}

pub const FAKE_TOOLS: &[FakeTool] = &[
    FakeTool {
        name: "gopls",
        module: "golang.org/x/tools/gopls",
        version: "v0.16.2",
        package: "",
    },
    FakeTool {
        name: "dlv",
        module: "github.com/go-delve/delve",
        version: "v1.23.1",
        package: "cmd/dlv",
    },
    FakeTool {
        name: "dlv",
        module: "github.com/go-delve/delve",
        version: "v1.27.1",
        package: "cmd/dlv",
    },
    FakeTool {
        name: "staticcheck",
        module: "honnef.co/go/tools",
        version: "v0.5.1",
        package: "cmd/staticcheck",
    },
    FakeTool {
        name: "gofumpt",
        module: "mvdan.cc/gofumpt",
        version: "v0.7.0",
        package: "",
    },
    FakeTool {
        name: "goimports",
        module: "golang.org/x/tools",
        version: "v0.24.0",
        package: "cmd/goimports",
    },
];

/// A tiny `package main` printing `<name> <version>` for `version`, `-version` and
/// `--version` (exit 0). Only `os`: the build is quick with an empty GOCACHE.
fn main_go(t: &FakeTool) -> String {
    format!(
        "package main\n\nimport \"os\"\n\nfunc main() {{\n\tif len(os.Args) > 1 {{\n\t\tswitch os.Args[1] {{\n\t\tcase \"version\", \"-version\", \"--version\":\n\t\t\tos.Stdout.WriteString(\"{} {}\\n\")\n\t\t\treturn\n\t\t}}\n\t}}\n\tos.Stdout.WriteString(\"{}: fake tool for gomedic tests\\n\")\n}}\n",
        t.name, t.version, t.name
    )
}

/// The module path as the proxy protocol spells it (`!` before each upper-case letter).
fn escape(path: &str) -> String {
    let mut o = String::new();
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            o.push('!');
            o.push(c.to_ascii_lowercase());
        } else {
            o.push(c);
        }
    }
    o
}

/// Writes every [`FAKE_TOOLS`] module into `dir` in the GOPROXY layout
/// (`<module>/@v/{list,<v>.info,<v>.mod,<v>.zip}`, zip entries under `<module>@<v>/`).
pub fn write_tool_proxy(dir: &Path) -> std::io::Result<()> {
    let mut lists: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for t in FAKE_TOOLS {
        let v = dir.join(escape(t.module)).join("@v");
        std::fs::create_dir_all(&v)?;
        let gomod = format!("module {}\n\ngo 1.18\n", t.module);
        std::fs::write(
            v.join(format!("{}.info", t.version)),
            format!(
                "{{\"Version\":\"{}\",\"Time\":\"2024-08-01T00:00:00Z\"}}\n",
                t.version
            ),
        )?;
        std::fs::write(v.join(format!("{}.mod", t.version)), &gomod)?;
        let prefix = format!("{}@{}/", t.module, t.version);
        let main = match t.package {
            "" => "main.go".to_string(),
            p => format!("{p}/main.go"),
        };
        let zip = stored_zip(&[
            (format!("{prefix}go.mod"), gomod.into_bytes()),
            (format!("{prefix}{main}"), main_go(t).into_bytes()),
        ]);
        std::fs::write(v.join(format!("{}.zip", t.version)), zip)?;
        lists.entry(t.module).or_default().push(t.version);
    }
    for (m, vs) in lists {
        let list: String = vs.iter().map(|v| format!("{v}\n")).collect();
        std::fs::write(dir.join(escape(m)).join("@v").join("list"), list)?;
    }
    Ok(())
}

/// Runs the real `GOROOT/bin/go install <target>` against the `file://` proxy in
/// `proxy_dir`, hermetically (GOSUMDB=off, GOTOOLCHAIN=local, CGO_ENABLED=0, a private
/// HOME/GOPATH/GOCACHE/GOMODCACHE in `<proxy_dir>.gohome/`, GOFLAGS=-modcacherw; `extra_env`
/// last, so it can override any of them), and returns the installed binary's path in `gobin`.
/// Host builds only: go refuses to install a cross-compiled binary into GOBIN (see
/// [`go_install_cross`]).
pub fn go_install(
    goroot: &Path,
    proxy_dir: &Path,
    target: &str,
    gobin: &Path,
    extra_env: &[(&str, &str)],
) -> Result<PathBuf, String> {
    std::fs::create_dir_all(gobin).map_err(|e| e.to_string())?;
    let gobin = std::path::absolute(gobin).map_err(|e| e.to_string())?;
    let gobin_s = gobin.to_string_lossy().into_owned();
    let mut env: Vec<(&str, &str)> = vec![("GOBIN", &gobin_s)];
    env.extend_from_slice(extra_env);
    run_install(goroot, proxy_dir, target, &env)?;
    let goos = extra_env
        .iter()
        .rev()
        .find(|(k, _)| *k == "GOOS")
        .map(|(_, v)| *v);
    let p = gobin.join(binary_name(target, goos));
    p.exists()
        .then_some(p.clone())
        .ok_or_else(|| format!("go install {target} did not create {}", p.display()))
}

/// Like [`go_install`], for another platform: `GOOS=<goos> GOARCH=<goarch> go install` with
/// GOBIN unset (go puts the binary in `GOPATH/bin/<goos>_<goarch>/`), then copies it into
/// `dest_dir` (same file name, `.exe` for windows) and returns the copy's path. `extra_env`
/// as for [`go_install`] (GOBIN, GOOS and GOARCH are set after it).
pub fn go_install_cross(
    goroot: &Path,
    proxy_dir: &Path,
    target: &str,
    (goos, goarch): (&str, &str),
    dest_dir: &Path,
    extra_env: &[(&str, &str)],
) -> Result<PathBuf, String> {
    let mut env = extra_env.to_vec();
    env.extend_from_slice(&[("GOBIN", ""), ("GOOS", goos), ("GOARCH", goarch)]);
    let gopath = run_install(goroot, proxy_dir, target, &env)?;
    let name = binary_name(target, Some(goos));
    let built = gopath
        .join("bin")
        .join(format!("{goos}_{goarch}"))
        .join(&name);
    std::fs::create_dir_all(dest_dir).map_err(|e| e.to_string())?;
    let dest = dest_dir.join(&name);
    std::fs::copy(&built, &dest).map_err(|e| {
        format!(
            "go install {target} (GOOS={goos} GOARCH={goarch}): cannot copy {}: {e}",
            built.display()
        )
    })?;
    Ok(dest)
}

/// The hermetic `go install`; returns the GOPATH it used.
fn run_install(
    goroot: &Path,
    proxy_dir: &Path,
    target: &str,
    extra_env: &[(&str, &str)],
) -> Result<PathBuf, String> {
    let proxy_dir = std::path::absolute(proxy_dir).map_err(|e| e.to_string())?;
    let home = PathBuf::from(format!("{}.gohome", proxy_dir.display()));
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let url = format!(
        "file://{}",
        proxy_dir.display().to_string().replace('\\', "/")
    );
    let url = if url.starts_with("file:///") {
        url
    } else {
        url.replacen("file://", "file:///", 1)
    };
    let gopath = home.join("gopath");
    let mut cmd = Command::new(goroot.join("bin").join("go"));
    cmd.arg("install")
        .arg(target)
        .env_clear()
        .current_dir(&home);
    for k in ["PATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP"] {
        if let Some(v) = std::env::var_os(k) {
            cmd.env(k, v);
        }
    }
    cmd.env("GOROOT", goroot)
        .env("HOME", &home)
        .env("USERPROFILE", &home)
        .env("GOPATH", &gopath)
        .env("GOCACHE", home.join("gocache"))
        .env("GOMODCACHE", gopath.join("pkg").join("mod"))
        .env("GOENV", "off")
        .env("GOPROXY", url)
        .env("GOSUMDB", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-modcacherw")
        .env("GOWORK", "off")
        .env("CGO_ENABLED", "0");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run go in {}: {e}", goroot.display()))?;
    if !out.status.success() {
        return Err(format!(
            "go install {target} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // The GOPATH go used: `extra_env` may have replaced it.
    Ok(extra_env
        .iter()
        .rev()
        .find(|(k, _)| *k == "GOPATH")
        .map_or(gopath, |(_, v)| PathBuf::from(v)))
}

/// The file name `go install <target>` gives the binary for `goos` (None: the host).
fn binary_name(target: &str, goos: Option<&str>) -> String {
    let pkg = target.split('@').next().unwrap_or(target);
    let mut name = pkg.rsplit('/').next().unwrap_or(pkg).to_string();
    // go names a binary after the last element that is not a major version suffix.
    if name.len() > 1 && name.starts_with('v') && name[1..].bytes().all(|b| b.is_ascii_digit()) {
        let parts: Vec<&str> = pkg.rsplit('/').collect();
        if parts.len() > 1 {
            name = parts[1].to_string();
        }
    }
    if goos == Some("windows") || (goos.is_none() && cfg!(windows)) {
        name.push_str(".exe");
    }
    name
}

/// A zip with stored (uncompressed) entries: enough for the go command's module zips.
fn stored_zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let crc = crc32(data);
        let off = out.len() as u32;
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // needed
            h.extend_from_slice(&0u16.to_le_bytes()); // flags
            h.extend_from_slice(&0u16.to_le_bytes()); // stored
            h.extend_from_slice(&0u16.to_le_bytes()); // time
            h.extend_from_slice(&0x5c21u16.to_le_bytes()); // date 2026-01-01
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                h.extend_from_slice(&[0; 6]); // comment length, disk, internal attrs
                h.extend_from_slice(&0u32.to_le_bytes()); // external attrs
                h.extend_from_slice(&off.to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(data);
        central.extend(header(0x0201_4b50, true));
    }
    let cd_off = out.len() as u32;
    out.extend_from_slice(&central);
    let n = files.len() as u16;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_off.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc32_check_value() {
        assert_eq!(super::crc32(b"123456789"), 0xCBF4_3926);
    }
}
