//! No credential ever reaches stdout or stderr: a distinctive password in every form the
//! go command accepts (environment, go env file, .netrc, command line), through every
//! command in every output format, including error paths and the journal.

use crate::harness::*;
use gomedic_testkit::{connect_proxy, ProxyBehavior};
use std::process::Output;

/// Each password holds a distinctive core (`Lk<n>Qz9W`) that no other text contains.
struct Secret {
    password: String,
}

fn core(n: usize) -> String {
    format!("Lk{n}Qz9W")
}

fn secret(n: usize, shape: &str) -> Secret {
    Secret {
        password: shape.replace("CORE", &core(n)),
    }
}

fn pct_all(s: &str, lower: bool) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else if lower {
                format!("%{b:02x}")
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn go_userinfo(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~$&+,;=".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Every form of every secret that must not appear: the password, its percent-encoded
/// forms, and its distinctive core (so no piece of a cut password slips through).
fn forbidden(secrets: &[Secret]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, s) in secrets.iter().enumerate() {
        out.push(s.password.clone());
        out.push(pct_all(&s.password, false));
        out.push(pct_all(&s.password, true));
        out.push(go_userinfo(&s.password));
        out.push(core(i));
    }
    out.sort();
    out.dedup();
    out
}

fn assert_clean(what: &str, out: &Output, bad: &[String]) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        for b in bad {
            assert!(
                !text.contains(b.as_str()),
                "{what}: {stream} leaks {b:?}:\n{text}"
            );
        }
    }
}

/// Runs gomedic and keeps the command line with its output.
fn run(t: &TestEnv, runs: &mut Vec<(String, Output)>, args: Vec<String>) {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    runs.push((args.join(" "), t.gomedic(&a)));
}

