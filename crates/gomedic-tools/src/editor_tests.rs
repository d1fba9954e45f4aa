use super::*;
#[cfg(unix)]
use crate::discover::{discover_names, ToolDirs};

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[cfg(unix)]
fn exe(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    write(p, "#!/bin/sh\n");
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn user_settings_paths_per_os() {
    let w = vscode_user_settings(
        "windows",
        Some(Path::new(r"C:\Users\u")),
        Some(Path::new(r"C:\Users\u\AppData\Roaming\")),
    );
    assert_eq!(
        w,
        [
            (
                "Code".to_string(),
                PathBuf::from(r"C:\Users\u\AppData\Roaming\Code\User\settings.json")
            ),
            (
                "Code - Insiders".to_string(),
                PathBuf::from(r"C:\Users\u\AppData\Roaming\Code - Insiders\User\settings.json")
            ),
        ]
    );
    assert_eq!(
        vscode_user_settings("darwin", Some(Path::new("/Users/u")), None)[0].1,
        PathBuf::from("/Users/u/Library/Application Support/Code/User/settings.json")
    );
    assert_eq!(
        vscode_user_settings("linux", Some(Path::new("/home/u")), None)[1].1,
        PathBuf::from("/home/u/.config/Code - Insiders/User/settings.json")
    );
    assert!(vscode_user_settings("windows", Some(Path::new("/home/u")), None).is_empty());
}

#[test]
fn expansion_like_vscode_go() {
    let env = BTreeMap::from([("SDK".to_string(), "/opt/sdk".to_string())]);
    let x = Expander {
        home: Some(Path::new("/home/u")),
        env: &env,
        workspace_folder: Path::new("/repo"),
    };
    assert_eq!(x.expand("${env:SDK}/go1.22"), "/opt/sdk/go1.22");
    assert_eq!(x.expand("${env: SDK }/a${env:UNSET}b"), "/opt/sdk/ab");
    assert_eq!(x.expand("${workspaceFolder}/bin/dlv"), "/repo/bin/dlv");
    assert_eq!(x.expand("${workspaceRoot}/x"), "/repo/x");
    assert_eq!(x.expand("~/go"), "/home/u/go");
    assert_eq!(x.expand("~"), "/home/u");
    assert_eq!(x.expand("a~b"), "a~b");
    assert_eq!(x.expand("${env:BROKEN"), "${env:BROKEN");
    let win = Expander {
        home: Some(Path::new(r"C:\Users\u")),
        env: &env,
        workspace_folder: Path::new(r"C:\src\repo"),
    };
    assert_eq!(win.expand(r"~\sdk\go1.22.10"), r"C:\Users\u\sdk\go1.22.10");
    assert_eq!(win.expand(r"${workspaceFolder}\bin"), r"C:\src\repo\bin");
}

/// User < .code-workspace < folder .vscode (nearest last); comments and trailing commas.
#[test]
fn layers_comments_and_precedence() {
    let d = tempfile::tempdir().unwrap();
    let home = d.path().join("home");
    let repo = d.path().join("repo");
    let module = repo.join("svc/api");
    std::fs::create_dir_all(&module).unwrap();
    let user = home.join(".config/Code/User/settings.json");
    write(
        &user,
        r#"{
    // user settings
    "editor.fontSize": 14,
    "go.goroot": "${env:OTHER_GO}",   /* an inline block */
    "go.toolsGopath": "~/tools",
    "go.alternateTools": {
        "dlv": "${workspaceFolder}/bin/dlv",
        "gopls": "gopls-nightly",
    },
    "go.toolsEnvVars": { "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", },
    "go.toolsManagement": { "autoUpdate": true },
}
"#,
    );
    write(
        &repo.join("team.code-workspace"),
        r#"{ "folders": [ { "path": "." } ],
  "settings": { "go.gopath": "/ws/gopath", "go.goroot": "/ws/goroot", }, }"#,
    );
    write(
        &repo.join(".vscode/settings.json"),
        "/* repo */ {\n  \"go.goroot\": \"/repo/goroot\",\n  \"go.toolsEnvVars\": {\"GOFLAGS\": null},\n}\n",
    );
    write(
        &module.join(".vscode/settings.json"),
        "{\n  // nearest folder wins\n  \"go.toolsManagement.go\": \"/opt/go1.27/bin/go\",\n  \"go.alternateTools\": {\"go\": \"/opt/go1.27/bin/go\"}\n}",
    );
    let inputs = EditorInputs {
        os: "linux".into(),
        home: Some(home.clone()),
        appdata: None,
        env: BTreeMap::from([("OTHER_GO".into(), "/opt/other".into())]),
        module_dir: module.clone(),
        root_dir: Some(repo.clone()),
    };
    let cfg = load_editor_config(&inputs);
    assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
    assert_eq!(cfg.vscode.len(), 1, "no Insiders settings: one product");
    let s = &cfg.vscode[0];
    assert_eq!(s.product, "Code");
    // go.goroot: user -> code-workspace -> repo folder; the folder wins.
    let g = s.goroot.as_ref().unwrap();
    assert_eq!(g.value, "/repo/goroot");
    assert_eq!(g.from.file, repo.join(".vscode/settings.json"));
    assert_eq!(g.from.key, "go.goroot");
    assert_eq!(s.gopath.as_ref().unwrap().value, "/ws/gopath");
    assert_eq!(
        s.gopath.as_ref().unwrap().from.file,
        repo.join("team.code-workspace")
    );
    assert_eq!(
        s.tools_gopath.as_ref().unwrap().value,
        home.join("tools").to_string_lossy()
    );
    // ${workspaceFolder} is the nearest folder with .vscode settings.
    let dlv = &s.alternate_tools["dlv"];
    assert_eq!(dlv.raw, "${workspaceFolder}/bin/dlv");
    assert_eq!(dlv.value, format!("{}/bin/dlv", module.display()));
    assert_eq!(dlv.from.key, "go.alternateTools.dlv");
    assert_eq!(
        s.alternate_tools["go"].from.file,
        module.join(".vscode/settings.json")
    );
    // Object settings merge key by key; null removes.
    assert_eq!(s.tools_env_vars["GOTOOLCHAIN"].value, "local");
    assert!(!s.tools_env_vars.contains_key("GOFLAGS"));
    assert_eq!(
        s.tools_management_go.as_ref().unwrap().value,
        "/opt/go1.27/bin/go"
    );
    assert_eq!(s.files.len(), 4);
    assert_eq!(s.files[0], user);

    // The same with the user's env var pointing elsewhere and no workspace layers.
    let only_user = EditorInputs {
        module_dir: d.path().to_path_buf(),
        root_dir: None,
        ..inputs.clone()
    };
    let cfg = load_editor_config(&only_user);
    assert_eq!(cfg.vscode[0].goroot.as_ref().unwrap().value, "/opt/other");
    assert_eq!(cfg.vscode[0].goroot.as_ref().unwrap().from.file, user);

    // Insiders appears once its user settings exist.
    write(
        &home.join(".config/Code - Insiders/User/settings.json"),
        r#"{"go.goroot": "/insiders/go"}"#,
    );
    let cfg = load_editor_config(&only_user);
    assert_eq!(cfg.vscode.len(), 2);
    assert_eq!(cfg.vscode[1].product, "Code - Insiders");
    assert_eq!(cfg.vscode[1].goroot.as_ref().unwrap().value, "/insiders/go");
}

#[test]
fn malformed_settings_name_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let home = d.path().join("home");
    let user = home.join(".config/Code/User/settings.json");
    write(
        &user,
        "{\n  \"go.goroot\": \"/a\",\n  \"go.gopath\" \"/b\"\n}\n",
    );
    let module = d.path().join("m");
    write(
        &module.join(".vscode/settings.json"),
        "{\"go.toolsGopath\": \"/t\", \"go.goroot\": 42}",
    );
    let inputs = EditorInputs {
        os: "linux".into(),
        home: Some(home),
        module_dir: module.clone(),
        ..Default::default()
    };
    let cfg = load_editor_config(&inputs);
    let e = &cfg.errors[0];
    assert_eq!(e.file, user);
    assert_eq!(e.line, 3, "{e}");
    assert!(
        e.to_string().starts_with(&format!("{}:3:", user.display())),
        "{e}"
    );
    // The malformed file is skipped, the other one still read; a wrong type is reported.
    let s = &cfg.vscode[0];
    assert!(s.goroot.is_none());
    assert_eq!(s.tools_gopath.as_ref().unwrap().value, "/t");
    assert!(cfg
        .errors
        .iter()
        .any(|e| e.message.contains("go.goroot: not the type")));
    // Garbage never panics.
    let f = Path::new("x.json");
    for text in [
        "",
        "\u{feff}{}",
        "[",
        "{\"a\": }",
        "{'go.goroot': 'x'}",
        "{\"a\": 1 \"b\": 2}",
        "/* unterminated",
        "\"just a string\"",
        "{\"go.goroot\": \"\\ud800\"}",
        "\u{0}\u{1}\u{ffff}",
    ] {
        let _ = parse_settings(f, text);
    }
    let deep = "[".repeat(100_000);
    let e = parse_settings(f, &deep).unwrap_err();
    assert!(e.message.contains("nested"), "{e}");
    assert!(parse_settings(f, "{\"a\": [1,2,],}").is_ok());
    assert!(parse_settings(f, "{\"a\": 1} // done").is_ok());
}

