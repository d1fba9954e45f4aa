use super::*;

fn cat() -> &'static Catalogue {
    catalogue().unwrap_or_else(|e| panic!("shipped catalogue is malformed:\n{e}"))
}

fn ids(text: &str) -> Vec<String> {
    explain_text(cat(), text, Redactor::new())
        .into_iter()
        .map(|m| m.signature.id)
        .collect()
}

const GOOD: &str = r#"
[[signature]]
id = "a.b"
title = "t"
layer = "network"
patterns = ['xyz']
go_versions = "all"
os = ["linux"]
checks = []
codes = []
explanation = "e"
fix = "f"
link = "https://go.dev/"
"#;

#[test]
fn shipped_catalogue_parses_and_refers_to_real_checks_and_codes() {
    let c = cat();
    assert!(c.signatures.len() >= 25, "{}", c.signatures.len());
    let check_ids: Vec<&str> = gomedic_checks::CHECKS.iter().map(|c| c.meta.id).collect();
    let codes: Vec<&str> = gomedic_checks::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    for s in &c.signatures {
        for k in &s.checks {
            assert!(
                check_ids.contains(&k.as_str()),
                "{}: unknown check {k}",
                s.id
            );
        }
        for k in &s.codes {
            assert!(
                codes.contains(&k.as_str()),
                "{}: unknown finding code {k}",
                s.id
            );
        }
    }
}

#[test]
fn fix_ids_are_real_gomedic_fixes() {
    // The fix ids docs/fixes.md documents (automatic ones `gomedic fix` applies).
    let known = [
        "net.mirror",
        "env.goroot-file",
        "version.allow-switch",
        "win.path-repair",
        "win.defender-exclusions",
        "tools.rebuild",
    ];
    for s in &cat().signatures {
        if let Some(f) = &s.fix_id {
            assert!(known.contains(&f.as_str()), "{}: unknown fix {f}", s.id);
        }
        // Any `gomedic fix X` in the text is one of them too.
        for part in s.fix.split("gomedic fix ").skip(1) {
            let id: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                .collect();
            assert!(known.contains(&id.as_str()), "{}: unknown fix {id}", s.id);
        }
    }
}

#[test]
fn a_good_entry_parses() {
    let c = Catalogue::parse(GOOD).unwrap();
    assert_eq!(c.signatures.len(), 1);
}

#[test]
fn malformed_entries_are_refused_with_their_id() {
    let cases = [
        (
            GOOD.replace("patterns = ['xyz']", "patterns = ['(']"),
            "pattern",
        ),
        (
            GOOD.replace("patterns = ['xyz']", "patterns = []"),
            "no patterns",
        ),
        (GOOD.replace("\"network\"", "\"nowhere\""), "unknown layer"),
        (GOOD.replace("[\"linux\"]", "[\"beos\"]"), "unknown os"),
        (
            GOOD.replace("fix = \"f\"", "fix = \"set GOSUMDB=off\""),
            "GOSUMDB=off",
        ),
        (
            GOOD.replace("fix = \"f\"", "fix = \"export GONOSUMDB=x\""),
            "GONOSUMDB",
        ),
        (
            GOOD.replace("fix = \"f\"", "fix = \"GOFLAGS=-insecure\""),
            "-insecure",
        ),
        (
            GOOD.replace("fix = \"f\"", "fix = \"f\"\nfix_id = \"net.mirror\""),
            "fix_id",
        ),
        (
            GOOD.replace("link = \"https://go.dev/\"", "link = \"go.dev\""),
            "link",
        ),
        (
            GOOD.replace("explanation = \"e\"", "explanation = \"\""),
            "empty explanation",
        ),
        (
            GOOD.replace("title = \"t\"", "title = \"t\"\ncolour = 1"),
            "colour",
        ),
        (GOOD.replace("title = \"t\"\n", ""), "title"),
        (format!("{GOOD}{GOOD}"), "duplicate id"),
        (
            GOOD.replace("codes = []", "codes = []\nsupersedes = [\"nope\"]"),
            "supersedes",
        ),
    ];
    for (text, want) in cases {
        let e = Catalogue::parse(&text).expect_err(want);
        assert!(e.contains(want), "wanted {want:?} in {e}");
        if !want.contains("colour") && !want.contains("title") {
            assert!(e.contains("a.b"), "the error names the entry: {e}");
        }
    }
}

