//! The SOURCE words of the command line, from the library: the syntax (a path, or
//! `FILE:/group/dataset` inside an HDF5 file), `--dtype` and `--shape` parsers
//! ([`ooc::source`]), and format detection by signature ([`ooc::detect`]).

pub(crate) use ooc::source::{Shape, SourceSpec, parse_dtype, parse_shape};
pub(crate) use ooc::{Format, detect};
