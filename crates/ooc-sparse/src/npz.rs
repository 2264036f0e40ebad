//! scipy's `save_npz` / `load_npz` format: a zip archive (stored or deflated) of `.npy`
//! members — `data`, `indices`, `indptr` (CSR, CSC, BSR), `row`, `col` (COO), `offsets`
//! (DIA), plus `shape` (two integers) and `format` (a 0-d byte or unicode string array
//! such as `b'csr'`).
//!
//! Members are parsed with [`ooc_core::npy::NpyHeader`]; only the `format` member, whose
//! string descriptor (`|S3`, `<U3`) that parser rightly refuses as array data, is decoded
//! here. Index arrays may be any integer type (scipy writes int32, or int64 when values
//! need it); data may be any [`Element`] type in either byte order, and must be the type
//! asked for ([`npz_info`] tells it beforehand). Writing follows scipy: int32 indices
//! when they fit, int64 otherwise, data in native order. LIL and DOK matrices, which
//! scipy refuses to save, are written in CSR form. Files are written under a temporary
//! name and renamed into place, so a failed save never leaves a partial archive.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use ndarray::ShapeBuilder;
use ooc_core::npy::{MAX_HEADER_LEN, NpyError, NpyHeader};
use ooc_core::{ByteOrder, DType, Element};
use zip::ZipArchive;
use zip::write::SimpleFileOptions;

use crate::error::{Result, SparseError};
use crate::format::{AnySparse, Format, SparseMatrix};
use crate::{BsrMatrix, CooMatrix, CscMatrix, CsrMatrix, DiaMatrix};

/// What an `.npz` archive holds, read from its small members only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpzInfo {
    /// The sparse format (`csr`, `csc`, `coo`, `bsr` or `dia`).
    pub format: Format,
    /// `[rows, cols]`.
    pub shape: [usize; 2],
    /// Element type of `data`.
    pub dtype: DType,
    /// Elements in `data` (scipy's `nnz` for every format but DIA).
    pub stored: usize,
}

/// A matrix to save: borrowed when its format has an `.npz` form, converted to CSR when
/// not (LIL, DOK).
#[derive(Debug)]
pub enum NpzMatrix<'a, T: Element> {
    /// CSR.
    Csr(Cow<'a, CsrMatrix<T>>),
    /// CSC.
    Csc(&'a CscMatrix<T>),
    /// COO.
    Coo(&'a CooMatrix<T>),
    /// BSR.
    Bsr(&'a BsrMatrix<T>),
    /// DIA.
    Dia(&'a DiaMatrix<T>),
}

impl<'a, T: Element> From<&'a CsrMatrix<T>> for NpzMatrix<'a, T> {
    fn from(m: &'a CsrMatrix<T>) -> Self {
        NpzMatrix::Csr(Cow::Borrowed(m))
    }
}
impl<'a, T: Element> From<&'a CscMatrix<T>> for NpzMatrix<'a, T> {
    fn from(m: &'a CscMatrix<T>) -> Self {
        NpzMatrix::Csc(m)
    }
}
impl<'a, T: Element> From<&'a CooMatrix<T>> for NpzMatrix<'a, T> {
    fn from(m: &'a CooMatrix<T>) -> Self {
        NpzMatrix::Coo(m)
    }
}
impl<'a, T: Element> From<&'a BsrMatrix<T>> for NpzMatrix<'a, T> {
    fn from(m: &'a BsrMatrix<T>) -> Self {
        NpzMatrix::Bsr(m)
    }
}
impl<'a, T: Element> From<&'a DiaMatrix<T>> for NpzMatrix<'a, T> {
    fn from(m: &'a DiaMatrix<T>) -> Self {
        NpzMatrix::Dia(m)
    }
}
impl<'a, T: Element> From<&'a AnySparse<T>> for NpzMatrix<'a, T> {
    fn from(m: &'a AnySparse<T>) -> Self {
        match m {
            AnySparse::Csr(m) => m.into(),
            AnySparse::Csc(m) => m.into(),
            AnySparse::Coo(m) => m.into(),
            AnySparse::Bsr(m) => m.into(),
            AnySparse::Dia(m) => m.into(),
            AnySparse::Lil(_) | AnySparse::Dok(_) => NpzMatrix::Csr(Cow::Owned(m.to_csr())),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Writing

/// One member's header and payload.
struct Member<'a> {
    name: &'static str,
    header: Vec<u8>,
    payload: Cow<'a, [u8]>,
}

fn npy_header(file: &str, member: &str, dtype: DType, shape: Vec<usize>) -> Result<Vec<u8>> {
    NpyHeader {
        dtype,
        order: ByteOrder::NATIVE,
        fortran_order: false,
        shape,
    }
    .to_bytes()
    .map_err(|source| SparseError::Npy {
        file: file.to_string(),
        member: member.to_string(),
        source,
    })
}

fn data_member<'a, T: Element>(file: &str, data: &'a [T], shape: Vec<usize>) -> Result<Member<'a>> {
    Ok(Member {
        name: "data.npy",
        header: npy_header(file, "data.npy", T::DTYPE, shape)?,
        payload: Cow::Borrowed(bytemuck::cast_slice(data)),
    })
}