#[test]
fn no_command_prints_a_credential() {
    let proxy = connect_proxy(ProxyBehavior::AuthRequired);
    let s: Vec<Secret> = vec![
        secret(0, "CORE"),     // GOPROXY env, scheme-less user:pw@host
        secret(1, "pa/CORE"),  // go env file GOPROXY: unencoded '/'
        secret(2, "p?CORE#x"), // go env file GOSUMDB URL: unencoded '?' and '#'
        secret(3, "CORE"),     // GONOSUMDB pattern with user info
        secret(4, "CORE"),     // GOFLAGS with a URL
        secret(5, "tok-CORE"), // GOAUTH command argument
        secret(6, "CORE"),     // HTTPS_PROXY scheme-less
        secret(7, "x/CORE"),   // HTTP_PROXY unencoded '/'
        secret(8, "CORE"),     // ALL_PROXY
        secret(9, "CORE"),     // .netrc password
        secret(10, "CORE"),    // env set value, scheme-less
        secret(11, "q/CORE"),  // env set invalid value (refused)
        secret(12, "CORE"),    // net URL on the command line
        secret(13, "CORE"),    // a usage error quoting an argument
        secret(14, "u?CORE"),  // GOPROXY list entry after '|' with '?'
        secret(15, "CORE"),    // GONOPROXY / GOPRIVATE entry
        secret(16, "CORE"),    // env set value written, then unset and undone
    ];
    let pw = |i: usize| s[i].password.clone();
    let mut t = TestEnv::with_go("1.27.3");
    t.set("GOMEDIC_DATA_DIR", t.path("data").display().to_string());
    t.set(
        "GOPROXY",
        format!(
            "alice:{}@proxy0.corp.example|https://nina:{}@proxy14.corp.example,direct",
            pw(0),
            pw(14)
        ),
    );
    t.set("GONOSUMDB", format!("carl:{}@sum3.corp.example", pw(3)));
    t.set(
        "GOFLAGS",
        format!(
            "-ldflags=-X=main.proxy=https://dora:{}@flags4.corp.example",
            pw(4)
        ),
    );
    t.set("GOAUTH", format!("command /usr/bin/true --token={}", pw(5)));
    t.set("HTTPS_PROXY", format!("erin:{}@{}", pw(6), proxy.addr));
    t.set(
        "HTTP_PROXY",
        format!("http://fred:{}@{}", pw(7), proxy.addr),
    );
    t.set("ALL_PROXY", format!("socks5://gail:{}@127.0.0.1:9", pw(8)));
    t.set("GONOPROXY", format!("olga:{}@np15.corp.example", pw(15)));
    std::fs::write(
        t.home.join(".netrc"),
        format!(
            "machine proxy0.corp.example login hank password {}\n",
            pw(9)
        ),
    )
    .unwrap();
    t.write_env_file(&format!(
        "GOPROXY=https://ida:{}@proxy1.corp.example,direct\nGOSUMDB=sum.golang.org https://jon:{}@sum2.corp.example\nGOPRIVATE=olga:{}@np15.corp.example\n",
        pw(1),
        pw(2),
        pw(15)
    ));
    let bad = forbidden(&s);

    let mut runs: Vec<(String, Output)> = Vec::new();
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for fmt in ["human", "json", "junit"] {
        run(&t, &mut runs, v(&["check", "--offline", "--format", fmt]));
    }
    run(&t, &mut runs, v(&["check", "--offline", "-v"]));
    run(&t, &mut runs, v(&["env"]));
    run(&t, &mut runs, v(&["env", "--format", "json"]));
    // env set: a plan with a scheme-less credential (dry run, then for real), an invalid
    // value go refuses to parse, and an unset whose plan shows the old value.
    let set10 = format!("GOPROXY=kate:{}@proxy10.corp.example", pw(10));
    run(
        &t,
        &mut runs,
        vec![
            "env".into(),
            "set".into(),
            set10.clone(),
            "--dry-run".into(),
        ],
    );
    run(
        &t,
        &mut runs,
        vec!["env".into(), "set".into(), set10.clone()],
    );
    let set16 = format!("GOINSECURE=pete:{}@ins16.corp.example", pw(16));
    run(
        &t,
        &mut runs,
        vec!["env".into(), "set".into(), set16.clone(), "--force".into()],
    );
    run(
        &t,
        &mut runs,
        vec![
            "env".into(),
            "set".into(),
            format!("GOPROXY=https://lena:{}@bad11.corp.example", pw(11)),
        ],
    );
    run(
        &t,
        &mut runs,
        v(&["env", "unset", "GOINSECURE", "--dry-run"]),
    );
    run(&t, &mut runs, v(&["env", "unset", "GOINSECURE"]));
    run(&t, &mut runs, v(&["undo", "--list"]));
    run(&t, &mut runs, v(&["undo", "--dry-run"]));
    run(&t, &mut runs, v(&["undo"]));
    run(&t, &mut runs, v(&["undo", "--list"]));
    run(&t, &mut runs, v(&["fix", "--offline", "--dry-run"]));
    for fmt in ["human", "json"] {
        run(
            &t,
            &mut runs,
            v(&["net", "route", "example.com/m", "--format", fmt]),
        );
        run(
            &t,
            &mut runs,
            v(&["net", "route", "np15.corp.example/x", "--format", fmt]),
        );
        // Through the 407 proxy of HTTPS_PROXY (user info without a scheme).
        run(
            &t,
            &mut runs,
            v(&[
                "net",
                "https://proxy.golang.org",
                "--timeout",
                "5",
                "--format",
                fmt,
            ]),
        );
        // An unreachable loopback URL with a credential given on the command line.
        run(
            &t,
            &mut runs,
            vec![
                "net".into(),
                format!("https://max:{}@127.0.0.1:1/", pw(12)),
                "--timeout".into(),
                "3".into(),
                "--format".into(),
                fmt.into(),
            ],
        );
    }
    // Errors: a URL that is not http(s), an invalid module path, a usage error.
    run(
        &t,
        &mut runs,
        vec!["net".into(), format!("ftp://max:{}@127.0.0.1:1/", pw(12))],
    );
    run(
        &t,
        &mut runs,
        vec![
            "net".into(),
            "route".into(),
            format!("https://max:{}@mods.corp.example/x", pw(12)),
        ],
    );
    run(
        &t,
        &mut runs,
        vec![
            "check".into(),
            "--only".into(),
            format!("nora:{}@x.example", pw(13)),
        ],
    );
    run(
        &t,
        &mut runs,
        vec![
            "check".into(),
            "--format".into(),
            format!("https://nora:{}@x.example", pw(13)),
        ],
    );
    // A corrupt journal entry is listed with its problem.
    std::fs::write(
        t.path("data/journal/29990101T000000Z.1-env-set-0001.json"),
        format!("{{\"id\": \"https://nora:{}@x.example\"}}", pw(13)),
    )
    .unwrap();
    run(&t, &mut runs, v(&["undo", "--list"]));
    run(&t, &mut runs, v(&["undo", "--dry-run"]));
    // A valid GOPROXY: the route lists its sources, the probes reach the proxies.
    t.set(
        "GOPROXY",
        format!(
            "alice:{}@proxy0.corp.example|https://nina:{}@proxy14.corp.example/x,direct",
            pw(0),
            pw(10)
        ),
    );
    t.unset("HTTPS_PROXY");
    t.set("GOSUMDB", "off");
    for fmt in ["human", "json"] {
        run(
            &t,
            &mut runs,
            v(&["net", "route", "example.com/m", "--format", fmt]),
        );
        run(&t, &mut runs, v(&["env", "--format", fmt]));
        run(
            &t,
            &mut runs,
            vec![
                "net".into(),
                "--timeout".into(),
                "3".into(),
                "--resolve".into(),
                "proxy0.corp.example:443:127.0.0.1:1".into(),
                "--resolve".into(),
                "proxy14.corp.example:443:127.0.0.1:1".into(),
                "--format".into(),
                fmt.into(),
            ],
        );
    }
    run(
        &t,
        &mut runs,
        v(&["check", "--offline", "--format", "json"]),
    );

    for (what, out) in &runs {
        assert_clean(what, out, &bad);
    }

    // The commands really ran: the secrets were there to leak.
    for (what, out) in runs
        .iter()
        .filter(|(a, _)| a.starts_with("check --offline"))
    {
        assert!(
            !out.stdout.is_empty(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let find = |prefix: &str| {
        runs.iter()
            .find(|(a, _)| a.starts_with(prefix))
            .unwrap_or_else(|| panic!("no run {prefix}"))
    };
    let (_, set) = find(&format!("env set {set10}"));
    let written = std::fs::read_to_string(t.env_file()).unwrap();
    assert!(
        written.contains(&pw(10)),
        "env set wrote the value: {written}\n{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let (_, list) = find("undo --list");
    assert!(String::from_utf8_lossy(&list.stdout).contains("GOPROXY"));
    let (_, route) = find("net route example.com/m --format json");
    assert!(String::from_utf8_lossy(&route.stdout).contains("proxy0.corp.example"));
    let routes: Vec<_> = runs
        .iter()
        .filter(|(a, _)| a == "net route example.com/m --format human")
        .collect();
    let last = String::from_utf8_lossy(&routes[1].1.stdout);
    assert!(
        last.contains("1. https://[REDACTED]@proxy0.corp.example"),
        "{last}"
    );
    let listed = runs
        .iter()
        .filter(|(a, _)| a == "undo --list")
        .map(|(_, o)| String::from_utf8_lossy(&o.stdout).to_string())
        .collect::<Vec<_>>();
    assert!(listed[2].contains("corrupt"), "{}", listed[2]);
    let (_, net) = find("net https://proxy.golang.org --timeout 5 --format json");
    assert!(
        String::from_utf8_lossy(&net.stdout).contains("proxy_auth_required"),
        "{}",
        String::from_utf8_lossy(&net.stdout)
    );
}
