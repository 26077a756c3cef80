use std::collections::BTreeMap;

use serde::Serialize;

use crate::Oid;

/// A tag as a remote holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RemoteTag {
    /// The object the ref points at: the commit, or the annotated tag object.
    pub object: Oid,
    /// The commit it names (the annotated tag peeled).
    pub commit: Oid,
}

/// The tags a remote holds, by short name (`dev/deploy`, `v1.2.3`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct RemoteTags(pub BTreeMap<String, RemoteTag>);

impl RemoteTags {
    /// The tag named `name`.
    pub fn get(&self, name: &str) -> Option<&RemoteTag> {
        self.0.get(name)
    }

    /// The commit the tag `name` names.
    pub fn commit(&self, name: &str) -> Option<&Oid> {
        self.0.get(name).map(|t| &t.commit)
    }

    /// The ref object the tag `name` points at (what a lease must expect).
    pub fn object(&self, name: &str) -> Option<&Oid> {
        self.0.get(name).map(|t| &t.object)
    }

    /// Parses `git ls-remote` output restricted to tags.
    pub(crate) fn parse(output: &str) -> RemoteTags {
        let mut direct: BTreeMap<String, Oid> = BTreeMap::new();
        let mut peeled: BTreeMap<String, Oid> = BTreeMap::new();
        for line in output.lines() {
            let Some((oid, refname)) = line.split_once('\t') else { continue };
            let (Some(oid), Some(name)) = (Oid::parse(oid), refname.strip_prefix("refs/tags/")) else { continue };
            match name.strip_suffix("^{}") {
                Some(name) => peeled.insert(name.to_owned(), oid),
                None => direct.insert(name.to_owned(), oid),
            };
        }
        RemoteTags(
            direct
                .into_iter()
                .map(|(name, object)| {
                    let commit = peeled.remove(&name).unwrap_or_else(|| object.clone());
                    (name, RemoteTag { object, commit })
                })
                .collect(),
        )
    }
}

/// One tag move in an atomic push.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TagUpdate {
    /// The tag's short name (`dev/deploy`).
    pub name: String,
    /// What the remote must hold for the push to go ahead: the object the tag points at now,
    /// or `None` for "the tag must not exist".
    pub expected: Option<Oid>,
    /// Where the tag goes, or `None` to delete it.
    pub new: Option<Oid>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peels_annotated_tags() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let c = "c".repeat(40);
        let out =
            format!("{a}\trefs/tags/v1\n{b}\trefs/tags/v1^{{}}\n{c}\trefs/tags/dev/deploy\n{c}\trefs/heads/main\n");
        let tags = RemoteTags::parse(&out);
        assert_eq!(tags.0.len(), 2);
        assert_eq!(tags.object("v1").unwrap().as_str(), a);
        assert_eq!(tags.commit("v1").unwrap().as_str(), b);
        assert_eq!(tags.commit("dev/deploy").unwrap().as_str(), c);
        assert_eq!(tags.get("main"), None);
    }
}
