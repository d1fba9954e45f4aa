//! Plans, journal entries, atomic application and exact undo.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A failure that names the file and what to do.
#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Error {}

fn err(msg: impl Into<String>) -> Error {
    Error(msg.into())
}

/// One file edit: exact bytes before (`None` = file absent) and after (`None` = delete).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub path: PathBuf,
    #[serde(with = "b64opt")]
    pub before: Option<Vec<u8>>,
    #[serde(with = "b64opt")]
    pub after: Option<Vec<u8>>,
    /// Human lines for the plan, e.g. `GOPROXY: "a" → "b"` (raw values: the journal is
    /// private to the user, 0600; printing goes through the redactor).
    pub summary: Vec<String>,
    /// Directories that applying created (removed again by undo when empty).
    #[serde(default)]
    pub created_dirs: Vec<PathBuf>,
    /// `path` names a Windows registry value (e.g. `HKCU\Environment\Path`), and
    /// before/after hold its type and data (see `gomedic_sys::registry::RegValue::encode`).
    #[serde(default)]
    pub registry: bool,
    /// Defender exclusions: `after` holds the JSON list gomedic adds; undo removes it.
    #[serde(default)]
    pub defender: bool,
    /// A firewall rule gomedic owns: `after` holds its JSON; undo deletes it.
    #[serde(default)]
    pub firewall: bool,
}

/// What a fix or an `env set` intends to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The fix id (`net.mirror`) or command (`env set`).
    pub fix_id: String,
    pub description: String,
    pub changes: Vec<Change>,
    /// The checks to run again after applying or undoing (none: `go.env`).
    #[serde(default)]
    pub recheck: Vec<String>,
}

impl Plan {
    /// A plan that changes nothing.
    pub fn is_noop(&self) -> bool {
        self.changes.iter().all(|c| c.before == c.after)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Written before applying; still pending means gomedic stopped mid-change.
    Pending,
    Applied,
    /// Applying failed and what was written was rolled back.
    RolledBack,
    Undone,
}

/// A journal entry on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub created: String,
    pub state: EntryState,
    pub plan: Plan,
    #[serde(default)]
    pub note: Option<String>,
}

/// Where gomedic keeps its data: `GOMEDIC_DATA_DIR`, else the OS convention.
pub fn data_dir(getenv: &dyn Fn(&str) -> Option<String>, os: &str) -> Result<PathBuf, Error> {
    let nonempty = |k: &str| getenv(k).filter(|v| !v.is_empty());
    if let Some(d) = nonempty("GOMEDIC_DATA_DIR") {
        return Ok(PathBuf::from(d));
    }
    let home = || {
        nonempty("HOME").map(PathBuf::from).ok_or_else(|| {
            err("cannot find gomedic's data directory: $HOME is not set (set GOMEDIC_DATA_DIR)")
        })
    };
    Ok(match os {
        "windows" => nonempty("LOCALAPPDATA")
            .map(|d| PathBuf::from(d).join("gomedic"))
            .ok_or_else(|| err("cannot find gomedic's data directory: %LOCALAPPDATA% is not set (set GOMEDIC_DATA_DIR)"))?,
        "macos" => home()?.join("Library/Application Support/gomedic"),
        _ => match nonempty("XDG_DATA_HOME").filter(|d| Path::new(d).is_absolute()) {
            Some(d) => PathBuf::from(d).join("gomedic"),
            None => home()?.join(".local/share/gomedic"),
        },
    })
}