#[test]
fn no_fix_advises_turning_off_verification() {
    for s in &cat().signatures {
        for bad in FORBIDDEN_ADVICE {
            assert!(!s.fix.contains(bad), "{} advises {bad}", s.id);
        }
    }
}

#[test]
fn wrappers_are_stripped() {
    let cases = [
        "2021-04-02T01:15:20.3071685Z go: cannot find main module, but found .git/config in /x",
        "2021-04-02T01:15:20.3071685Z ##[error]go: cannot find main module, but found .git/config in /x",
        "[2020-06-15T01:17:55.889Z] go: cannot find main module, but found .git/config in /x",
        "#18 0.958 go: cannot find main module, but found .git/config in /x",
        "[   47s] go: cannot find main module, but found .git/config in /x",
        "\x1b[31mgo: cannot find main module, but found .git/config in /x\x1b[0m",
        "::error file=main.go,line=1::go: cannot find main module, but found .git/config in /x",
        "go: cannot find main module, but found .git/config in /x #gosetup",
        "go: cannot find main module, but found .git/config in /x\r",
    ];
    for c in cases {
        let out = strip_wrappers(c);
        assert_eq!(
            out.last().map(|s| s.as_ref()),
            Some("go: cannot find main module, but found .git/config in /x"),
            "{c:?}"
        );
    }
    // golangci-lint quotes go's stderr with literal \n and \t.
    let g = r#"level=error msg="Running error: context loading failed: failed to load packages: go: github.com/x/y@v1.0.0: verifying module: checksum mismatch\n\tdownloaded: h1:AAA=\n\tsum.golang.org: h1:BBB=\n\nSECURITY ERROR\nThis download does NOT match""#;
    let lines = strip_wrappers(g);
    assert!(lines.iter().any(|l| l == "SECURITY ERROR"), "{lines:?}");
    assert!(
        lines.iter().any(|l| l == "\tdownloaded: h1:AAA="),
        "{lines:?}"
    );
    assert_eq!(ids(g), ["sumdb.checksum_mismatch"]);
}

#[test]
fn evidence_is_redacted_and_keeps_the_line_it_continues() {
    let log = "go: example.com/m@v1.0.0: Get \"https://alice:hunter2@proxy.corp.example/example.com/m/@v/v1.0.0.info\": dial tcp 127.0.0.1:1: connect: connection refused\n";
    let m = explain_text(cat(), log, Redactor::new());
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].evidence[0].line, 1);
    assert!(
        !m[0].evidence[0].text.contains("hunter2"),
        "{:?}",
        m[0].evidence
    );
    let log = "go: parsing go.mod:\n\tmodule declares its path as: example.com/a\n\t        but was required as: example.com/b\n";
    let m = explain_text(cat(), log, Redactor::new());
    assert_eq!(m[0].signature.id, "module.path_mismatch");
    assert_eq!(m[0].count, 2);
    assert_eq!(
        m[0].evidence[0].text,
        "go: parsing go.mod:\n\tmodule declares its path as: example.com/a"
    );
}

#[test]
fn supersedes_drops_the_less_specific_entry() {
    let log = "go: example.com/priv@v1.0.0: reading https://proxy.golang.org/example.com/priv/@v/v1.0.0.info: 404 Not Found\n\tserver response:\n\tnot found: example.com/priv@v1.0.0: invalid version: git ls-remote -q origin in /tmp/gopath/pkg/mod/cache/vcs/x: exit status 128:\n\tfatal: could not read Username for 'https://example.com': terminal prompts disabled\n";
    assert_eq!(ids(log), ["module.private_via_public_proxy"]);
}

#[test]
fn a_long_line_is_cut_not_held() {
    let mut big = "x".repeat(3 * MAX_LINE);
    big.push_str("go: cannot find main module\n");
    big.push_str("go: cannot find main module\n");
    let mut m = Matcher::new(cat(), Redactor::new());
    scan(big.as_bytes(), &mut m).unwrap();
    assert_eq!(m.lines(), 2);
    let r = m.finish();
    // The first occurrence was past the cut; the second line is read whole.
    assert_eq!(r[0].count, 1);
    assert_eq!(r[0].evidence[0].line, 2);
}

#[test]
fn scan_reads_through_small_buffers_and_a_missing_final_newline() {
    let text =
        "ok  \texample.com/a\t0.01s\n\ngo: cannot find main module, but found .git/config in /x";
    let r = std::io::BufReader::with_capacity(3, text.as_bytes());
    let mut m = Matcher::new(cat(), Redactor::new());
    scan(r, &mut m).unwrap();
    assert_eq!(m.lines(), 3);
    assert_eq!(m.finish()[0].evidence[0].line, 3);
}

