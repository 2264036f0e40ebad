//! Element types at compile time ([`Element`]) and at run time ([`DType`]), with numpy
//! descriptors and explicit byte order.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul};

use num_complex::Complex;

use crate::error::{Error, Result};

/// Byte order of stored elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Least significant byte first (x86, ARM; numpy `<`).
    Little,
    /// Most significant byte first (numpy `>`).
    Big,
}

impl ByteOrder {
    /// The byte order of the machine running this code.
    pub const NATIVE: ByteOrder = if cfg!(target_endian = "little") {
        ByteOrder::Little
    } else {
        ByteOrder::Big
    };

    /// Whether this is the machine's own byte order, so data can be viewed in place.
    #[must_use]
    pub fn is_native(self) -> bool {
        self == Self::NATIVE
    }
}

/// The run-time element type of an array.
///
/// Exhaustive on purpose: it mirrors the sealed [`Element`] implementations, so code can
/// dispatch on it (see [`dispatch_dtype!`](crate::dispatch_dtype)) without a fallback arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    /// `i8`
    I8,
    /// `i16`
    I16,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `u8`
    U8,
    /// `u16`
    U16,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `Complex<f32>` (numpy `complex64`)
    C64,
    /// `Complex<f64>` (numpy `complex128`)
    C128,
}

/// Each type's name as [`DType::name`] prints it and its numpy name, in declaration
/// order (the order of [`DType::ALL`], so `NAMES[d as usize]` belongs to `d`).
const NAMES: [(&str, &str); 12] = [
    ("i8", "int8"),
    ("i16", "int16"),
    ("i32", "int32"),
    ("i64", "int64"),
    ("u8", "uint8"),
    ("u16", "uint16"),
    ("u32", "uint32"),
    ("u64", "uint64"),
    ("f32", "float32"),
    ("f64", "float64"),
    ("c64", "complex64"),
    ("c128", "complex128"),
];

impl DType {
    /// Every element type, in a fixed order.
    pub const ALL: [DType; 12] = [
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::F32,
        DType::F64,
        DType::C64,
        DType::C128,
    ];

    /// Size of one element in bytes.
    #[must_use]
    pub fn size(self) -> usize {
        match self {
            DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 | DType::C64 => 8,
            DType::C128 => 16,
        }
    }

    /// Alignment an element needs in memory, in bytes.
    #[must_use]
    pub fn align(self) -> usize {
        match self {
            DType::C64 => 4,
            DType::C128 => 8,
            other => other.size(),
        }
    }

    /// numpy's kind character: `i` signed, `u` unsigned, `f` float, `c` complex.
    #[must_use]
    pub fn kind(self) -> char {
        match self {
            DType::I8 | DType::I16 | DType::I32 | DType::I64 => 'i',
            DType::U8 | DType::U16 | DType::U32 | DType::U64 => 'u',
            DType::F32 | DType::F64 => 'f',
            DType::C64 | DType::C128 => 'c',
        }
    }

