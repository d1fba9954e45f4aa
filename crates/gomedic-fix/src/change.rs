//! The kinds of change gomedic makes. Each knows how to check that the plan still holds,
//! apply itself, undo itself, and whether undo would restore the previous state exactly.

use crate::error::Error;
use crate::file;
use gomedic_sys::registry::{RegValue, Scope};
use gomedic_sys::winsec::{Exclusions, OwnedRule};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One change of a plan: what it does (`kind`) and the human lines describing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Value")]
pub struct Change {
    #[serde(flatten)]
    pub kind: ChangeKind,
    /// Plan lines, e.g. `GOPROXY: "a" → "b"` (raw values: the journal is private to the
    /// user, 0600; printing goes through the redactor).
    #[serde(default)]
    pub summary: Vec<String>,
}

/// One kind per thing gomedic changes. Stored in the journal tagged by `"kind"`; later
/// kinds (a toolchain directory, a cache trim) are added here with their own undo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// A file's exact bytes (the go env file).
    File(FileChange),
    /// A Windows registry value (the user PATH), type and data.
    RegistryValue(RegistryChange),
    /// Microsoft Defender exclusions gomedic adds.
    DefenderExclusions(DefenderChange),
    /// A Windows Firewall rule gomedic owns (by its name).
    FirewallRule(FirewallChange),
    /// An NTFS alternate data stream (`go.exe:Zone.Identifier`, Mark-of-the-Web).
    AlternateStream(StreamChange),
    /// A tool binary rebuilt by `gomedic fix tools.rebuild` (bytes kept as journal blobs).
    ToolBinary(ToolBinaryChange),
}

/// Exact bytes before (`None`: absent) and after (`None`: deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    pub path: PathBuf,
    #[serde(default, with = "b64opt")]
    pub before: Option<Vec<u8>>,
    #[serde(default, with = "b64opt")]
    pub after: Option<Vec<u8>>,
    /// Directories that applying created, deepest first (removed again by undo when empty).
    #[serde(default)]
    pub created_dirs: Vec<PathBuf>,
}

/// A registry value (`HKCU\Environment\Path`) before and after (`None`: absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryChange {
    pub value: String,
    pub before: Option<RegData>,
    pub after: Option<RegData>,
}

/// A registry value's type (`1` REG_SZ, `2` REG_EXPAND_SZ) and data, unexpanded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegData {
    #[serde(rename = "type")]
    pub kind: u32,
    pub data: String,
}

impl From<RegValue> for RegData {
    fn from(v: RegValue) -> RegData {
        RegData {
            kind: v.kind,
            data: v.data,
        }
    }
}

impl From<&RegData> for RegValue {
    fn from(v: &RegData) -> RegValue {
        RegValue {
            kind: v.kind,
            data: v.data.clone(),
        }
    }
}

/// The exclusions gomedic adds; undo removes exactly those.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefenderChange {
    pub exclusions: Exclusions,
}

/// The rule gomedic adds; undo deletes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallChange {
    pub rule: OwnedRule,
}

/// A stream's bytes before and after (`None`: absent). Streams cannot be renamed into
/// place, so they are written directly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamChange {
    pub path: PathBuf,
    #[serde(default, with = "b64opt")]
    pub before: Option<Vec<u8>>,
    #[serde(default, with = "b64opt")]
    pub after: Option<Vec<u8>>,
}

/// What every kind implements.
pub(crate) trait Kind {
    /// What is changed, for plans, errors and `undo --list`.
    fn target(&self) -> String;
    /// Verbs for the plan and for undo ("edit", "restore").
    fn verbs(&self) -> (&'static str, &'static str);
    fn is_noop(&self) -> bool;
    /// Before journaling: the target still holds what the plan was made from.
    fn check_planned(&self) -> Result<(), Error>;
    /// Just before journaling: record what undo needs to know (directories to create).
    fn prepare(&mut self) {}
    fn apply(&self) -> Result<(), Error>;
    fn undo(&self) -> Result<(), Error>;
    /// Whether undo would restore the previous state exactly now; the error says why not.
    /// `pending`: gomedic stopped mid-change, so the target may still hold the old state.
    fn exact_undo(&self, pending: bool) -> Result<(), Error>;
}

