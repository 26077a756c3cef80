//! Filling the HelmRelease template: plain `{placeholder}` substitution.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::GitopsError;

/// What a template can refer to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Inputs {
    /// `{env}`: the environment (`staging`).
    pub env: String,
    /// `{name}`: the application's name (`gitops.name`).
    pub name: String,
    /// `{version}`: the bare version (`0.5.146`).
    pub version: String,
    /// `{tag}`: the image tag (`v0.5.146`).
    pub tag: String,
    /// `{registry}`: the image repository (`registry.example.com/app`).
    pub registry: String,
    /// `{digest}`: the image's digest in the registry, when known (`sha256:…`).
    pub digest: Option<String>,
    /// `{values.KEY}`: chart values (`[gitops.values]`, `--set KEY=VALUE`).
    pub values: BTreeMap<String, String>,
}

impl Inputs {
    /// `{image}`: `REGISTRY:TAG`.
    pub fn image(&self) -> String {
        format!("{}:{}", self.registry, self.tag)
    }

    fn lookup(&self, name: &str) -> Option<Option<String>> {
        Some(match name {
            "env" => Some(self.env.clone()),
            "name" => Some(self.name.clone()),
            "version" => Some(self.version.clone()),
            "tag" => Some(self.tag.clone()),
            "registry" => Some(self.registry.clone()),
            "image" => Some(self.image()),
            "digest" => self.digest.clone(),
            other => Some(self.values.get(other.strip_prefix("values.")?)?.clone()),
        })
    }

    fn known(&self) -> Vec<String> {
        let mut known: Vec<String> =
            ["env", "name", "version", "tag", "registry", "image", "digest"].map(String::from).to_vec();
        known.extend(self.values.keys().map(|k| format!("values.{k}")));
        known
    }
}

/// Checks that `digest` is `sha256:` and 64 lowercase hexadecimal digits.
pub fn check_digest(digest: &str) -> Result<(), GitopsError> {
    let ok = digest
        .strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    if ok { Ok(()) } else { Err(GitopsError::BadDigest { digest: digest.to_owned() }) }
}

/// Replaces every `{placeholder}` of `template` with its value from `inputs`.
///
/// A placeholder is `{`, a name of letters, digits, `_`, `-` and `.`, and `}`; any other brace
/// (`{}`, `{ a: b }`, `{{ .Values.x }}`, Flux's `${VAR}`) is left as written. An unknown
/// name is an error, so a typo cannot reach the cluster; `source_name` names the template in
/// errors.
pub fn render(template: &str, inputs: &Inputs, source_name: &str) -> Result<String, GitopsError> {
    let mut out = String::with_capacity(template.len());
    for (index, line) in template.split_inclusive('\n').enumerate() {
        let mut rest = line;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let name_len =
                after.bytes().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')).count();
            let is_flux_variable = open > 0 && rest.as_bytes()[open - 1] == b'$';
            if name_len == 0 || !after[name_len..].starts_with('}') || is_flux_variable {
                out.push('{');
                rest = after;
                continue;
            }
            let name = &after[..name_len];
            match inputs.lookup(name) {
                Some(Some(value)) => out.push_str(&value),
                Some(None) => {
                    return Err(GitopsError::NoDigest { source_name: source_name.to_owned(), line: index + 1 });
                }
                None => {
                    return Err(GitopsError::UnknownPlaceholder {
                        source_name: source_name.to_owned(),
                        line: index + 1,
                        name: name.to_owned(),
                        known: inputs.known(),
                    });
                }
            }
            rest = &after[name_len + 1..];
        }
        out.push_str(rest);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> Inputs {
        Inputs {
            env: "staging".into(),
            name: "ui".into(),
            version: "0.5.146".into(),
            tag: "v0.5.146".into(),
            registry: "registry.example.com/ui".into(),
            digest: Some(format!("sha256:{}", "a".repeat(64))),
            values: [("replicas".to_owned(), "2".to_owned())].into(),
        }
    }

    #[test]
    fn fills_placeholders_and_leaves_other_braces() {
        let template = "name: {name}-{env}\nimage: {image}@{digest}\nversion: \"{version}\"\nreplicas: {values.replicas}\nresources: {}\nmap: { a: b }\nhelm: {{ .Values.x }}\nflux: ${cluster_name}\n";
        let out = render(template, &inputs(), "t.yaml").unwrap();
        assert_eq!(
            out,
            format!(
                "name: ui-staging\nimage: registry.example.com/ui:v0.5.146@sha256:{}\nversion: \"0.5.146\"\nreplicas: 2\nresources: {{}}\nmap: {{ a: b }}\nhelm: {{{{ .Values.x }}}}\nflux: ${{cluster_name}}\n",
                "a".repeat(64)
            )
        );
    }

    #[test]
    fn unknown_placeholders_and_a_missing_digest_are_errors() {
        let error = render("a: 1\ntag: {tga}\n", &inputs(), "t.yaml").unwrap_err();
        assert_eq!(
            error.to_string(),
            "t.yaml:2: unknown placeholder `{tga}`: the known ones are `env`, `name`, `version`, `tag`, `registry`, `image`, `digest`, `values.replicas`"
        );
        let no_digest = Inputs { digest: None, ..inputs() };
        assert_eq!(
            render("digest: {digest}\n", &no_digest, "t.yaml").unwrap_err().to_string(),
            "t.yaml:1: the template uses `{digest}` but the image digest is not known: pass `--digest sha256:…` (the digest the registry reports for the image)"
        );
        assert_eq!(render("tag: {tag}\n", &no_digest, "t.yaml").unwrap(), "tag: v0.5.146\n");
    }

    #[test]
    fn digests_are_checked() {
        assert!(check_digest(&format!("sha256:{}", "0f".repeat(32))).is_ok());
        assert_eq!(
            check_digest("sha256:abc").unwrap_err().to_string(),
            "`sha256:abc` is not an image digest: expected `sha256:` and 64 hexadecimal digits"
        );
    }
}
