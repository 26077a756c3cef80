/*!
Reads a Dockerfile the way BuildKit's Dockerfile frontend does, far enough to know its build
stages and their instructions.

[`parse`] turns the text into a [`Dockerfile`]: the parser directives, the global `ARG`s before
the first `FROM`, and the [`Stage`]s with their [`Instruction`]s. The rules are Docker's, not a
regular expression's:

- a UTF-8 byte order mark and CRLF line ends are accepted;
- parser directives (`# syntax=`, `# escape=`, `# check=`) are read only at the top of the file,
  and `# escape=` changes the line-continuation character (`\` or `` ` ``);
- instruction names are case-insensitive; a line ending in the escape character continues on the
  next line (not one ending in an escaped escape character, `\\`; a continuation on the last
  line ends there), and comment lines and empty lines inside a continuation are skipped;
  a directive may be indented;
- heredocs (`RUN <<EOF` … `EOF`, `<<-EOF`, quoted delimiters, several on one line; in `RUN`,
  `COPY`, `ADD` and `ONBUILD` before one of them) are bodies, never instructions;
- `FROM [--platform=…] IMAGE [AS NAME]`: `AS` in any case, stage names lowercased and checked,
  duplicate names refused.

```
let file = hoist_dockerfile::parse(
    "ARG BASE=busybox\nFROM ${BASE} AS Build\nRUN <<EOF\nFROM not-a-stage\nEOF\nfrom build as release\n",
)
.unwrap();
let names: Vec<String> = file.stages.iter().map(|s| s.display_name()).collect();
assert_eq!(names, ["build", "release"]);
assert_eq!(file.stages[1].base_stage, Some(0));
```
*/

mod error;
mod lexer;
mod stage;

pub use error::DockerfileError;
pub use stage::{Dockerfile, Instruction, Stage};

/// Parses the text of a Dockerfile.
pub fn parse(text: &str) -> Result<Dockerfile, DockerfileError> {
    let lexed = lexer::lex(text)?;
    stage::build(lexed)
}

/// Reads and parses the Dockerfile at `path`. Bytes that are not UTF-8 (a Latin-1 comment)
/// are read as U+FFFD, as BuildKit reads such a file rather than refusing it.
pub fn parse_file(path: &std::path::Path) -> Result<Dockerfile, DockerfileError> {
    let io = |source| DockerfileError::Io { path: path.to_owned(), source };
    // Only a regular file is read: a FIFO would block hoist forever.
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err(io(std::io::Error::other("it is not a regular file")));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    parse(&String::from_utf8_lossy(&bytes)).map_err(|e| e.in_file(path))
}