/// A change that replaces one stored value (a registry value, an alternate stream): the
/// same plan, apply, undo and exact-undo rules; only where the value lives differs.
trait StoredValue {
    type Value: PartialEq;
    fn target(&self) -> String;
    fn before(&self) -> &Option<Self::Value>;
    fn after(&self) -> &Option<Self::Value>;
    fn read(&self) -> Result<Option<Self::Value>, Error>;
    fn put(&self, v: &Option<Self::Value>, action: &'static str) -> Result<(), Error>;
}

impl<T: StoredValue> Kind for T {
    fn target(&self) -> String {
        StoredValue::target(self)
    }
    fn verbs(&self) -> (&'static str, &'static str) {
        verbs_for(self.before(), self.after())
    }
    fn is_noop(&self) -> bool {
        self.before() == self.after()
    }
    fn check_planned(&self) -> Result<(), Error> {
        if &self.read()? != self.before() {
            return Err(Error::Stale {
                target: StoredValue::target(self),
            });
        }
        Ok(())
    }
    fn apply(&self) -> Result<(), Error> {
        self.put(self.after(), "write")
    }
    fn undo(&self) -> Result<(), Error> {
        self.put(self.before(), "restore")
    }
    fn exact_undo(&self, pending: bool) -> Result<(), Error> {
        exact_if(
            &self.read()?,
            self.before(),
            self.after(),
            pending,
            StoredValue::target(self),
        )
    }
}

fn verbs_for<T>(before: &Option<T>, after: &Option<T>) -> (&'static str, &'static str) {
    match (before, after) {
        (None, Some(_)) => ("create", "delete"),
        (Some(_), None) => ("delete", "restore"),
        _ => ("edit", "restore"),
    }
}

/// Undo is exact when the target holds what gomedic wrote (or, for a change interrupted
/// midway, still what it replaced).
fn exact_if<T: PartialEq>(
    now: &Option<T>,
    before: &Option<T>,
    after: &Option<T>,
    pending: bool,
    target: String,
) -> Result<(), Error> {
    if now == after || (pending && now == before) {
        Ok(())
    } else {
        Err(Error::ChangedSince { target })
    }
}

impl Kind for FileChange {
    fn target(&self) -> String {
        self.path.display().to_string()
    }
    fn verbs(&self) -> (&'static str, &'static str) {
        verbs_for(&self.before, &self.after)
    }
    fn is_noop(&self) -> bool {
        self.before == self.after
    }
    fn check_planned(&self) -> Result<(), Error> {
        if file::read_file(&self.path)? != self.before {
            return Err(Error::Stale {
                target: self.target(),
            });
        }
        if self.after.is_some() {
            // Refuse devices and read-only files before anything is journaled.
            file::write_mode(&self.path).map(|_| ())?;
        }
        Ok(())
    }
    fn prepare(&mut self) {
        self.created_dirs = missing_ancestors(&self.path);
    }
    fn apply(&self) -> Result<(), Error> {
        file::write_file(&self.path, self.after.as_deref())
    }
    fn undo(&self) -> Result<(), Error> {
        file::write_file(&self.path, self.before.as_deref())?;
        // Deepest first; a directory that is not empty now stays.
        for d in &self.created_dirs {
            let _ = std::fs::remove_dir(d);
        }
        Ok(())
    }
    fn exact_undo(&self, pending: bool) -> Result<(), Error> {
        let now = file::read_file(&self.path)?;
        exact_if(&now, &self.before, &self.after, pending, self.target())
    }
}

impl RegistryChange {
    fn scope(&self) -> Result<Scope, Error> {
        Scope::from_spec(&self.value).ok_or_else(|| Error::System {
            action: "change",
            target: self.value.clone(),
            message: "not a registry value gomedic edits".into(),
        })
    }
    fn read(&self) -> Result<Option<RegData>, Error> {
        gomedic_sys::registry::read(self.scope()?)
            .map(|v| v.map(RegData::from))
            .map_err(|e| Error::io("read", &self.value, e))
    }
    fn write(&self, v: &Option<RegData>, action: &'static str) -> Result<(), Error> {
        let v: Option<RegValue> = v.as_ref().map(RegValue::from);
        gomedic_sys::registry::write(self.scope()?, v.as_ref())
            .map_err(|e| Error::io(action, &self.value, e))
    }
}

impl StoredValue for RegistryChange {
    type Value = RegData;
    fn target(&self) -> String {
        self.value.clone()
    }
    fn before(&self) -> &Option<RegData> {
        &self.before
    }
    fn after(&self) -> &Option<RegData> {
        &self.after
    }
    fn read(&self) -> Result<Option<RegData>, Error> {
        RegistryChange::read(self)
    }
    fn put(&self, v: &Option<RegData>, action: &'static str) -> Result<(), Error> {
        self.write(v, action)
    }
}

const DEFENDER: &str = "Microsoft Defender exclusions";

impl Kind for DefenderChange {
    fn target(&self) -> String {
        DEFENDER.into()
    }
    fn verbs(&self) -> (&'static str, &'static str) {
        ("add", "remove")
    }
    fn is_noop(&self) -> bool {
        self.exclusions.paths.is_empty() && self.exclusions.processes.is_empty()
    }
    // The plan lists only exclusions that were missing: nothing else to compare.
    fn check_planned(&self) -> Result<(), Error> {
        Ok(())
    }
    fn apply(&self) -> Result<(), Error> {
        gomedic_sys::winsec::change_exclusions(&self.exclusions, true).map_err(|message| {
            Error::System {
                action: "add",
                target: DEFENDER.into(),
                message,
            }
        })
    }
    fn undo(&self) -> Result<(), Error> {
        gomedic_sys::winsec::change_exclusions(&self.exclusions, false).map_err(|message| {
            Error::System {
                action: "remove",
                target: DEFENDER.into(),
                message,
            }
        })
    }
    // Removing exactly the listed exclusions is the previous state.
    fn exact_undo(&self, _pending: bool) -> Result<(), Error> {
        Ok(())
    }
}

impl Kind for FirewallChange {
    fn target(&self) -> String {
        format!("Windows Firewall rule \"{}\"", self.rule.name)
    }
    fn verbs(&self) -> (&'static str, &'static str) {
        ("add", "delete")
    }
    fn is_noop(&self) -> bool {
        false
    }
    fn check_planned(&self) -> Result<(), Error> {
        Ok(())
    }
    fn apply(&self) -> Result<(), Error> {
        gomedic_sys::winsec::change_rule(&self.rule, true).map_err(|message| Error::System {
            action: "add",
            target: self.target(),
            message,
        })
    }
    fn undo(&self) -> Result<(), Error> {
        gomedic_sys::winsec::change_rule(&self.rule, false).map_err(|message| Error::System {
            action: "delete",
            target: self.target(),
            message,
        })
    }
    // The rule's name is gomedic's own: deleting it is the previous state.
    fn exact_undo(&self, _pending: bool) -> Result<(), Error> {
        Ok(())
    }
}

impl StreamChange {
    fn read(&self) -> Result<Option<Vec<u8>>, Error> {
        match std::fs::read(&self.path) {
            Ok(d) => Ok(Some(d)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("read", self.path.display(), e)),
        }
    }
    fn set(&self, content: &Option<Vec<u8>>, action: &'static str) -> Result<(), Error> {
        let r = match content {
            Some(d) => std::fs::write(&self.path, d),
            None => match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                r => r,
            },
        };
        r.map_err(|e| Error::io(action, self.path.display(), e))
    }
}

