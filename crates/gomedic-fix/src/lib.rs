//! The change journal behind `gomedic fix`, `gomedic env set/unset` and `gomedic undo`.
//!
//! A change is a [`Plan`] of file edits with the exact bytes before and after. Applying
//! it writes a journal entry (fsynced) *before* touching anything, writes each file
//! atomically (temp file + rename, permissions kept), then marks the entry applied.
//! Undo restores the recorded bytes exactly, and refuses if the file changed since.

mod journal;
mod time;

pub use journal::{data_dir, Change, Entry, EntryState, Error, Journal, Plan};