#[test]
fn goland_goroot() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("repo");
    let module = repo.join("mod");
    std::fs::create_dir_all(&module).unwrap();
    write(
        &repo.join(".idea/workspace.xml"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<project version="4">
  <component name="ChangeListManager"/>
  <component name="GOROOT" url="file://$USER_HOME$/sdk/go1.22.10" />
</project>"#,
    );
    let inputs = EditorInputs {
        os: "linux".into(),
        home: Some(PathBuf::from("/home/u")),
        module_dir: module.clone(),
        root_dir: Some(repo.clone()),
        ..Default::default()
    };
    let cfg = load_editor_config(&inputs);
    let g = cfg.goland_goroot.unwrap();
    assert_eq!(g.value, "/home/u/sdk/go1.22.10");
    assert_eq!(g.from.file, repo.join(".idea/workspace.xml"));
    write(
        &module.join(".idea/workspace.xml"),
        "<project>\n<component name=\"GOROOT\"\n</project>",
    );
    let cfg = load_editor_config(&inputs);
    assert_eq!(cfg.errors.len(), 1);
    assert_eq!(cfg.errors[0].file, module.join(".idea/workspace.xml"));
    assert!(cfg.errors[0].line >= 2, "{:?}", cfg.errors[0]);
    // The outer project's setting still counts.
    assert_eq!(cfg.goland_goroot.unwrap().value, "/home/u/sdk/go1.22.10");
}