impl StoredValue for StreamChange {
    type Value = Vec<u8>;
    fn target(&self) -> String {
        self.path.display().to_string()
    }
    fn before(&self) -> &Option<Vec<u8>> {
        &self.before
    }
    fn after(&self) -> &Option<Vec<u8>> {
        &self.after
    }
    fn read(&self) -> Result<Option<Vec<u8>>, Error> {
        StreamChange::read(self)
    }
    fn put(&self, v: &Option<Vec<u8>>, action: &'static str) -> Result<(), Error> {
        self.set(v, action)
    }
}

impl ChangeKind {
    pub(crate) fn op(&self) -> &dyn Kind {
        match self {
            ChangeKind::File(c) => c,
            ChangeKind::RegistryValue(c) => c,
            ChangeKind::DefenderExclusions(c) => c,
            ChangeKind::FirewallRule(c) => c,
            ChangeKind::AlternateStream(c) => c,
            ChangeKind::ToolBinary(c) => c,
        }
    }
    pub(crate) fn op_mut(&mut self) -> &mut dyn Kind {
        match self {
            ChangeKind::File(c) => c,
            ChangeKind::RegistryValue(c) => c,
            ChangeKind::DefenderExclusions(c) => c,
            ChangeKind::FirewallRule(c) => c,
            ChangeKind::AlternateStream(c) => c,
            ChangeKind::ToolBinary(c) => c,
        }
    }
}

