//! The words the `ooc` command line uses for arrays, parsed without touching any array.
//!
//! A SOURCE is a path, or `FILE:/group/dataset` for a dataset or sparse group inside an
//! HDF5 file ([`SourceSpec`]); a DEST of `ooc convert` names its format by extension or the
//! same `FILE:/path` form ([`DestSpec`]); a raw file is described by an element type
//! ([`parse_dtype`]) and a shape ([`Shape`]), and a new HDF5 dataset's chunking by
//! [`Chunks`]. Every parser here is pure (the one question [`SourceSpec`] asks the file
//! system goes through a caller's probe in [`SourceSpec::parse_with`]), prints back what it
//! read (`Display` reproduces the text or a form that parses to the same value), and turns
//! bad text into an [`ArgError`] naming it, so the syntax can be fuzzed and reused by tools
//! that take the same arguments.
//!
//! ```
//! use ooc::source::{DestSpec, Shape, SourceSpec};
//! let spec = SourceSpec::parse("data.h5:/group/x");
//! assert_eq!(spec.inner.as_deref(), Some("/group/x"));
//! assert_eq!(spec.to_string(), "data.h5:/group/x");
//! let shape: Shape = "(1000, 3)".parse()?;
//! assert_eq!(shape.0, [1000, 3]);
//! assert!(matches!(DestSpec::parse("out.npy")?, DestSpec::Npy(_)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ooc_core::{ByteOrder, DType};

/// Bad text for one of the command line's array arguments.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArgError {
    /// `--dtype` names no element type we read.
    #[error(
        "unknown element type {0:?}: use f32, f64, i8..i64, u8..u64, c64, c128 or a numpy descriptor such as <f4"
    )]
    UnknownDType(String),
    /// `--shape` is not a list of extents.
    #[error("invalid shape {0:?}: expected extents such as 1000,100000")]
    InvalidShape(String),
    /// `--chunks` is neither `auto` nor a list of extents.
    #[error("invalid shape {0:?}: expected extents such as 1000,100000 or auto")]
    InvalidChunks(String),
    /// A DEST naming an HDF5 file but no dataset inside it.
    #[error("{0}: name the dataset to create inside the HDF5 file, as {0}:/name")]
    DestWithoutDataset(String),
    /// A DEST whose format cannot be told from its name.
    #[error(
        "{0}: cannot tell the destination format: use OUT.npy, OUT.raw (.bin, .dat), OUT.npz or FILE.h5:/path"
    )]
    UnknownDestFormat(String),
}

impl From<ArgError> for ooc_core::Error {
    fn from(e: ArgError) -> Self {
        ooc_core::Error::backend("ooc", e)
    }
}

/// What the file system holds at a path, as far as [`SourceSpec::parse_with`] needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// Nothing is there.
    Missing,
    /// A regular file (or a link to one).
    File,
    /// Something else: a directory, a device, ...
    Other,
}

impl PathKind {
    /// Asks the file system what `path` is.
    #[must_use]
    pub fn of(path: &Path) -> PathKind {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => PathKind::File,
            Ok(_) => PathKind::Other,
            Err(_) => PathKind::Missing,
        }
    }
}

/// A parsed SOURCE: the file, and the object inside it for HDF5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// The file on disk.
    pub file: PathBuf,
    /// `/group/dataset` inside an HDF5 file, when given (it starts with `/`).
    pub inner: Option<String>,
}

impl SourceSpec {
    /// Splits `FILE:/inner/path` against the real file system: see
    /// [`SourceSpec::parse_with`].
    #[must_use]
    pub fn parse(text: &str) -> Self {
        SourceSpec::parse_with(text, PathKind::of)
    }