/// An index array as int32 when every value fits (as scipy writes), else int64.
fn index_member(
    file: &str,
    name: &'static str,
    values: impl ExactSizeIterator<Item = usize>,
    int32: bool,
) -> Result<Member<'static>> {
    let len = values.len();
    let (dtype, payload): (DType, Vec<u8>) = if int32 {
        let v: Vec<i32> = values
            .map(|x| i32::try_from(x).unwrap_or(i32::MAX))
            .collect();
        (DType::I32, bytemuck::cast_slice(&v).to_vec())
    } else {
        let v: Vec<i64> = values
            .map(|x| i64::try_from(x).unwrap_or(i64::MAX))
            .collect();
        (DType::I64, bytemuck::cast_slice(&v).to_vec())
    };
    Ok(Member {
        name,
        header: npy_header(file, name, dtype, vec![len])?,
        payload: Cow::Owned(payload),
    })
}

/// Whether scipy would pick int32 for these index arrays (every value and the count of
/// stored entries below 2³¹).
fn fits_i32(indices: impl Iterator<Item = usize>, indptr: &[usize], extra: usize) -> bool {
    let max = indices
        .chain(indptr.iter().copied())
        .max()
        .unwrap_or(0)
        .max(extra);
    i32::try_from(max).is_ok()
}

fn shape_member(file: &str, shape: [usize; 2]) -> Result<Member<'static>> {
    let v: Vec<i64> = shape
        .iter()
        .map(|&x| i64::try_from(x).unwrap_or(i64::MAX))
        .collect();
    Ok(Member {
        name: "shape.npy",
        header: npy_header(file, "shape.npy", DType::I64, vec![2])?,
        payload: Cow::Owned(bytemuck::cast_slice(&v).to_vec()),
    })
}

/// The 0-d `|S3` array scipy writes for the format name.
fn format_member(format: Format) -> Member<'static> {
    let name = format.name();
    let dict = format!(
        "{{'descr': '|S{}', 'fortran_order': False, 'shape': (), }}",
        name.len()
    );
    let total = (10 + dict.len() + 1).next_multiple_of(64);
    let mut header = b"\x93NUMPY\x01\x00".to_vec();
    // A short dict: the length always fits in u16.
    header.extend_from_slice(&u16::try_from(total - 10).unwrap_or(u16::MAX).to_le_bytes());
    header.extend_from_slice(dict.as_bytes());
    header.resize(total - 1, b' ');
    header.push(b'\n');
    Member {
        name: "format.npy",
        header,
        payload: Cow::Owned(name.as_bytes().to_vec()),
    }
}

