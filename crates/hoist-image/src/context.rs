//! The build context: a directory streamed as a tar, generated on the fly while it is sent.
//!
//! [`Context::walk`] visits the directory in a stable (sorted) order, every entry the
//! `.dockerignore` lets through; [`Context::write_tar`] writes what it visits to any [`Write`]:
//! regular files (contents streamed, never held whole), directories (empty ones too), symlinks
//! (not followed), with their permission bits and modification times, owner `0:0`, and GNU
//! long-name records for paths over 100 bytes. The input digest walks the same way, so it is of
//! exactly what is sent. An excluded directory is not even read unless an exception pattern could re-include
//! something below it. The Dockerfile and `.dockerignore` are always sent, as the Docker CLI
//! does; a Dockerfile outside the context is added under [`EXTERNAL_DOCKERFILE`].
//!
//! The engine path sends the tar through a bounded channel in 64 KiB chunks, so memory stays
//! flat whatever the context's size. Benchmarks can call [`Context::write_tar`] with their own
//! sink (e.g. [`std::io::sink`]) and read the [`ContextStats`].

use std::fs::{self, File, Metadata};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::dockerignore::Dockerignore;
use crate::error::ImageError;

/// The name a Dockerfile from outside the context gets inside the context tar.
pub const EXTERNAL_DOCKERFILE: &str = ".hoist-external.Dockerfile";

/// A build context directory, its `.dockerignore` and its Dockerfile.
#[derive(Clone, Debug)]
pub struct Context {
    dir: PathBuf,
    ignore: Dockerignore,
    dockerfile_name: String,
    external_dockerfile: Option<PathBuf>,
}

/// What went into a context tar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContextStats {
    /// Regular files sent.
    pub files: u64,
    /// Directories sent.
    pub directories: u64,
    /// Symlinks sent.
    pub symlinks: u64,
    /// Entries left out by `.dockerignore` (a skipped directory counts once).
    pub excluded: u64,
    /// Bytes of file contents sent.
    pub content_bytes: u64,
    /// Bytes of the tar stream.
    pub tar_bytes: u64,
}

