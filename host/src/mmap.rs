//! Read-only memory maps of model files.
//!
//! Weights are viewed in place: a GGUF file is mapped once and every tensor
//! is a `&[u8]` slice of the map, so loading a model costs no copy and the
//! kernel pages weights in (and out) as inference touches them.

use std::fmt;
use std::fs::File;
use std::io;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

/// A file mapped read-only into memory; dereferences to its bytes.
pub struct Mapped {
    path: PathBuf,
    /// `None` for an empty file: a zero-length mapping is not allowed by
    /// POSIX `mmap`, and an empty slice needs no mapping anyway.
    map: Option<Mmap>,
}

/// Why a file could not be mapped.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened (missing, no permission, ...).
    Open {
        /// The path as given.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// The path exists but is a directory or a device, not a regular file.
    NotAFile {
        /// The path as given.
        path: PathBuf,
    },
    /// The OS refused to map the file.
    Map {
        /// The path as given.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Open { path, source } => write!(f, "cannot open {}: {source}", path.display()),
            Error::NotAFile { path } => write!(f, "{} is not a regular file", path.display()),
            Error::Map { path, source } => write!(f, "cannot map {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Open { source, .. } | Error::Map { source, .. } => Some(source),
            Error::NotAFile { .. } => None,
        }
    }
}

impl Mapped {
    /// Maps the file at `path` read-only.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|source| Error::Open {
            path: path.clone(),
            source,
        })?;
        let meta = file.metadata().map_err(|source| Error::Open {
            path: path.clone(),
            source,
        })?;
        if !meta.is_file() {
            return Err(Error::NotAFile { path });
        }
        if meta.len() == 0 {
            return Ok(Self { path, map: None });
        }
        // SAFETY: the map is read-only and private to this process, and we
        // only ever hand out `&[u8]` views of it. The remaining hazard of any
        // file map is another process truncating or rewriting the file while
        // it is mapped; mote never writes to files it has mapped, and model
        // files are treated as immutable inputs (as llama.cpp and every
        // mmap-based loader do). Every byte read is validated by the parser,
        // so changed contents give wrong results or errors, not unsoundness
        // in our own logic.
        let map = unsafe { Mmap::map(&file) }.map_err(|source| Error::Map {
            path: path.clone(),
            source,
        })?;
        Ok(Self {
            path,
            map: Some(map),
        })
    }

    /// The mapped bytes.
    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }

    /// The path the file was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Deref for Mapped {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.bytes()
    }
}

impl AsRef<[u8]> for Mapped {
    fn as_ref(&self) -> &[u8] {
        self.bytes()
    }
}

impl fmt::Debug for Mapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mapped")
            .field("path", &self.path)
            .field("len", &self.bytes().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp_path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("mote-mmap-{}-{name}", std::process::id()))
    }

    #[test]
    fn maps_file_contents() {
        let path = temp_path("contents");
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        File::create(&path)
            .and_then(|mut f| f.write_all(&data))
            .unwrap();
        let m = Mapped::open(&path).unwrap();
        assert_eq!(&m[..], &data[..]);
        drop(m);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn empty_file_is_empty_slice() {
        let path = temp_path("empty");
        File::create(&path).unwrap();
        let m = Mapped::open(&path).unwrap();
        assert!(m.is_empty());
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn missing_file_names_the_path() {
        let path = temp_path("does-not-exist");
        let err = Mapped::open(&path).unwrap_err();
        assert!(matches!(err, Error::Open { .. }));
        let msg = err.to_string();
        assert!(msg.contains("does-not-exist"), "{msg}");
        assert!(msg.contains("No such file"), "{msg}");
    }

    #[test]
    fn directory_is_rejected() {
        let err = Mapped::open(std::env::temp_dir()).unwrap_err();
        assert!(matches!(err, Error::NotAFile { .. }), "{err}");
    }
}