fn members<'a, T: Element>(
    file: &str,
    m: &'a NpzMatrix<'_, T>,
) -> Result<(Format, Vec<Member<'a>>)> {
    let (format, shape, mut out) = match m {
        NpzMatrix::Csr(a) => {
            let int32 = fits_i32(a.indices().iter(), a.indptr(), a.shape()[1]);
            (
                Format::Csr,
                a.shape(),
                vec![
                    index_member(file, "indices.npy", a.indices().iter(), int32)?,
                    index_member(file, "indptr.npy", a.indptr().iter().copied(), int32)?,
                    data_member(file, a.data(), vec![a.data().len()])?,
                ],
            )
        }
        NpzMatrix::Csc(a) => {
            let int32 = fits_i32(a.indices().iter(), a.indptr(), a.shape()[0]);
            (
                Format::Csc,
                a.shape(),
                vec![
                    index_member(file, "indices.npy", a.indices().iter(), int32)?,
                    index_member(file, "indptr.npy", a.indptr().iter().copied(), int32)?,
                    data_member(file, a.data(), vec![a.data().len()])?,
                ],
            )
        }
        NpzMatrix::Coo(a) => {
            let int32 = fits_i32(
                a.row().iter().copied(),
                a.col(),
                a.shape()[0].max(a.shape()[1]),
            );
            (
                Format::Coo,
                a.shape(),
                vec![
                    index_member(file, "row.npy", a.row().iter().copied(), int32)?,
                    index_member(file, "col.npy", a.col().iter().copied(), int32)?,
                    data_member(file, a.data(), vec![a.data().len()])?,
                ],
            )
        }
        NpzMatrix::Bsr(a) => {
            let int32 = fits_i32(a.indices().iter().copied(), a.indptr(), a.shape()[1]);
            let [r, c] = a.block_shape();
            (
                Format::Bsr,
                a.shape(),
                vec![
                    index_member(file, "indices.npy", a.indices().iter().copied(), int32)?,
                    index_member(file, "indptr.npy", a.indptr().iter().copied(), int32)?,
                    data_member(file, a.data(), vec![a.indices().len(), r, c])?,
                ],
            )
        }
        NpzMatrix::Dia(a) => {
            let offsets: Vec<i64> = a.offsets().iter().map(|&o| o as i64).collect();
            let int32 = offsets.iter().all(|&o| i32::try_from(o).is_ok());
            let payload = if int32 {
                let v: Vec<i32> = offsets.iter().map(|&o| o as i32).collect();
                bytemuck::cast_slice(&v).to_vec()
            } else {
                bytemuck::cast_slice(&offsets).to_vec()
            };
            let dtype = if int32 { DType::I32 } else { DType::I64 };
            (
                Format::Dia,
                a.shape(),
                vec![
                    Member {
                        name: "offsets.npy",
                        header: npy_header(file, "offsets.npy", dtype, vec![offsets.len()])?,
                        payload: Cow::Owned(payload),
                    },
                    data_member(file, a.data(), vec![a.offsets().len(), a.width()])?,
                ],
            )
        }
    };
    out.push(format_member(format));
    out.push(shape_member(file, shape)?);
    Ok((format, out))
}

/// Saves a sparse matrix as scipy's `save_npz` does (`compressed`: deflate, as
/// `save_npz(..., compressed=True)`, scipy's default).
///
/// ```
/// use ooc_sparse::{CsrMatrix, load_npz, save_npz};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("a.npz");
/// let a = CsrMatrix::new([2, 3], vec![0, 2, 3], vec![0, 2, 2], vec![1.0_f32, 2.0, 3.0])?;
/// save_npz(&path, &a, true)?;
/// assert_eq!(load_npz::<f32>(&path)?.into_csr(), a);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`SparseError::Io`] or [`SparseError::Zip`] when the file cannot be written (nothing
/// is left under `path` then).
pub fn save_npz<'a, T: Element>(
    path: impl AsRef<Path>,
    matrix: impl Into<NpzMatrix<'a, T>>,
    compressed: bool,
) -> Result<()> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let matrix = matrix.into();
    let (_, members) = members(&file, &matrix)?;
    let tmp = npz_staging_path(path);
    let result = write_zip(&tmp, &file, &members, compressed);
    let result = result.and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|e| SparseError::io(format!("renaming into {file}"), e))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The name beside `path` under which [`save_npz`] writes the archive before renaming