impl Context {
    /// The context `dir` with the Dockerfile at `dockerfile` (relative paths are relative to
    /// `dir`); reads `dir/.dockerignore`.
    pub fn new(dir: &Path, dockerfile: &Path) -> Result<Context, ImageError> {
        match fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(ImageError::ContextNotADirectory { path: dir.to_owned() }),
            Err(_) => return Err(ImageError::ContextMissing { path: dir.to_owned() }),
        }
        let dockerfile_path = if dockerfile.is_absolute() { dockerfile.to_owned() } else { dir.join(dockerfile) };
        if !dockerfile_path.is_file() {
            return Err(ImageError::DockerfileMissing { path: dockerfile_path });
        }
        let ignore_path = dir.join(".dockerignore");
        let mut ignore = match fs::read_to_string(&ignore_path) {
            Ok(text) => Dockerignore::parse(&text)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Dockerignore::default(),
            Err(source) => return Err(ImageError::ContextRead { path: ignore_path, source }),
        };
        let canonical_dir =
            fs::canonicalize(dir).map_err(|source| ImageError::ContextRead { path: dir.to_owned(), source })?;
        let canonical_file = fs::canonicalize(&dockerfile_path)
            .map_err(|source| ImageError::ContextRead { path: dockerfile_path.clone(), source })?;
        let (dockerfile_name, external_dockerfile) = match canonical_file.strip_prefix(&canonical_dir) {
            Ok(relative) => (relative.to_string_lossy().into_owned(), None),
            Err(_) => (EXTERNAL_DOCKERFILE.to_owned(), Some(dockerfile_path)),
        };
        if !ignore.is_empty() {
            ignore.always_include(&dockerfile_name);
            ignore.always_include(".dockerignore");
        }
        Ok(Context { dir: dir.to_owned(), ignore, dockerfile_name, external_dockerfile })
    }

    /// The context directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The Dockerfile's path inside the context tar (what the engine's `dockerfile` option gets).
    pub fn dockerfile_name(&self) -> &str {
        &self.dockerfile_name
    }

    /// The `.dockerignore` in force.
    pub fn dockerignore(&self) -> &Dockerignore {
        &self.ignore
    }

    /// Walks the context in the order and with the selection of the tar [`Context::write_tar`]
    /// sends: every entry `.dockerignore` lets through, sorted, directories before what they
    /// hold; fifos, sockets and devices are left out (and never opened). `visit` sees each
    /// entry's path inside the context, its path on disk, its metadata and its kind. This one
    /// walk serves the tar and the input digest, so the digest is of exactly what is sent.
    pub fn walk(
        &self,
        visit: &mut dyn FnMut(&ContextEntry<'_>) -> Result<(), ImageError>,
    ) -> Result<ContextStats, ImageError> {
        let mut stats = ContextStats::default();
        self.walk_dir(&self.dir, "", &mut stats, visit)?;
        Ok(stats)
    }

    /// Writes the context as a tar to `sink`.
    pub fn write_tar(&self, sink: impl Write) -> Result<ContextStats, ImageError> {
        let mut counting = CountingWriter { inner: sink, count: 0 };
        let mut stats;
        {
            let mut builder = tar::Builder::new(&mut counting);
            builder.follow_symlinks(false);
            stats = self.walk(&mut |entry| {
                let read_error = |source| ImageError::ContextRead { path: entry.path.to_owned(), source };
                match &entry.kind {
                    EntryKind::Directory => {
                        let mut header = header(entry.meta, tar::EntryType::Directory, 0);
                        builder.append_data(&mut header, format!("{}/", entry.name), io::empty()).map_err(read_error)
                    }
                    EntryKind::File => append_file(&mut builder, entry.path, entry.name, entry.meta),
                    EntryKind::Symlink { target } => {
                        let mut header = header(entry.meta, tar::EntryType::Symlink, 0);
                        builder.append_link(&mut header, entry.name, target).map_err(read_error)
                    }
                }
            })?;
            if let Some(path) = &self.external_dockerfile {
                let meta =
                    fs::metadata(path).map_err(|source| ImageError::ContextRead { path: path.clone(), source })?;
                append_file(&mut builder, path, EXTERNAL_DOCKERFILE, &meta)?;
                stats.files += 1;
                stats.content_bytes += meta.len();
            }
            builder.finish().map_err(|source| self.write_error(source))?;
        }
        counting.flush().map_err(|source| self.write_error(source))?;
        stats.tar_bytes = counting.count;
        Ok(stats)
    }

    fn write_error(&self, source: io::Error) -> ImageError {
        ImageError::ContextRead { path: self.dir.clone(), source }
    }

    fn walk_dir(
        &self,
        dir: &Path,
        relative: &str,
        stats: &mut ContextStats,
        visit: &mut dyn FnMut(&ContextEntry<'_>) -> Result<(), ImageError>,
    ) -> Result<(), ImageError> {
        let read_error = |path: &Path, source| ImageError::ContextRead { path: path.to_owned(), source };
        let mut entries = fs::read_dir(dir)
            .map_err(|e| read_error(dir, e))?
            .map(|entry| entry.map(|e| e.file_name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| read_error(dir, e))?;
        entries.sort();
        for name in entries {
            let path = dir.join(&name);
            let name = name.to_string_lossy();
            let child = if relative.is_empty() { name.into_owned() } else { format!("{relative}/{name}") };
            let excluded = self.ignore.is_excluded(&child);
            let meta = fs::symlink_metadata(&path).map_err(|e| read_error(&path, e))?;
            let kind = meta.file_type();
            let entry = |kind| ContextEntry { name: &child, path: &path, meta: &meta, kind };
            if kind.is_dir() {
                if excluded {
                    stats.excluded += 1;
                    if self.ignore.may_include_below(&child) {
                        self.walk_dir(&path, &child, stats, visit)?;
                    }
                    continue;
                }
                visit(&entry(EntryKind::Directory))?;
                stats.directories += 1;
                self.walk_dir(&path, &child, stats, visit)?;
            } else if excluded {
                stats.excluded += 1;
            } else if kind.is_file() {
                visit(&entry(EntryKind::File))?;
                stats.files += 1;
                stats.content_bytes += meta.len();
            } else if kind.is_symlink() {
                let target = fs::read_link(&path).map_err(|e| read_error(&path, e))?;
                visit(&entry(EntryKind::Symlink { target }))?;
                stats.symlinks += 1;
            } else if kind.is_fifo() || kind.is_socket() || kind.is_block_device() || kind.is_char_device() {
                // Docker sends devices and fifos as headers only; builds never need them, and
                // a socket cannot be archived at all: leave them out.
                stats.excluded += 1;
            }
        }
        Ok(())
    }
}

/// One entry of a build context, as [`Context::walk`] yields it.
#[derive(Debug)]
pub struct ContextEntry<'a> {
    /// Its path inside the context (`/`-separated, no leading `./`).
    pub name: &'a str,
    /// Its path on disk.
    pub path: &'a Path,
    /// Its metadata (of the link itself, for a symlink).
    pub meta: &'a Metadata,
    /// What it is.
    pub kind: EntryKind,
}

/// What a context entry is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A directory.
    Directory,
    /// A regular file.
    File,
    /// A symlink (not followed) and its target.
    Symlink {
        /// Where it points.
        target: PathBuf,
    },
}

fn append_file<W: Write>(
    builder: &mut tar::Builder<W>,
    path: &Path,
    name: &str,
    meta: &Metadata,
) -> Result<(), ImageError> {
    let read_error = |source| ImageError::ContextRead { path: path.to_owned(), source };
    let file = File::open(path).map_err(read_error)?;
    let size = meta.len();
    let mut header = header(meta, tar::EntryType::Regular, size);
    // Exactly `size` bytes, even if the file changes while it is read: pad a shrunk file.
    let reader = ExactReader { inner: file.take(size), remaining: size };
    builder.append_data(&mut header, name, reader).map_err(read_error)
}

