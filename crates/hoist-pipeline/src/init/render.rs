//! The text of the `hoist.toml` that `init` writes: tables of keys, a `# from …` comment above
//! each value, commented placeholders for what could not be inferred.

use super::{Inferred, Source};

/// A value of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Str(String),
    Bool(bool),
    List(Vec<String>),
    /// An inline table of strings (`env = { K = "V" }`).
    Map(Vec<(String, String)>),
}

/// One key of a table.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub key: &'static str,
    pub value: Value,
    pub source: Source,
}

/// A table (`[test]`), an array-of-tables element (`[[test.suites]]`) or the top of the file.
#[derive(Clone, Debug, Default)]
pub(crate) struct Table {
    /// The dotted name; empty for the top of the file.
    pub name: Vec<String>,
    /// `[[…]]` instead of `[…]`.
    pub array: bool,
    /// A comment line above the header.
    pub comment: Option<String>,
    pub entries: Vec<Entry>,
    /// Comment lines after the entries: placeholders for what could not be inferred.
    pub placeholders: Vec<String>,
}

impl Table {
    pub fn new(name: &[&str]) -> Table {
        Table { name: name.iter().map(|s| (*s).to_owned()).collect(), ..Table::default() }
    }

    pub fn set(&mut self, key: &'static str, value: Value, source: Source) {
        self.entries.retain(|e| e.key != key);
        self.entries.push(Entry { key, value, source });
    }
}

const HEADER: &str = "# hoist.toml, written by `hoist init` from what the project already had. Each value says
# where it came from; every key is described in docs/configuration.md. Check the file with
# `hoist check`, and see the whole CI flow with `hoist ci --dry-run`.
";

/// The file's text and every value in it with its source.
pub(crate) fn render(tables: &[Table]) -> (String, Vec<Inferred>) {
    let mut text = String::from(HEADER);
    let mut inferred = Vec::new();
    for table in tables {
        if table.name.is_empty() && table.entries.is_empty() && table.placeholders.is_empty() {
            continue;
        }
        text.push('\n');
        if let Some(comment) = &table.comment {
            text.push_str(&format!("# {}\n", comment_text(comment)));
        }
        let dotted: Vec<String> = table.name.iter().map(|n| key(n)).collect();
        if !table.name.is_empty() {
            let name = dotted.join(".");
            text.push_str(&if table.array { format!("[[{name}]]\n") } else { format!("[{name}]\n") });
        }
        for entry in &table.entries {
            let value = value_text(&entry.value);
            text.push_str(&format!(
                "# from {}\n{} = {value}\n",
                comment_text(&entry.source.to_string()),
                key(entry.key)
            ));
            let mut full = table.name.clone();
            full.push(entry.key.to_owned());
            inferred.push(Inferred { key: full.join("."), value, source: entry.source.clone() });
        }
        for line in &table.placeholders {
            text.push_str(&format!("# {}\n", comment_text(line)));
        }
    }
    (text, inferred)
}

/// A key, bare when TOML allows it, else quoted.
fn key(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        name.to_owned()
    } else {
        string(name)
    }
}

pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::Str(s) => string(s),
        Value::Bool(b) => b.to_string(),
        Value::List(items) => format!("[{}]", items.iter().map(|i| string(i)).collect::<Vec<_>>().join(", ")),
        Value::Map(entries) => format!(
            "{{ {} }}",
            entries.iter().map(|(k, v)| format!("{} = {}", key(k), string(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A TOML basic string: `"`, `\` and every control character escaped.
pub(crate) fn string(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for a comment: one line, control characters written as escapes (a comment may hold
/// no control character but the tab, and a line break would end it).
pub(crate) fn comment_text(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_comments_escape_what_toml_forbids() {
        assert_eq!(string("a\"b\\c\u{1b}[2J\u{7f}\n"), "\"a\\\"b\\\\c\\u001B[2J\\u007F\\n\"");
        assert_eq!(comment_text("x\ny\u{1b}"), "x\\u{a}y\\u{1b}");
        let mut top = Table::new(&[]);
        top.set(
            "registry",
            Value::Str("r.example/app".into()),
            Source::JustfileVariable { name: "IMAGE_REGISTRY".into() },
        );
        let mut env = Table::new(&["test", "suites"]);
        env.array = true;
        env.set("env", Value::Map(vec![("A B".into(), "1".into())]), Source::Default);
        let (text, inferred) = render(&[top, env]);
        assert!(text.ends_with("\n# from justfile: `IMAGE_REGISTRY`\nregistry = \"r.example/app\"\n\n[[test.suites]]\n# from hoist's default\nenv = { \"A B\" = \"1\" }\n"), "{text}");
        assert_eq!(inferred[1].key, "test.suites.env");
    }
}
