//! Just enough CommonMark for the doc check: fenced code blocks with their info string and the
//! `<!-- doc-test: … -->` marker above them, and inline code spans, each with its line.

use std::path::{Path, PathBuf};

/// One Markdown file of the documentation.
pub struct Page {
    /// The path relative to the repository root, as error messages name it (`docs/ci.md`).
    pub name: String,
    pub text: String,
    pub blocks: Vec<Block>,
    /// Inline code spans outside fenced blocks.
    pub spans: Vec<Span>,
    /// `<!-- doc-test: … -->` comments that no fenced block follows.
    pub stray_markers: Vec<usize>,
}

/// A fenced code block.
pub struct Block {
    /// The line of the opening fence (1-based).
    pub line: usize,
    /// The first word of the info string (`console`, `toml`, …); empty without one.
    pub lang: String,
    /// The other words of the info string (```` ```toml hoist.toml fragment ````).
    pub words: Vec<String>,
    /// The words after `doc-test:` in an HTML comment right above the block (blank lines
    /// between are allowed): `<!-- doc-test: run getting-started -->` gives `["run", "getting-started"]`.
    pub marker: Option<Vec<String>>,
    /// The lines between the fences.
    pub body: String,
}

impl Block {
    /// Whether the info string has `word` after the language.
    pub fn has(&self, word: &str) -> bool {
        self.words.iter().any(|w| w == word)
    }

    /// The file the block holds, when the info string names one (its first word after the language).
    pub fn file(&self) -> Option<&str> {
        self.words.first().map(String::as_str).filter(|w| !FLAGS.contains(w))
    }

    /// The lines of the body with their line numbers in the page.
    pub fn lines(&self) -> impl Iterator<Item = (usize, &str)> {
        self.body.lines().enumerate().map(move |(i, l)| (self.line + 1 + i, l))
    }

    /// Whether the marker above the block says `doc-test: run …`.
    pub fn is_run(&self) -> bool {
        self.marker.as_ref().is_some_and(|m| m.first().is_some_and(|w| w == "run"))
    }

    /// The fixture named by `doc-test: run FIXTURE`.
    pub fn fixture(&self) -> Option<&str> {
        self.marker.as_ref().filter(|_| self.is_run()).and_then(|m| m.get(1)).map(String::as_str)
    }
}

/// The words of an info string that are flags, not a file name.
pub const FLAGS: &[&str] = &["fragment", "invalid"];

/// An inline code span.
pub struct Span {
    pub line: usize,
    /// Its text, as CommonMark renders it (line ends as spaces, one padding space stripped).
    pub text: String,
    /// Whether it sits in the first cell of a table row.
    pub first_cell: bool,
    /// The characters right before its opening and after its closing backticks.
    pub around: (Option<char>, Option<char>),
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `README.md` and every `docs/*.md`, in name order.
pub fn read_docs() -> Vec<Page> {
    let root = root();
    let mut names = vec!["README.md".to_owned()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    names.extend(docs);
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(root.join(&name)).unwrap();
            parse(&name, &text)
        })
        .collect()
}

/// The page named `name` (`docs/getting-started.md`).
pub fn page(name: &str) -> Page {
    parse(name, &std::fs::read_to_string(root().join(name)).unwrap())
}