/// Windows and macOS messages cannot be reproduced here: these are recorded real outputs,
/// each with its source.
#[test]
fn recorded_windows_and_macos_outputs() {
    let cases: &[(&str, &str, &str)] = &[
        (
            // gruntwork-io/terratest#512 (go test on Windows with Defender).
            "fork/exec C:\\Users\\runner\\AppData\\Local\\Temp\\go-build2254355542\\b001\\terratest.test.exe: Access is denied.",
            "win.access_denied",
            "gruntwork-io/terratest#512",
        ),
        (
            // golang/go#31367 (link.exe cannot create its output).
            "C:\\Go\\pkg\\tool\\windows_amd64\\link.exe: cannot create $WORK\\b001\\exe\\a.out.exe: open $WORK\\b001\\exe\\a.out.exe: Access is denied.",
            "win.access_denied",
            "golang/go#31367",
        ),
        (
            // golang/go#21997 (go install over a running program).
            "go install example.com/cmd/tool: open C:\\Users\\u\\go\\bin\\tool.exe: The process cannot access the file because it is being used by another process.",
            "win.file_in_use",
            "golang/go#21997",
        ),
        (
            // golang/go#43121.
            "fork/exec C:\\Users\\u\\AppData\\Local\\Temp\\go-build123\\b001\\exe\\main.exe: Operation did not complete successfully because the file contains a virus or potentially unwanted software.",
            "win.virus_detected",
            "golang/go#43121",
        ),
        (
            // microsoft/vscode#83505.
            "could not launch process: fork/exec C:\\Users\\u\\proj\\__debug_bin.exe: This program is blocked by group policy. For more information, contact your system administrator.",
            "win.blocked_by_policy",
            "microsoft/vscode#83505",
        ),
        (
            // vercel/hyper#3900 (TCC on ~/Documents).
            "go: open /Users/u/Documents/proj/go.mod: operation not permitted",
            "macos.operation_not_permitted",
            "vercel/hyper#3900",
        ),
        (
            // ArvinLovegood/go-stock#40 style, English Windows: connectex refused.
            "go: example.com/m@v1.0.0: Get \"https://goproxy.corp.example/example.com/m/@v/v1.0.0.info\": dial tcp 10.0.0.1:443: connectex: No connection could be made because the target machine actively refused it.",
            "net.connection_refused",
            "syscall/syscall_windows.go FormatMessage text",
        ),
        (
            // goproxy/goproxy.cn#207 (Windows).
            "go: github.com/x/y@v1.2.3: Get \"https://goproxy.cn/github.com/x/y/@v/v1.2.3.mod\": read tcp 192.168.1.2:50000->1.2.3.4:443: wsarecv: An existing connection was forcibly closed by the remote host.",
            "net.connection_reset",
            "goproxy/goproxy.cn#207",
        ),
    ];
    for (line, want, source) in cases {
        assert_eq!(ids(line), [*want], "{source}: {line}");
    }
}

#[test]
fn docs_explain_md_is_generated_from_the_catalogue() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/explain.md");
    let want = markdown(cat());
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/explain.md is out of date: run `UPDATE_DOCS=1 cargo test -p gomedic-explain`"
    );
}

