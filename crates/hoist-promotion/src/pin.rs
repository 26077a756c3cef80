//! Pinning image references in kustomizations and helm values files: pure functions of the
//! file's text, the project's repository, the run's images and their digests.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_yaml_ng::{Mapping, Value};

/// One of the images this run built: the release image (`REPO:VERSION`, no suffix) or a
/// step or data image (`REPO:VERSION-SUFFIX`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RunImage {
    /// The part of the tag after the version (`tester`, `solr`); `None` for the release image.
    pub suffix: Option<String>,
    /// The full reference (`registry.example.com/app:v1.2.3-tester`).
    pub reference: String,
    /// Its tag (`v1.2.3-tester`).
    pub tag: String,
}

impl RunImage {
    /// The image `reference` (`REPO:TAG`) with `suffix`.
    pub fn new(suffix: Option<&str>, reference: &str) -> RunImage {
        let tag = reference.rsplit_once(':').map_or("", |(_, t)| t).to_owned();
        RunImage { suffix: suffix.map(str::to_owned), reference: reference.to_owned(), tag }
    }
}

/// Which file kind is pinned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// A `kustomization.yaml`: its `images:` entries.
    Kustomization,
    /// A helm values file: every mapping with `repository:` and `tag:`.
    Values,
}

/// One image reference pinned in a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Pin {
    /// The file, as a path in the tree.
    pub file: String,
    /// Where in the file (`images[0]`, `web.image`).
    pub at: String,
    /// The reference as the source commit writes it.
    pub from: String,
    /// The run's image it stands for (by the suffix of its tag).
    pub image: String,
    /// The digest-pinned reference it becomes (`REPO:TAG@sha256:…`); `None` while the image's
    /// digest is not known.
    pub to: Option<String>,
}

/// The run's image a written tag stands for: the image whose suffix the tag ends with
/// (`-SUFFIX`, the longest such suffix), else the release image. A digest after `@` is
/// ignored.
pub fn image_for<'a>(tag: Option<&str>, images: &'a [RunImage]) -> Option<&'a RunImage> {
    let tag = tag.map(|t| t.split('@').next().unwrap_or(t)).unwrap_or("");
    let mut with_suffix: Vec<&RunImage> = images.iter().filter(|i| i.suffix.is_some()).collect();
    with_suffix.sort_by_key(|i| std::cmp::Reverse(i.suffix.as_ref().map_or(0, String::len)));
    with_suffix
        .into_iter()
        .find(|i| i.suffix.as_ref().is_some_and(|s| tag.ends_with(&format!("-{s}"))))
        .or_else(|| images.iter().find(|i| i.suffix.is_none()))
}

/// The pins of the file `file` (text `text`) and, when every pinned image's digest is in
/// `digests` (reference → digest) and something changes, the new text. A file that does not
/// change keeps its text byte for byte; a changed one is written back by the YAML library
/// (key order is kept; comments and quoting style are not).
pub fn pin_file(
    kind: FileKind,
    file: &str,
    text: &str,
    repository: &str,
    images: &[RunImage],
    digests: &BTreeMap<String, String>,
) -> Result<(Vec<Pin>, Option<String>), String> {
    let original: Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    let mut value = original.clone();
    let mut pins = Vec::new();
    let mut edit = Edit { file, repository, images, digests, pins: &mut pins };
    match kind {
        FileKind::Kustomization => edit.kustomization(&mut value),
        FileKind::Values => edit.values(&mut value, ""),
    }
    let complete = pins.iter().all(|p| p.to.is_some());
    let text = if complete && value != original {
        Some(serde_yaml_ng::to_string(&value).map_err(|e| e.to_string())?)
    } else {
        None
    };
    Ok((pins, text))
}

/// The references to `repository` a file writes, as pinned or not: a kustomization's
/// `images:` entries (`REPO:NEWTAG` with `@DIGEST` when it has one) and a values file's
/// `repository` + `tag` mappings (`REPO:TAG`, the tag maybe `TAG@DIGEST`). With where each is.
pub fn references(kind: FileKind, text: &str, repository: &str) -> Result<Vec<(String, String)>, String> {
    let value: Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    let mut found = Vec::new();
    match kind {
        FileKind::Kustomization => {
            for (n, entry) in value.get("images").and_then(Value::as_sequence).into_iter().flatten().enumerate() {
                let name = scalar(entry.get("newName")).or_else(|| scalar(entry.get("name")));
                if name.as_deref() != Some(repository) {
                    continue;
                }
                let mut reference =
                    format!("{repository}:{}", scalar(entry.get("newTag")).as_deref().unwrap_or("latest"));
                if let Some(digest) = scalar(entry.get("digest")) {
                    reference = format!("{reference}@{digest}");
                }
                found.push((format!("images[{n}]"), reference));
            }
        }
        FileKind::Values => values_references(&value, "", repository, &mut found),
    }
    Ok(found)
}