/// it into place (`NAME.partial`), for callers that remove their temporary files when
/// interrupted (a command line tool's signal handler).
#[must_use]
pub fn npz_staging_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

fn write_zip(tmp: &Path, file: &str, members: &[Member<'_>], compressed: bool) -> Result<()> {
    let zip_err = |source| SparseError::Zip {
        file: file.to_string(),
        source,
    };
    let io_err = |e| SparseError::io(format!("writing {file}"), e);
    let f =
        File::create(tmp).map_err(|e| SparseError::io(format!("creating {}", tmp.display()), e))?;
    let mut zip = zip::ZipWriter::new(BufWriter::new(f));
    let method = if compressed {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    for m in members {
        let size = (m.header.len() + m.payload.len()) as u64;
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(size >= u64::from(u32::MAX));
        zip.start_file(m.name, options).map_err(zip_err)?;
        zip.write_all(&m.header).map_err(io_err)?;
        zip.write_all(&m.payload).map_err(io_err)?;
    }
    let mut inner = zip.finish().map_err(zip_err)?;
    inner.flush().map_err(io_err)?;
    let f = inner.into_inner().map_err(|e| io_err(e.into_error()))?;
    f.sync_all().map_err(io_err)
}

// ---------------------------------------------------------------------------------------
// Reading

struct Archive {
    file: String,
    zip: ZipArchive<BufReader<File>>,
}

/// A parsed member: header and its payload (length checked).
struct Array {
    header: NpyHeader,
    bytes: Vec<u8>,
    offset: usize,
}

impl Archive {
    fn open(path: &Path) -> Result<Self> {
        let file = path.display().to_string();
        let f = {
            use std::os::unix::fs::OpenOptionsExt;
            // Non-blocking, so a FIFO is refused instead of waiting for a writer forever.
            std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(path)
                .map_err(|e| SparseError::io(format!("opening {file}"), e))?
        };
        if !f
            .metadata()
            .map_err(|e| SparseError::io(format!("stat {file}"), e))?
            .is_file()
        {
            return Err(SparseError::io(
                format!("opening {file}"),
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
            ));
        }
        let zip = ZipArchive::new(BufReader::new(f)).map_err(|source| SparseError::Zip {
            file: file.clone(),
            source,
        })?;
        Ok(Archive { file, zip })
    }

    fn has(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    fn raw(&mut self, name: &str) -> Result<Vec<u8>> {
        self.read_member(name, true)
    }

    /// The `.npy` header of member `name`, inflating only as far as the header: what a
    /// member declares is known without reading (or inflating) its data.
    fn header(&mut self, name: &str) -> Result<NpyHeader> {
        let bytes = self.read_member(name, false)?;
        NpyHeader::parse(&bytes)
            .map(|(h, _)| h)
            .map_err(|source| SparseError::Npy {
                file: self.file.clone(),
                member: name.to_string(),
                source,
            })
    }

    /// The bytes of member `name`: its preamble and header, and with `data` the data the
    /// header declares.
    fn read_member(&mut self, name: &str, data: bool) -> Result<Vec<u8>> {
        let file = self.file.clone();
        let mut member = self.zip.by_name(name).map_err(|e| match e {
            zip::result::ZipError::FileNotFound => SparseError::Missing {
                file: file.clone(),
                what: format!("member {name}"),
            },
            source => SparseError::Zip {
                file: file.clone(),
                source,
            },
        })?;
        let io = |e| SparseError::io(format!("reading {file} member {name}"), e);
        let mut bytes = Vec::new();
        // The preamble, the header it announces, then only the data that header declares
        // (plus one byte, to notice extra data): a member that inflates to more than its
        // header says cannot make us read or allocate more.
        (&mut member).take(12).read_to_end(&mut bytes).map_err(io)?;
        let header_end = match (bytes.get(6), bytes.len()) {
            (Some(1), 12) => 10 + usize::from(u16::from_le_bytes([bytes[8], bytes[9]])),
            (Some(2 | 3), 12) => {
                let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
                12 + usize::try_from(len)
                    .unwrap_or(usize::MAX)
                    .min(MAX_HEADER_LEN + 1)
            }
            _ => bytes.len(),
        };
        let more =
            |have: usize, want: usize| u64::try_from(want.saturating_sub(have)).unwrap_or(u64::MAX);
        (&mut member)
            .take(more(bytes.len(), header_end))
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if !data {
            return Ok(bytes);
        }
        let end = match NpyHeader::parse(&bytes) {
            Ok((h, offset)) => h.data_bytes().map_or(bytes.len(), |need| offset + need + 1),
            // A string descriptor (the format member): its data is a few bytes.
            Err(NpyError::UnsupportedDescr(_)) => bytes.len() + 4096,
            // The caller's parse reports the error.
            Err(_) => bytes.len(),
        };
        bytes.reserve(end.saturating_sub(bytes.len()).min(64 << 20));
        member
            .take(more(bytes.len(), end))
            .read_to_end(&mut bytes)
            .map_err(io)?;
        Ok(bytes)
    }

    fn array(&mut self, name: &str) -> Result<Array> {
        let bytes = self.raw(name)?;
        let (header, offset) = NpyHeader::parse(&bytes).map_err(|source| SparseError::Npy {
            file: self.file.clone(),
            member: name.to_string(),
            source,
        })?;
        let need = header.data_bytes().map_err(|source| SparseError::Npy {
            file: self.file.clone(),
            member: name.to_string(),
            source,
        })?;
        if bytes.len() - offset != need {
            return Err(SparseError::Unsupported {
                file: self.file.clone(),
                reason: format!(
                    "member {name} holds {} data bytes but its header {:?} needs {need}",
                    bytes.len() - offset,
                    header.shape
                ),
            });
        }
        Ok(Array {
            header,
            bytes,
            offset,
        })
    }

    /// An integer array as `i64`s (any integer type, either byte order, C or Fortran
    /// order for 1-D), checked to be one-dimensional.
    fn ints(&mut self, name: &str) -> Result<Vec<i64>> {
        let a = self.array(name)?;
        if a.header.shape.len() != 1 {
            return Err(self.unsupported(format!(
                "member {name} has shape {:?}, expected one dimension",
                a.header.shape
            )));
        }
        let payload = &a.bytes[a.offset..];
        let swap = !a.header.order.is_native();
        macro_rules! conv {
            ($t:ty) => {{
                let v: Vec<$t> = bytemuck::pod_collect_to_vec(payload);
                v.into_iter()
                    .map(|x| {
                        let x = if swap { x.swap_bytes() } else { x };
                        i64::try_from(x).map_err(|_| SparseError::BadInteger {
                            what: "index",
                            value: i128::from(x),
                        })
                    })
                    .collect::<Result<Vec<i64>>>()
            }};
        }
        match a.header.dtype {
            DType::I8 => conv!(i8),
            DType::I16 => conv!(i16),
            DType::I32 => conv!(i32),
            DType::I64 => conv!(i64),
            DType::U8 => conv!(u8),
            DType::U16 => conv!(u16),
            DType::U32 => conv!(u32),
            DType::U64 => conv!(u64),
            other => {
                Err(self.unsupported(format!("member {name} holds {other}, expected integers")))
            }
        }
    }

    /// Non-negative indices as `usize`.
    fn indices(&mut self, name: &'static str) -> Result<Vec<usize>> {
        self.ints(name)?
            .into_iter()
            .map(|x| {
                usize::try_from(x).map_err(|_| SparseError::BadInteger {
                    what: name,
                    value: i128::from(x),
                })
            })
            .collect()
    }

    fn shape(&mut self) -> Result<[usize; 2]> {
        // Two integers: a member declaring more is refused before its data is inflated.
        let declared = self.header("shape.npy")?.data_bytes().unwrap_or(usize::MAX);
        if declared > 64 {
            return Err(self.unsupported(format!(
                "shape.npy declares {declared} bytes of data, expected two integers"
            )));
        }
        let v = self.ints("shape.npy")?;
        let [rows, cols] = v[..] else {
            return Err(self.unsupported(format!("shape.npy holds {} values, expected 2", v.len())));
        };
        let dim = |x: i64| {
            usize::try_from(x)
                .ok()
                .filter(|&x| isize::try_from(x).is_ok())
                .ok_or(SparseError::BadInteger {
                    what: "shape",
                    value: i128::from(x),
                })
        };
        Ok([dim(rows)?, dim(cols)?])
    }

    /// The `format` member: a 0-d `|S<n>` (bytes) or `<U<n>`/`>U<n>` (UTF-32) array.
    fn format(&mut self) -> Result<Format> {
        let bytes = self.raw("format.npy")?;
        let descr = match NpyHeader::parse(&bytes) {
            Err(NpyError::UnsupportedDescr(descr)) => descr,
            Ok((h, _)) => {
                return Err(self.unsupported(format!(
                    "format.npy holds {} numbers, expected a string",
                    h.dtype
                )));
            }
            Err(source) => {
                return Err(SparseError::Npy {
                    file: self.file.clone(),
                    member: "format.npy".into(),
                    source,
                });
            }
        };
        // The header parsed up to the descriptor, so the preamble is well formed.
        let (len_size, start) = if bytes[6] == 1 { (2, 10) } else { (4, 12) };
        let header_len = if len_size == 2 {
            usize::from(u16::from_le_bytes([bytes[8], bytes[9]]))
        } else {
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize
        };
        let payload = bytes.get(start + header_len..).unwrap_or_default();
        let text: String = match descr.as_bytes() {
            [b'|', b'S', ..] | [b'S', ..] => payload.iter().map(|&b| b as char).collect(),
            [o @ (b'<' | b'>' | b'='), b'U', ..] => {
                let big = *o == b'>' || (*o == b'=' && cfg!(target_endian = "big"));
                payload
                    .chunks_exact(4)
                    .map(|c| {
                        let c = [c[0], c[1], c[2], c[3]];
                        let u = if big {
                            u32::from_be_bytes(c)
                        } else {
                            u32::from_le_bytes(c)
                        };
                        char::from_u32(u).unwrap_or('\u{fffd}')
                    })
                    .collect()
            }
            _ => {
                return Err(self.unsupported(format!(
                    "format.npy has descriptor {descr:?}, expected a string"
                )));
            }
        };
        let name = text.trim_end_matches('\0');
        match name {
            "csr" => Ok(Format::Csr),
            "csc" => Ok(Format::Csc),
            "coo" => Ok(Format::Coo),
            "bsr" => Ok(Format::Bsr),
            "dia" => Ok(Format::Dia),
            other => Err(self.unsupported(format!("unknown sparse format {other:?}"))),
        }
    }

    /// The `data` member as `T` (C order), with its shape.
    fn data<T: Element>(&mut self) -> Result<(Vec<T>, Vec<usize>)> {
        let a = self.array("data.npy")?;
        if a.header.dtype != T::DTYPE {
            return Err(SparseError::DTypeMismatch {
                what: format!("{} data.npy", self.file),
                stored: a.header.dtype,
                requested: T::DTYPE,
            });
        }
        let mut v: Vec<T> = bytemuck::pod_collect_to_vec(&a.bytes[a.offset..]);
        if !a.header.order.is_native() {
            for x in &mut v {
                *x = x.byte_swapped();
            }
        }
        let shape = a.header.shape;
        if a.header.fortran_order && shape.len() > 1 {
            let f = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&shape).f(), v)
                .map_err(|e| self.unsupported(format!("data.npy shape {shape:?}: {e}")))?;
            v = f.as_standard_layout().iter().copied().collect();
        }
        Ok((v, shape))
    }

    fn unsupported(&self, reason: String) -> SparseError {
        SparseError::Unsupported {
            file: self.file.clone(),
            reason,
        }
    }
}

/// Reads the format, shape and element type of an `.npz` sparse archive without loading
/// its arrays (only the `data` member's header is decompressed beyond the small members).
///
/// # Errors
/// [`SparseError::Io`], [`SparseError::Zip`] for an unreadable archive;
/// [`SparseError::Missing`] for a missing member; [`SparseError::Npy`] or
/// [`SparseError::Unsupported`] for a member that is not what scipy writes.
pub fn npz_info(path: impl AsRef<Path>) -> Result<NpzInfo> {
    let mut a = Archive::open(path.as_ref())?;
    let format = a.format()?;
    let shape = a.shape()?;
    // Headers only: what the archive declares, without inflating its data (a small
    // archive may inflate to gigabytes).
    let data = a.header("data.npy")?;
    Ok(NpzInfo {
        format,
        shape,
        dtype: data.dtype,
        stored: data.shape.iter().product(),
    })
}

/// Loads a matrix saved by scipy's `save_npz` (or [`save_npz`]) in its stored format,
/// checking its structure.
///
/// # Errors
/// As [`npz_info`]; [`SparseError::DTypeMismatch`] when `data` is not `T`;
/// [`SparseError::BadInteger`] for negative indices or shape; every structural error of
/// the format's constructor ([`CsrMatrix::new`] and the like).
pub fn load_npz<T: Element>(path: impl AsRef<Path>) -> Result<AnySparse<T>> {
    let mut a = Archive::open(path.as_ref())?;
    let format = a.format()?;
    let shape = a.shape()?;
    let (data, data_shape) = a.data::<T>()?;
    let flat = |a: &Archive, data_shape: &[usize]| {
        if data_shape.len() == 1 {
            Ok(())
        } else {
            Err(a.unsupported(format!("data.npy has shape {data_shape:?}, expected 1-D")))
        }
    };
    Ok(match format {
        Format::Csr => {
            flat(&a, &data_shape)?;
            let (indices, indptr) = (a.indices("indices.npy")?, a.indices("indptr.npy")?);
            AnySparse::Csr(CsrMatrix::new(shape, indptr, indices, data)?)
        }
        Format::Csc => {
            flat(&a, &data_shape)?;
            let (indices, indptr) = (a.indices("indices.npy")?, a.indices("indptr.npy")?);
            AnySparse::Csc(CscMatrix::new(shape, indptr, indices, data)?)
        }
        Format::Coo => {
            flat(&a, &data_shape)?;
            let (row, col) = if a.has("row.npy") {
                (a.indices("row.npy")?, a.indices("col.npy")?)
            } else {
                // scipy ≥ 1.13 may store COO coordinates as `coords` members.
                (a.indices("coords_0.npy")?, a.indices("coords_1.npy")?)
            };
            AnySparse::Coo(CooMatrix::new(shape, row, col, data)?)
        }
        Format::Bsr => {
            let [_, r, c] = data_shape[..] else {
                return Err(a.unsupported(format!(
                    "bsr data.npy has shape {data_shape:?}, expected 3-D"
                )));
            };
            let (indices, indptr) = (a.indices("indices.npy")?, a.indices("indptr.npy")?);
            AnySparse::Bsr(BsrMatrix::new(shape, [r, c], indptr, indices, data)?)
        }
        Format::Dia => {
            let [_, width] = data_shape[..] else {
                return Err(a.unsupported(format!(
                    "dia data.npy has shape {data_shape:?}, expected 2-D"
                )));
            };
            let offsets = a
                .ints("offsets.npy")?
                .into_iter()
                .map(|o| {
                    isize::try_from(o).map_err(|_| SparseError::BadInteger {
                        what: "offsets",
                        value: i128::from(o),
                    })
                })
                .collect::<Result<Vec<isize>>>()?;
            AnySparse::Dia(DiaMatrix::new(shape, offsets, width, data)?)
        }
        Format::Lil | Format::Dok => {
            return Err(a.unsupported(format!("format {} has no npz form", format.name())));
        }
    })
}
