//! Byte offsets to line and column, and the key that sits at an offset.

use std::ops::Range;

/// A 1-based line and column in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Location {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl Location {
    /// The line and column of byte `offset` in `text`; the column counts characters.
    pub(crate) fn at(text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        let before = &text[..text.floor_char_boundary(offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location { line, column }
    }

    /// The location of the dotted `key` (`compose.ci.files`) in `text`, or of the text's
    /// start when it cannot be found.
    pub(crate) fn of_key(text: &str, dotted: &str) -> Location {
        let Ok(doc) = toml_edit::Document::parse(text) else {
            return Location { line: 1, column: 1 };
        };
        let mut item = doc.as_item();
        let mut span = None;
        for part in dotted.split('.') {
            let Some(table) = item.as_table_like() else {
                break;
            };
            let Some((key, next)) = table.get_key_value(part) else {
                break;
            };
            span = key.span().or(span);
            item = next;
        }
        Location::at(text, span.map_or(0, |s| s.start))
    }
}

/// The 1-based line of the dotted `key` in `text` (a number indexes an array of tables:
/// `data-image.steps.1.service` is the second step's `service`), or `None` when the text does
/// not set it.
pub fn key_line(text: &str, dotted: &str) -> Option<usize> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let parts: Vec<&str> = dotted.split('.').collect();
    let offset = find(doc.as_table(), &parts)?;
    Some(Location::at(text, offset).line)
}

fn find(table: &dyn toml_edit::TableLike, parts: &[&str]) -> Option<usize> {
    let (first, rest) = parts.split_first()?;
    let (key, item) = table.get_key_value(first)?;
    if rest.is_empty() {
        return key.span().map(|s| s.start);
    }
    if let Some(tables) = item.as_array_of_tables() {
        let (index, rest) = rest.split_first()?;
        let element = tables.get(index.parse().ok()?)?;
        return if rest.is_empty() { element.span().map(|s| s.start) } else { find(element, rest) };
    }
    find(item.as_table_like()?, rest)
}

/// The dotted path of the innermost key whose key or value covers `span`, if any.
pub(crate) fn key_at(text: &str, span: &Range<usize>) -> Option<String> {
    innermost(text, span, false)
}

/// The dotted path of the innermost table whose key or body covers `span`; `None` for the
/// top-level table.
pub(crate) fn table_at(text: &str, span: &Range<usize>) -> Option<String> {
    innermost(text, span, true)
}

fn innermost(text: &str, span: &Range<usize>, tables_only: bool) -> Option<String> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let mut best: Option<(usize, String)> = None;
    visit(doc.as_item(), &mut Vec::new(), span, tables_only, &mut best);
    best.map(|(_, path)| path)
}

fn visit(
    item: &toml_edit::Item,
    path: &mut Vec<String>,
    target: &Range<usize>,
    tables_only: bool,
    best: &mut Option<(usize, String)>,
) {
    let Some(table) = item.as_table_like() else {
        if let Some(array) = item.as_array_of_tables() {
            for table in array.iter() {
                visit(&toml_edit::Item::Table(table.clone()), path, target, tables_only, best);
            }
        }
        return;
    };
    for (key, child) in table.iter() {
        let Some((k, _)) = table.get_key_value(key) else {
            continue;
        };
        path.push(key.to_owned());
        let covers = |r: Option<Range<usize>>| {
            r.is_some_and(|r| r.start <= target.start && target.end <= r.end.max(r.start + 1))
        };
        if (covers(k.span()) || covers(child.span())) && (!tables_only || child.is_table_like()) {
            let depth = path.len();
            if best.as_ref().is_none_or(|(d, _)| depth >= *d) {
                *best = Some((depth, path.join(".")));
            }
        }
        visit(child, path, target, tables_only, best);
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(Location::at(text, 0), Location { line: 1, column: 1 });
        assert_eq!(Location::at(text, 6), Location { line: 2, column: 1 });
        assert_eq!(Location::at(text, 11), Location { line: 2, column: 5 });
    }

    #[test]
    fn keys() {
        let text = "registry = \"x\"\n[compose.ci]\nfiles = 3\n";
        let at = text.find('3').unwrap();
        assert_eq!(key_at(text, &(at..at + 1)).as_deref(), Some("compose.ci.files"));
        assert_eq!(Location::of_key(text, "compose.ci.files"), Location { line: 3, column: 1 });
        assert_eq!(Location::of_key(text, "registry"), Location { line: 1, column: 1 });
    }

    #[test]
    fn lines_of_keys_set_and_not_set() {
        let text = "registry = \"x\"\n[ci]\npublish = [\"a\"]\n[[steps]]\ncommand = []\n[[steps]]\nservice = \"s\"\n[deploy.environments.dev]\nimages = []\n";
        assert_eq!(key_line(text, "registry"), Some(1));
        assert_eq!(key_line(text, "ci.publish"), Some(3));
        assert_eq!(key_line(text, "steps.1.service"), Some(7));
        assert_eq!(key_line(text, "deploy.environments.dev.images"), Some(9));
        assert_eq!(key_line(text, "steps.0.service"), None, "the first step sets no service");
        assert_eq!(key_line(text, "ci.push-bump"), None);
        assert_eq!(key_line(text, "steps.2.service"), None);
    }
}