/// The journal directory (`<data dir>/journal`).
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    pub fn new(data_dir: &Path) -> Journal {
        Journal {
            dir: data_dir.join("journal"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    fn save(&self, e: &Entry) -> Result<(), Error> {
        std::fs::create_dir_all(&self.dir).map_err(|x| {
            err(format!(
                "cannot create the journal directory {}: {x}",
                self.dir.display()
            ))
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Entries hold file contents, which may include proxy credentials.
            let _ = std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700));
        }
        let data = serde_json::to_vec_pretty(e).map_err(|x| err(x.to_string()))?;
        #[cfg(unix)]
        let perms = {
            use std::os::unix::fs::PermissionsExt;
            Some(std::fs::Permissions::from_mode(0o600))
        };
        #[cfg(not(unix))]
        let perms = None;
        write_atomic(&self.path_of(&e.id), &data, perms).map_err(|x| {
            err(format!(
                "cannot write the journal entry {}: {x}",
                self.path_of(&e.id).display()
            ))
        })
    }

    /// Every entry, oldest first. Unreadable entries are reported, not skipped silently.
    pub fn list(&self) -> Result<Vec<Entry>, Error> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(err(format!(
                    "cannot read the journal {}: {e}",
                    self.dir.display()
                )))
            }
        };
        let mut out = Vec::new();
        for ent in rd.flatten() {
            let p = ent.path();
            if p.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let data =
                std::fs::read(&p).map_err(|e| err(format!("cannot read {}: {e}", p.display())))?;
            let e: Entry = serde_json::from_slice(&data).map_err(|e| {
                err(format!(
                    "journal entry {} is corrupt ({e}); move it aside to continue",
                    p.display()
                ))
            })?;
            out.push(e);
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    pub fn get(&self, id: &str) -> Result<Entry, Error> {
        self.list()?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| {
                err(format!(
                    "no journal entry {id:?} in {} (see `gomedic undo --list`)",
                    self.dir.display()
                ))
            })
    }

    /// Journals `plan`, applies it, and returns the applied entry. On a write failure the
    /// files already written are restored and the entry is marked rolled back.
    pub fn apply(&self, plan: Plan) -> Result<Entry, Error> {
        // Refuse if a file changed since the plan was made (stale plan).
        for c in &plan.changes {
            let now = read_change(c)?;
            if now != c.before {
                return Err(err(format!(
                    "{} changed while gomedic was planning; run the command again",
                    c.path.display()
                )));
            }
        }
        let (created, compact) = crate::time::now();
        // Sub-second part first, so ids sort in the order changes were made.
        let id = format!(
            "{compact}.{:09}-{}-{:04x}",
            nanos(),
            sanitize(&plan.fix_id),
            std::process::id() as u16
        );
        let mut plan = plan;
        for c in &mut plan.changes {
            if !c.registry && !c.defender && !c.firewall {
                c.created_dirs = missing_ancestors(&c.path);
            }
        }
        let mut entry = Entry {
            id,
            created,
            state: EntryState::Pending,
            plan,
            note: None,
        };
        self.save(&entry)?;
        let mut done: Vec<&Change> = Vec::new();
        for c in &entry.plan.changes {
            if let Err(e) = apply_change(c, c.after.as_deref()) {
                let mut rollback_errors = Vec::new();
                for d in done.iter().rev() {
                    if let Err(re) = apply_change(d, d.before.as_deref()) {
                        rollback_errors.push(format!("{}: {re}", d.path.display()));
                    }
                }
                let msg = format!("cannot write {}: {e}", c.path.display());
                entry.state = EntryState::RolledBack;
                entry.note = Some(if rollback_errors.is_empty() {
                    msg.clone()
                } else {
                    format!("{msg}; rollback failed for {}", rollback_errors.join(", "))
                });
                self.save(&entry)?;
                return Err(err(format!(
                    "{msg}. Nothing was changed{}",
                    if rollback_errors.is_empty() {
                        ""
                    } else {
                        " except files that could not be rolled back (see the journal)"
                    }
                )));
            }
            done.push(c);
        }
        entry.state = EntryState::Applied;
        self.save(&entry)?;
        Ok(entry)
    }

    /// Restores the files of entry `id` to their exact previous bytes.
    pub fn undo(&self, id: &str, force: bool) -> Result<Entry, Error> {
        let mut e = self.get(id)?;
        match e.state {
            EntryState::Applied | EntryState::Pending => {}
            EntryState::Undone => return Err(err(format!("{id} was already undone"))),
            EntryState::RolledBack => {
                return Err(err(format!("{id} was never applied (it was rolled back)")))
            }
        }
        if !force {
            for c in &e.plan.changes {
                let now = read_change(c)?;
                if now != c.after && !(e.state == EntryState::Pending && now == c.before) {
                    return Err(err(format!(
                        "{} changed after gomedic wrote it; undo would lose those edits. Inspect it, then use --force to restore the recorded version",
                        c.path.display()
                    )));
                }
            }
        }
        for c in e.plan.changes.iter().rev() {
            apply_change(c, c.before.as_deref())
                .map_err(|x| err(format!("cannot restore {}: {x}", c.path.display())))?;
            // Deepest first; a directory that is not empty now stays.
            for d in &c.created_dirs {
                let _ = std::fs::remove_dir(d);
            }
        }
        e.state = EntryState::Undone;
        self.save(&e)?;
        Ok(e)
    }

    /// The newest entry that can be undone.
    pub fn last_undoable(&self) -> Result<Option<Entry>, Error> {
        Ok(self
            .list()?
            .into_iter()
            .rev()
            .find(|e| matches!(e.state, EntryState::Applied | EntryState::Pending)))
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

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

/// The file's bytes, or `None` if it does not exist.
fn read_change(c: &Change) -> Result<Option<Vec<u8>>, Error> {
    if c.defender || c.firewall {
        // Sets gomedic adds to; there is no previous content to compare.
        return Ok(c.before.clone());
    }
    if c.registry {
        let scope = registry_scope(&c.path)?;
        return gomedic_sys::registry::read(scope)
            .map(|v| v.map(|v| v.encode()))
            .map_err(|e| err(format!("cannot read {}: {e}", c.path.display())));
    }
    read_opt(&c.path)
}

fn registry_scope(p: &Path) -> Result<gomedic_sys::registry::Scope, Error> {
    gomedic_sys::registry::Scope::from_spec(&p.to_string_lossy()).ok_or_else(|| {
        err(format!(
            "{} is not a registry value gomedic edits",
            p.display()
        ))
    })
}

fn apply_change(c: &Change, content: Option<&[u8]>) -> std::io::Result<()> {
    if c.firewall {
        let rule: gomedic_sys::winsec::OwnedRule = c
            .after
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .ok_or_else(|| std::io::Error::other("corrupt firewall rule in the journal"))?;
        return gomedic_sys::winsec::change_rule(&rule, content.is_some())
            .map_err(std::io::Error::other);
    }
    if c.defender {
        let list: gomedic_sys::winsec::Exclusions = c
            .after
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .ok_or_else(|| std::io::Error::other("corrupt exclusion list in the journal"))?;
        return gomedic_sys::winsec::change_exclusions(&list, content.is_some())
            .map_err(std::io::Error::other);
    }
    if c.registry {
        let scope = registry_scope(&c.path).map_err(|e| std::io::Error::other(e.0))?;
        let v =
            match content {
                Some(b) => Some(gomedic_sys::registry::RegValue::decode(b).ok_or_else(|| {
                    std::io::Error::other("corrupt registry value in the journal")
                })?),
                None => None,
            };
        return gomedic_sys::registry::write(scope, v.as_ref());
    }
    write_change(&c.path, content)
}

pub fn read_opt(p: &Path) -> Result<Option<Vec<u8>>, Error> {
    match std::fs::read(p) {
        Ok(d) => Ok(Some(d)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err(format!("cannot read {}: {e}", p.display()))),
    }
}

fn write_change(path: &Path, content: Option<&[u8]>) -> std::io::Result<()> {
    // Write through a symlink (as `go env -w` does) instead of replacing the link.
    let resolved;
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            let target = std::fs::read_link(path)?;
            resolved = if target.is_absolute() {
                target
            } else {
                path.parent().unwrap_or(Path::new(".")).join(target)
            };
            resolved.as_path()
        }
        _ => path,
    };
    match content {
        None => match std::fs::remove_file(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            r => r,
        },
        Some(data) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            // An alternate data stream (`file:Zone.Identifier`) cannot be renamed into place.
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().contains(':'))
            {
                return std::fs::write(path, data);
            }
            let perms = std::fs::metadata(path).ok().map(|m| m.permissions());
            if perms.as_ref().is_some_and(|p| p.readonly()) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "the file is read-only",
                ));
            }
            write_atomic(path, data, perms)
        }
    }
}