#[cfg(unix)]
#[test]
fn differences_goroot_and_tools() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let term_root = r.join("go-term");
    exe(&term_root.join("bin/go"));
    let other_root = r.join("go-other");
    exe(&other_root.join("bin/go"));
    let not_root = r.join("not-a-goroot");
    std::fs::create_dir_all(&not_root).unwrap();
    // Terminal: gopls and dlv on PATH; gopls also in toolsGopath/bin (a different file);
    // staticcheck via a symlink in toolsGopath/bin to the PATH copy (the same file).
    let pathdir = r.join("bin");
    exe(&pathdir.join("gopls"));
    exe(&pathdir.join("dlv"));
    exe(&pathdir.join("staticcheck"));
    let tools_gopath = r.join("toolsgp");
    exe(&tools_gopath.join("bin/gopls"));
    std::os::unix::fs::symlink(
        pathdir.join("staticcheck"),
        tools_gopath.join("bin/staticcheck"),
    )
    .unwrap();
    let alt_dlv = r.join("alt/dlv");
    exe(&alt_dlv);
    let disc = discover_names(
        &ToolDirs {
            path: pathdir.clone().into(),
            os: "linux".into(),
            ..Default::default()
        },
        &["gopls", "dlv", "staticcheck"],
    );
    let prov = |key: &str| Provenance {
        file: PathBuf::from("/s.json"),
        key: key.into(),
    };
    let src = |key: &str, v: &Path| Sourced {
        raw: v.display().to_string(),
        value: v.display().to_string(),
        from: prov(key),
    };
    let mut s = VsCodeSettings {
        product: "Code".into(),
        goroot: Some(src("go.goroot", &other_root)),
        tools_gopath: Some(src("go.toolsGopath", &tools_gopath)),
        ..Default::default()
    };
    s.alternate_tools
        .insert("dlv".into(), src("go.alternateTools.dlv", &alt_dlv));
    s.tools_env_vars.insert(
        "GOTOOLCHAIN".into(),
        src("go.toolsEnvVars.GOTOOLCHAIN", Path::new("local")),
    );
    let cfg = EditorConfig {
        os: "linux".into(),
        vscode: vec![s.clone()],
        ..Default::default()
    };
    let diffs = editor_differences(&cfg, Some(&term_root), &disc);
    let kinds: Vec<_> = diffs.iter().map(|d| (d.kind, d.tool.clone())).collect();
    assert_eq!(
        kinds,
        [
            (DifferenceKind::Goroot, None),
            (DifferenceKind::EnvVar, None),
            (DifferenceKind::Tool, Some("gopls".into())),
            (DifferenceKind::Tool, Some("dlv".into())),
        ],
        "{diffs:#?}"
    );
    assert_eq!(diffs[0].from.as_ref().unwrap().key, "go.goroot");
    assert_eq!(diffs[2].from.as_ref().unwrap().key, "go.toolsGopath");
    assert_eq!(
        diffs[2].editor_value,
        tools_gopath.join("bin/gopls").display().to_string()
    );
    assert_eq!(
        diffs[2].terminal_value.as_deref(),
        Some(pathdir.join("gopls").to_str().unwrap())
    );
    assert_eq!(diffs[3].from.as_ref().unwrap().key, "go.alternateTools.dlv");

    // The same GOROOT (through a symlink) is no difference; an invalid one is VS Code's warning.
    let link = r.join("go-link");
    std::os::unix::fs::symlink(&term_root, &link).unwrap();
    s.goroot = Some(src("go.goroot", &link));
    s.alternate_tools.clear();
    s.tools_env_vars.clear();
    s.tools_gopath = None;
    let cfg = EditorConfig {
        os: "linux".into(),
        vscode: vec![s.clone()],
        ..Default::default()
    };
    assert_eq!(editor_differences(&cfg, Some(&term_root), &disc), []);
    s.goroot = Some(src("go.goroot", &not_root));
    let cfg = EditorConfig {
        os: "linux".into(),
        vscode: vec![s],
        goland_goroot: Some(src("component[name=GOROOT]/@url", &other_root)),
        ..Default::default()
    };
    let diffs = editor_differences(&cfg, Some(&term_root), &disc);
    assert_eq!(diffs.len(), 2, "{diffs:#?}");
    assert_eq!(diffs[0].kind, DifferenceKind::InvalidGoroot);
    assert_eq!(
        diffs[0].message,
        format!(
            "go.goroot setting is ignored. {} is not a valid GOROOT directory.",
            not_root.display()
        )
    );
    assert_eq!(
        (diffs[1].editor.as_str(), diffs[1].kind),
        ("GoLand", DifferenceKind::Goroot)
    );
}

