//! The `.npy` header: numpy's self-describing array file prefix (format versions 1.0, 2.0
//! and 3.0). It lives here, beside [`DType`]'s numpy descriptors, because two backends need
//! it: `ooc-mmap` maps `.npy` files and `ooc-sparse` reads `.npz` archives of them.
//!
//! Layout: magic `\x93NUMPY`, major and minor version bytes, header length (u16 for 1.0,
//! u32 for 2.0/3.0, little-endian), then a Python dict literal
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces and a
//! final newline so that the data starts at a multiple of 64 bytes.
//!
//! ```
//! use ooc_core::npy::NpyHeader;
//! use ooc_core::{ByteOrder, DType};
//! let h = NpyHeader { dtype: DType::F32, order: ByteOrder::Little, fortran_order: false, shape: vec![3, 4] };
//! let bytes = h.to_bytes()?;
//! assert_eq!(bytes.len() % 64, 0);
//! let (back, data_offset) = NpyHeader::parse(&bytes)?;
//! assert_eq!((back, data_offset), (h, bytes.len()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::dtype::{ByteOrder, DType};
use crate::error::Result;
use crate::shape::checked_bytes;

/// The magic bytes every `.npy` file starts with.
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// numpy refuses headers longer than this by default; so do we, so a hostile file cannot
/// make us allocate much.
pub const MAX_HEADER_LEN: usize = 1 << 20;

/// Why a `.npy` header could not be read or written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum NpyError {
    /// The bytes do not start with `\x93NUMPY`.
    #[error("not a .npy file: missing \\x93NUMPY magic")]
    BadMagic,
    /// The file ends inside the preamble or header.
    #[error("truncated .npy header: needs {needed} bytes but only {available} are present")]
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes there.
        available: usize,
    },
    /// A format version we do not know.
    #[error("unsupported .npy format version {major}.{minor}")]
    Version {
        /// Major version byte.
        major: u8,
        /// Minor version byte.
        minor: u8,
    },
    /// The header length field is larger than [`MAX_HEADER_LEN`].
    #[error("header length {0} exceeds the {MAX_HEADER_LEN}-byte limit")]
    HeaderTooLong(usize),
    /// The header dictionary cannot be parsed.
    #[error("malformed .npy header: {0}")]
    Malformed(String),
    /// The descriptor names a type ooc does not support.
    #[error("unsupported .npy descr {0:?} (only plain numeric types are supported)")]
    UnsupportedDescr(String),
    /// Shape times element size overflows.
    #[error("shape {0:?} is too large to address")]
    ShapeOverflow(Vec<usize>),
}

/// What a `.npy` header says about the array after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// Element type.
    pub dtype: DType,
    /// Byte order of the stored elements.
    pub order: ByteOrder,
    /// Whether the data is in Fortran (column-major) order.
    pub fortran_order: bool,
    /// Shape; empty for a 0-d array.
    pub shape: Vec<usize>,
}

impl NpyHeader {
    /// Bytes of data that should follow this header.
    ///
    /// # Errors
    /// [`NpyError::ShapeOverflow`] when the size does not fit in `usize`.
    pub fn data_bytes(&self) -> Result<usize, NpyError> {
        checked_bytes(&self.shape, self.dtype.size())
            .map_err(|_| NpyError::ShapeOverflow(self.shape.clone()))
    }

