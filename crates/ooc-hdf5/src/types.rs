//! Element types between ooc and HDF5: which stored datatypes map to which [`DType`], and
//! the native HDF5 datatype ooc reads and writes each [`DType`] through. Complex numbers
//! follow h5py's convention, a compound of two floats named `r` and `i`.

use hdf5::types::{CompoundField, CompoundType, FloatSize, IntSize, TypeDescriptor};
use ooc_core::DType;

/// The stored type of a dataset or attribute as a [`DType`], if ooc can hold it.
pub(crate) fn dtype_of(desc: &TypeDescriptor) -> Option<DType> {
    Some(match desc {
        TypeDescriptor::Integer(s) => match s {
            IntSize::U1 => DType::I8,
            IntSize::U2 => DType::I16,
            IntSize::U4 => DType::I32,
            IntSize::U8 => DType::I64,
        },
        TypeDescriptor::Unsigned(s) => match s {
            IntSize::U1 => DType::U8,
            IntSize::U2 => DType::U16,
            IntSize::U4 => DType::U32,
            IntSize::U8 => DType::U64,
        },
        TypeDescriptor::Float(FloatSize::U4) => DType::F32,
        TypeDescriptor::Float(FloatSize::U8) => DType::F64,
        TypeDescriptor::Compound(c) => complex_of(c)?,
        _ => return None,
    })
}

fn complex_of(c: &CompoundType) -> Option<DType> {
    let [re, im] = c.fields.as_slice() else {
        return None;
    };
    let part = match (&re.ty, &im.ty) {
        (TypeDescriptor::Float(FloatSize::U4), TypeDescriptor::Float(FloatSize::U4)) => 4,
        (TypeDescriptor::Float(FloatSize::U8), TypeDescriptor::Float(FloatSize::U8)) => 8,
        _ => return None,
    };
    let named = re.name == "r" && im.name == "i";
    let packed = re.offset == 0 && im.offset == part && c.size == 2 * part;
    match (named && packed, part) {
        (true, 4) => Some(DType::C64),
        (true, 8) => Some(DType::C128),
        _ => None,
    }
}

/// The native-order HDF5 type descriptor of `dtype`.
pub(crate) fn descriptor(dtype: DType) -> TypeDescriptor {
    let complex = |size: FloatSize, part: usize| {
        let field = |name: &str, index: usize| CompoundField {
            name: name.to_owned(),
            ty: TypeDescriptor::Float(size),
            offset: index * part,
            index,
        };
        TypeDescriptor::Compound(CompoundType {
            fields: vec![field("r", 0), field("i", 1)],
            size: 2 * part,
        })
    };
    match dtype {
        DType::I8 => TypeDescriptor::Integer(IntSize::U1),
        DType::I16 => TypeDescriptor::Integer(IntSize::U2),
        DType::I32 => TypeDescriptor::Integer(IntSize::U4),
        DType::I64 => TypeDescriptor::Integer(IntSize::U8),
        DType::U8 => TypeDescriptor::Unsigned(IntSize::U1),
        DType::U16 => TypeDescriptor::Unsigned(IntSize::U2),
        DType::U32 => TypeDescriptor::Unsigned(IntSize::U4),
        DType::U64 => TypeDescriptor::Unsigned(IntSize::U8),
        DType::F32 => TypeDescriptor::Float(FloatSize::U4),
        DType::F64 => TypeDescriptor::Float(FloatSize::U8),
        DType::C64 => complex(FloatSize::U4, 4),
        DType::C128 => complex(FloatSize::U8, 8),
    }
}

/// The native-order HDF5 datatype ooc uses in memory for `dtype`.
pub(crate) fn native_type(dtype: DType) -> hdf5::Result<hdf5::Datatype> {
    hdf5::Datatype::from_descriptor(&descriptor(dtype))
}

/// A short description of a stored type for error messages.
pub(crate) fn describe(desc: &TypeDescriptor) -> String {
    format!("{desc:?}").to_lowercase()
}