/// Windows-style settings values on a Windows rule set: a drive path that has no bin\go.exe.
#[test]
fn windows_style_goroot_is_invalid_when_missing() {
    let s = VsCodeSettings {
        product: "Code".into(),
        goroot: Some(Sourced {
            raw: r"C:\Program Files\Go1.22".into(),
            value: r"C:\Program Files\Go1.22".into(),
            from: Provenance {
                file: PathBuf::from(r"C:\Users\u\AppData\Roaming\Code\User\settings.json"),
                key: "go.goroot".into(),
            },
        }),
        ..Default::default()
    };
    let cfg = EditorConfig {
        os: "windows".into(),
        vscode: vec![s],
        ..Default::default()
    };
    let disc = Discovery {
        tools: vec![],
        others: vec![],
    };
    let diffs = editor_differences(&cfg, Some(Path::new(r"C:\Go")), &disc);
    assert_eq!(diffs.len(), 1);
    assert_eq!(
        diffs[0].message,
        r"go.goroot setting is ignored. C:\Program Files\Go1.22 is not a valid GOROOT directory."
    );
    assert!(is_abs(r"C:\Go") && is_abs("C:/Go") && is_abs(r"\\srv\share") && !is_abs(r"Go\bin"));
    assert_eq!(exe_name("windows", "dlv"), "dlv.exe");
}
