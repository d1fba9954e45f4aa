//! Shared by the differential tests: the real go toolchains (GOMEDIC_TEST_GOROOTS) and a
//! file:// module proxy built on disk.
#![allow(dead_code)]

use gomedic_gomod::escape::{escape_path, escape_version};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

#[allow(unused_imports)]
pub use gomedic_testkit::{goroots, newest_goroot};

/// A zip of (name, content) entries, deflated, in the given order.
pub fn make_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        if name.ends_with('/') {
            w.add_directory(*name, opts).unwrap();
            continue;
        }
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Writes `.info`, `.mod` and `.zip` of path@version under the escaped layout of a
/// GOPROXY (and GOMODCACHE/cache/download) directory.
pub fn publish(proxy: &Path, path: &str, version: &str, go_mod: &[u8], zip: &[u8]) {
    let dir = proxy.join(escape_path(path).unwrap()).join("@v");
    std::fs::create_dir_all(&dir).unwrap();
    let ev = escape_version(version).unwrap();
    std::fs::write(
        dir.join(format!("{ev}.info")),
        format!("{{\"Version\":\"{version}\",\"Time\":\"2024-01-01T00:00:00Z\"}}"),
    )
    .unwrap();
    std::fs::write(dir.join(format!("{ev}.mod")), go_mod).unwrap();
    std::fs::write(dir.join(format!("{ev}.zip")), zip).unwrap();
}

pub fn write_list(proxy: &Path, path: &str, list: &str) {
    let dir = proxy.join(escape_path(path).unwrap()).join("@v");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("list"), list).unwrap();
}

pub fn file_url(p: &Path) -> String {
    format!("file://{}", p.display())
}

/// The go command isolated in `home`: no user config, no network beyond what the
/// caller's GOPROXY/GOSUMDB name.
pub fn go(
    goroot: &Path,
    home: &Path,
    dir: &Path,
    envs: &[(&str, String)],
    args: &[&str],
) -> Output {
    let mut c = Command::new(goroot.join("bin/go"));
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GOROOT", goroot)
        .env("GOPATH", home.join("gopath"))
        .env("GOMODCACHE", home.join("modcache"))
        .env("GOCACHE", home.join("gocache"))
        .env("GOENV", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOWORK", "off")
        .env("GOFLAGS", "-modcacherw")
        .env("GONOSUMDB", "")
        .env("GONOPROXY", "")
        .env("GOPRIVATE", "")
        .env("GO111MODULE", "on")
        .args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("run go")
}