    /// Splits `FILE:/inner/path`, asking `probe` what lies at candidate file names.
    ///
    /// Text naming an existing path is that path, whole. Otherwise the text is split at
    /// the last `:/` whose prefix is a file, so file names containing `:/` still work; when
    /// no prefix is a file, at the first `:/` (so a missing file is reported by its name);
    /// text without `:/` after its first character is a plain path. Never fails:
    /// whether the file exists is the opener's question.
    #[must_use]
    pub fn parse_with(text: &str, probe: impl Fn(&Path) -> PathKind) -> Self {
        let whole = || SourceSpec {
            file: PathBuf::from(text),
            inner: None,
        };
        if probe(Path::new(text)) != PathKind::Missing {
            return whole();
        }
        let splits: Vec<usize> = text.match_indices(":/").map(|(i, _)| i).collect();
        let chosen = splits
            .iter()
            .rev()
            .find(|&&i| i > 0 && probe(Path::new(&text[..i])) == PathKind::File)
            .or_else(|| splits.first());
        match chosen {
            Some(&i) if i > 0 => SourceSpec {
                file: PathBuf::from(&text[..i]),
                inner: Some(text[i + 1..].to_string()),
            },
            _ => whole(),
        }
    }
}

impl fmt::Display for SourceSpec {
    /// The text this was parsed from: `FILE:/inner`, or the path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Some(inner) => write!(f, "{}:{inner}", self.file.display()),
            None => write!(f, "{}", self.file.display()),
        }
    }
}

/// Where `ooc convert` writes, from DEST's form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DestSpec {
    /// A new `.npy` file.
    Npy(PathBuf),
    /// A new raw file (`.raw`, `.bin`, `.dat`).
    Raw(PathBuf),
    /// A new scipy `.npz` archive.
    Npz(PathBuf),
    /// A dataset or group `inner` (starting with `/`) in an HDF5 file, new or existing.
    Hdf5 {
        /// The HDF5 file.
        file: PathBuf,
        /// The path inside it.
        inner: String,
    },
}

impl DestSpec {
    /// Reads DEST: `FILE:/path` (split at the first `:/` after the first character) is an
    /// HDF5 destination; otherwise the extension names the format, case-insensitively.
    ///
    /// # Errors
    /// [`ArgError::DestWithoutDataset`] for an HDF5 file name (`.h5`, `.hdf5`, `.he5`,
    /// `.h5ad`) without `:/path`; [`ArgError::UnknownDestFormat`] for any other extension
    /// or none.
    pub fn parse(text: &str) -> Result<DestSpec, ArgError> {
        if let Some(i) = text.find(":/").filter(|&i| i > 0) {
            return Ok(DestSpec::Hdf5 {
                file: PathBuf::from(&text[..i]),
                inner: text[i + 1..].to_string(),
            });
        }
        let path = PathBuf::from(text);
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("npy") => Ok(DestSpec::Npy(path)),
            Some("npz") => Ok(DestSpec::Npz(path)),
            Some("raw" | "bin" | "dat") => Ok(DestSpec::Raw(path)),
            Some("h5" | "hdf5" | "he5" | "h5ad") => {
                Err(ArgError::DestWithoutDataset(text.to_string()))
            }
            _ => Err(ArgError::UnknownDestFormat(text.to_string())),
        }
    }

    /// The file written.
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            DestSpec::Npy(p)
            | DestSpec::Raw(p)
            | DestSpec::Npz(p)
            | DestSpec::Hdf5 { file: p, .. } => p,
        }
    }
}

impl fmt::Display for DestSpec {
    /// The text this was parsed from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DestSpec::Hdf5 { file, inner } => write!(f, "{}:{inner}", file.display()),
            other => write!(f, "{}", other.path().display()),
        }
    }
}

impl FromStr for DestSpec {
    type Err = ArgError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DestSpec::parse(s)
    }
}

