//! `gomedic wdac policy` and `gomedic verify` against a real Windows Go tree.

use crate::harness::*;
use std::path::PathBuf;

fn windows_goroot() -> PathBuf {
    let p = std::env::var("GOMEDIC_TEST_WINDOWS_GOROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap())
                .join(".cache/gomedic/toolchains/windows/go1.22.10/go")
        });
    assert!(
        p.join("bin/go.exe").is_file(),
        "no Windows Go tree at {}: run scripts/test.sh",
        p.display()
    );
    p
}

/// Authenticode SHA-256 computed by a separate implementation (Python), for comparison.
fn python_authenticode_sha256(file: &std::path::Path) -> String {
    let script = r#"
import hashlib, struct, sys
d = open(sys.argv[1], 'rb').read()
pe = struct.unpack_from('<I', d, 0x3c)[0]
opt = pe + 24
magic = struct.unpack_from('<H', d, opt)[0]
cks = opt + 64
dd = opt + (112 if magic == 0x20b else 96)
sec = dd + 4 * 8
off, size = struct.unpack_from('<II', d, sec)
end = off if size else len(d)
h = hashlib.sha256()
h.update(d[:cks]); h.update(d[cks+4:sec]); h.update(d[sec+8:end])
if not size and len(d) % 8:
    h.update(b'\0' * (8 - len(d) % 8))
print(h.hexdigest().upper())
"#;
    let o = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

#[test]
fn wdac_policy_is_structurally_valid_with_independent_hashes() {
    let root = windows_goroot();
    let t = TestEnv::new(&[]);
    let out = t.path("policy.xml");
    let o = t.gomedic(&[
        "wdac",
        "policy",
        "--goroot",
        root.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--base-policy-id",
        "{11111111-2222-3333-4444-555555555555}",
    ]);
    assert_exit(&o, 0, "");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("ConvertFrom-CIPolicy") && err.contains("go test"),
        "{err}"
    );
    let xml = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root_el = doc.root_element();
    assert_eq!(root_el.tag_name().name(), "SiPolicy");
    assert_eq!(
        root_el.tag_name().namespace(),
        Some("urn:schemas-microsoft-com:sipolicy")
    );
    assert_eq!(root_el.attribute("PolicyType"), Some("Supplemental Policy"));
    // Children in the order the SiPolicy schema's sequence requires.
    let order: Vec<&str> = root_el
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(
        order,
        [
            "VersionEx",
            "PlatformID",
            "Rules",
            "EKUs",
            "FileRules",
            "Signers",
            "SigningScenarios",
            "UpdatePolicySigners",
            "CiSigners",
            "HvciOptions",
            "BasePolicyID",
            "PolicyID",
            "Settings"
        ]
    );
    let text = |name: &str| {
        root_el
            .children()
            .find(|n| n.tag_name().name() == name)
            .and_then(|n| n.text())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        text("BasePolicyID"),
        "{11111111-2222-3333-4444-555555555555}"
    );
    assert_eq!(text("PlatformID"), "{2E07F7E4-194C-4D20-B7C9-6F44A6C5A234}");
    let allows: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "Allow")
        .collect();
    let refs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "FileRuleRef")
        .filter_map(|n| n.attribute("RuleID"))
        .collect();
    let exes = std::fs::read_dir(root.join("bin")).unwrap().count()
        + std::fs::read_dir(root.join("pkg/tool/windows_amd64"))
            .unwrap()
            .count();
    assert_eq!(allows.len(), 4 * exes);
    assert_eq!(refs.len(), allows.len());
    for a in &allows {
        let id = a.attribute("ID").unwrap();
        assert!(refs.contains(&id), "{id} referenced");
        let h = a.attribute("Hash").unwrap();
        assert!(
            (h.len() == 40 || h.len() == 64)
                && h.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()),
            "{h}"
        );
    }
    // The go.exe SHA-256 rule equals an independent computation.
    let go_rule = allows
        .iter()
        .find(|a| a.attribute("FriendlyName") == Some("bin\\go.exe Hash Sha256"))
        .expect("go.exe rule");
    assert_eq!(
        go_rule.attribute("Hash").unwrap(),
        python_authenticode_sha256(&root.join("bin/go.exe"))
    );
    // Same toolchain, same PolicyID (re-running does not create a new policy).
    let o2 = t.gomedic(&[
        "wdac",
        "policy",
        "--goroot",
        root.to_str().unwrap(),
        "--base-policy-id",
        "{11111111-2222-3333-4444-555555555555}",
    ]);
    assert_eq!(String::from_utf8_lossy(&o2.stdout), xml);
}

#[test]
fn wdac_and_verify_bad_input() {
    let t = TestEnv::new(&[]);
    let linux_root = newest();
    let o = t.gomedic(&["wdac", "policy", "--goroot", linux_root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Windows Go installation"));
    let o = t.gomedic(&[
        "wdac",
        "policy",
        "--goroot",
        windows_goroot().to_str().unwrap(),
        "--base-policy-id",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
    // verify: the unsigned go.exe from the wheel, a non-PE, a missing file.
    let go_exe = windows_goroot().join("bin/go.exe");
    let o = t.gomedic(&[
        "verify",
        go_exe.to_str().unwrap(),
        "/etc/hostname",
        "/nonexistent/x.exe",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema"], "gomedic.verify/v1");
    assert_eq!(v["files"][0]["status"], "unsigned");
    assert_eq!(v["files"][1]["status"], "not_pe");
    assert_eq!(v["files"][2]["status"], "unreadable");
    let shim = "/usr/lib/shim/shimx64.efi.signed";
    let o = t.gomedic(&["verify", shim]);
    assert_exit(&o, 0, "");
    assert!(String::from_utf8_lossy(&o.stdout).contains("Microsoft"));
}