impl Change {
    /// A tool binary: SHA-256 before/after, bytes in `blobs` (the `after` blob must exist).
    pub fn tool_binary(
        path: impl Into<PathBuf>,
        before: Option<String>,
        after: Option<String>,
        blobs: impl Into<PathBuf>,
        mode: Option<u32>,
        summary: Vec<String>,
    ) -> Change {
        Change {
            kind: ChangeKind::ToolBinary(ToolBinaryChange {
                path: path.into(),
                before,
                after,
                blobs: blobs.into(),
                mode,
            }),
            summary,
        }
    }

    /// A file's contents: exact bytes before (`None`: absent) and after (`None`: delete).
    pub fn file(
        path: impl Into<PathBuf>,
        before: Option<Vec<u8>>,
        after: Option<Vec<u8>>,
        summary: Vec<String>,
    ) -> Change {
        Change {
            kind: ChangeKind::File(FileChange {
                path: path.into(),
                before,
                after,
                created_dirs: Vec::new(),
            }),
            summary,
        }
    }

    /// A registry value named by its spec (`HKCU\Environment\Path`).
    pub fn registry_value(
        value: &str,
        before: Option<RegValue>,
        after: Option<RegValue>,
        summary: Vec<String>,
    ) -> Change {
        Change {
            kind: ChangeKind::RegistryValue(RegistryChange {
                value: value.to_string(),
                before: before.map(RegData::from),
                after: after.map(RegData::from),
            }),
            summary,
        }
    }

    pub fn defender_exclusions(exclusions: Exclusions, summary: Vec<String>) -> Change {
        Change {
            kind: ChangeKind::DefenderExclusions(DefenderChange { exclusions }),
            summary,
        }
    }

    pub fn firewall_rule(rule: OwnedRule, summary: Vec<String>) -> Change {
        Change {
            kind: ChangeKind::FirewallRule(FirewallChange { rule }),
            summary,
        }
    }

    /// An alternate data stream (`C:\Go\bin\go.exe:Zone.Identifier`).
    pub fn stream(
        path: impl Into<PathBuf>,
        before: Option<Vec<u8>>,
        after: Option<Vec<u8>>,
        summary: Vec<String>,
    ) -> Change {
        Change {
            kind: ChangeKind::AlternateStream(StreamChange {
                path: path.into(),
                before,
                after,
            }),
            summary,
        }
    }

    /// What is changed: a path, a registry value, "Microsoft Defender exclusions", a rule.
    pub fn target(&self) -> String {
        self.kind.op().target()
    }

    /// The plan's verb: "create", "edit", "delete", "add".
    pub fn plan_verb(&self) -> &'static str {
        self.kind.op().verbs().0
    }

    /// Undo's verb: "restore", "delete", "remove".
    pub fn undo_verb(&self) -> &'static str {
        self.kind.op().verbs().1
    }

    pub fn is_noop(&self) -> bool {
        self.kind.op().is_noop()
    }

    /// Whether undoing this change now would restore the previous state exactly; the
    /// error says why not (e.g. the file was edited since). `pending`: the entry was
    /// interrupted mid-change.
    pub fn exact_undo(&self, pending: bool) -> Result<(), Error> {
        self.kind.op().exact_undo(pending)
    }
}

/// Ancestors of `path` that do not exist, deepest first.
fn missing_ancestors(path: &Path) -> Vec<PathBuf> {
    path.ancestors()
        .skip(1)
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_path_buf)
        .collect()
}

