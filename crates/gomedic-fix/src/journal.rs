//! Plans, journal entries, application and exact undo.

use crate::change::Change;
use crate::error::Error;
use crate::file::{self, Like};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

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
        self.changes.iter().all(Change::is_noop)
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
        nonempty("HOME")
            .map(PathBuf::from)
            .ok_or(Error::NoDataDir { var: "$HOME" })
    };
    Ok(match os {
        "windows" => nonempty("LOCALAPPDATA")
            .map(|d| PathBuf::from(d).join("gomedic"))
            .ok_or(Error::NoDataDir {
                var: "%LOCALAPPDATA%",
            })?,
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
        let what = || format!("the journal entry {}", self.path_of(&e.id).display());
        std::fs::create_dir_all(&self.dir)
            .map_err(|x| Error::io("create the journal directory", self.dir.display(), x))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Entries hold file contents, which may include proxy credentials.
            let _ = std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700));
        }
        let data = serde_json::to_vec_pretty(e)
            .map_err(|x| Error::io("write", what(), std::io::Error::other(x)))?;
        file::write_atomic(&self.path_of(&e.id), &data, Like::Private)
            .map_err(|x| Error::io("write", what(), x))?;
        Ok(())
    }

    /// Every entry, oldest first. Unreadable entries are reported, not skipped silently.
    pub fn list(&self) -> Result<Vec<Entry>, Error> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("read the journal", self.dir.display(), e)),
        };
        // Temp files of entries a killed gomedic was writing.
        file::remove_leftovers(&self.dir, None);
        let mut out = Vec::new();
        for ent in rd.flatten() {
            let p = ent.path();
            if p.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let data = std::fs::read(&p).map_err(|e| Error::io("read", p.display(), e))?;
            let e: Entry = serde_json::from_slice(&data).map_err(|e| Error::CorruptEntry {
                path: p.clone(),
                problem: e.to_string(),
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
            .ok_or_else(|| Error::NoEntry {
                id: id.to_string(),
                dir: self.dir.clone(),
            })
    }

    /// Journals `plan`, applies it, and returns the applied entry. On a failure the
    /// changes already made are undone and the entry is marked rolled back.
    pub fn apply(&self, plan: Plan) -> Result<Entry, Error> {
        // Stale plans and targets gomedic will not write are refused before journaling.
        for c in &plan.changes {
            c.kind.op().check_planned()?;
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
            c.kind.op_mut().prepare();
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
            if let Err(e) = c.kind.op().apply() {
                let mut rollback_failed = Vec::new();
                for d in done.iter().rev() {
                    if let Err(re) = d.kind.op().undo() {
                        rollback_failed.push(format!("{}: {re}", d.target()));
                    }
                }
                let err = Error::NotApplied {
                    cause: Box::new(e),
                    rollback_failed,
                };
                entry.state = EntryState::RolledBack;
                entry.note = Some(err.to_string());
                self.save(&entry)?;
                return Err(err);
            }
            done.push(c);
        }
        entry.state = EntryState::Applied;
        self.save(&entry)?;
        Ok(entry)
    }

    /// Undoes entry `id`: each change restores its exact previous state. Without `force`
    /// it refuses when a change could not be undone exactly (e.g. a file edited since).
    pub fn undo(&self, id: &str, force: bool) -> Result<Entry, Error> {
        let mut e = self.get(id)?;
        match e.state {
            EntryState::Applied | EntryState::Pending => {}
            EntryState::Undone => {
                return Err(Error::NotUndoable {
                    id: id.into(),
                    why: "was already undone",
                })
            }
            EntryState::RolledBack => {
                return Err(Error::NotUndoable {
                    id: id.into(),
                    why: "was never applied (it was rolled back)",
                })
            }
        }
        let pending = e.state == EntryState::Pending;
        if !force {
            for c in &e.plan.changes {
                c.exact_undo(pending)?;
            }
        }
        for c in e.plan.changes.iter().rev() {
            c.kind.op().undo()?;
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
#[cfg(test)]
mod tests {
    use super::*;

    fn plan(path: &Path, before: Option<&[u8]>, after: Option<&[u8]>) -> Plan {
        Plan {
            recheck: Vec::new(),
            fix_id: "test.fix".into(),
            description: "d".into(),
            changes: vec![Change::file(
                path,
                before.map(<[u8]>::to_vec),
                after.map(<[u8]>::to_vec),
                vec![],
            )],
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
        let msg = j.undo(&e.id, false).unwrap_err().to_string();
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
        assert!(matches!(e, Err(Error::ReadOnly { .. })), "{e:?}");
        assert_eq!(std::fs::read(&f).unwrap(), b"A=1\n");
        assert!(j.list().unwrap().is_empty(), "refused before journaling");
    }

    /// A change that fails after others were applied: those are undone, the entry says so.
    #[cfg(target_os = "linux")]
    #[test]
    fn failed_write_rolls_back_earlier_changes() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let f = d.path().join("env");
        std::fs::write(&f, "A=1\n").unwrap();
        let mut p = plan(&f, Some(b"A=1\n"), Some(b"A=2\n"));
        // Nothing, not even root, can create files in /proc/self.
        p.changes.push(Change::file(
            "/proc/self/gomedic-test-env",
            None,
            Some(b"X=1\n".to_vec()),
            vec![],
        ));
        let e = j.apply(p).unwrap_err();
        assert!(matches!(e, Error::NotApplied { .. }), "{e:?}");
        assert!(e.to_string().contains("Nothing was changed"), "{e}");
        assert_eq!(std::fs::read(&f).unwrap(), b"A=1\n", "rolled back");
        let entries = j.list().unwrap();
        assert_eq!(entries[0].state, EntryState::RolledBack);
        assert!(entries[0]
            .note
            .as_deref()
            .unwrap()
            .contains("/proc/self/gomedic-test-env"));
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
            changes: vec![Change::defender_exclusions(
                serde_json::from_slice(list).unwrap(),
                vec![],
            )],
        };
        let e = j.apply(p).unwrap_err();
        assert!(e.to_string().contains("only be changed on Windows"), "{e}");
        assert_eq!(j.list().unwrap()[0].state, EntryState::RolledBack);
    }

    #[test]
    fn corrupt_entry_is_named() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        std::fs::create_dir_all(j.dir()).unwrap();
        std::fs::write(j.dir().join("x.json"), "{not json").unwrap();
        let m = j.list().unwrap_err().to_string();
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
