//! App Control for Business (WDAC) supplemental policy XML allowing files by hash.

use crate::WdacHashes;

/// PlatformID every App Control policy carries.
pub const PLATFORM_ID: &str = "{2E07F7E4-194C-4D20-B7C9-6F44A6C5A234}";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// A GUID derived from `seed` (stable for the same toolchain), formatted `{XXXXXXXX-...}`.
pub fn guid_from(seed: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, seed);
    let b = d.as_ref();
    let mut g = [0u8; 16];
    g.copy_from_slice(&b[..16]);
    g[6] = (g[6] & 0x0f) | 0x80; // version 8: custom
    g[8] = (g[8] & 0x3f) | 0x80; // RFC 4122 variant
    let h: String = g.iter().map(|x| format!("{x:02X}")).collect();
    format!(
        "{{{}-{}-{}-{}-{}}}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The supplemental policy XML: four hash rules per file (Authenticode SHA-256 and SHA-1,
/// first-page SHA-256 and SHA-1), all in the user-mode signing scenario (12).
pub fn supplemental_policy(
    name: &str,
    files: &[(String, WdacHashes)],
    base_policy_id: &str,
    policy_id: &str,
) -> String {
    let mut rules = String::new();
    let mut refs = String::new();
    let mut n = 0;
    for (file, h) in files {
        for (kind, hash) in [
            ("Hash Sha1", &h.sha1),
            ("Hash Sha256", &h.sha256),
            ("Hash Page Sha1", &h.page_sha1),
            ("Hash Page Sha256", &h.page_sha256),
        ] {
            n += 1;
            rules.push_str(&format!(
                "    <Allow ID=\"ID_ALLOW_A_{n}\" FriendlyName=\"{} {kind}\" Hash=\"{hash}\" />\n",
                esc(file)
            ));
            refs.push_str(&format!(
                "          <FileRuleRef RuleID=\"ID_ALLOW_A_{n}\" />\n"
            ));
        }
    }
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<SiPolicy xmlns="urn:schemas-microsoft-com:sipolicy" PolicyType="Supplemental Policy">
  <VersionEx>10.0.0.0</VersionEx>
  <PlatformID>{PLATFORM_ID}</PlatformID>
  <Rules>
    <Rule>
      <Option>Enabled:Unsigned System Integrity Policy</Option>
    </Rule>
  </Rules>
  <EKUs />
  <FileRules>
{rules}  </FileRules>
  <Signers />
  <SigningScenarios>
    <SigningScenario Value="12" ID="ID_SIGNINGSCENARIO_WINDOWS" FriendlyName="User Mode">
      <ProductSigners>
        <FileRulesRef>
{refs}        </FileRulesRef>
      </ProductSigners>
    </SigningScenario>
  </SigningScenarios>
  <UpdatePolicySigners />
  <CiSigners />
  <HvciOptions>0</HvciOptions>
  <BasePolicyID>{base}</BasePolicyID>
  <PolicyID>{policy}</PolicyID>
  <Settings>
    <Setting Provider="PolicyInfo" Key="Information" ValueName="Name">
      <Value>
        <String>{name}</String>
      </Value>
    </Setting>
  </Settings>
</SiPolicy>
"#,
        base = esc(base_policy_id),
        policy = esc(policy_id),
        name = esc(name)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn guids_are_stable_and_well_formed() {
        let g = super::guid_from(b"go1.22.10");
        assert_eq!(g, super::guid_from(b"go1.22.10"));
        assert_eq!(g.len(), 38);
        assert!(g.starts_with('{') && g.ends_with('}'));
        assert_eq!(&g[15..16], "8");
        assert!(super::esc("a&b<\"").contains("&amp;b&lt;&quot;"));
    }
}
