//! What a SOURCE argument names and what kind of file it is.
//!
//! A SOURCE is a path, or `FILE:/group/dataset` for a dataset or sparse group inside an
//! HDF5 file. The format comes from the file's first bytes, never its extension: `.npy`
//! (`\x93NUMPY`), `.npz` (a zip archive), HDF5 (its signature at offset 0 or, after a user
//! block, at 512, 1024, 2048, ...); anything else is a raw file, which needs `--dtype` and
//! `--shape`.

use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use ooc_core::{ByteOrder, DType};

use crate::failure::{AtPath, CliResult, Failure};

/// A parsed SOURCE: the file, and the object inside it for HDF5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceSpec {
    /// The file on disk.
    pub(crate) file: PathBuf,
    /// `/group/dataset` inside an HDF5 file, when given.
    pub(crate) inner: Option<String>,
}

impl SourceSpec {
    /// Splits `FILE:/inner/path`, preferring the longest prefix that exists as a file, so
    /// file names containing `:/` still work.
    pub(crate) fn parse(text: &str) -> Self {
        if Path::new(text).exists() {
            return SourceSpec {
                file: PathBuf::from(text),
                inner: None,
            };
        }
        let splits: Vec<usize> = text.match_indices(":/").map(|(i, _)| i).collect();
        let chosen = splits
            .iter()
            .rev()
            .find(|&&i| Path::new(&text[..i]).is_file())
            .or_else(|| splits.first());
        match chosen {
            Some(&i) if i > 0 => SourceSpec {
                file: PathBuf::from(&text[..i]),
                inner: Some(text[i + 1..].to_string()),
            },
            _ => SourceSpec {
                file: PathBuf::from(text),
                inner: None,
            },
        }
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Some(inner) => write!(f, "{}:{inner}", self.file.display()),
            None => write!(f, "{}", self.file.display()),
        }
    }
}

/// A file format, as told by its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// numpy `.npy`.
    Npy,
    /// numpy `.npz` (a zip archive of `.npy` members).
    Npz,
    /// HDF5 (also `.h5ad`).
    Hdf5,
    /// No known signature: raw elements, described on the command line.
    Raw,
}

impl Format {
    /// The name used in output.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Npy => "npy",
            Format::Npz => "npz",
            Format::Hdf5 => "hdf5",
            Format::Raw => "raw",
        }
    }
}

const NPY_MAGIC: &[u8] = b"\x93NUMPY";
const ZIP_MAGICS: [&[u8]; 2] = [b"PK\x03\x04", b"PK\x05\x06"];
const HDF5_MAGIC: &[u8] = b"\x89HDF\r\n\x1a\n";

/// Reads the signature of `path` and says which format it is.
pub(crate) fn detect(path: &Path) -> CliResult<Format> {
    let meta = std::fs::metadata(path).at(path)?;
    if meta.is_dir() {
        return Err(Failure::at(path, "is a directory, not an array file"));
    }
    let mut file = File::open(path).at(path)?;
    let mut head = [0_u8; 8];
    let n = read_up_to(&mut file, &mut head).at(path)?;
    let head = &head[..n];
    if head.starts_with(NPY_MAGIC) {
        return Ok(Format::Npy);
    }
    if ZIP_MAGICS.iter().any(|m| head.starts_with(m)) {
        return Ok(Format::Npz);
    }
    // HDF5 allows a user block of 512 bytes or a power of two above it before the superblock.
    let mut offset = 0_u64;
    while offset + 8 <= meta.len() {
        file.seek(SeekFrom::Start(offset)).at(path)?;
        let mut sig = [0_u8; 8];
        if read_up_to(&mut file, &mut sig).at(path)? == 8 && sig == HDF5_MAGIC {
            return Ok(Format::Hdf5);
        }
        offset = if offset == 0 { 512 } else { offset * 2 };
    }
    Ok(Format::Raw)
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Element type and byte order from `--dtype`: a name (`f32`, `float32`) or a numpy
/// descriptor (`<f4`, `>i8`).
pub(crate) fn parse_dtype(text: &str) -> Result<(DType, ByteOrder), String> {
    DType::from_name(text)
        .map(|d| (d, ByteOrder::NATIVE))
        .or_else(|_| DType::from_numpy_descr(text))
        .map_err(|_| {
            format!("unknown element type {text:?}: use f32, f64, i8..i64, u8..u64, c64, c128 or a numpy descriptor such as <f4")
        })
}

/// A shape given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shape(pub(crate) Vec<usize>);

/// A shape from `--shape`: extents separated by `,` or `x` (`1000,100000`, `3x4`).
pub(crate) fn parse_shape(text: &str) -> Result<Shape, String> {
    let bad = || format!("invalid shape {text:?}: expected extents such as 1000,100000");
    let t = text.trim().trim_start_matches('(').trim_end_matches(')');
    if t.is_empty() {
        return Err(bad());
    }
    t.split([',', 'x', 'X'])
        .map(|part| part.trim().parse::<usize>().map_err(|_| bad()))
        .collect::<Result<_, _>>()
        .map(Shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_hdf5_paths_at_the_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.h5");
        std::fs::write(&file, b"x").unwrap();
        let text = format!("{}:/g/d", file.display());
        let spec = SourceSpec::parse(&text);
        assert_eq!(spec.file, file);
        assert_eq!(spec.inner.as_deref(), Some("/g/d"));
        assert_eq!(spec.to_string(), text);
        let plain = SourceSpec::parse(file.to_str().unwrap());
        assert_eq!(plain.inner, None);
        let missing = SourceSpec::parse("missing.h5:/x");
        assert_eq!(missing.file, PathBuf::from("missing.h5"));
        assert_eq!(missing.inner.as_deref(), Some("/x"));
    }

    #[test]
    fn detects_formats_by_signature_not_extension() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&str, Vec<u8>, Format); 5] = [
            ("a.h5", b"\x93NUMPY\x01\x00rest".to_vec(), Format::Npy),
            ("b.npy", b"PK\x03\x04rest....".to_vec(), Format::Npz),
            ("c.bin", HDF5_MAGIC.to_vec(), Format::Hdf5),
            ("d.npz", vec![7; 100], Format::Raw),
            ("e", Vec::new(), Format::Raw),
        ];
        for (name, bytes, format) in cases {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            assert_eq!(detect(&p).unwrap(), format, "{name}");
        }
        let mut user_block = vec![0_u8; 1024];
        user_block.extend_from_slice(HDF5_MAGIC);
        let p = dir.path().join("ub");
        std::fs::write(&p, user_block).unwrap();
        assert_eq!(detect(&p).unwrap(), Format::Hdf5);
        let err = detect(dir.path()).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
        let err = detect(&dir.path().join("nope")).unwrap_err().to_string();
        assert!(err.contains("nope"), "{err}");
    }

    #[test]
    fn parses_dtypes_and_shapes() {
        assert_eq!(parse_dtype("f32").unwrap().0, DType::F32);
        assert_eq!(parse_dtype(">i8").unwrap(), (DType::I64, ByteOrder::Big));
        assert!(parse_dtype("float16").unwrap_err().contains("float16"));
        assert_eq!(parse_shape("3x4").unwrap().0, [3, 4]);
        assert_eq!(parse_shape("(1000, 100000)").unwrap().0, [1000, 100_000]);
        assert!(parse_shape("3,,4").is_err());
        assert!(parse_shape("").is_err());
    }
}