/// Parses `text`, the Markdown file `name`.
pub fn parse(name: &str, text: &str) -> Page {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut prose: Vec<(usize, String)> = Vec::new();
    let mut markers: Vec<(usize, Vec<String>)> = Vec::new();
    let mut stray_markers = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some((fence_char, fence_len, info)) = fence_open(line) {
            let mut body = String::new();
            let mut j = i + 1;
            while j < lines.len() && !fence_close(lines[j], fence_char, fence_len) {
                body.push_str(lines[j]);
                body.push('\n');
                j += 1;
            }
            let mut words = info.split_whitespace().map(str::to_owned);
            let lang = words.next().unwrap_or_default();
            let marker = match markers.last() {
                Some((at, words)) if lines[at + 1..i].iter().all(|l| l.trim().is_empty()) => Some(words.clone()),
                _ => None,
            };
            if let Some((at, _)) = markers.pop()
                && marker.is_none()
            {
                stray_markers.push(at + 1);
            }
            stray_markers.extend(markers.drain(..).map(|(at, _)| at + 1));
            blocks.push(Block { line: i + 1, lang, words: words.collect(), marker, body });
            prose.push((j + 1, String::new()));
            i = j + 1;
            continue;
        }
        if let Some(words) = marker(line) {
            markers.push((i, words));
        } else if !line.trim().is_empty() && !line.trim_start().starts_with("<!--") {
            stray_markers.extend(markers.drain(..).map(|(at, _)| at + 1));
        }
        prose.push((i + 1, line.to_owned()));
        i += 1;
    }
    stray_markers.extend(markers.drain(..).map(|(at, _)| at + 1));
    Page { name: name.to_owned(), text: text.to_owned(), blocks, spans: spans(&prose), stray_markers }
}

/// The code spans of `page` that a backtick inside split in two: `the `ci` step` renders as
/// `the `, `ci` and ` step`. A span that ends with a space right before a word (or starts with
/// one right after a word) is such a split; a span with backticks inside needs a longer fence
/// (``the `ci` step``).
pub fn split_spans(page: &Page) -> Vec<String> {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    page.spans
        .iter()
        .filter(|s| s.text.ends_with(' ') && word(s.around.1) || s.text.starts_with(' ') && word(s.around.0))
        .map(|s| format!("{}:{}: the code span `{}` is split by a backtick", page.name, s.line, s.text))
        .collect()
}

/// `(fence character, fence length, info string)` when `line` opens a fenced block.
fn fence_open(line: &str) -> Option<(char, usize, &str)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let fence_char = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = trimmed.chars().take_while(|c| *c == fence_char).count();
    if len < 3 {
        return None;
    }
    let info = trimmed[len..].trim();
    if fence_char == '`' && info.contains('`') {
        return None;
    }
    Some((fence_char, len, info))
}

fn fence_close(line: &str, fence_char: char, fence_len: usize) -> bool {
    let trimmed = line.trim_start_matches(' ');
    line.len() - trimmed.len() <= 3
        && trimmed.chars().take_while(|c| *c == fence_char).count() >= fence_len
        && trimmed.trim_start_matches(fence_char).trim().is_empty()
}

/// The words of `<!-- doc-test: WORDS -->`.
fn marker(line: &str) -> Option<Vec<String>> {
    let inner = line.trim().strip_prefix("<!--")?.strip_suffix("-->")?.trim();
    let words = inner.strip_prefix("doc-test:")?;
    Some(words.split_whitespace().map(str::to_owned).collect())
}

/// The inline code spans of the prose lines (paragraphs end at blank lines and blocks).
fn spans(prose: &[(usize, String)]) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut paragraph: Vec<(usize, String)> = Vec::new();
    for (line, text) in prose.iter().chain(std::iter::once(&(0, String::new()))) {
        if text.trim().is_empty() {
            spans.extend(paragraph_spans(&paragraph));
            paragraph.clear();
        } else {
            paragraph.push((*line, text.clone()));
        }
    }
    spans
}

fn paragraph_spans(paragraph: &[(usize, String)]) -> Vec<Span> {
    // A table row is its own unit; `\|` in it is a `|` of the cell (GFM).
    let mut spans = Vec::new();
    let mut run: Vec<(usize, String)> = Vec::new();
    for (line, text) in paragraph {
        if text.trim_start().starts_with('|') {
            spans.extend(scan(&run));
            run.clear();
            spans.extend(scan_row(*line, &text.replace("\\|", "\u{1}")));
        } else {
            run.push((*line, text.clone()));
        }
    }
    spans.extend(scan(&run));
    spans
}