/// Lines for the block-scan property test: matching lines of many entries, wrapped the
/// ways CI systems wrap them, split by ANSI colours, escaped by golangci-lint, plus noise.
const POOL: &[&str] = &[
    "go: example.com/m: missing go.sum entry for module providing package golang.org/x/text",
    "\tgo get example.com/m",
    "go: golang.org/x/text@v0.14.0: Get \"http://127.0.0.1:9/x/@v/v0.14.0.info\": dial tcp 127.0.0.1:9: connect: connection refused",
    "2024-05-01T10:00:00.1234567Z ##[error]go: cannot find main module, but found .git/config in /x",
    "::error file=a.go::verifying example.com/a@v1.0.0: checksum mismatch",
    "SECURITY ERROR",
    "SECURITY ERROR\r",
    "SECURITY ERROR #gosetup",
    "#12 3.456 go: downloading example.com/a v1.0.0",
    "\x1b[31mgo: cannot find main\x1b[0m module",
    "\x1b[1mmissing go.\x1b[0msum entry",
    "level=error msg=\"Running error: context loading failed: no go files to analyze: running `go mod tidy` may solve the problem\\nmissing go.sum entry for module providing package \\\"x\\\"\"",
    "msg=\"plain\"",
    "net/http: TLS handshake timeout",
    "x509: certificate signed by unknown authority",
    "cannot create $WORK\\b001\\exe\\a.out.exe: Access is denied.",
    "open C:\\Users\\\u{4e2d}\\go: Access is denied.",
    "ok  \texample.com/a\t0.01s",
    "=== RUN   TestF",
    "",
    "mkdir -p $WORK/b001/",
    "\t\tthis is not it",
    // go test -json (test2json) events: the text is the JSON-escaped Output.
    r#"{"Time":"2024-01-01T00:00:00Z","Action":"output","Package":"example.com/m","Output":"go: example.com/m: missing go.sum entry for module providing package \"x\"\n"}"#,
    r#"{"ImportPath":"example.com/m","Action":"build-output","Output":"C:\\Go\\pkg\\tool\\windows_amd64\\link.exe: cannot create $WORK\\b001\\exe\\a.out.exe: open $WORK\\b001\\exe\\a.out.exe: Access is denied.\n"}"#,
    r#"{"Action":"output","Output":"\u001b[31mgo: cannot find main\u001b[0m module \u003cnil\u003e\n"}"#,
    r#"{"Action":"output","Output":"=== RUN   TestF\n"}"#,
    r#"{"Action":"build-output","Output":"compile: version \"go1.22.10\" does not match go tool version \"go1.27.3\"\n"}"#,
    r#"{"Action":"build-output","Output":"C compiler \"cc\" not found\n"}"#,
    r##"{"Action":"output","Output":"# example.com/m\nrunning gcc failed: exec: \"gcc\": executable file not found in $PATH\n"}"##,
];

/// Bytes the pool cannot express: invalid UTF-8 in the middle of a matching line.
const RAW_POOL: &[&[u8]] = &[
    b"cannot create $WORK\\b001\\\xd6\xd0\xce\xc4: Access is denied.",
    b"\xff\xfe garbage \x80",
];

struct Chunked<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    i: usize,
}

impl std::io::Read for Chunked<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let want = self.sizes[self.i % self.sizes.len()].max(1);
        self.i += 1;
        let n = want.min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn summary(m: Matcher<'_>) -> (u64, Vec<(String, u64, Vec<Evidence>)>) {
    let lines = m.lines();
    let r = m
        .finish()
        .into_iter()
        .map(|m| (m.signature.id, m.count, m.evidence))
        .collect();
    (lines, r)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
    /// Skipping lines by the required literals finds exactly what matching every line
    /// does: same signatures, counts, evidence (with continuation headers) and line count.
    #[test]
    fn block_scan_equals_line_by_line(
        picks in proptest::collection::vec((0usize..POOL.len() + RAW_POOL.len() + 1, proptest::bool::ANY), 0..60),
        sizes in proptest::collection::vec(1usize..5000, 1..5),
        final_newline in proptest::bool::ANY,
    ) {
        let mut log = Vec::new();
        for (i, crlf) in &picks {
            if *i < POOL.len() {
                log.extend_from_slice(POOL[*i].as_bytes());
            } else if *i < POOL.len() + RAW_POOL.len() {
                log.extend_from_slice(RAW_POOL[*i - POOL.len()]);
            } else {
                // A line longer than MAX_LINE with a match past and before the cut.
                log.extend_from_slice(b"SECURITY ERROR ");
                log.extend(std::iter::repeat_n(b'y', MAX_LINE));
                log.extend_from_slice(b"missing go.sum entry");
            }
            log.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
        }
        if !final_newline && log.ends_with(b"\n") {
            log.pop();
        }
        let mut reference = Matcher::new(cat(), Redactor::new());
        for_each_line(&log[..], |l| reference.feed(l)).unwrap();
        let mut fast = Matcher::new(cat(), Redactor::new());
        scan(Chunked { data: &log, sizes, i: 0 }, &mut fast).unwrap();
        proptest::prop_assert_eq!(summary(fast), summary(reference));
    }
}

#[test]
fn every_pattern_has_a_required_literal() {
    for (p, lits) in cat().required_literals() {
        assert!(
            !lits.is_empty() && lits.iter().all(|l| l.len() >= MIN_LITERAL),
            "{p}: {lits:?}"
        );
    }
    let bad = GOOD.replace("patterns = ['xyz']", "patterns = ['[a-z]+ (x|yy)']");
    let e = Catalogue::parse(&bad).unwrap_err();
    assert!(e.contains("no literal text"), "{e}");
}