/// Element type and byte order from `--dtype`: a name (`f32`, `float32`, in the native
/// byte order) or a numpy descriptor (`<f4`, `>i8`). [`dtype_text`] prints it back.
///
/// # Errors
/// [`ArgError::UnknownDType`] naming the text when it is neither.
pub fn parse_dtype(text: &str) -> Result<(DType, ByteOrder), ArgError> {
    DType::from_name(text)
        .map(|d| (d, ByteOrder::NATIVE))
        .or_else(|_| DType::from_numpy_descr(text))
        .map_err(|_| ArgError::UnknownDType(text.to_string()))
}

/// The numpy descriptor of an element type and byte order, which [`parse_dtype`] reads
/// back to the same pair.
#[must_use]
pub fn dtype_text(dtype: DType, order: ByteOrder) -> String {
    dtype.numpy_descr(order)
}

/// A shape given on the command line: extents separated by `,` or `x` (`1000,100000`,
/// `3x4`, `(2, 5)`). Prints as `1000,100000`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape(pub Vec<usize>);

impl FromStr for Shape {
    type Err = ArgError;

    /// Parses a shape; see [`parse_shape`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_shape(s)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, n) in self.0.iter().enumerate() {
            if k > 0 {
                f.write_str(",")?;
            }
            write!(f, "{n}")?;
        }
        Ok(())
    }
}

/// A shape from `--shape`: at least one extent, separated by `,`, `x` or `X`, optionally
/// in parentheses, with spaces around extents allowed.
///
/// # Errors
/// [`ArgError::InvalidShape`] naming the text when it is empty or a part is not an
/// unsigned integer that fits in `usize`.
pub fn parse_shape(text: &str) -> Result<Shape, ArgError> {
    let bad = || ArgError::InvalidShape(text.to_string());
    let t = text.trim().trim_start_matches('(').trim_end_matches(')');
    if t.is_empty() {
        return Err(bad());
    }
    t.split([',', 'x', 'X'])
        .map(|part| part.trim().parse::<usize>().map_err(|_| bad()))
        .collect::<Result<_, _>>()
        .map(Shape)
}

/// Chunking of a new HDF5 dataset (`--chunks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunks {
    /// `auto`: the chunk advisor's shape for row streaming.
    Auto,
    /// This chunk shape.
    Shape(Vec<usize>),
}

impl FromStr for Chunks {
    type Err = ArgError;

    /// Parses `auto` or a shape as [`parse_shape`] does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "auto" {
            Ok(Chunks::Auto)
        } else {
            parse_shape(s)
                .map(|shape| Chunks::Shape(shape.0))
                .map_err(|_| ArgError::InvalidChunks(s.to_string()))
        }
    }
}