    /// Parses the header at the start of `bytes`; returns it and the offset of the data.
    ///
    /// Never allocates more than the header's own length (at most [`MAX_HEADER_LEN`]).
    ///
    /// # Errors
    /// An [`NpyError`] saying what is wrong: magic, version, truncation, length, syntax,
    /// an unsupported descriptor, or a shape whose size overflows.
    pub fn parse(bytes: &[u8]) -> Result<(NpyHeader, usize), NpyError> {
        let need = |needed: usize| {
            if bytes.len() < needed {
                Err(NpyError::Truncated {
                    needed,
                    available: bytes.len(),
                })
            } else {
                Ok(())
            }
        };
        need(8)?;
        if &bytes[..6] != MAGIC {
            return Err(NpyError::BadMagic);
        }
        let (major, minor) = (bytes[6], bytes[7]);
        let (len_size, utf8) = match (major, minor) {
            (1, 0) => (2, false),
            (2, 0) => (4, false),
            (3, 0) => (4, true),
            _ => return Err(NpyError::Version { major, minor }),
        };
        need(8 + len_size)?;
        let header_len = if len_size == 2 {
            usize::from(u16::from_le_bytes([bytes[8], bytes[9]]))
        } else {
            let n = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            usize::try_from(n).unwrap_or(usize::MAX)
        };
        if header_len > MAX_HEADER_LEN {
            return Err(NpyError::HeaderTooLong(header_len));
        }
        let start = 8 + len_size;
        need(start + header_len)?;
        let raw = &bytes[start..start + header_len];
        let text = if utf8 {
            std::str::from_utf8(raw)
                .map_err(|_| NpyError::Malformed("header is not UTF-8".into()))?
        } else {
            if !raw.is_ascii() {
                return Err(NpyError::Malformed("header is not ASCII".into()));
            }
            std::str::from_utf8(raw)
                .map_err(|_| NpyError::Malformed("header is not ASCII".into()))?
        };
        let header = parse_dict(text)?;
        header.data_bytes()?;
        Ok((header, start + header_len))
    }