/// Tool messages gomedic cannot reproduce here (no Delve, staticcheck or golangci-lint
/// builds offline): each recorded with its source. The go/types wording is reproduced for
/// real in crates/gomedic/tests/explain.rs.
#[test]
fn recorded_tool_outputs() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "Version of Delve is too old for Go version go1.24.0 (maximum supported version 1.23, suppress this error with --check-go-version=false)",
            "tools.delve_version",
            "go-delve/delve#3926; pkg/goversion/compat.go v1.23.1",
        ),
        (
            "WARNING: undefined behavior - version of Delve is too old for Go version go1.24.0 (maximum supported version 1.23)",
            "tools.delve_version",
            "go-delve/delve#3926 (with --check-go-version=false)",
        ),
        (
            "Go version 1.17.13 is too old for this version of Delve (minimum supported version 1.18, suppress this error with --check-go-version=false)",
            "tools.delve_version",
            "go-delve/delve pkg/goversion/compat.go v1.20.0",
        ),
        (
            "could not launch process: To debug executables using DWARFv5 or later Delve must be built with Go version 1.25.0 or later",
            "tools.delve_version",
            "go-delve/delve#3957",
        ),
        (
            "-: module requires at least go1.24.1, but Staticcheck was built with go1.24.0 (compile)",
            "tools.built_with_older_go",
            "dominikh/go-tools#1636",
        ),
        (
            "level=error msg=\"Running error: can't load config: the Go language version (go1.22) used to build golangci-lint is lower than the targeted Go version (1.23.1)\"",
            "tools.built_with_older_go",
            "golangci/golangci-lint#5032",
        ),
        (
            "panic: invalid Go version \"go1.22.1\" (should be something like \"go1.12\")",
            "tools.built_with_older_go",
            "golang/go#66553",
        ),
    ];
    for (line, id, source) in cases {
        assert_eq!(ids(line), [*id], "{source}: {line}");
    }
}

#[test]
fn go_test_json_events_are_read_through() {
    let log = r##"{"Time":"2024-01-01T00:00:00Z","Action":"start","Package":"example.com/m"}
{"ImportPath":"example.com/m","Action":"build-output","Output":"# example.com/m\n"}
{"ImportPath":"example.com/m","Action":"build-output","Output":"cgo: C compiler \"gcc\" not found: exec: \"gcc\": executable file not found in $PATH\n"}
{"Time":"2024-01-01T00:00:01Z","Action":"fail","Package":"example.com/m","Elapsed":0}
"##;
    let r = explain_text(cat(), log, Redactor::new());
    assert_eq!(r.len(), 1, "{r:#?}");
    assert_eq!(r[0].signature.id, "cgo.no_compiler");
    assert_eq!(r[0].evidence[0].line, 3);
    assert!(
        r[0].evidence[0].text.starts_with("cgo: C compiler \"gcc\""),
        "{:?}",
        r[0].evidence
    );
    assert_eq!(
        go_json_escape(b"a\"b\\c<d\n"),
        br#"a\"b\\c\u003cd\n"#.to_vec()
    );
}

/// cmd's text for ERROR_PATH_NOT_FOUND after a PATH cut by setx (Wine's cmd does not cut
/// PATH, so this is recorded: the Win32 message text of error 3 as cmd prints it).
/// `disk.no_space` is reproduced with real go in crates/gomedic/tests/explain.rs.
#[test]
fn recorded_setx_output() {
    let text = "'go' is not recognized as an internal or external command,\r\noperable program or batch file.\r\nThe system cannot find the path specified.";
    assert_eq!(ids(text), ["win.path_truncated"], "{text}");
}

/// Every catalogue entry is named by a test: a real reproduction (crates/gomedic/tests) or a
/// recorded output with its source (here).
#[test]
fn every_entry_has_a_test() {
    let tests = [
        include_str!("tests.rs"),
        include_str!("../../gomedic/tests/explain.rs"),
        include_str!("../../gomedic/tests/explain_lab.rs"),
    ]
    .concat();
    for s in &cat().signatures {
        let quoted = format!("\"{}\"", s.id);
        // This file's own mention of the id in this loop does not count: it is not quoted.
        assert!(tests.contains(&quoted), "{}: no test names it", s.id);
    }
}