/// Reads both journal formats: tagged by `"kind"` (current) and the earlier single
/// record with `registry` / `defender` / `firewall` flags.
impl TryFrom<serde_json::Value> for Change {
    type Error = String;

    fn try_from(v: serde_json::Value) -> Result<Change, String> {
        let summary = match v.get("summary") {
            Some(s) => serde_json::from_value(s.clone()).map_err(|e| format!("summary: {e}"))?,
            None => Vec::new(),
        };
        let kind = match v.get("kind") {
            Some(k) => {
                let name = k.as_str().unwrap_or("").to_string();
                ChangeKind::deserialize(&v).map_err(|e| {
                    if e.to_string().starts_with("unknown variant") {
                        format!("unknown change kind {name:?}; it was written by a newer gomedic")
                    } else {
                        format!("{name}: {e}")
                    }
                })?
            }
            None => {
                let old: Flagged = serde_json::from_value(v).map_err(|e| e.to_string())?;
                old.into_kind()?
            }
        };
        Ok(Change { kind, summary })
    }
}

/// The earlier journal format: one record for every kind, told apart by flags.
#[derive(Deserialize)]
struct Flagged {
    path: PathBuf,
    #[serde(default, with = "b64opt")]
    before: Option<Vec<u8>>,
    #[serde(default, with = "b64opt")]
    after: Option<Vec<u8>>,
    #[serde(default)]
    created_dirs: Vec<PathBuf>,
    #[serde(default)]
    registry: bool,
    #[serde(default)]
    defender: bool,
    #[serde(default)]
    firewall: bool,
}

impl Flagged {
    fn into_kind(self) -> Result<ChangeKind, String> {
        let json = |what: &str| {
            let b = self
                .after
                .as_deref()
                .ok_or(format!("{what} without its data"))?;
            Ok::<_, String>(b.to_vec())
        };
        if self.firewall {
            let rule = serde_json::from_slice(&json("firewall rule")?)
                .map_err(|e| format!("corrupt firewall rule: {e}"))?;
            return Ok(ChangeKind::FirewallRule(FirewallChange { rule }));
        }
        if self.defender {
            let exclusions = serde_json::from_slice(&json("Defender exclusions")?)
                .map_err(|e| format!("corrupt exclusion list: {e}"))?;
            return Ok(ChangeKind::DefenderExclusions(DefenderChange {
                exclusions,
            }));
        }
        if self.registry {
            let dec = |b: Option<Vec<u8>>| match b {
                None => Ok(None),
                Some(b) => RegValue::decode(&b)
                    .map(|v| Some(RegData::from(v)))
                    .ok_or_else(|| "corrupt registry value".to_string()),
            };
            return Ok(ChangeKind::RegistryValue(RegistryChange {
                value: self.path.to_string_lossy().into_owned(),
                before: dec(self.before)?,
                after: dec(self.after)?,
            }));
        }
        // Earlier versions wrote any `name:stream` path directly, as a stream.
        if self
            .path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains(':'))
        {
            return Ok(ChangeKind::AlternateStream(StreamChange {
                path: self.path,
                before: self.before,
                after: self.after,
            }));
        }
        Ok(ChangeKind::File(FileChange {
            path: self.path,
            before: self.before,
            after: self.after,
            created_dirs: self.created_dirs,
        }))
    }
}

