//! go.sum lines: `path version h1:hash` for a module zip and
//! `path version/go.mod h1:hash` for its go.mod.

/// One go.sum line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumLine {
    pub path: String,
    pub version: String,
    /// The line is for `version/go.mod`.
    pub go_mod: bool,
    pub hash: String,
}

impl SumLine {
    /// Splits a line as cmd/go's `readGoSum` does: exactly three space-separated fields;
    /// blank lines are `Ok(None)`.
    pub fn parse(line: &str) -> Result<Option<SumLine>, String> {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() {
            return Ok(None);
        }
        if f.len() != 3 {
            return Err("wrong number of fields".into());
        }
        let (version, go_mod) = match f[1].strip_suffix("/go.mod") {
            Some(v) => (v, true),
            None => (f[1], false),
        };
        Ok(Some(SumLine {
            path: f[0].into(),
            version: version.into(),
            go_mod,
            hash: f[2].into(),
        }))
    }
}

impl std::fmt::Display for SumLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let suffix = if self.go_mod { "/go.mod" } else { "" };
        write!(f, "{} {}{} {}", self.path, self.version, suffix, self.hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let l = "golang.org/x/text v0.3.0/go.mod h1:NqM8EUOU14njkJ3fqMW+pc6Ldnwhi/IjpwHt7yyuwOQ=";
        let s = SumLine::parse(l).unwrap().unwrap();
        assert!(s.go_mod);
        assert_eq!(s.to_string(), l);
        assert_eq!(SumLine::parse("  ").unwrap(), None);
        assert!(SumLine::parse("a b").is_err());
    }
}
