use serde::Serialize;

/// A git object name: 40 (SHA-1) or 64 (SHA-256) lowercase hexadecimal digits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Oid(String);

impl Oid {
    /// Parses an object name; `None` if it is not 40 or 64 hex digits.
    pub fn parse(text: &str) -> Option<Oid> {
        let text = text.trim();
        let ok =
            matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ok.then(|| Oid(text.to_owned()))
    }

    /// The full hexadecimal name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 12 digits, for messages.
    pub fn short(&self) -> &str {
        &self.0[..12]
    }
}

/// Read back only through [`Oid::parse`]: a record holding anything else is refused.
impl<'de> serde::Deserialize<'de> for Oid {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Oid, D::Error> {
        let text = String::deserialize(deserializer)?;
        Oid::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a git object name")))
    }
}

impl std::fmt::Display for Oid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Oid;

    #[test]
    fn parse() {
        assert!(Oid::parse(&"a".repeat(40)).is_some());
        assert!(Oid::parse(&"0".repeat(64)).is_some());
        assert!(Oid::parse(&"A".repeat(40)).is_none());
        assert!(Oid::parse("abc").is_none());
        assert_eq!(Oid::parse(&format!("{}\n", "b".repeat(40))).unwrap().short(), "bbbbbbbbbbbb");
    }
}