    /// The lower-case Rust-like name (`f32`, `c64`, ...).
    #[must_use]
    pub fn name(self) -> &'static str {
        NAMES[self as usize].0
    }

    /// Parses a name as printed by [`DType::name`], or a numpy name (`float32`, `int8`, ...).
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] when the name is not one of ours.
    pub fn from_name(name: &str) -> Result<DType> {
        DType::ALL
            .into_iter()
            .zip(NAMES)
            .find(|&(_, (short, numpy))| name == short || name == numpy)
            .map(|(d, _)| d)
            .ok_or_else(|| Error::UnsupportedDType(name.to_string()))
    }

    /// The numpy type descriptor for this type in `order`, e.g. `<f4`, `|u1`, `>c16`.
    #[must_use]
    pub fn numpy_descr(self, order: ByteOrder) -> String {
        let prefix = if self.size() == 1 {
            '|'
        } else {
            match order {
                ByteOrder::Little => '<',
                ByteOrder::Big => '>',
            }
        };
        format!("{prefix}{}{}", self.kind(), self.size())
    }

    /// Parses a numpy type descriptor such as `<f4`, `>i8`, `|u1` or `=f8`.
    ///
    /// Single-byte types have no byte order and report [`ByteOrder::NATIVE`].
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] naming the descriptor when it is not a plain numeric type we
    /// support (object, structured, string, bool, float16, ...).
    pub fn from_numpy_descr(descr: &str) -> Result<(DType, ByteOrder)> {
        let unsupported = || Error::UnsupportedDType(descr.to_string());
        let mut chars = descr.chars();
        let first = chars.next().ok_or_else(unsupported)?;
        let (order, rest) = match first {
            '<' => (Some(ByteOrder::Little), chars.as_str()),
            '>' => (Some(ByteOrder::Big), chars.as_str()),
            '=' | '|' => (None, chars.as_str()),
            _ => (None, descr),
        };
        let mut rest_chars = rest.chars();
        let kind = rest_chars.next().ok_or_else(unsupported)?;
        let size: usize = rest_chars.as_str().parse().map_err(|_| unsupported())?;
        let dtype = DType::ALL
            .into_iter()
            .find(|d| d.kind() == kind && d.size() == size)
            .ok_or_else(unsupported)?;
        if first == '|' && size != 1 {
            return Err(unsupported());
        }
        // One byte has no order: `>i1` and `<u1` are the same types as `|i1` and `|u1`.
        let order = if size == 1 { None } else { order };
        Ok((dtype, order.unwrap_or(ByteOrder::NATIVE)))
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A numeric element an ooc array can hold.
///
/// Sealed: implemented for `i8`..`i64`, `u8`..`u64`, `f32`, `f64`, `Complex<f32>` and
/// `Complex<f64>`. Every element is plain old data ([`bytemuck::Pod`]), so blocks of bytes
/// can be viewed as elements once length and alignment are checked.
pub trait Element:
    sealed::Sealed
    + bytemuck::Pod
    + Default
    + PartialEq
    + fmt::Debug
    + Send
    + Sync
    + Add<Output = Self>
    + Mul<Output = Self>
    + AddAssign
    + Sum
    + 'static
{
    /// The run-time tag of this type.
    const DTYPE: DType;

    /// Converts from `f64`, saturating and truncating like an `as` cast.
    fn from_f64(value: f64) -> Self;

    /// Converts to `f64` (the real part for complex numbers), like an `as` cast.
    fn to_f64(self) -> f64;

    /// The element with its bytes in the opposite order (each part for complex numbers).
    #[must_use]
    fn byte_swapped(self) -> Self;

    /// `self + other`, wrapping on overflow for integers (as numpy's arithmetic does).
    ///
    /// Every kernel adds through this, so in-memory and out-of-core results agree bit
    /// for bit and integer sums never panic.
    #[must_use]
    fn plus(self, other: Self) -> Self;

    /// `self * other`, wrapping on overflow for integers.
    #[must_use]
    fn times(self, other: Self) -> Self;
}

macro_rules! int_element {
    ($($t:ty => $d:ident),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            fn from_f64(value: f64) -> Self { value as $t }
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn to_f64(self) -> f64 { self as f64 }
            fn byte_swapped(self) -> Self { self.swap_bytes() }
            fn plus(self, other: Self) -> Self { self.wrapping_add(other) }
            fn times(self, other: Self) -> Self { self.wrapping_mul(other) }
        }
    )*};
}
int_element!(i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16, u32 => U32, u64 => U64);