mod b64opt {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_some(&base64::engine::general_purpose::STANDARD.encode(b)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let o: Option<String> = Option::deserialize(d)?;
        o.map(|s| {
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(serde::de::Error::custom)
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use serde_json::json;

    fn b64(b: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    fn load(v: serde_json::Value) -> Change {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn earlier_flag_records_load_as_typed_kinds() {
        let file = load(json!({
            "path": "/home/u/.config/go/env", "before": b64(b"A=1\n"), "after": null,
            "summary": ["A: \"1\" → (removed)"], "created_dirs": ["/home/u/.config/go"],
            "registry": false, "defender": false, "firewall": false
        }));
        assert_eq!(
            file.kind,
            ChangeKind::File(FileChange {
                path: "/home/u/.config/go/env".into(),
                before: Some(b"A=1\n".to_vec()),
                after: None,
                created_dirs: vec!["/home/u/.config/go".into()],
            })
        );
        assert_eq!(file.summary.len(), 1);

        let old = RegValue {
            kind: 1,
            data: "C:\\a;C:\\b".into(),
        };
        let new = RegValue {
            kind: 2,
            data: "%USERPROFILE%\\go\\bin".into(),
        };
        let reg = load(json!({
            "path": "HKCU\\Environment\\Path", "before": b64(&old.encode()),
            "after": b64(&new.encode()), "summary": [], "created_dirs": [],
            "registry": true, "defender": false, "firewall": false
        }));
        assert_eq!(
            reg.kind,
            ChangeKind::RegistryValue(RegistryChange {
                value: "HKCU\\Environment\\Path".into(),
                before: Some(RegData {
                    kind: 1,
                    data: "C:\\a;C:\\b".into()
                }),
                after: Some(RegData {
                    kind: 2,
                    data: "%USERPROFILE%\\go\\bin".into()
                }),
            })
        );

        let def = load(json!({
            "path": "Microsoft Defender exclusions", "before": null,
            "after": b64(br#"{"paths":["C:\\Users\\dev\\go"],"processes":["go.exe"]}"#),
            "summary": [], "created_dirs": [], "registry": false, "defender": true, "firewall": false
        }));
        assert_eq!(
            def.kind,
            ChangeKind::DefenderExclusions(DefenderChange {
                exclusions: Exclusions {
                    paths: vec!["C:\\Users\\dev\\go".into()],
                    processes: vec!["go.exe".into()],
                }
            })
        );
        assert_eq!((def.plan_verb(), def.undo_verb()), ("add", "remove"));

        let fw = load(json!({
            "path": "Windows Firewall rule \"gomedic: Delve (loopback)\"", "before": null,
            "after": b64(br#"{"name":"gomedic: Delve (loopback)","local_ports":"2345-2349","remote_address":"127.0.0.1"}"#),
            "summary": [], "created_dirs": [], "registry": false, "defender": false, "firewall": true
        }));
        assert_eq!(
            fw.target(),
            "Windows Firewall rule \"gomedic: Delve (loopback)\""
        );
        assert!(
            matches!(&fw.kind, ChangeKind::FirewallRule(f) if f.rule.local_ports == "2345-2349")
        );

        // Mark-of-the-Web removal was a file record whose name holds a stream.
        let motw = load(json!({
            "path": "C:\\Go\\bin\\go.exe:Zone.Identifier", "before": b64(b"[ZoneTransfer]\r\nZoneId=3\r\n"),
            "after": null, "summary": [], "created_dirs": [],
            "registry": false, "defender": false, "firewall": false
        }));
        assert!(
            matches!(&motw.kind, ChangeKind::AlternateStream(s) if s.before.as_deref() == Some(&b"[ZoneTransfer]\r\nZoneId=3\r\n"[..]) && s.after.is_none()),
            "{motw:?}"
        );
        assert_eq!((motw.plan_verb(), motw.undo_verb()), ("delete", "restore"));
    }

    #[test]
    fn an_earlier_entry_file_loads_and_its_file_undoes() {
        // A whole entry as the flag format wrote it.
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("env");
        std::fs::write(&f, "GOPROXY=b\n").unwrap();
        let entry = json!({
            "id": "20250101T000000Z.000000001-env-set-0001",
            "created": "2025-01-01T00:00:00Z",
            "state": "applied",
            "plan": {
                "fix_id": "env set", "description": "go env -w",
                "changes": [{
                    "path": f, "before": b64(b"GOPROXY=a\r\n"), "after": b64(b"GOPROXY=b\n"),
                    "summary": ["GOPROXY: \"a\" → \"b\""], "created_dirs": [],
                    "registry": false, "defender": false, "firewall": false
                }]
            },
            "note": null
        });
        let j = crate::Journal::new(d.path());
        std::fs::create_dir_all(j.dir()).unwrap();
        std::fs::write(
            j.dir().join("20250101T000000Z.000000001-env-set-0001.json"),
            serde_json::to_vec_pretty(&entry).unwrap(),
        )
        .unwrap();
        let e = j.last_undoable().unwrap().unwrap();
        j.undo(&e.id, false).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"GOPROXY=a\r\n");
        // Saved back in the typed format.
        let saved: serde_json::Value =
            serde_json::from_slice(&std::fs::read(j.dir().join(format!("{}.json", e.id))).unwrap())
                .unwrap();
        assert_eq!(saved["state"], "undone");
        assert_eq!(saved["plan"]["changes"][0]["kind"], "file");
        assert!(saved["plan"]["changes"][0].get("registry").is_none());
    }

    #[test]
    fn typed_records_round_trip() {
        let changes = vec![
            Change::file(
                "/x/env",
                None,
                Some(b"\xffraw\r\n".to_vec()),
                vec!["s".into()],
            ),
            Change::registry_value(
                "HKCU\\Environment\\Path",
                None,
                Some(RegValue {
                    kind: 2,
                    data: "%X%;ü".into(),
                }),
                vec![],
            ),
            Change::defender_exclusions(
                Exclusions {
                    paths: vec!["C:\\go".into()],
                    processes: vec![],
                },
                vec![],
            ),
            Change::firewall_rule(
                OwnedRule {
                    name: "r".into(),
                    local_ports: "1".into(),
                    remote_address: "127.0.0.1".into(),
                },
                vec![],
            ),
            Change::stream(
                "C:\\go.exe:Zone.Identifier",
                Some(b"z".to_vec()),
                None,
                vec![],
            ),
        ];
        let v = serde_json::to_value(&changes).unwrap();
        let kinds: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "file",
                "registry_value",
                "defender_exclusions",
                "firewall_rule",
                "alternate_stream"
            ]
        );
        assert_eq!(v[1]["after"], json!({"type": 2, "data": "%X%;ü"}));
        assert_eq!(v[2]["exclusions"]["paths"][0], "C:\\go");
        assert_eq!(v[0]["summary"][0], "s");
        let back: Vec<Change> = serde_json::from_value(v).unwrap();
        assert_eq!(back, changes);
    }

    #[test]
    fn unknown_kinds_are_named() {
        let e = serde_json::from_value::<Change>(json!({"kind": "cache_trim", "summary": []}))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"cache_trim\"") && e.contains("newer gomedic"),
            "{e}"
        );
        // A corrupt earlier record is an error, not a silent default.
        let e = serde_json::from_value::<Change>(json!({
            "path": "HKCU\\Environment\\Path", "before": null, "after": b64(b"\x01"), "registry": true
        }))
        .unwrap_err()
        .to_string();
        assert!(e.contains("corrupt registry value"), "{e}");
    }

    #[test]
    fn noop_and_verbs() {
        let same = Change::file("/x", Some(b"a".to_vec()), Some(b"a".to_vec()), vec![]);
        assert!(same.is_noop());
        let create = Change::file("/x", None, Some(b"a".to_vec()), vec![]);
        assert_eq!(
            (create.plan_verb(), create.undo_verb()),
            ("create", "delete")
        );
        assert!(!Change::defender_exclusions(
            Exclusions {
                paths: vec!["C:\\go".into()],
                processes: vec![]
            },
            vec![]
        )
        .is_noop());
    }
}

/// A tool binary replaced (or created, or removed) by a rebuild. Binaries are tens of
/// megabytes, so their bytes live in the journal's blob directory under their SHA-256
/// rather than in the entry; undo restores the old binary byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolBinaryChange {
    pub path: PathBuf,
    /// SHA-256 (hex) of the binary before (`None`: absent) and after (`None`: removed).
    pub before: Option<String>,
    pub after: Option<String>,
    /// Where the blobs are (`<journal>/blobs`).
    pub blobs: PathBuf,
    /// Unix permission bits the binary is written with.
    #[serde(default)]
    pub mode: Option<u32>,
}

/// SHA-256 of a file's bytes, `None` when it does not exist.
fn file_sha(path: &Path) -> Result<Option<String>, Error> {
    Ok(file::read_file(path)?.map(|b| blob::sha256_hex(&b)))
}

impl ToolBinaryChange {
    fn put(&self, sha: &Option<String>) -> Result<(), Error> {
        let Some(sha) = sha else {
            return file::write_file(&self.path, None);
        };
        let bytes = blob::read(&self.blobs, sha)
            .map_err(|e| Error::io("read the kept binary for", self.path.display(), e))?;
        file::write_file(&self.path, Some(&bytes))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = self.mode.unwrap_or(0o755);
            std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(mode))
                .map_err(|e| Error::io("set the permissions of", self.path.display(), e))?;
        }
        Ok(())
    }
}

