//! golang.org/x/mod/sumdb/note: signed notes (text, blank line, `— name base64(hash||sig)`
//! lines) with Ed25519 keys.