impl sealed::Sealed for f32 {}
impl Element for f32 {
    const DTYPE: DType = DType::F32;
    #[allow(clippy::cast_possible_truncation)]
    fn from_f64(value: f64) -> Self {
        value as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn byte_swapped(self) -> Self {
        f32::from_bits(self.to_bits().swap_bytes())
    }
    fn plus(self, other: Self) -> Self {
        self + other
    }
    fn times(self, other: Self) -> Self {
        self * other
    }
}

impl sealed::Sealed for f64 {}
impl Element for f64 {
    const DTYPE: DType = DType::F64;
    fn from_f64(value: f64) -> Self {
        value
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn byte_swapped(self) -> Self {
        f64::from_bits(self.to_bits().swap_bytes())
    }
    fn plus(self, other: Self) -> Self {
        self + other
    }
    fn times(self, other: Self) -> Self {
        self * other
    }
}

impl sealed::Sealed for Complex<f32> {}
impl Element for Complex<f32> {
    const DTYPE: DType = DType::C64;
    fn from_f64(value: f64) -> Self {
        Complex::new(f32::from_f64(value), 0.0)
    }
    fn to_f64(self) -> f64 {
        f64::from(self.re)
    }
    fn byte_swapped(self) -> Self {
        Complex::new(self.re.byte_swapped(), self.im.byte_swapped())
    }
    fn plus(self, other: Self) -> Self {
        self + other
    }
    fn times(self, other: Self) -> Self {
        self * other
    }
}

impl sealed::Sealed for Complex<f64> {}
impl Element for Complex<f64> {
    const DTYPE: DType = DType::C128;
    fn from_f64(value: f64) -> Self {
        Complex::new(value, 0.0)
    }
    fn to_f64(self) -> f64 {
        self.re
    }
    fn byte_swapped(self) -> Self {
        Complex::new(self.re.byte_swapped(), self.im.byte_swapped())
    }
    fn plus(self, other: Self) -> Self {
        self + other
    }
    fn times(self, other: Self) -> Self {
        self * other
    }
}

/// Calls `$mac!(T)` (with any extra arguments) for a [`DType`] value's static type.
///
/// Lets code that learns a dtype at run time (a file header) dispatch to generic code.
///
/// ```
/// use ooc_core::{DType, Element, dispatch_dtype};
/// fn size_of_elem<T: Element>() -> usize { std::mem::size_of::<T>() }
/// macro_rules! sz { ($t:ty) => { size_of_elem::<$t>() } }
/// assert_eq!(dispatch_dtype!(DType::C128, sz), 16);
/// ```
#[macro_export]
macro_rules! dispatch_dtype {
    ($dtype:expr, $mac:ident $(, $arg:expr)*) => {
        match $dtype {
            $crate::DType::I8 => $mac!(i8 $(, $arg)*),
            $crate::DType::I16 => $mac!(i16 $(, $arg)*),
            $crate::DType::I32 => $mac!(i32 $(, $arg)*),
            $crate::DType::I64 => $mac!(i64 $(, $arg)*),
            $crate::DType::U8 => $mac!(u8 $(, $arg)*),
            $crate::DType::U16 => $mac!(u16 $(, $arg)*),
            $crate::DType::U32 => $mac!(u32 $(, $arg)*),
            $crate::DType::U64 => $mac!(u64 $(, $arg)*),
            $crate::DType::F32 => $mac!(f32 $(, $arg)*),
            $crate::DType::F64 => $mac!(f64 $(, $arg)*),
            $crate::DType::C64 => $mac!($crate::Complex<f32> $(, $arg)*),
            $crate::DType::C128 => $mac!($crate::Complex<f64> $(, $arg)*),
        }
    };
}

/// Calls `$mac!(T)` once for every element type, in [`DType::ALL`] order: for code (tests,
/// above all) that must run for each type at compile time.
///
/// ```
/// use ooc_core::{Element, for_each_element};
/// let mut sizes = Vec::new();
/// macro_rules! size { ($t:ty) => { sizes.push(<$t as Element>::DTYPE.size()) } }
/// for_each_element!(size);
/// assert_eq!(sizes, [1, 2, 4, 8, 1, 2, 4, 8, 4, 8, 8, 16]);
/// ```
#[macro_export]
macro_rules! for_each_element {
    ($mac:ident) => {
        $mac!(i8);
        $mac!(i16);
        $mac!(i32);
        $mac!(i64);
        $mac!(u8);
        $mac!(u16);
        $mac!(u32);
        $mac!(u64);
        $mac!(f32);
        $mac!(f64);
        $mac!($crate::Complex<f32>);
        $mac!($crate::Complex<f64>);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_descr_round_trips_for_every_type_and_order() {
        for d in DType::ALL {
            for order in [ByteOrder::Little, ByteOrder::Big] {
                let text = d.numpy_descr(order);
                let (back, back_order) = DType::from_numpy_descr(&text).unwrap();
                assert_eq!(back, d, "{text}");
                if d.size() > 1 {
                    assert_eq!(back_order, order, "{text}");
                }
            }
            assert_eq!(DType::from_name(d.name()).unwrap(), d);
        }
    }

    #[test]
    fn names_follow_the_declaration_order_and_numpy_names_parse() {
        for (i, d) in DType::ALL.into_iter().enumerate() {
            assert_eq!(d as usize, i, "{d:?}");
            let word = match d.kind() {
                'i' => "int",
                'u' => "uint",
                'f' => "float",
                _ => "complex",
            };
            let numpy = format!("{word}{}", d.size() * 8);
            assert_eq!(DType::from_name(&numpy).unwrap(), d, "{numpy}");
            assert_eq!(d.name(), format!("{}{}", d.kind(), d.size() * 8));
        }
        assert!(matches!(
            DType::from_name("float16"),
            Err(Error::UnsupportedDType(name)) if name == "float16"
        ));
    }

    #[test]
    fn single_byte_types_are_native_whatever_their_prefix() {
        // Found by the `npy_header` fuzz target: `>i1` parsed as big-endian, so a header
        // written back (`|i1`) parsed to a different header.
        for d in DType::ALL.into_iter().filter(|d| d.size() == 1) {
            for prefix in ['<', '>', '|', '='] {
                let text = format!("{prefix}{}1", d.kind());
                assert_eq!(
                    DType::from_numpy_descr(&text).unwrap(),
                    (d, ByteOrder::NATIVE),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn known_descriptors() {
        assert_eq!(DType::F32.numpy_descr(ByteOrder::Little), "<f4");
        assert_eq!(DType::U8.numpy_descr(ByteOrder::Big), "|u1");
        assert_eq!(DType::C128.numpy_descr(ByteOrder::Big), ">c16");
        assert_eq!(
            DType::from_numpy_descr("=f8").unwrap(),
            (DType::F64, ByteOrder::NATIVE)
        );
    }

    #[test]
    fn unsupported_descriptors_are_errors_naming_them() {
        for bad in [
            "", "<", "|O", "<U10", "|b1", "<f2", "<V8", "|f4", "<fx", "S5",
        ] {
            let err = DType::from_numpy_descr(bad).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn byte_swap_is_an_involution_and_swaps() {
        assert_eq!(0x0102_u16.byte_swapped(), 0x0201);
        let x = 1.5_f64;
        assert_eq!(x.byte_swapped().byte_swapped(), x);
        assert_ne!(x.byte_swapped(), x);
        let c = Complex::new(1.0_f32, -2.0);
        assert_eq!(c.byte_swapped().byte_swapped(), c);
    }

    #[test]
    fn sizes_match_rust() {
        fn check<T: Element>() {
            assert_eq!(T::DTYPE.size(), std::mem::size_of::<T>());
            assert_eq!(T::DTYPE.align(), std::mem::align_of::<T>());
        }
        macro_rules! chk {
            ($t:ty) => {
                check::<$t>()
            };
        }
        for d in DType::ALL {
            dispatch_dtype!(d, chk);
        }
    }
}