fn header(meta: &Metadata, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(meta.mode() & 0o7777);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(u64::try_from(meta.mtime()).unwrap_or(0));
    header.set_size(size);
    header
}

/// Reads exactly `remaining` bytes: the inner reader's, then zeros if it ends early.
struct ExactReader<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }
        let want = buf.len().min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let mut n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            buf[..want].fill(0);
            n = want;
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

struct CountingWriter<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A [`Write`] that hands 64 KiB chunks to the upload task through a bounded channel.
pub(crate) struct ChunkSender {
    buffer: Vec<u8>,
    tx: tokio::sync::mpsc::Sender<Result<bytes::Bytes, io::Error>>,
}

pub(crate) const CHUNK: usize = 64 * 1024;

impl ChunkSender {
    pub(crate) fn new(tx: tokio::sync::mpsc::Sender<Result<bytes::Bytes, io::Error>>) -> ChunkSender {
        ChunkSender { buffer: Vec::with_capacity(CHUNK), tx }
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(bytes::Bytes::from(chunk)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the engine stopped reading the build context"))
    }
}

impl Write for ChunkSender {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buffer.len();
        let n = buf.len().min(room);
        self.buffer.extend_from_slice(&buf[..n]);
        if self.buffer.len() == CHUNK {
            self.send()?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(tar: &[u8]) -> Vec<(String, tar::EntryType, u32, String)> {
        let mut archive = tar::Archive::new(tar);
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let path = e.path().unwrap().to_string_lossy().into_owned();
                let kind = e.header().entry_type();
                let mode = e.header().mode().unwrap();
                let link = e.link_name().unwrap().map(|l| l.to_string_lossy().into_owned());
                let mut body = String::new();
                e.read_to_string(&mut body).unwrap();
                (path, kind, mode, link.unwrap_or(body))
            })
            .collect()
    }

    #[test]
    fn streams_what_dockerignore_lets_through() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("Dockerfile"), "FROM scratch\n").unwrap();
        fs::write(d.join(".dockerignore"), "secret*\nDockerfile\nbuild\n!build/keep\n").unwrap();
        fs::write(d.join("secret.txt"), "no").unwrap();
        fs::write(d.join("run.sh"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(d.join("run.sh"), std::os::unix::fs::PermissionsExt::from_mode(0o750)).unwrap();
        fs::create_dir_all(d.join("empty")).unwrap();
        fs::create_dir_all(d.join("build/keep")).unwrap();
        fs::write(d.join("build/drop"), "x").unwrap();
        fs::write(d.join("build/keep/k"), "k").unwrap();
        std::os::unix::fs::symlink("run.sh", d.join("link")).unwrap();
        let long = "a".repeat(60);
        fs::create_dir_all(d.join(&long)).unwrap();
        fs::write(d.join(&long).join(format!("{long}.txt")), "long").unwrap();

        let context = Context::new(d, Path::new("Dockerfile")).unwrap();
        let mut tar = Vec::new();
        let stats = context.write_tar(&mut tar).unwrap();
        assert_eq!(stats.tar_bytes, tar.len() as u64);
        let got = entries(&tar);
        let names: Vec<&str> = got.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            names,
            [
                ".dockerignore",
                "Dockerfile",
                &format!("{long}/"),
                &format!("{long}/{long}.txt"),
                "build/keep/",
                "build/keep/k",
                "empty/",
                "link",
                "run.sh",
            ]
        );
        let run = got.iter().find(|e| e.0 == "run.sh").unwrap();
        assert_eq!(run.2, 0o750);
        let link = got.iter().find(|e| e.0 == "link").unwrap();
        assert_eq!((link.1, link.3.as_str()), (tar::EntryType::Symlink, "run.sh"));
        assert_eq!(stats.files, 5);
        assert_eq!(stats.symlinks, 1);
    }

    #[test]
    fn a_dockerfile_outside_the_context_is_added() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("ctx")).unwrap();
        fs::write(dir.path().join("ctx/a"), "a").unwrap();
        fs::write(dir.path().join("Other.Dockerfile"), "FROM scratch\n").unwrap();
        let context = Context::new(&dir.path().join("ctx"), &dir.path().join("Other.Dockerfile")).unwrap();
        assert_eq!(context.dockerfile_name(), EXTERNAL_DOCKERFILE);
        let mut tar = Vec::new();
        context.write_tar(&mut tar).unwrap();
        let names: Vec<String> = entries(&tar).into_iter().map(|e| e.0).collect();
        assert_eq!(names, ["a", EXTERNAL_DOCKERFILE]);
    }

    #[test]
    fn missing_context_and_dockerfile_are_named() {
        let err = Context::new(Path::new("/nonexistent/ctx"), Path::new("Dockerfile")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the build context `/nonexistent/ctx` does not exist\nhelp: set `context` in `hoist.toml` to a directory of the project"
        );
        let dir = tempfile::tempdir().unwrap();
        let err = Context::new(dir.path(), Path::new("Dockerfile")).unwrap_err();
        assert!(err.to_string().starts_with("the Dockerfile `"), "{err}");
    }
}
