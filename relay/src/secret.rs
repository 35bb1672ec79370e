//! Secrets (API keys) that cannot be printed by accident.

/// A secret value (API key): its `Debug` and `Display` never show it, so it cannot
/// reach a log line or an error message by accident. [`Secret::expose`] is the one way
/// to read it, where it is sent to its provider.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A secret read from somewhere the operator chose (a flag, a mounted file).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
}

impl Secret {
    /// The value, for the request that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_string()))
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}
