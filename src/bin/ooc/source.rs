//! What kind of file a SOURCE argument names.
//!
//! A SOURCE is a path, or `FILE:/group/dataset` for a dataset or sparse group inside an
//! HDF5 file; its syntax, and that of `--dtype` and `--shape`, is parsed by the library's
//! [`ooc::source`] (re-exported here), where it can be fuzzed. The format comes from the file's first bytes, never its extension: `.npy`
//! (`\x93NUMPY`), `.npz` (a zip archive), HDF5 (its signature at offset 0 or, after a user
//! block, at 512, 1024, 2048, ...); anything else is a raw file, which needs `--dtype` and
//! `--shape`.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

pub(crate) use ooc::source::{Shape, SourceSpec, parse_dtype, parse_shape};

use crate::failure::{AtPath, CliResult, Failure};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
