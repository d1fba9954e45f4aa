//! The go command is the oracle: modules served from a file:// proxy that this test
//! builds; go's `Sum`/`GoModSum`, cache paths, version lists and zip rejections must
//! match this crate's.

mod common;

use common::*;
use gomedic_gomod::escape::{escape_path, escape_version, unescape_path, unescape_version};
use gomedic_gomod::{dirhash, modzip, pseudo, semver};
use std::path::Path;

struct Fixture {
    path: &'static str,
    version: &'static str,
    /// None: no go.mod in the zip; the proxy serves a synthetic one.
    go_mod: Option<&'static str>,
    files: Vec<(&'static str, &'static [u8])>,
}

fn fixtures() -> Vec<Fixture> {
    let upper = "module example.com/Upper/Mod\n\ngo 1.21\n";
    vec![
        Fixture {
            path: "example.com/Upper/Mod",
            version: "v1.0.0",
            go_mod: Some(upper),
            files: vec![
                ("mod.go", b"package mod\n"),
                ("sub/dir/deep.go", b"package dir\n"),
                ("LICENSE", b"MIT\n"),
                ("a b/with space.txt", b"x"),
            ],
        },
        Fixture {
            path: "example.com/Upper/Mod",
            version: "v1.1.0-RC1",
            go_mod: Some(upper),
            files: vec![
                ("mod.go", b"package mod // rc\n"),
                ("Z.go", b"package mod\n"),
            ],
        },
        Fixture {
            path: "example.com/Upper/Mod",
            version: "v1.0.1-0.20240102030405-abcdefabcdef",
            go_mod: Some(upper),
            files: vec![
                ("mod.go", b"package mod // pseudo\n"),
                ("nested/x/y/z.go", b"package y\n"),
            ],
        },
        Fixture {
            path: "example.com/inc",
            version: "v2.0.0+incompatible",
            go_mod: None,
            files: vec![("inc.go", b"package inc\n"), ("empty.txt", b"")],
        },
        Fixture {
            path: "example.com/plain/v2",
            version: "v2.3.4",
            go_mod: Some("module example.com/plain/v2\n"),
            files: vec![("p.go", b"package plain\n")],
        },
    ]
}

fn zip_of(f: &Fixture) -> Vec<u8> {
    let prefix = format!("{}@{}/", f.path, f.version);
    let mut entries: Vec<(String, &[u8])> = f
        .files
        .iter()
        .map(|(n, d)| (format!("{prefix}{n}"), *d))
        .collect();
    if let Some(m) = f.go_mod {
        entries.push((format!("{prefix}go.mod"), m.as_bytes()));
    }
    if f.version == "v1.0.0" {
        // Directory entries count in go's h1 (as empty files named `dir/`).
        entries.push((format!("{prefix}sub/"), b""));
    }
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (n.as_str(), *d)).collect();
    make_zip(&refs)
}

fn mod_of(f: &Fixture) -> String {
    f.go_mod
        .map(str::to_string)
        .unwrap_or_else(|| format!("module {}\n", f.path))
}

/// A module whose zip go must refuse, and the reason both sides must give.
/// cmd/go checks every name's prefix itself before x/mod/zip's rules run.
fn bad_zips() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    vec![
        (
            "example.com/badprefix",
            make_zip(&[
                (
                    "example.com/badprefix@v1.0.0/go.mod",
                    b"module example.com/badprefix\n",
                ),
                ("badprefix/x.go", b"package x\n"),
            ]),
            "zip for example.com/badprefix@v1.0.0 has unexpected file badprefix/x.go",
        ),
        (
            "example.com/casefold",
            make_zip(&[
                (
                    "example.com/casefold@v1.0.0/go.mod",
                    b"module example.com/casefold\n",
                ),
                ("example.com/casefold@v1.0.0/File.go", b"package x\n"),
                ("example.com/casefold@v1.0.0/file.go", b"package x\n"),
            ]),
            "case-insensitive file name collision: \"File.go\" and \"file.go\"",
        ),
        (
            "example.com/nestedmod",
            make_zip(&[
                (
                    "example.com/nestedmod@v1.0.0/go.mod",
                    b"module example.com/nestedmod\n",
                ),
                (
                    "example.com/nestedmod@v1.0.0/sub/go.mod",
                    b"module example.com/nestedmod/sub\n",
                ),
            ]),
            "go.mod file not in module root directory",
        ),
        (
            "example.com/notclean",
            make_zip(&[
                (
                    "example.com/notclean@v1.0.0/go.mod",
                    b"module example.com/notclean\n",
                ),
                ("example.com/notclean@v1.0.0/a/./b.go", b"package x\n"),
            ]),
            "example.com/notclean@v1.0.0/a/./b.go: file path is not clean",
        ),
        (
            "example.com/bigmod",
            make_zip(&[(
                "example.com/bigmod@v1.0.0/go.mod",
                &[b'\n'; (16 << 20) + 1][..],
            )]),
            "go.mod file too large (max size is 16777216 bytes)",
        ),
        (
            "example.com/biglicense",
            make_zip(&[
                (
                    "example.com/biglicense@v1.0.0/go.mod",
                    b"module example.com/biglicense\n",
                ),
                (
                    "example.com/biglicense@v1.0.0/LICENSE",
                    &[b' '; (16 << 20) + 1][..],
                ),
            ]),
            "LICENSE file too large (max size is 16777216 bytes)",
        ),
        (
            "example.com/badchar",
            make_zip(&[
                (
                    "example.com/badchar@v1.0.0/go.mod",
                    b"module example.com/badchar\n",
                ),
                ("example.com/badchar@v1.0.0/a:b.go", b"package x\n"),
            ]),
            "malformed file path \"a:b.go\": invalid char ':'",
        ),
    ]
}

