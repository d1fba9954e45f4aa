//! `gomedic tools inspect` against `go version -m` of each real toolchain: the same stdout
//! for whole directories (non-Go files skipped), go's error class for named files, exit 1.

use std::path::Path;
use std::process::Command;

fn run(cmd: &mut Command) -> (i32, String, String) {
    let o = cmd.output().expect("run");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn gomedic() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gomedic"))
}

#[test]
fn inspect_matches_go_version_m() {
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("script.sh");
    std::fs::write(&script, "#!/bin/sh\n").unwrap();
    for (_, root) in gomedic_testkit::goroots() {
        let dirs = [root.join("bin"), root.join("pkg/tool")];
        let mut go = Command::new(root.join("bin/go"));
        go.env("GOTOOLCHAIN", "local")
            .arg("version")
            .arg("-m")
            .args(&dirs);
        let (_, want, _) = run(&mut go);
        let (code, got, err) = run(gomedic().args(["tools", "inspect"]).args(&dirs));
        assert_eq!((code, err.as_str()), (0, ""));
        assert!(want.lines().count() > 50);
        assert_eq!(got, want, "{}", root.display());

        // A named non-Go file: go's message on stderr, exit 1; the Go file is still printed.
        let gofmt = root.join("bin/gofmt");
        let (code, got, err) = run(gomedic()
            .args(["tools", "inspect"])
            .arg(&gofmt)
            .arg(&script));
        assert_eq!(code, 1);
        assert!(
            got.starts_with(&format!("{}: go", gofmt.display())),
            "{got}"
        );
        assert_eq!(
            err,
            format!(
                "{0}: could not read Go build info from {0}: unrecognized file format\n",
                script.display()
            )
        );

        let (code, got, _) = run(gomedic()
            .args(["tools", "inspect", "--format", "json"])
            .arg(&gofmt)
            .arg("/bin/true")
            .arg(&script));
        assert_eq!(code, 1);
        let v: serde_json::Value = serde_json::from_str(&got).unwrap();
        assert_eq!(v["schema"], "gomedic.tools.inspect/v1");
        let f = &v["files"];
        assert_eq!(f[0]["build_info"]["Path"], "cmd/gofmt");
        assert!(f[0]["build_info"]["GoVersion"]
            .as_str()
            .unwrap()
            .starts_with("go1."));
        assert_eq!(f[1]["error"]["class"], "not_go");
        assert_eq!(f[2]["error"]["class"], "unrecognized_format");
        assert!(Path::new(f[2]["path"].as_str().unwrap()).ends_with("script.sh"));
    }
}
