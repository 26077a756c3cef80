//! From logical instructions to stages.

use serde::Serialize;

use crate::error::{DockerfileError, ErrorKind};
use crate::lexer::{Lexed, RawInstruction};

/// A parsed Dockerfile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Dockerfile {
    /// Parser directives from the top of the file, lowercased keys, in order.
    pub directives: Vec<(String, String)>,
    /// The line-continuation character (`\`, or `` ` `` with `# escape=`).
    pub escape: char,
    /// `ARG` instructions before the first `FROM`.
    pub global_args: Vec<Instruction>,
    /// The build stages, in file order.
    pub stages: Vec<Stage>,
}

/// One build stage: a `FROM` and the instructions up to the next `FROM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stage {
    /// 0-based position among the stages.
    pub index: usize,
    /// The stage name from `AS NAME`, lowercased.
    pub name: Option<String>,
    /// The base image as written (`${BASE}` and the like are not expanded).
    pub base: String,
    /// The index of the earlier stage this one starts from, when `base` names one.
    pub base_stage: Option<usize>,
    /// `--platform=…` on the `FROM`, as written.
    pub platform: Option<String>,
    /// The 1-based line of the `FROM`.
    pub line: usize,
    /// The instructions after the `FROM`.
    pub instructions: Vec<Instruction>,
}

/// One instruction, continuation lines joined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Instruction {
    /// The 1-based line it starts on.
    pub line: usize,
    /// The instruction name, lowercased (`run`, `copy`, …).
    pub keyword: String,
    /// Everything after the name, as written.
    pub args: String,
    /// Heredoc bodies the instruction opens, as (delimiter, body).
    pub heredocs: Vec<(String, String)>,
}

impl Stage {
    /// The name if the stage has one, else its index: what `hoist layers` prints.
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.index.to_string())
    }

    /// True when `target` (a name in any case, or an index) selects this stage.
    pub fn is_named(&self, target: &str) -> bool {
        match &self.name {
            Some(name) => name.eq_ignore_ascii_case(target),
            None => target == self.index.to_string(),
        }
    }
}

impl Dockerfile {
    /// The stage `target` selects (a name, case-insensitive, or an unnamed stage's index).
    pub fn stage(&self, target: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.is_named(target))
    }

    /// The stages `target` needs, in build order: its chain of `FROM` parents, then itself.
    pub fn chain<'a>(&'a self, target: &'a Stage) -> Vec<&'a Stage> {
        let mut chain = vec![target];
        let mut current = target;
        while let Some(parent) = current.base_stage {
            current = &self.stages[parent];
            chain.push(current);
        }
        chain.reverse();
        chain
    }
}

impl Instruction {
    fn from_raw(raw: RawInstruction) -> Instruction {
        let text = raw.text.trim();
        let (keyword, args) = match text.find([' ', '\t']) {
            Some(at) => (&text[..at], text[at..].trim()),
            None => (text, ""),
        };
        Instruction {
            line: raw.line,
            keyword: keyword.to_ascii_lowercase(),
            args: args.to_owned(),
            heredocs: raw.heredocs,
        }
    }
}

pub(crate) fn build(lexed: Lexed) -> Result<Dockerfile, DockerfileError> {
    let mut file =
        Dockerfile { directives: lexed.directives, escape: lexed.escape, global_args: Vec::new(), stages: Vec::new() };
    if lexed.instructions.is_empty() {
        return Err(DockerfileError::Empty { file: None });
    }
    // Stage names seen so far, to their index: one lookup per `FROM`, not a scan of every
    // earlier stage (a file with tens of thousands of stages parses in linear time).
    let mut names: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for raw in lexed.instructions {
        let instruction = Instruction::from_raw(raw);
        if instruction.keyword == "from" {
            let stage = parse_from(&instruction, &file.stages, &names)?;
            if let Some(name) = &stage.name {
                names.insert(name.clone(), stage.index);
            }
            file.stages.push(stage);
        } else if let Some(stage) = file.stages.last_mut() {
            stage.instructions.push(instruction);
        } else if instruction.keyword == "arg" {
            file.global_args.push(instruction);
        } else {
            return Err(DockerfileError::at(
                instruction.line,
                ErrorKind::BeforeFrom(instruction.keyword.to_ascii_uppercase()),
            ));
        }
    }
    if file.stages.is_empty() {
        return Err(DockerfileError::NoFrom { file: None });
    }
    Ok(file)
}

fn parse_from(
    from: &Instruction,
    earlier: &[Stage],
    names: &std::collections::HashMap<String, usize>,
) -> Result<Stage, DockerfileError> {
    let err = |kind| DockerfileError::at(from.line, kind);
    let mut words = from.args.split_whitespace().peekable();
    let mut platform = None;
    while let Some(flag) = words.next_if(|w| w.starts_with("--")) {
        if let Some(value) = flag.strip_prefix("--platform=") {
            platform = Some(value.to_owned());
        }
    }
    let base = words.next().ok_or_else(|| err(ErrorKind::FromWithoutImage))?.to_owned();
    let rest: Vec<&str> = words.collect();
    let name = match rest.as_slice() {
        [] => None,
        [as_, name] if as_.eq_ignore_ascii_case("as") => {
            let name = name.to_ascii_lowercase();
            if !is_valid_stage_name(&name) {
                return Err(err(ErrorKind::InvalidStageName((*name).to_owned())));
            }
            if let Some(&first) = names.get(&name) {
                return Err(err(ErrorKind::DuplicateStageName { name, first_line: earlier[first].line }));
            }
            Some(name)
        }
        _ => return Err(err(ErrorKind::MalformedFrom(from.args.clone()))),
    };
    let lowered = base.to_ascii_lowercase();
    let base_stage = names.get(&lowered).copied();
    Ok(Stage { index: earlier.len(), name, base, base_stage, platform, line: from.line, instructions: Vec::new() })
}

/// BuildKit's rule: `^[a-z][a-z0-9-_.]*$` after lowercasing.
fn is_valid_stage_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}