#[derive(serde::Deserialize)]
#[allow(non_snake_case)]
struct Download {
    #[serde(default)]
    Zip: String,
    #[serde(default)]
    Sum: String,
    #[serde(default)]
    GoModSum: String,
    #[serde(default)]
    Error: String,
}

fn download(goroot: &Path, home: &Path, proxy: &Path, target: &str) -> Download {
    let out = go(
        goroot,
        home,
        home,
        &[("GOPROXY", file_url(proxy)), ("GOSUMDB", "off".into())],
        &["mod", "download", "-json", target],
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{target}: {e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn h1_escaping_and_zip_rules_match_go() {
    let roots = goroots();
    for (gover, goroot) in &roots {
        let tmp = tempfile::tempdir().unwrap();
        let proxy = tmp.path().join("proxy");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        for f in fixtures() {
            publish(
                &proxy,
                f.path,
                f.version,
                mod_of(&f).as_bytes(),
                &zip_of(&f),
            );
        }
        for (path, zip, _) in bad_zips() {
            publish(
                &proxy,
                path,
                "v1.0.0",
                format!("module {path}\n").as_bytes(),
                &zip,
            );
        }
        for f in fixtures() {
            let target = format!("{}@{}", f.path, f.version);
            let d = download(goroot, &home, &proxy, &target);
            assert_eq!(d.Error, "", "go {gover} {target}");
            let ours = dirhash::hash_zip(std::io::Cursor::new(zip_of(&f))).unwrap();
            assert_eq!(ours, d.Sum, "go {gover} {target}: h1 of the zip");
            assert_eq!(
                dirhash::hash_go_mod(mod_of(&f).as_bytes()),
                d.GoModSum,
                "go {gover} {target}: h1 of go.mod"
            );
            // go's cache is laid out by the escaped path and version.
            let want = home
                .join("modcache/cache/download")
                .join(escape_path(f.path).unwrap())
                .join("@v")
                .join(format!("{}.zip", escape_version(f.version).unwrap()));
            assert_eq!(Path::new(&d.Zip), want, "go {gover} {target}");
            // The zip go accepted passes our rules too.
            let cz =
                modzip::check_zip(f.path, f.version, std::io::Cursor::new(zip_of(&f)), 1 << 20)
                    .unwrap();
            assert_eq!(cz.err(), None, "{target}");
            // And the escaped names go wrote come back to the originals.
            let rel = Path::new(&d.Zip)
                .strip_prefix(home.join("modcache/cache/download"))
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let (p, file) = rel.rsplit_once("/@v/").unwrap();
            assert_eq!(unescape_path(p).unwrap(), f.path);
            assert_eq!(
                unescape_version(file.strip_suffix(".zip").unwrap()).unwrap(),
                f.version
            );
        }
        for (path, zip, reason) in bad_zips() {
            let target = format!("{path}@v1.0.0");
            let d = download(goroot, &home, &proxy, &target);
            assert!(d.Error.contains(reason), "go {gover} {target}: {}", d.Error);
            let len = zip.len() as u64;
            let err =
                modzip::check_download(path, "v1.0.0", std::io::Cursor::new(zip), len).unwrap_err();
            assert!(err.contains(reason), "ours {target}: {err}");
        }
    }
}

/// `go list -m -versions` over a crafted @v/list: go drops pseudo-versions and invalid
/// lines, then sorts with semver.Sort.
#[test]
fn version_list_order_matches_go() {
    let list = [
        "v1.10.0",
        "v1.2.0 2024-01-01T00:00:00Z",
        "v1.2.0-rc.10",
        "v1.2.0-rc.9",
        "v1.2.0-rc.1.alpha",
        "v1.2.0-rc.1",
        "v1.2.0-RC.2",
        "v1.2.0-beta",
        "v1.2.0-11",
        "v1.2.0-2",
        "v1.0.1-0.20240102030405-abcdefabcdef",
        "v1.0.0-20240102030405-abcdefabcdef",
        "v0.0.0-20240102030405-abcdefabcdef",
        "v1.9.9",
        "v1.1",
        "v1",
        "not-a-version",
        "v1.3.0+meta",
        "v2.0.0+incompatible",
        "v2.0.1-0.20240102030405-abcdefabcdef+incompatible",
        "v01.0.0",
        "",
        "   v1.4.0   trailing",
    ];
    let mut ours: Vec<String> = list
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|v| semver::is_valid(v) && !pseudo::is_pseudo_version(v))
        .map(str::to_string)
        .collect();
    semver::sort(&mut ours);
    for (gover, goroot) in &goroots() {
        let tmp = tempfile::tempdir().unwrap();
        let proxy = tmp.path().join("proxy");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        write_list(&proxy, "example.com/Listed", &list.join("\n"));
        // go reads the latest version's go.mod for retractions.
        let m = b"module example.com/Listed\n";
        let z = make_zip(&[("example.com/Listed@v1.10.0/go.mod", m)]);
        publish(&proxy, "example.com/Listed", "v1.10.0", m, &z);
        let z = make_zip(&[(
            "example.com/Listed@v2.0.0+incompatible/x.go",
            b"package x\n",
        )]);
        publish(&proxy, "example.com/Listed", "v2.0.0+incompatible", m, &z);
        std::fs::write(home.join("go.mod"), "module example.com/work\n\ngo 1.21\n").unwrap();
        let out = go(
            goroot,
            &home,
            &home,
            &[("GOPROXY", file_url(&proxy)), ("GOSUMDB", "off".into())],
            &["list", "-m", "-versions", "example.com/Listed"],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "go {gover}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Vec<&str> = stdout.split_whitespace().skip(1).collect();
        assert_eq!(got, ours, "go {gover}");
    }
}