fn values_references(value: &Value, at: &str, repository: &str, found: &mut Vec<(String, String)>) {
    match value {
        Value::Mapping(map) => {
            if scalar(map.get("repository")).as_deref() == Some(repository)
                && let Some(tag) = scalar(map.get("tag"))
            {
                found.push((if at.is_empty() { "(top)".into() } else { at.to_owned() }, format!("{repository}:{tag}")));
            }
            for (key, child) in map {
                let key = scalar(Some(key)).unwrap_or_else(|| "?".into());
                values_references(child, &if at.is_empty() { key } else { format!("{at}.{key}") }, repository, found);
            }
        }
        Value::Sequence(items) => {
            for (n, child) in items.iter().enumerate() {
                values_references(child, &format!("{at}[{n}]"), repository, found);
            }
        }
        Value::Tagged(tagged) => values_references(&tagged.value, at, repository, found),
        _ => {}
    }
}

struct Edit<'a> {
    file: &'a str,
    repository: &'a str,
    images: &'a [RunImage],
    digests: &'a BTreeMap<String, String>,
    pins: &'a mut Vec<Pin>,
}

fn scalar(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Edit<'_> {
    /// `images:` entries whose `newName` (else `name`) is the repository get `newName`,
    /// `newTag` and `digest`.
    fn kustomization(&mut self, value: &mut Value) {
        let Some(entries) = value.get_mut("images").and_then(Value::as_sequence_mut) else { return };
        for (n, entry) in entries.iter_mut().enumerate() {
            let Some(map) = entry.as_mapping_mut() else { continue };
            let name = scalar(map.get("newName")).or_else(|| scalar(map.get("name")));
            if name.as_deref() != Some(self.repository) {
                continue;
            }
            let tag = scalar(map.get("newTag"));
            let Some(image) = image_for(tag.as_deref(), self.images) else { continue };
            let mut from = format!("{}:{}", self.repository, tag.as_deref().unwrap_or("latest"));
            if let Some(digest) = scalar(map.get("digest")) {
                from = format!("{from}@{digest}");
            }
            let digest = self.digests.get(&image.reference).cloned();
            if let Some(digest) = &digest {
                map.insert("newName".into(), self.repository.into());
                map.insert("newTag".into(), image.tag.as_str().into());
                map.insert("digest".into(), digest.as_str().into());
            }
            self.pins.push(Pin {
                file: self.file.to_owned(),
                at: format!("images[{n}]"),
                from,
                image: image.reference.clone(),
                to: digest.map(|d| format!("{}@{d}", image.reference)),
            });
        }
    }

    /// Every mapping with `repository: REPO` and a `tag:` gets `tag: TAG@DIGEST`.
    fn values(&mut self, value: &mut Value, at: &str) {
        match value {
            Value::Mapping(map) => {
                self.values_mapping(map, at);
                for (key, child) in map.iter_mut() {
                    let key = scalar(Some(key)).unwrap_or_else(|| "?".into());
                    let at = if at.is_empty() { key } else { format!("{at}.{key}") };
                    self.values(child, &at);
                }
            }
            Value::Sequence(items) => {
                for (n, child) in items.iter_mut().enumerate() {
                    self.values(child, &format!("{at}[{n}]"));
                }
            }
            Value::Tagged(tagged) => self.values(&mut tagged.value, at),
            _ => {}
        }
    }

    fn values_mapping(&mut self, map: &mut Mapping, at: &str) {
        if scalar(map.get("repository")).as_deref() != Some(self.repository) || !map.contains_key("tag") {
            return;
        }
        let tag = scalar(map.get("tag"));
        let Some(image) = image_for(tag.as_deref(), self.images) else { return };
        let digest = self.digests.get(&image.reference).cloned();
        if let Some(digest) = &digest {
            map.insert("tag".into(), format!("{}@{digest}", image.tag).into());
        }
        self.pins.push(Pin {
            file: self.file.to_owned(),
            at: if at.is_empty() { "(top)".into() } else { at.to_owned() },
            from: format!("{}:{}", self.repository, tag.unwrap_or_default()),
            image: image.reference.clone(),
            to: digest.map(|d| format!("{}@{d}", image.reference)),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPO: &str = "r.example/app";

    fn images() -> Vec<RunImage> {
        vec![
            RunImage::new(None, "r.example/app:v2"),
            RunImage::new(Some("tester"), "r.example/app:v2-tester"),
            RunImage::new(Some("solr"), "r.example/app:v2-solr"),
        ]
    }

    fn digests() -> BTreeMap<String, String> {
        images().iter().enumerate().map(|(n, i)| (i.reference.clone(), format!("sha256:{n}{n}"))).collect()
    }

    #[test]
    fn the_suffix_of_the_tag_picks_the_image() {
        let images = images();
        assert_eq!(image_for(Some("v1-tester"), &images).unwrap().tag, "v2-tester");
        assert_eq!(image_for(Some("v1-solr@sha256:x"), &images).unwrap().tag, "v2-solr");
        assert_eq!(image_for(Some("v1"), &images).unwrap().tag, "v2");
        assert_eq!(image_for(None, &images).unwrap().tag, "v2");
    }

    #[test]
    fn kustomization_entries_of_the_repository_are_pinned() {
        let text = "resources:\n- deployment.yaml\nimages:\n- name: app\n  newName: r.example/app\n  newTag: v1-solr\n- name: r.example/app\n- name: other\n  newTag: v1\n";
        let (pins, new) = pin_file(FileKind::Kustomization, "k.yaml", text, REPO, &images(), &BTreeMap::new()).unwrap();
        assert_eq!(pins.len(), 2);
        assert_eq!(new, None, "no digests yet");
        let (pins, new) = pin_file(FileKind::Kustomization, "k.yaml", text, REPO, &images(), &digests()).unwrap();
        assert_eq!(pins[0].to.as_deref(), Some("r.example/app:v2-solr@sha256:22"));
        assert_eq!(pins[1].from, "r.example/app:latest");
        let new = new.unwrap();
        assert_eq!(
            new,
            "resources:\n- deployment.yaml\nimages:\n- name: app\n  newName: r.example/app\n  newTag: v2-solr\n  digest: sha256:22\n- name: r.example/app\n  newName: r.example/app\n  newTag: v2\n  digest: sha256:00\n- name: other\n  newTag: v1\n"
        );
        let (_, again) = pin_file(FileKind::Kustomization, "k.yaml", &new, REPO, &images(), &digests()).unwrap();
        assert_eq!(again, None, "a pinned file stays as it is");
    }

    #[test]
    fn references_are_read_pinned_or_not() {
        let kustomization = "images:\n- name: app\n  newName: r.example/app\n  newTag: v2\n  digest: sha256:00\n- name: r.example/app\n- name: other\n";
        assert_eq!(
            references(FileKind::Kustomization, kustomization, REPO).unwrap(),
            [
                ("images[0]".to_owned(), "r.example/app:v2@sha256:00".to_owned()),
                ("images[1]".to_owned(), "r.example/app:latest".to_owned())
            ]
        );
        let values = "image: {repository: r.example/app, tag: v2@sha256:11}\nw: [{repository: r.example/app, tag: v1-tester}, {repository: x, tag: v1}]\n";
        assert_eq!(
            references(FileKind::Values, values, REPO).unwrap(),
            [
                ("image".to_owned(), "r.example/app:v2@sha256:11".to_owned()),
                ("w[0]".to_owned(), "r.example/app:v1-tester".to_owned())
            ]
        );
    }

    #[test]
    fn values_mappings_with_the_repository_and_a_tag_are_pinned() {
        let text = "# comment\nimage:\n  repository: r.example/app\n  tag: v1\nworkers:\n- image: {repository: r.example/app, tag: v1-tester}\n- image: {repository: r.example/other, tag: v1}\nnotag:\n  repository: r.example/app\n";
        let (pins, new) = pin_file(FileKind::Values, "v.yaml", text, REPO, &images(), &digests()).unwrap();
        let at: Vec<&str> = pins.iter().map(|p| p.at.as_str()).collect();
        assert_eq!(at, ["image", "workers[0].image"]);
        let value: Value = serde_yaml_ng::from_str(&new.unwrap()).unwrap();
        assert_eq!(value["image"]["tag"], "v2@sha256:00");
        assert_eq!(value["workers"][0]["image"]["tag"], "v2-tester@sha256:11");
        assert_eq!(value["workers"][1]["image"]["tag"], "v1");
    }
}
