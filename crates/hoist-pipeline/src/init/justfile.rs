//! A small, honest reader of a justfile: its `NAME := value` assignments (a quoted string,
//! `env_var_or_default('X', 'default')` or `env_var('X')`), and its recipes with their
//! parameters, dependencies and body lines. It is no just parser: an assignment of any other
//! form has no value here, and a body line is kept as written (with `{{…}}` interpolations of
//! known variables and parameters replaced), for [`super::shell`] to read. One pass over the
//! lines, no backtracking.

/// A variable of the justfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Variable {
    /// Its name (`IMAGE_REGISTRY`).
    pub name: String,
    /// Its value, when written as a literal (the default of `env_var_or_default`).
    pub value: Option<String>,
    /// The environment variable it is read from (`env_var_or_default('X', …)`, `env_var('X')`).
    pub env: Option<String>,
    /// Its line (1-based).
    pub line: usize,
}

/// A parameter of a recipe, with its default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Parameter {
    /// Its name (`step`).
    pub name: String,
    /// Its default (`'release'` as `release`), when it has one.
    pub default: Option<String>,
    /// `*args` or `+args`: takes any number of words.
    pub variadic: bool,
}

/// A recipe: its name, parameters, dependencies and body lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Recipe {
    /// Its name (`test`).
    pub name: String,
    /// The line of its header (1-based).
    pub line: usize,
    /// Its parameters, in order.
    pub parameters: Vec<Parameter>,
    /// The recipes it depends on (`: _solr-compose`).
    pub dependencies: Vec<String>,
    /// Its body lines with their line numbers: continuation lines joined, the `@`/`-` prefix and
    /// a shebang line dropped, blank lines and comments left out.
    pub body: Vec<(usize, String)>,
}

/// What the reader found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Justfile {
    /// The assignments, in order.
    pub variables: Vec<Variable>,
    /// The recipes, in order.
    pub recipes: Vec<Recipe>,
}

impl Justfile {
    /// The variable `name`.
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// The recipe `name`.
    pub fn recipe(&self, name: &str) -> Option<&Recipe> {
        self.recipes.iter().find(|r| r.name == name)
    }
}

/// Reads the text of a justfile.
pub(crate) fn read(text: &str) -> Justfile {
    let mut justfile = Justfile::default();
    let mut current: Option<Recipe> = None;
    let mut pending: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let indented = raw.starts_with([' ', '\t']);
        if let Some((start, mut joined)) = pending.take() {
            // A continuation line of a recipe body.
            joined.push_str(raw.trim());
            finish_line(&mut current, &mut pending, start, joined);
            continue;
        }
        if indented {
            if current.is_some() {
                // Blank lines, shell comments and a shebang line carry no command.
                let line = raw.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let line = line.trim_start_matches(['@', '-']).to_owned();
                finish_line(&mut current, &mut pending, number, line);
            }
            continue;
        }
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(recipe) = current.take() {
            justfile.recipes.push(recipe);
        }
        if line.starts_with('#') || line.starts_with("set ") || line.starts_with('[') {
            continue;
        }
        if let Some(variable) = assignment(line, number) {
            justfile.variables.push(variable);
        } else if let Some(recipe) = header(line, number) {
            current = Some(recipe);
        }
    }
    if let Some((start, joined)) = pending.take() {
        finish_line(&mut current, &mut None, start, joined);
    }
    if let Some(recipe) = current.take() {
        justfile.recipes.push(recipe);
    }
    // `{{NAME}}` of a variable with a literal value is that value in every recipe.
    let known: Vec<(String, String)> =
        justfile.variables.iter().filter_map(|v| Some((v.name.clone(), v.value.clone()?))).collect();
    for recipe in &mut justfile.recipes {
        for (_, line) in &mut recipe.body {
            *line = interpolate(line, &known, &recipe.parameters);
        }
    }
    justfile
}

/// Adds `line` to the current recipe, or keeps it pending when it ends with a `\` continuation.
fn finish_line(current: &mut Option<Recipe>, pending: &mut Option<(usize, String)>, start: usize, line: String) {
    if let Some(rest) = line.strip_suffix('\\') {
        *pending = Some((start, format!("{} ", rest.trim_end())));
        return;
    }
    if let Some(recipe) = current.as_mut() {
        recipe.body.push((start, line));
    }
}