impl Kind for ToolBinaryChange {
    fn target(&self) -> String {
        self.path.display().to_string()
    }
    fn verbs(&self) -> (&'static str, &'static str) {
        match (&self.before, &self.after) {
            (None, Some(_)) => ("create", "delete"),
            (Some(_), None) => ("delete", "restore"),
            _ => ("replace", "restore"),
        }
    }
    fn is_noop(&self) -> bool {
        self.before == self.after
    }
    fn check_planned(&self) -> Result<(), Error> {
        if file_sha(&self.path)? != self.before {
            return Err(Error::Stale {
                target: self.target(),
            });
        }
        if let Some(a) = &self.after {
            if !blob::exists(&self.blobs, a) {
                return Err(Error::Stale {
                    target: format!("{} (the rebuilt binary is gone)", self.target()),
                });
            }
        }
        Ok(())
    }
    fn apply(&self) -> Result<(), Error> {
        // Keep the old binary first: the entry is already journaled (pending).
        if let Some(b) = &self.before {
            if !blob::exists(&self.blobs, b) {
                let bytes = file::read_file(&self.path)?.unwrap_or_default();
                let sha = blob::store(&self.blobs, &bytes)
                    .map_err(|e| Error::io("keep a copy of", self.path.display(), e))?;
                if &sha != b {
                    return Err(Error::Stale {
                        target: self.target(),
                    });
                }
            }
        }
        self.put(&self.after)
    }
    fn undo(&self) -> Result<(), Error> {
        self.put(&self.before)
    }
    fn exact_undo(&self, pending: bool) -> Result<(), Error> {
        let now = file_sha(&self.path)?;
        exact_if(&now, &self.before, &self.after, pending, self.target())
    }
}