/// The spans of one table row, marking those of the first cell.
fn scan_row(line: usize, text: &str) -> Vec<Span> {
    let cells: Vec<&str> = text.trim().trim_start_matches('|').split('|').collect();
    let mut spans = Vec::new();
    for (n, cell) in cells.iter().enumerate() {
        for mut span in scan(&[(line, cell.replace('\u{1}', "|"))]) {
            span.first_cell = n == 0;
            spans.push(span);
        }
    }
    spans
}

/// The code spans of consecutive lines, by CommonMark's rules: a run of N backticks opens a
/// span that the next run of exactly N backticks closes; a backslash before a backtick
/// outside a span makes it literal.
fn scan(lines: &[(usize, String)]) -> Vec<Span> {
    let mut chars: Vec<(usize, char)> = Vec::new();
    for (line, text) in lines {
        chars.extend(text.chars().map(|c| (*line, c)));
        chars.push((*line, '\n'));
    }
    let mut spans = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (line, c) = chars[i];
        if c == '\\' && chars.get(i + 1).is_some_and(|(_, c)| *c == '`') {
            i += 2;
            continue;
        }
        if c != '`' {
            i += 1;
            continue;
        }
        let open = chars[i..].iter().take_while(|(_, c)| *c == '`').count();
        let start = i + open;
        let mut j = start;
        let mut close = None;
        while j < chars.len() {
            if chars[j].1 == '`' {
                let run = chars[j..].iter().take_while(|(_, c)| *c == '`').count();
                if run == open {
                    close = Some(j);
                    break;
                }
                j += run;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                let mut text: String =
                    chars[start..end].iter().map(|(_, c)| if *c == '\n' { ' ' } else { *c }).collect();
                if text.len() > 2 && text.starts_with(' ') && text.ends_with(' ') && !text.trim().is_empty() {
                    text = text[1..text.len() - 1].to_owned();
                }
                let around = (i.checked_sub(1).map(|b| chars[b].1), chars.get(end + open).map(|(_, c)| *c));
                spans.push(Span { line, text, first_cell: false, around });
                i = end + open;
            }
            None => i = start,
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_markers_and_spans() {
        let page = parse(
            "x.md",
            "# T\n\nRun `hoist tag` or ``a `b` c``, not \\`x\\`.\n\n<!-- doc-test: run demo -->\n\n```console hoist.toml\n$ hoist tag\nr:v1\n```\n\n| `m \\| n` | `o` |\n|---|---|\n\n<!-- doc-test: run -->\ntext\n\n````markdown\n```diff\n```\n````\n",
        );
        let spans: Vec<(usize, &str, bool)> =
            page.spans.iter().map(|s| (s.line, s.text.as_str(), s.first_cell)).collect();
        assert_eq!(spans, [(3, "hoist tag", false), (3, "a `b` c", false), (12, "m | n", true), (12, "o", false)]);
        assert_eq!(page.blocks.len(), 2);
        let block = &page.blocks[0];
        assert_eq!((block.line, block.lang.as_str(), block.file()), (7, "console", Some("hoist.toml")));
        assert_eq!(block.fixture(), Some("demo"));
        assert_eq!(block.lines().collect::<Vec<_>>(), [(8, "$ hoist tag"), (9, "r:v1")]);
        assert_eq!(page.blocks[1].body, "```diff\n```\n");
        assert_eq!(page.stray_markers, [15], "a marker followed by prose is attached to nothing");
        let split = parse("y.md", "the `ci` step: `the `ci` step`; ``the `ci` step``, `$ ` lines\n");
        assert_eq!(
            split_spans(&split),
            [
                "y.md:1: the code span `the ` is split by a backtick",
                "y.md:1: the code span ` step` is split by a backtick"
            ]
        );
        let split = parse("y.md", "the `ci` step: `the `ci` step`\n");
        let around: Vec<_> = split.spans.iter().map(|s| (s.text.as_str(), s.around)).collect();
        assert_eq!(
            around,
            [("ci", (Some(' '), Some(' '))), ("the ", (Some(' '), Some('c'))), (" step", (Some('i'), Some('\n')))]
        );
    }
}