/// `NAME := VALUE` (also `export NAME := VALUE`).
fn assignment(line: &str, number: usize) -> Option<Variable> {
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (name, value) = line.split_once(":=")?;
    let name = name.trim();
    if name.is_empty() || !name.chars().all(is_name_char) {
        return None;
    }
    let value = value.trim();
    let (value, env) = if let Some(quoted) = quoted(value) {
        (Some(quoted), None)
    } else if let Some(args) = call(value, "env_var_or_default") {
        match args.as_slice() {
            [env, default] => (quoted(default), quoted(env)),
            _ => (None, None),
        }
    } else if let Some(args) = call(value, "env_var") {
        match args.as_slice() {
            [env] => (None, quoted(env)),
            _ => (None, None),
        }
    } else {
        (None, None)
    };
    Some(Variable { name: name.to_owned(), value, env, line: number })
}

/// `'text'` or `"text"` (no escapes in single quotes; `\"` and `\\` in double ones).
fn quoted(text: &str) -> Option<String> {
    let text = text.trim();
    if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
        let inner = &text[1..text.len() - 1];
        return (!inner.contains('\'')).then(|| inner.to_owned());
    }
    if text.len() >= 2 && text.starts_with('"') && text.ends_with('"') {
        let inner = &text[1..text.len() - 1];
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(c) => out.push(c),
                    None => return None,
                },
                '"' => return None,
                c => out.push(c),
            }
        }
        return Some(out);
    }
    None
}

/// The arguments of `name(a, b)`, split at commas outside quotes.
fn call(text: &str, name: &str) -> Option<Vec<String>> {
    let inner = text.strip_prefix(name)?.trim_start().strip_prefix('(')?.strip_suffix(')')?;
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in inner.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (None, ',') => args.push(std::mem::take(&mut current).trim().to_owned()),
            (_, c) => current.push(c),
        }
    }
    if quote.is_some() {
        return None;
    }
    args.push(current.trim().to_owned());
    Some(args)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// `[@]NAME PARAM… : DEPENDENCY…`: the `:` that ends the parameters is the first one outside
/// quotes and backticks that is not `:=`.
fn header(line: &str, number: usize) -> Option<Recipe> {
    let line = line.strip_prefix('@').unwrap_or(line);
    let name_len = line.find(|c: char| !is_name_char(c)).unwrap_or(line.len());
    let name = &line[..name_len];
    if name.is_empty() {
        return None;
    }
    let rest = &line[name_len..];
    let mut quote: Option<char> = None;
    let mut colon = None;
    let bytes: Vec<char> = rest.chars().collect();
    for (i, &c) in bytes.iter().enumerate() {
        match (quote, c) {
            (None, '\'' | '"' | '`') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ':') if bytes.get(i + 1) != Some(&'=') => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon?;
    let params: String = bytes[..colon].iter().collect();
    let deps: String = bytes[colon + 1..].iter().collect();
    let parameters = parameters(&params)?;
    let dependencies = deps.split_whitespace().filter(|d| d.chars().all(is_name_char)).map(str::to_owned).collect();
    Some(Recipe { name: name.to_owned(), line: number, parameters, dependencies, body: Vec::new() })
}

/// `step='release' *args='ps' verbosity` as parameters; `None` when it is not a parameter list.
fn parameters(text: &str) -> Option<Vec<Parameter>> {
    let mut parameters = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let variadic = matches!(chars[i], '*' | '+');
        if variadic || chars[i] == '$' {
            i += 1;
        }
        let start = i;
        while i < chars.len() && is_name_char(chars[i]) {
            i += 1;
        }
        if start == i {
            return None;
        }
        let name: String = chars[start..i].iter().collect();
        let mut default = None;
        if chars.get(i) == Some(&'=') {
            i += 1;
            match chars.get(i) {
                Some(&q @ ('\'' | '"' | '`')) => {
                    let open = i;
                    i += 1;
                    while i < chars.len() && chars[i] != q {
                        i += 1;
                    }
                    if i >= chars.len() {
                        return None;
                    }
                    i += 1;
                    let literal: String = chars[open..i].iter().collect();
                    default = if q == '`' { None } else { quoted(&literal) };
                }
                _ => {
                    let open = i;
                    while i < chars.len() && !chars[i].is_whitespace() {
                        i += 1;
                    }
                    default = Some(chars[open..i].iter().collect());
                }
            }
        }
        parameters.push(Parameter { name, default, variadic });
    }
    Some(parameters)
}

