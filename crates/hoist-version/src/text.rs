//! Text files as Python's text mode reads and writes them (universal newlines in, the file's
//! first newline style out), and `shlex.split`.

use std::path::Path;

use crate::error::VersionError;

/// A file's text with newlines translated to `\n`, and the newline to write it back with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    /// The contents, with `\r\n` and `\r` read as `\n`.
    pub contents: String,
    /// The newline to write: the first of `\r`, `\n`, `\r\n` the file uses (`\n` if none).
    pub newline: &'static str,
}

impl Text {
    /// Reads `path` as UTF-8 text with universal newlines.
    pub fn read(path: &Path) -> Result<Text, VersionError> {
        let bytes =
            std::fs::read(path).map_err(|source| VersionError::Io { action: "read", path: path.to_owned(), source })?;
        let raw = String::from_utf8(bytes).map_err(|_| VersionError::NotUtf8 { path: path.to_owned() })?;
        Ok(Text::from_raw(&raw))
    }

    /// Translates `raw` (as stored) into a `Text`.
    pub fn from_raw(raw: &str) -> Text {
        let (mut cr, mut lf, mut crlf) = (false, false, false);
        let mut contents = String::with_capacity(raw.len());
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' if chars.peek() == Some(&'\n') => {
                    chars.next();
                    crlf = true;
                    contents.push('\n');
                }
                '\r' => {
                    cr = true;
                    contents.push('\n');
                }
                '\n' => {
                    lf = true;
                    contents.push('\n');
                }
                c => contents.push(c),
            }
        }
        let newline = if cr {
            "\r"
        } else if lf {
            "\n"
        } else if crlf {
            "\r\n"
        } else {
            "\n"
        };
        Text { contents, newline }
    }

    /// The bytes written for `contents` with this file's newline.
    pub fn encode(&self, contents: &str) -> String {
        if self.newline == "\n" { contents.to_owned() } else { contents.replace('\n', self.newline) }
    }
}

/// Whether `path` is a regular file (symbolic links followed), told by its metadata alone, so
/// that a FIFO is never opened: `Ok(false)` when it does not exist, an error naming what it is
/// when it is a directory, a FIFO, a socket or a device.
pub fn regular_file(path: &Path, name: &Path) -> Result<bool, VersionError> {
    use std::io::ErrorKind;
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => return Ok(false),
        Err(source) => return Err(VersionError::Io { action: "inspect", path: name.to_owned(), source }),
    };
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(true);
    }
    if kind.is_dir() {
        return Err(VersionError::FileIsDirectory { path: name.to_owned() });
    }
    #[cfg(unix)]
    let what = {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_block_device() || kind.is_char_device() {
            "a device"
        } else {
            "a special file"
        }
    };
    #[cfg(not(unix))]
    let what = "a special file";
    Err(VersionError::NotRegularFile { path: name.to_owned(), what })
}

/// POSIX `shlex.split`: whitespace separates words; quotes and backslashes as in a shell.
pub fn shlex_split(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("no closing quotation".to_owned()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`' | '\n')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("no closing quotation".to_owned()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("no closing quotation".to_owned()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return Err("no escaped character".to_owned()),
                }
            }
            '#' if !in_word => break,
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// `shlex.quote`.
pub fn shlex_quote(s: &str) -> String {
    if s.is_empty() {
        return "''".to_owned();
    }
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c)) {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn universal_newlines() {
        let cases = [
            ("a\r\nb\r\n", "a\nb\n", "\r\n"),
            ("a\nb\r\n", "a\nb\n", "\n"),
            ("a\rb\r\n", "a\nb\n", "\r"),
            ("ab", "ab", "\n"),
        ];
        for (raw, contents, newline) in cases {
            let text = Text::from_raw(raw);
            assert_eq!((text.contents.as_str(), text.newline), (contents, newline), "{raw:?}");
        }
        assert_eq!(Text::from_raw("a\r\n").encode("x\ny\n"), "x\r\ny\r\n");
    }

    #[cfg(unix)]
    #[test]
    fn directories_and_fifos_are_told_apart_without_opening_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("VERSION");
        std::fs::write(&file, "1.2.3\n").unwrap();
        assert!(regular_file(&file, Path::new("VERSION")).unwrap());
        assert!(!regular_file(&dir.path().join("missing"), Path::new("missing")).unwrap());
        assert!(!regular_file(&file.join("below-a-file"), Path::new("VERSION/below-a-file")).unwrap());
        let err = regular_file(dir.path(), Path::new("sub")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the file `sub` is a directory: name a file in it, or match its files with a `glob` entry"
        );
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        // Opening the FIFO would block: no writer ever comes.
        let err = regular_file(&fifo, Path::new("fifo")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the file `fifo` is a FIFO, not a regular file: name a regular file; hoist reads no FIFOs, sockets or devices"
        );
    }

    #[test]
    fn shlex_like_python() {
        assert_eq!(
            shlex_split(r#"--no-verify -m "a b" 'c d' e\ f"#).unwrap(),
            ["--no-verify", "-m", "a b", "c d", "e f"]
        );
        assert_eq!(shlex_split("a # comment").unwrap(), ["a"]);
        assert!(shlex_split("'open").is_err());
        assert_eq!(shlex_quote("1.2.3"), "1.2.3");
        assert_eq!(shlex_quote("a b'c"), "'a b'\"'\"'c'");
    }
}
