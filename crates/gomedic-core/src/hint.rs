//! Errors that know what the user should do next.
//!
//! Library errors are typed (thiserror) and implement [`Hint`] when there is a known
//! remedy. The binary prints `error:` with the chain of causes, then `hint:` (uv's style).

/// An error with an optional remedy, one sentence.
pub trait Hint: std::error::Error {
    fn hint(&self) -> Option<String> {
        None
    }
}

/// A boxed error carrying its hint through `anyhow` to the binary, which looks for this
/// type in the error chain to print `hint:`.
#[derive(Debug)]
pub struct Hinted {
    pub error: Box<dyn std::error::Error + Send + Sync>,
    pub hint: Option<String>,
}

impl Hinted {
    pub fn new<E: Hint + Send + Sync + 'static>(e: E) -> Hinted {
        let hint = e.hint();
        Hinted {
            error: Box::new(e),
            hint,
        }
    }
}

impl std::fmt::Display for Hinted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for Hinted {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}