/// Replaces `{{ NAME }}` by the variable's value or, for a parameter, its default (a variadic
/// parameter, the words a caller adds, by nothing); `{{justfile_directory()}}` by `.`. Any other
/// interpolation stays as written.
fn interpolate(line: &str, known: &[(String, String)], parameters: &[Parameter]) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let expression = after[..close].trim();
        let parameter = parameters.iter().find(|p| p.name == expression);
        match (known.iter().find(|(name, _)| name == expression), parameter) {
            (_, Some(p)) if p.variadic => {}
            (_, Some(Parameter { default: Some(default), .. })) => out.push_str(default),
            (Some((_, value)), None) => out.push_str(value),
            _ if expression == "justfile_directory()" || expression == "invocation_directory()" => out.push('.'),
            _ => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_recipes_and_bodies_are_read() {
        let text = "# a comment\nset dotenv-load := false\n\nIMAGE_REGISTRY := 'registry.example.com/app'\nCACHE_REGISTRY := env_var_or_default('CACHE_REGISTRY', 'registry.example.com/cache/app')\nprNum := env_var_or_default(\"prNum\", '')\nSECRET := env_var('TOKEN')\nODD := `date`\n\n@default:\n    echo hi\n\n# build a stage\nbuild step='release' action='--load':\n    #!/usr/bin/env bash\n    docker build --target {{step}} \\\n        -t {{IMAGE_REGISTRY}}:{{ step }} .\n\n@solr-dc *args='ps':\n    docker compose -f {{justfile_directory()}}/solr.yml -p solrbld {{args}}\n\n@solr-compose: _solr-compose\nstamp when=`date -u +%FT%T`:\n    echo {{when}} {{unknown}}\n";
        let justfile = read(text);
        let names: Vec<&str> = justfile.variables.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["IMAGE_REGISTRY", "CACHE_REGISTRY", "prNum", "SECRET", "ODD"]);
        assert_eq!(justfile.variable("IMAGE_REGISTRY").unwrap().value.as_deref(), Some("registry.example.com/app"));
        let cache = justfile.variable("CACHE_REGISTRY").unwrap();
        assert_eq!(
            (cache.value.as_deref(), cache.env.as_deref(), cache.line),
            (Some("registry.example.com/cache/app"), Some("CACHE_REGISTRY"), 5)
        );
        assert_eq!(justfile.variable("prNum").unwrap().env.as_deref(), Some("prNum"));
        assert_eq!(justfile.variable("SECRET").unwrap().value, None);
        assert_eq!(justfile.variable("ODD").unwrap().value, None);
        let recipes: Vec<&str> = justfile.recipes.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(recipes, ["default", "build", "solr-dc", "solr-compose", "stamp"]);
        let build = justfile.recipe("build").unwrap();
        assert_eq!(
            build.parameters[0],
            Parameter { name: "step".into(), default: Some("release".into()), variadic: false }
        );
        assert_eq!(
            build.body,
            [(16, "docker build --target release -t registry.example.com/app:release .".to_owned())]
        );
        assert_eq!(justfile.recipe("solr-dc").unwrap().body[0].1, "docker compose -f ./solr.yml -p solrbld ");
        assert_eq!(justfile.recipe("solr-compose").unwrap().dependencies, ["_solr-compose"]);
        let stamp = justfile.recipe("stamp").unwrap();
        assert_eq!(stamp.parameters[0].default, None, "a backtick default is not a value");
        assert_eq!(stamp.body[0].1, "echo {{when}} {{unknown}}");
    }
}