impl fmt::Display for Chunks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Chunks::Auto => f.write_str("auto"),
            Chunks::Shape(s) => Shape(s.clone()).fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A probe over a made-up file system: `files` are files, `others` directories.
    fn fake<'a>(files: &'a [String], others: &'a [String]) -> impl Fn(&Path) -> PathKind + 'a {
        move |p: &Path| {
            let p = p.to_str().unwrap();
            if files.iter().any(|f| f == p) {
                PathKind::File
            } else if others.iter().any(|f| f == p) {
                PathKind::Other
            } else {
                PathKind::Missing
            }
        }
    }

    /// Reference split: try every `:/` from the right, as a person reading the rule would.
    fn reference(text: &str, files: &[String], others: &[String]) -> (String, Option<String>) {
        let t = text.to_string();
        if files.contains(&t) || others.contains(&t) {
            return (t, None);
        }
        let positions: Vec<usize> = (1..text.len())
            .filter(|&i| text.is_char_boundary(i) && text[i..].starts_with(":/"))
            .collect();
        if let Some(&i) = positions
            .iter()
            .rev()
            .find(|&&i| files.contains(&text[..i].to_string()))
        {
            return (text[..i].to_string(), Some(text[i + 1..].to_string()));
        }
        match text.find(":/") {
            Some(i) if i > 0 => (text[..i].to_string(), Some(text[i + 1..].to_string())),
            _ => (t, None),
        }
    }

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
        // A directory whose name ends in `:` holding a file: the whole path exists.
        let odd = dir.path().join("d:");
        std::fs::create_dir(&odd).unwrap();
        std::fs::write(odd.join("f.h5"), b"x").unwrap();
        let text = format!("{}/f.h5", odd.display());
        assert_eq!(SourceSpec::parse(&text).inner, None);
        let text = format!("{}/f.h5:/g", odd.display());
        let spec = SourceSpec::parse(&text);
        assert_eq!(spec.file, odd.join("f.h5"));
        assert_eq!(spec.inner.as_deref(), Some("/g"));
    }

    #[test]
    fn leading_separator_and_empty_text_are_plain_paths() {
        for text in ["", ":/x", ":/x:/y", "plain", "a:b"] {
            let spec = SourceSpec::parse_with(text, |_| PathKind::Missing);
            assert_eq!((spec.file.to_str(), spec.inner), (Some(text), None));
        }
        // A probe claiming the empty prefix is a file does not make an empty file name.
        let spec = SourceSpec::parse_with(":/x", |p| {
            if p.as_os_str().is_empty() {
                PathKind::File
            } else {
                PathKind::Missing
            }
        });
        assert_eq!(spec.inner, None);
    }

    #[test]
    fn destinations_by_extension_and_inner_path() {
        let cases = [
            ("o.npy", DestSpec::Npy("o.npy".into())),
            ("O.NPZ", DestSpec::Npz("O.NPZ".into())),
            ("x.bin", DestSpec::Raw("x.bin".into())),
            ("x.dat", DestSpec::Raw("x.dat".into())),
            (
                "f.h5:/g/x",
                DestSpec::Hdf5 {
                    file: "f.h5".into(),
                    inner: "/g/x".into(),
                },
            ),
        ];
        for (text, want) in cases {
            let got: DestSpec = text.parse().unwrap();
            assert_eq!(got, want);
            assert_eq!(got.to_string(), text);
        }
        let e = DestSpec::parse("out.h5").unwrap_err();
        assert_eq!(e, ArgError::DestWithoutDataset("out.h5".into()));
        assert!(e.to_string().contains("out.h5:/name"), "{e}");
        for text in ["out", "out.txt", ":/x", ""] {
            let e = DestSpec::parse(text).unwrap_err();
            assert_eq!(e, ArgError::UnknownDestFormat(text.into()));
            assert!(e.to_string().starts_with(&format!("{text}: cannot tell")));
        }
    }

    #[test]
    fn parses_dtypes_shapes_and_chunks() {
        assert_eq!(parse_dtype("f32").unwrap().0, DType::F32);
        assert_eq!(parse_dtype(">i8").unwrap(), (DType::I64, ByteOrder::Big));
        let e = parse_dtype("float16").unwrap_err();
        assert_eq!(e, ArgError::UnknownDType("float16".into()));
        assert!(e.to_string().contains("\"float16\""), "{e}");
        assert_eq!(parse_shape("3x4").unwrap().0, [3, 4]);
        assert_eq!(parse_shape("(1000, 100000)").unwrap().0, [1000, 100_000]);
        for bad in ["3,,4", "", "()", "-1", "3x", "18446744073709551616"] {
            let e = parse_shape(bad).unwrap_err();
            assert_eq!(e, ArgError::InvalidShape(bad.into()));
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
        assert_eq!("auto".parse::<Chunks>().unwrap(), Chunks::Auto);
        assert_eq!("2,3".parse::<Chunks>().unwrap(), Chunks::Shape(vec![2, 3]));
        let e = "big".parse::<Chunks>().unwrap_err();
        assert!(e.to_string().ends_with("or auto"), "{e}");
        let core: ooc_core::Error = e.into();
        assert!(core.to_string().contains("big"), "{core}");
    }

    #[test]
    fn every_dtype_and_order_prints_and_parses_back() {
        for d in DType::ALL {
            assert_eq!(parse_dtype(d.name()).unwrap(), (d, ByteOrder::NATIVE));
            for order in [ByteOrder::Little, ByteOrder::Big] {
                let (got, got_order) = parse_dtype(&dtype_text(d, order)).unwrap();
                assert_eq!(got, d);
                let want = if d.size() == 1 {
                    ByteOrder::NATIVE
                } else {
                    order
                };
                assert_eq!(got_order, want);
            }
        }
    }

    /// Text built from the characters that matter to the split.
    fn source_text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![Just(":"), Just("/"), Just("a"), Just("é"), Just(".")],
            0..12,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn source_split_matches_the_reference_and_prints_back(
            text in source_text(),
            file_mask in any::<u16>(),
            whole in 0_u8..3,
        ) {
            // Some of the text's own prefixes are files; maybe the whole text exists.
            let mut files: Vec<String> = (1..text.len())
                .filter(|&i| text.is_char_boundary(i) && file_mask & (1 << (i % 16)) != 0)
                .map(|i| text[..i].to_string())
                .collect();
            let mut others = Vec::new();
            match whole {
                1 => files.push(text.clone()),
                2 => others.push(text.clone()),
                _ => {}
            }
            let spec = SourceSpec::parse_with(&text, fake(&files, &others));
            let (file, inner) = reference(&text, &files, &others);
            prop_assert_eq!(spec.file.to_str(), Some(file.as_str()));
            prop_assert_eq!(&spec.inner, &inner);
            prop_assert_eq!(spec.to_string(), text.clone());
            if let Some(inner) = &spec.inner {
                prop_assert!(inner.starts_with('/'));
                prop_assert!(!file.is_empty());
            }
            prop_assert_eq!(SourceSpec::parse_with(&spec.to_string(), fake(&files, &others)), spec);
        }

        #[test]
        fn dest_prints_back(text in source_text(), ext in prop_oneof![
            Just(""), Just(".npy"), Just(".NPZ"), Just(".raw"), Just(".h5"), Just(".txt")
        ]) {
            let text = format!("{text}{ext}");
            match DestSpec::parse(&text) {
                Ok(d) => {
                    prop_assert_eq!(d.to_string(), text.clone());
                    prop_assert_eq!(DestSpec::parse(&d.to_string()), Ok(d));
                }
                Err(e) => prop_assert!(e.to_string().starts_with(&text)),
            }
        }

        #[test]
        fn shapes_print_and_parse_back(
            extents in prop::collection::vec(any::<usize>(), 1..5),
            sep in prop_oneof![Just(","), Just("x"), Just(" X "), Just(", ")],
            parens in any::<bool>(),
        ) {
            let joined = extents.iter().map(ToString::to_string).collect::<Vec<_>>().join(sep);
            let text = if parens { format!("({joined})") } else { joined };
            let shape: Shape = text.parse().unwrap();
            prop_assert_eq!(&shape.0, &extents);
            prop_assert_eq!(shape.to_string().parse::<Shape>(), Ok(shape.clone()));
            let chunks: Chunks = text.parse().unwrap();
            prop_assert_eq!(chunks.to_string().parse::<Chunks>(), Ok(Chunks::Shape(extents)));
        }

        #[test]
        fn arbitrary_text_is_a_value_that_prints_back_or_an_error_naming_it(text in ".{0,16}") {
            match parse_shape(&text) {
                Ok(s) => prop_assert_eq!(s.to_string().parse::<Shape>(), Ok(s)),
                Err(e) => prop_assert_eq!(e, ArgError::InvalidShape(text.clone())),
            }
            match parse_dtype(&text) {
                Ok((d, o)) => prop_assert_eq!(parse_dtype(&dtype_text(d, o)), Ok((d, o))),
                Err(e) => prop_assert_eq!(e, ArgError::UnknownDType(text.clone())),
            }
        }
    }
}