/// Writes via a temp file in the same directory and a rename, so readers see old or new.
fn write_atomic(
    path: &Path,
    data: &[u8],
    perms: Option<std::fs::Permissions>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.gomedic-tmp-{}", std::process::id()));
    let res = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        drop(f);
        if let Some(p) = perms {
            std::fs::set_permissions(&tmp, p)?;
        }
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable (a journal entry must survive a crash).
        #[cfg(unix)]
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
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

    fn plan(path: &Path, before: Option<&[u8]>, after: Option<&[u8]>) -> Plan {
        Plan {
            recheck: Vec::new(),
            fix_id: "test.fix".into(),
            description: "d".into(),
            changes: vec![Change {
                path: path.into(),
                before: before.map(<[u8]>::to_vec),
                after: after.map(<[u8]>::to_vec),
                summary: vec![],
                created_dirs: vec![],
                registry: false,
                defender: false,
                firewall: false,
            }],
        }
    }

    #[test]
    fn apply_then_undo_is_byte_identical() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let f = d.path().join("go/env");
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        let original = b"GOPROXY=a\r\n# odd\n\xffraw";
        std::fs::write(&f, original).unwrap();
        let e = j
            .apply(plan(&f, Some(original), Some(b"GOPROXY=b\n")))
            .unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"GOPROXY=b\n");
        assert_eq!(j.last_undoable().unwrap().unwrap().id, e.id);
        j.undo(&e.id, false).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), original);
        assert!(j.undo(&e.id, false).is_err(), "twice");
        assert!(j.last_undoable().unwrap().is_none());
    }

    #[test]
    fn creating_a_file_undoes_to_absent() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let f = d.path().join("new/dir/env");
        let e = j.apply(plan(&f, None, Some(b"X=1\n"))).unwrap();
        assert!(f.exists());
        j.undo(&e.id, false).unwrap();
        assert!(!f.exists());
        assert!(
            !d.path().join("new").exists(),
            "created directories are removed again"
        );
    }

    #[test]
    fn refuses_stale_plans_and_edited_files() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let f = d.path().join("env");
        std::fs::write(&f, "A=1\n").unwrap();
        assert!(j.apply(plan(&f, Some(b"A=0\n"), Some(b"A=2\n"))).is_err());
        assert_eq!(std::fs::read(&f).unwrap(), b"A=1\n");
        let e = j.apply(plan(&f, Some(b"A=1\n"), Some(b"A=2\n"))).unwrap();
        std::fs::write(&f, "A=3\n").unwrap();
        let msg = j.undo(&e.id, false).unwrap_err().0;
        assert!(msg.contains("--force"), "{msg}");
        j.undo(&e.id, true).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"A=1\n");
    }

    #[cfg(unix)]
    #[test]
    fn read_only_file_is_left_untouched() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let f = d.path().join("env");
        std::fs::write(&f, "A=1\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o444)).unwrap();
        let e = j.apply(plan(&f, Some(b"A=1\n"), Some(b"A=2\n")));
        assert!(e.is_err());
        assert_eq!(std::fs::read(&f).unwrap(), b"A=1\n");
        assert_eq!(j.list().unwrap()[0].state, EntryState::RolledBack);
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_symlinks_and_orders_fast_changes() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let real = d.path().join("real-env");
        std::fs::write(&real, "A=1\n").unwrap();
        let link = d.path().join("env");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e1 = j
            .apply(plan(&link, Some(b"A=1\n"), Some(b"A=2\n")))
            .unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "link kept"
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"A=2\n");
        let e2 = j
            .apply(plan(&link, Some(b"A=2\n"), Some(b"A=3\n")))
            .unwrap();
        assert!(e1.id < e2.id, "{} < {}", e1.id, e2.id);
        assert_eq!(j.last_undoable().unwrap().unwrap().id, e2.id);
        j.undo(&e2.id, false).unwrap();
        j.undo(&e1.id, false).unwrap();
        assert_eq!(std::fs::read(&real).unwrap(), b"A=1\n");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[cfg(not(windows))]
    #[test]
    fn defender_changes_are_refused_off_windows_and_rolled_back() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let list = br#"{"paths":["C:\\Users\\dev\\go"],"processes":["go.exe"]}"#;
        let p = Plan {
            recheck: Vec::new(),
            fix_id: "win.defender-exclusions".into(),
            description: "d".into(),
            changes: vec![Change {
                path: "Microsoft Defender exclusions".into(),
                before: None,
                after: Some(list.to_vec()),
                summary: vec![],
                created_dirs: vec![],
                registry: false,
                defender: true,
                firewall: false,
            }],
        };
        let e = j.apply(p).unwrap_err();
        assert!(e.0.contains("only be changed on Windows"), "{e}");
        assert_eq!(j.list().unwrap()[0].state, EntryState::RolledBack);
    }

    #[test]
    fn corrupt_entry_is_named() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        std::fs::create_dir_all(j.dir()).unwrap();
        std::fs::write(j.dir().join("x.json"), "{not json").unwrap();
        let m = j.list().unwrap_err().0;
        assert!(m.contains("x.json") && m.contains("corrupt"), "{m}");
    }

    #[test]
    fn data_dir_conventions() {
        let env = |k: &str| match k {
            "HOME" => Some("/home/u".to_string()),
            "LOCALAPPDATA" => Some("C:\\Users\\u\\AppData\\Local".to_string()),
            _ => None,
        };
        assert_eq!(
            data_dir(&env, "linux").unwrap(),
            PathBuf::from("/home/u/.local/share/gomedic")
        );
        assert_eq!(
            data_dir(&env, "macos").unwrap(),
            PathBuf::from("/home/u/Library/Application Support/gomedic")
        );
        assert!(data_dir(&env, "windows").unwrap().ends_with("gomedic"));
    }
}