    /// The header as bytes, padded so the data starts at a multiple of 64 as numpy does;
    /// version 1.0 unless the header needs 2.0's longer length field.
    ///
    /// # Errors
    /// [`NpyError::ShapeOverflow`] for a shape whose size overflows.
    pub fn to_bytes(&self) -> Result<Vec<u8>, NpyError> {
        self.data_bytes()?;
        let shape = match self.shape.as_slice() {
            [] => "()".to_string(),
            [n] => format!("({n},)"),
            dims => format!(
                "({})",
                dims.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let dict = format!(
            "{{'descr': '{}', 'fortran_order': {}, 'shape': {shape}, }}",
            self.dtype.numpy_descr(self.order),
            if self.fortran_order { "True" } else { "False" },
        );
        let mut out = Vec::new();
        for (major, len_size) in [(1_u8, 2_usize), (2, 4)] {
            let unpadded = 8 + len_size + dict.len() + 1;
            let total = unpadded.next_multiple_of(64);
            let header_len = total - 8 - len_size;
            if len_size == 2 && header_len > usize::from(u16::MAX) {
                continue;
            }
            out.extend_from_slice(MAGIC);
            out.extend_from_slice(&[major, 0]);
            if len_size == 2 {
                out.extend_from_slice(&u16::try_from(header_len).unwrap_or(u16::MAX).to_le_bytes());
            } else {
                let len =
                    u32::try_from(header_len).map_err(|_| NpyError::HeaderTooLong(header_len))?;
                out.extend_from_slice(&len.to_le_bytes());
            }
            out.extend_from_slice(dict.as_bytes());
            out.resize(total - 1, b' ');
            out.push(b'\n');
            break;
        }
        Ok(out)
    }
}

/// A tiny parser for the one dict shape numpy writes (keys in any order, single or double
/// quotes, optional trailing commas). Anything else is [`NpyError::Malformed`].
fn parse_dict(text: &str) -> Result<NpyHeader, NpyError> {
    let bad = |what: &str| NpyError::Malformed(what.to_string());
    let mut p = Cursor {
        s: text.trim_end().as_bytes(),
        i: 0,
    };
    p.expect(b'{').map_err(|()| bad("expected '{'"))?;
    let mut descr: Option<String> = None;
    let mut fortran: Option<bool> = None;
    let mut shape: Option<Vec<usize>> = None;
    loop {
        p.skip_ws();
        if p.eat(b'}') {
            break;
        }
        let key = p.string().ok_or_else(|| bad("expected a quoted key"))?;
        p.skip_ws();
        p.expect(b':').map_err(|()| bad("expected ':' after key"))?;
        p.skip_ws();
        match key.as_str() {
            "descr" => {
                let value = p.string().ok_or_else(|| {
                    bad("descr must be a string (structured types are not supported)")
                })?;
                descr = Some(value);
            }
            "fortran_order" => {
                fortran = Some(if p.word(b"True") {
                    true
                } else if p.word(b"False") {
                    false
                } else {
                    return Err(bad("fortran_order must be True or False"));
                });
            }
            "shape" => {
                shape = Some(
                    p.tuple()
                        .ok_or_else(|| bad("shape must be a tuple of integers"))?,
                );
            }
            other => return Err(bad(&format!("unexpected key {other:?}"))),
        }
        p.skip_ws();
        if !p.eat(b',') {
            p.skip_ws();
            p.expect(b'}').map_err(|()| bad("expected ',' or '}'"))?;
            break;
        }
    }
    p.skip_ws();
    if p.i != p.s.len() {
        return Err(bad("trailing bytes after the dict"));
    }
    let descr = descr.ok_or_else(|| bad("missing 'descr'"))?;
    let (dtype, order) =
        DType::from_numpy_descr(&descr).map_err(|_| NpyError::UnsupportedDescr(descr.clone()))?;
    Ok(NpyHeader {
        dtype,
        order,
        fortran_order: fortran.ok_or_else(|| bad("missing 'fortran_order'"))?,
        shape: shape.ok_or_else(|| bad("missing 'shape'"))?,
    })
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn skip_ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, c: u8) -> Result<(), ()> {
        if self.eat(c) { Ok(()) } else { Err(()) }
    }
    fn word(&mut self, w: &[u8]) -> bool {
        if self.s[self.i..].starts_with(w) {
            self.i += w.len();
            true
        } else {
            false
        }
    }
    fn string(&mut self) -> Option<String> {
        let quote = *self.s.get(self.i)?;
        if quote != b'\'' && quote != b'"' {
            return None;
        }
        let rest = &self.s[self.i + 1..];
        let end = rest.iter().position(|&c| c == quote)?;
        let value = std::str::from_utf8(&rest[..end]).ok()?.to_string();
        self.i += end + 2;
        Some(value)
    }
    fn tuple(&mut self) -> Option<Vec<usize>> {
        if !self.eat(b'(') {
            return None;
        }
        let mut dims = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(b')') {
                return Some(dims);
            }
            let start = self.i;
            while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                self.i += 1;
            }
            if start == self.i {
                return None;
            }
            let digits = std::str::from_utf8(&self.s[start..self.i]).ok()?;
            dims.push(digits.parse().ok()?);
            // numpy 1.x wrote Python 2 longs as `3L`.
            self.eat(b'L');
            self.skip_ws();
            if !self.eat(b',') {
                self.skip_ws();
                return self.eat(b')').then_some(dims);
            }
            if dims.len() > 64 {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn with_dict(version: u8, dict: &str) -> Vec<u8> {
        let mut v = MAGIC.to_vec();
        v.extend_from_slice(&[version, 0]);
        if version == 1 {
            v.extend_from_slice(&u16::try_from(dict.len()).unwrap().to_le_bytes());
        } else {
            v.extend_from_slice(&u32::try_from(dict.len()).unwrap().to_le_bytes());
        }
        v.extend_from_slice(dict.as_bytes());
        v
    }

    #[test]
    fn parses_what_numpy_writes() {
        let b = with_dict(
            1,
            "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }          \n",
        );
        let (h, off) = NpyHeader::parse(&b).unwrap();
        assert_eq!(h.shape, vec![2, 3]);
        assert!(h.fortran_order);
        assert_eq!(h.dtype, DType::F64);
        assert_eq!(off, b.len());
        let b = with_dict(
            3,
            "{\"shape\": (), \"descr\": \">i2\", \"fortran_order\": False}\n",
        );
        let (h, _) = NpyHeader::parse(&b).unwrap();
        assert_eq!(
            (h.dtype, h.order, h.shape),
            (DType::I16, ByteOrder::Big, vec![])
        );
        let b = with_dict(
            2,
            "{'descr': '|u1', 'fortran_order': False, 'shape': (7,), }\n",
        );
        assert_eq!(NpyHeader::parse(&b).unwrap().0.shape, vec![7]);
        let b = with_dict(
            1,
            "{'descr': '<i8', 'fortran_order': False, 'shape': (3L, 4L), }\n",
        );
        assert_eq!(NpyHeader::parse(&b).unwrap().0.shape, vec![3, 4]);
    }

    #[test]
    fn rejects_bad_headers_with_reasons() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"\x93NUMPX\x01\x00".to_vec(), "magic"),
            (b"\x93NUMPY\x04\x00\x00\x00".to_vec(), "version 4.0"),
            (b"\x93NUMPY\x01".to_vec(), "truncated"),
            (
                with_dict(
                    1,
                    "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
                ),
                "\"|O\"",
            ),
            (
                with_dict(
                    1,
                    "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                ),
                "structured",
            ),
            (
                with_dict(
                    1,
                    "{'descr': '<U4', 'fortran_order': False, 'shape': (1,), }",
                ),
                "\"<U4\"",
            ),
            (
                with_dict(1, "{'descr': '<f4', 'shape': (1,), }"),
                "fortran_order",
            ),
            (
                with_dict(1, "{'descr': '<f4', 'fortran_order': 1, 'shape': (1,), }"),
                "True or False",
            ),
            (
                with_dict(
                    1,
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
                ),
                "tuple",
            ),
            (
                with_dict(
                    1,
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
                ),
                "tuple",
            ),
            (
                with_dict(
                    1,
                    "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
                ),
                "too large",
            ),
            (
                with_dict(
                    1,
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
                ),
                "unexpected key",
            ),
        ];
        for (bytes, needle) in cases {
            let err = NpyHeader::parse(&bytes).unwrap_err().to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        }
        let mut huge = MAGIC.to_vec();
        huge.extend_from_slice(&[2, 0]);
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            NpyHeader::parse(&huge),
            Err(NpyError::HeaderTooLong(u32::MAX as usize))
        );
    }

    fn header() -> impl Strategy<Value = NpyHeader> {
        (
            prop::sample::select(DType::ALL.to_vec()),
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(0_usize..2_000, 0..5),
        )
            .prop_map(|(dtype, big, fortran_order, shape)| NpyHeader {
                dtype,
                order: if big {
                    ByteOrder::Big
                } else {
                    ByteOrder::Little
                },
                fortran_order,
                shape,
            })
    }

    proptest! {
        #[test]
        fn written_headers_parse_back(h in header()) {
            let bytes = h.to_bytes().unwrap();
            prop_assert_eq!(bytes.len() % 64, 0);
            let (back, off) = NpyHeader::parse(&bytes).unwrap();
            prop_assert_eq!(off, bytes.len());
            prop_assert_eq!(back.shape, h.shape);
            prop_assert_eq!(back.dtype, h.dtype);
            prop_assert_eq!(back.fortran_order, h.fortran_order);
            if h.dtype.size() > 1 {
                prop_assert_eq!(back.order, h.order);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(tail in prop::collection::vec(any::<u8>(), 0..200), version in 1_u8..4) {
            let mut bytes = MAGIC.to_vec();
            bytes.push(version);
            bytes.push(0);
            bytes.extend_from_slice(&tail);
            if let Ok((h, off)) = NpyHeader::parse(&bytes) {
                prop_assert!(off <= bytes.len());
                prop_assert!(h.data_bytes().is_ok());
            }
        }

        #[test]
        fn mutated_headers_never_panic(h in header(), pos in 0_usize..128, byte in any::<u8>()) {
            let mut bytes = h.to_bytes().unwrap();
            let i = pos % bytes.len();
            bytes[i] = byte;
            if let Ok((back, off)) = NpyHeader::parse(&bytes) {
                prop_assert!(off <= bytes.len());
                prop_assert!(back.data_bytes().is_ok());
            }
        }
    }
}
