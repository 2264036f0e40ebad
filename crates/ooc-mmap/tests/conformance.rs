//! The `ooc-core` conformance suite against `MmapArray`, for every element type: `.npy`
//! files in C order (zero-copy views lent), in Fortran order (reads and writes convert
//! orders; no views), raw files at an offset, and copy-on-write maps.

use ooc_core::testing::{ConformanceFactory, run_conformance};
use ooc_core::{Element, Region, WriteBlock};
use ooc_mmap::{MmapArray, Mode, RawLayout};

#[derive(Clone, Copy)]
enum Kind {
    NpyC,
    NpyFortran,
    RawOffset,
    CopyOnWrite,
    /// Written as a `.npy` file (Fortran order when `true`), then reopened read-only: the
    /// read and view checks run, no writer is offered.
    ReadOnly(bool),
}

struct Files {
    dir: tempfile::TempDir,
    count: usize,
    kind: Kind,
}

impl Files {
    fn new(kind: Kind) -> Self {
        Files {
            dir: tempfile::tempdir().unwrap(),
            count: 0,
            kind,
        }
    }
}

impl ConformanceFactory for Files {
    type Array<T: Element> = MmapArray<T>;

    fn create<T: Element>(
        &mut self,
        shape: &[usize],
        data: &[T],
    ) -> ooc_core::Result<MmapArray<T>> {
        self.count += 1;
        let path = self.dir.path().join(format!("a{}.bin", self.count));
        let mut array = match self.kind {
            Kind::NpyC | Kind::CopyOnWrite => MmapArray::<T>::create_npy(&path, shape, false)?,
            Kind::NpyFortran => MmapArray::<T>::create_npy(&path, shape, true)?,
            Kind::ReadOnly(fortran) => MmapArray::<T>::create_npy(&path, shape, fortran)?,
            Kind::RawOffset => MmapArray::<T>::create_raw(
                &path,
                &RawLayout::c_order(shape.to_vec()).with_offset(48),
            )?,
        };
        array.write_region(&Region::full(shape), data)?;
        let reopen = match self.kind {
            Kind::CopyOnWrite => Some(Mode::CopyOnWrite),
            Kind::ReadOnly(_) => Some(Mode::ReadOnly),
            Kind::NpyC | Kind::NpyFortran | Kind::RawOffset => None,
        };
        if let Some(mode) = reopen {
            drop(array);
            array = MmapArray::<T>::open_npy(&path, mode)?;
        }
        Ok(array)
    }

    fn writable<T: Element>(array: &mut MmapArray<T>) -> Option<&mut dyn WriteBlock<T>> {
        if array.mode() == Mode::ReadOnly {
            None
        } else {
            Some(array)
        }
    }
}

#[test]
fn npy_c_order_conforms() {
    run_conformance(&mut Files::new(Kind::NpyC));
}

#[test]
fn npy_fortran_order_conforms() {
    run_conformance(&mut Files::new(Kind::NpyFortran));
}

#[test]
fn raw_at_an_offset_conforms() {
    run_conformance(&mut Files::new(Kind::RawOffset));
}

#[test]
fn copy_on_write_conforms() {
    run_conformance(&mut Files::new(Kind::CopyOnWrite));
}

#[test]
fn read_only_maps_conform() {
    run_conformance(&mut Files::new(Kind::ReadOnly(true)));
    run_conformance(&mut Files::new(Kind::ReadOnly(false)));
}
