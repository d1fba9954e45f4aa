//! go/types is the oracle for the "requires newer Go version" wording: a program built with
//! each real toolchain type-checks a package at a newer language version, and its error must
//! be the one `go_types_message` predicts for a tool built with that Go.

use gomedic_goenv::GoVersion;
use gomedic_tools::go_types_message;
use std::process::Command;

const PROG: &str = r#"package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"strings"
)

func main() {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "a.go", "package a\n", 0)
	if err != nil {
		panic(err)
	}
	var first string
	conf := types.Config{GoVersion: os.Args[1], Error: func(err error) {
		if first == "" {
			first = err.Error()
		}
	}}
	_, err = conf.Check("a", fset, []*ast.File{f}, nil)
	if first == "" && err != nil {
		first = err.Error()
	}
	// Drop the position go1.23+ puts in front ("a.go:1:1: ").
	if i := strings.Index(first, ": package"); i >= 0 {
		first = first[i+2:]
	}
	fmt.Println(first)
}
"#;

#[test]
fn go_types_wording_matches_real_toolchains() {
    let roots = gomedic_testkit::goroots();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("main.go");
    std::fs::write(&src, PROG).unwrap();
    for (ver, root) in &roots {
        let built = GoVersion::parse(ver).unwrap();
        let exe = dir
            .path()
            .join(format!("probe-{ver}{}", std::env::consts::EXE_SUFFIX));
        let out = Command::new(
            root.join("bin")
                .join(format!("go{}", std::env::consts::EXE_SUFFIX)),
        )
        .args(["build", "-o"])
        .arg(&exe)
        .arg(&src)
        .current_dir(dir.path())
        .env("GOROOT", root)
        .env("GOTOOLCHAIN", "local")
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .output()
        .unwrap();
        assert!(
            out.status.success(),
            "go{ver} build: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The module's go line as go/packages passes it: "go" + the line, patch included.
        for line in [
            format!("1.{}.1", built.minor + 1),
            format!("1.{}", built.minor + 3),
        ] {
            let out = Command::new(&exe)
                .arg(format!("go{line}"))
                .output()
                .unwrap();
            let got = String::from_utf8_lossy(&out.stdout).trim().to_string();
            let want = go_types_message(&GoVersion::parse(&line).unwrap(), &built);
            assert_eq!(got, want, "tool built with go{ver}, module go {line}");
        }
        // Same language version, newer patch: no error.
        let out = Command::new(&exe)
            .arg(format!("go1.{}.99", built.minor))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "", "go{ver}");
    }
}