/// Content-addressed blobs in the journal directory.
pub mod blob {
    use sha2::{Digest, Sha256};
    use std::io;
    use std::path::Path;

    /// SHA-256 of a file's bytes, `None` when it does not exist.
    pub fn file_sha256(path: &Path) -> io::Result<Option<String>> {
        match std::fs::read(path) {
            Ok(b) => Ok(Some(sha256_hex(&b))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn sha256_hex(b: &[u8]) -> String {
        Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect()
    }

    fn valid(sha: &str) -> bool {
        sha.len() == 64 && sha.bytes().all(|c| c.is_ascii_hexdigit())
    }

    pub fn exists(dir: &Path, sha: &str) -> bool {
        valid(sha) && dir.join(sha).is_file()
    }

    /// The blob's bytes, checked against its name.
    pub fn read(dir: &Path, sha: &str) -> io::Result<Vec<u8>> {
        if !valid(sha) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256"));
        }
        let b = std::fs::read(dir.join(sha))?;
        if sha256_hex(&b) != sha {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the kept copy {sha} is damaged"),
            ));
        }
        Ok(b)
    }

    /// Removes blob `sha` from `dir` (only a file named by a SHA-256; a missing one is fine).
    pub fn remove(dir: &Path, sha: &str) -> io::Result<()> {
        if !valid(sha) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256"));
        }
        match std::fs::remove_file(dir.join(sha)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Stores `bytes` (written to a temporary name, then renamed) and returns its SHA-256.
    pub fn store(dir: &Path, bytes: &[u8]) -> io::Result<String> {
        use std::io::Write;
        let sha = sha256_hex(bytes);
        if dir.join(&sha).is_file() {
            return Ok(sha);
        }
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{sha}.{}.tmp", std::process::id()));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, dir.join(&sha))?;
        Ok(sha)
    }
}
