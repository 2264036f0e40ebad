//! Attributes: small named values attached to groups and datasets — numbers, strings and
//! 1-D arrays of either, stored the way h5py stores them (64-bit numbers, variable-length
//! UTF-8 strings) and read back from whatever numeric width or string form a file holds.

use hdf5::types::{FixedAscii, FixedUnicode, TypeDescriptor, VarLenAscii, VarLenUnicode};

use crate::error::{Context, Error, Result};
use crate::types;

/// The value of an attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// A signed integer (stored as 64 bits; any signed width reads as this).
    Int(i64),
    /// An unsigned integer (stored as 64 bits; any unsigned width reads as this).
    UInt(u64),
    /// A floating-point number (stored as 64 bits; `f32` reads as this).
    Float(f64),
    /// A string (stored variable-length UTF-8; fixed-length and ASCII strings read as this).
    String(String),
    /// A 1-D array of signed integers.
    IntArray(Vec<i64>),
    /// A 1-D array of unsigned integers.
    UIntArray(Vec<u64>),
    /// A 1-D array of floating-point numbers.
    FloatArray(Vec<f64>),
    /// A 1-D array of strings.
    StringArray(Vec<String>),
}

impl AttrValue {
    /// The value as a string, if it is one.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a signed integer, if it is an integer that fits.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            AttrValue::Int(v) => Some(v),
            AttrValue::UInt(v) => i64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The value as a floating-point number, if it is a number.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            AttrValue::Int(v) => Some(v as f64),
            AttrValue::UInt(v) => Some(v as f64),
            AttrValue::Float(v) => Some(v),
            _ => None,
        }
    }

    /// The value as a list of signed integers, if it is an integer array (or one integer)
    /// whose values fit.
    #[must_use]
    pub fn to_i64_vec(&self) -> Option<Vec<i64>> {
        match self {
            AttrValue::IntArray(v) => Some(v.clone()),
            AttrValue::UIntArray(v) => v.iter().map(|&x| i64::try_from(x).ok()).collect(),
            AttrValue::Int(_) | AttrValue::UInt(_) => self.as_i64().map(|v| vec![v]),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            AttrValue::Int(_) => "an integer",
            AttrValue::UInt(_) => "an unsigned integer",
            AttrValue::Float(_) => "a float",
            AttrValue::String(_) => "a string",
            AttrValue::IntArray(_) => "an integer array",
            AttrValue::UIntArray(_) => "an unsigned integer array",
            AttrValue::FloatArray(_) => "a float array",
            AttrValue::StringArray(_) => "a string array",
        }
    }
}

macro_rules! attr_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl From<$t> for AttrValue {
            fn from($v: $t) -> Self { $e }
        }
    )*};
}

attr_from!(
    i64 => |v| AttrValue::Int(v),
    i32 => |v| AttrValue::Int(v.into()),
    u64 => |v| AttrValue::UInt(v),
    u32 => |v| AttrValue::UInt(v.into()),
    usize => |v| AttrValue::UInt(v as u64),
    f64 => |v| AttrValue::Float(v),
    f32 => |v| AttrValue::Float(v.into()),
    &str => |v| AttrValue::String(v.to_owned()),
    String => |v| AttrValue::String(v),
    Vec<i64> => |v| AttrValue::IntArray(v),
    &[i64] => |v| AttrValue::IntArray(v.to_vec()),
    Vec<u64> => |v| AttrValue::UIntArray(v),
    &[u64] => |v| AttrValue::UIntArray(v.to_vec()),
    Vec<f64> => |v| AttrValue::FloatArray(v),
    &[f64] => |v| AttrValue::FloatArray(v.to_vec()),
    Vec<String> => |v| AttrValue::StringArray(v),
);

pub(crate) fn to_vlen(name: &str, s: &str) -> Result<VarLenUnicode> {
    s.parse::<VarLenUnicode>()
        .map_err(|_| Error::AttributeType {
            name: name.to_owned(),
            found: "a string with a NUL byte".to_owned(),
            requested: "a string",
        })
}

/// Writes (or replaces) attribute `name` on `loc`.
pub(crate) fn write(
    loc: &hdf5::Location,
    owner: &str,
    name: &str,
    value: &AttrValue,
) -> Result<()> {
    let ctx = || format!("{owner}: write attribute {name:?}");
    if loc.attr_names().context(ctx)?.iter().any(|n| n == name) {
        loc.delete_attr(name).context(ctx)?;
    }
    match value {
        AttrValue::Int(v) => loc
            .new_attr::<i64>()
            .create(name)
            .and_then(|a| a.write_scalar(v)),
        AttrValue::UInt(v) => loc
            .new_attr::<u64>()
            .create(name)
            .and_then(|a| a.write_scalar(v)),
        AttrValue::Float(v) => loc
            .new_attr::<f64>()
            .create(name)
            .and_then(|a| a.write_scalar(v)),
        AttrValue::String(s) => {
            let v = to_vlen(name, s)?;
            loc.new_attr::<VarLenUnicode>()
                .create(name)
                .and_then(|a| a.write_scalar(&v))
        }
        AttrValue::IntArray(v) => loc
            .new_attr_builder()
            .with_data(v.as_slice())
            .create(name)
            .map(drop),
        AttrValue::UIntArray(v) => loc
            .new_attr_builder()
            .with_data(v.as_slice())
            .create(name)
            .map(drop),
        AttrValue::FloatArray(v) => loc
            .new_attr_builder()
            .with_data(v.as_slice())
            .create(name)
            .map(drop),
        AttrValue::StringArray(v) => {
            let v = v
                .iter()
                .map(|s| to_vlen(name, s))
                .collect::<Result<Vec<_>>>()?;
            loc.new_attr_builder()
                .with_data(v.as_slice())
                .create(name)
                .map(drop)
        }
    }
    .context(ctx)
}

/// Reads attribute `name` of `loc`.
pub(crate) fn read(loc: &hdf5::Location, owner: &str, name: &str) -> Result<AttrValue> {
    let ctx = || format!("{owner}: read attribute {name:?}");
    if !loc.attr_names().context(ctx)?.iter().any(|n| n == name) {
        return Err(Error::NotFound {
            file: loc.filename(),
            path: format!("{owner} attribute {name:?}"),
        });
    }
    let attr = loc.attr(name).context(ctx)?;
    let desc = attr.dtype().and_then(|t| t.to_descriptor()).context(ctx)?;
    let scalar = attr.is_scalar();
    if let Some(read) = strings_of(&attr, &desc) {
        return read
            .map(|mut all| {
                if scalar && all.len() == 1 {
                    AttrValue::String(all.swap_remove(0))
                } else {
                    AttrValue::StringArray(all)
                }
            })
            .context(ctx);
    }
    let value = match desc {
        TypeDescriptor::Integer(_) if scalar => attr.read_scalar::<i64>().map(AttrValue::Int),
        TypeDescriptor::Integer(_) => attr.read_raw::<i64>().map(AttrValue::IntArray),
        TypeDescriptor::Unsigned(_) if scalar => attr.read_scalar::<u64>().map(AttrValue::UInt),
        TypeDescriptor::Unsigned(_) => attr.read_raw::<u64>().map(AttrValue::UIntArray),
        TypeDescriptor::Float(_) if scalar => attr.read_scalar::<f64>().map(AttrValue::Float),
        TypeDescriptor::Float(_) => attr.read_raw::<f64>().map(AttrValue::FloatArray),
        other => {
            return Err(Error::UnsupportedType {
                path: format!("{owner} attribute {name:?}"),
                found: types::describe(&other),
            });
        }
    };
    value.context(ctx)
}

/// The strings an attribute or dataset holds, in any stored string form (variable- or
/// fixed-length, UTF-8 or ASCII), in C order; `None` when `desc` is not a string type.
pub(crate) fn strings_of(
    c: &hdf5::Container,
    desc: &TypeDescriptor,
) -> Option<hdf5::Result<Vec<String>>> {
    fn owned<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
        items.map(str::to_owned).collect()
    }
    Some(match *desc {
        TypeDescriptor::VarLenUnicode => c
            .read_raw::<VarLenUnicode>()
            .map(|v| owned(v.iter().map(VarLenUnicode::as_str))),
        TypeDescriptor::VarLenAscii => c
            .read_raw::<VarLenAscii>()
            .map(|v| owned(v.iter().map(VarLenAscii::as_str))),
        TypeDescriptor::FixedAscii(n) if n <= 4096 => c
            .read_raw::<FixedAscii<4096>>()
            .map(|v| owned(v.iter().map(FixedAscii::as_str))),
        TypeDescriptor::FixedUnicode(n) if n <= 4096 => c
            .read_raw::<FixedUnicode<4096>>()
            .map(|v| owned(v.iter().map(FixedUnicode::as_str))),
        _ => return None,
    })
}

/// The error for an attribute read as the wrong kind.
pub(crate) fn wrong_kind(name: &str, found: &AttrValue, requested: &'static str) -> Error {
    Error::AttributeType {
        name: name.to_owned(),
        found: found.kind().to_owned(),
        requested,
    }
}
