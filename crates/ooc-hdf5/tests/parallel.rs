//! The parallel read path returns exactly what the library returns: across layouts
//! (contiguous, chunked, deflate at several levels, shuffle), element types, odd shapes,
//! chunks that do not divide the shape, unwritten chunks, random regions and thread
//! counts. Storage it does not understand falls back to the library; corrupt chunks are
//! typed errors.

mod common;

use common::read_all;
use ooc_core::testing::sample_data;
use ooc_core::{ArrayMeta, Complex, Element, Par, ReadBlock, Region};
#[cfg(feature = "fuzzing")]
use ooc_hdf5::read_chunk;
use ooc_hdf5::{ChunkEntry, Error, File, ReadPath};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    shape: Vec<usize>,
    chunk: Option<Vec<usize>>,
    deflate: Option<u8>,
    shuffle: bool,
    /// Write only this part (the rest stays fill value / unallocated).
    written: Region,
    regions: Vec<Region>,
    threads: usize,
    /// Read chunks raw through the library instead of indexing them.
    direct: bool,
}

fn region_in(shape: &[usize]) -> impl Strategy<Value = Region> + use<> {
    let dims: Vec<_> = shape
        .iter()
        .map(|&d| (0..=d).prop_flat_map(move |s| (Just(s), 0..=d - s)))
        .collect();
    dims.prop_map(|se| {
        let (start, extent) = se.into_iter().unzip();
        Region::new(start, extent)
    })
}

fn case() -> impl Strategy<Value = Case> {
    prop::collection::vec(1_usize..24, 1..4).prop_flat_map(|shape| {
        let chunk = prop::option::weighted(0.75, shape.iter().map(|&d| 1..=d).collect::<Vec<_>>());
        (
            Just(shape.clone()),
            chunk,
            prop::option::of(0_u8..=9),
            any::<bool>(),
            prop_oneof![Just(Region::full(&shape)), region_in(&shape)],
            prop::collection::vec(region_in(&shape), 1..5),
            0_usize..4,
            any::<bool>(),
        )
            .prop_map(
                |(shape, chunk, deflate, shuffle, written, regions, threads, direct)| {
                    let chunked = chunk.is_some();
                    Case {
                        shape,
                        chunk,
                        deflate: deflate.filter(|_| chunked),
                        shuffle: shuffle && chunked,
                        written,
                        regions,
                        threads,
                        direct,
                    }
                },
            )
    })
}

fn check_case<T: Element>(case: &Case) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let file = File::create(dir.path().join("p.h5")).unwrap();
    let mut b = file
        .new_dataset::<T>("x")
        .shape(&case.shape)
        .fill_value(T::from_f64(7.0));
    if let Some(c) = &case.chunk {
        b = b.chunk(c);
    }
    if let Some(level) = case.deflate {
        b = b.deflate(level);
    }
    if case.shuffle {
        b = b.shuffle();
    }
    let mut ds = b.create().unwrap();
    ds.write_region(&case.written, &sample_data::<T>(case.written.len(), 3))
        .unwrap();
    let budget = if case.direct { 0 } else { u64::MAX };
    let reader = ds
        .parallel_reader_with_index_budget(budget)
        .unwrap()
        .with_par(Par::threads(case.threads))
        .unwrap();
    let contiguous_unwritten = case.chunk.is_none() && case.written.is_empty();
    match reader.path() {
        ReadPath::Library(why) => prop_assert!(contiguous_unwritten, "fell back: {}", why),
        path => prop_assert_eq!(
            path,
            match (&case.chunk, case.direct) {
                (None, _) => &ReadPath::Contiguous,
                (Some(_), false) => &ReadPath::Chunked,
                (Some(_), true) => &ReadPath::ChunkedViaLibrary,
            }
        ),
    }
    prop_assert_eq!(reader.concurrent_reads(), !contiguous_unwritten);
    for region in std::iter::once(Region::full(&case.shape)).chain(case.regions.iter().cloned()) {
        let mut want = vec![T::default(); region.len()];
        ds.read_region(&region, &mut want).unwrap();
        let mut got = vec![T::from_f64(-1.0); region.len()];
        reader.read_region(&region, &mut got).unwrap();
        prop_assert_eq!(&got, &want, "region {:?}", region);
        // Zero-copy views: offered for written contiguous datasets only, and when a region
        // is one run they hold exactly what the library reads.
        let view = ReadBlock::<T>::as_view(&reader).map(|v| v.view_region(&region).unwrap());
        let whole_rows = case
            .chunk
            .as_ref()
            .is_some_and(|c| c[1..] == case.shape[1..]);
        let mapped =
            (case.chunk.is_none() && !contiguous_unwritten) || (whole_rows && !case.direct);
        prop_assert_eq!(view.is_some(), mapped);
        if let Some(Some(lent)) = view {
            prop_assert_eq!(lent, &want[..], "view of {:?}", region);
        }
        // Lent only for one run (a dataset stored at an address not aligned for `T`
        // would lend nothing and be read instead).
        let run = region.contiguous_offset(&case.shape).is_some();
        prop_assert!(run || !matches!(view, Some(Some(_))), "lent {:?}", region);
    }
    // The chunk-level hook is a `fuzzing` feature item (`cargo xtask test` turns it on).
    #[cfg(feature = "fuzzing")]
    if let (Some(entries), Some(chunk)) = (reader.chunk_entries(), &case.chunk) {
        check_chunk_entries::<T>(&ds, entries, chunk, &dir.path().join("p.h5"))?;
    }
    let plain = ds.parallel_reader().unwrap().with_views(false);
    prop_assert!(ReadBlock::<T>::as_view(&plain).is_none());
    Ok(())
}

/// Every chunk read alone through `read_chunk` holds what the library reads for the part
/// of the dataset it covers.
#[cfg(feature = "fuzzing")]
fn check_chunk_entries<T: Element>(
    ds: &ooc_hdf5::Dataset,
    entries: &[ChunkEntry],
    chunk: &[usize],
    path: &std::path::Path,
) -> Result<(), TestCaseError> {
    let shape = ds.shape();
    let grid: Vec<usize> = shape
        .iter()
        .zip(chunk)
        .map(|(&d, &c)| d.div_ceil(c))
        .collect();
    prop_assert_eq!(entries.len(), grid.iter().product::<usize>());
    let file = std::fs::File::open(path).unwrap();
    let info = ds.describe().unwrap();
    let fill = T::from_f64(7.0);
    let es = std::mem::size_of::<T>();
    let mut out = vec![0_u8; chunk.iter().product::<usize>() * es];
    for (k, &entry) in entries.iter().enumerate() {
        read_chunk(
            &file,
            entry,
            &info.filters,
            chunk,
            bytemuck::bytes_of(&fill),
            &mut out,
        )
        .unwrap();
        let decoded: Vec<T> = out
            .chunks_exact(es)
            .map(bytemuck::pod_read_unaligned)
            .collect();
        // Chunk `k`'s origin, and its part inside the dataset.
        let mut rem = k;
        let mut origin = vec![0; chunk.len()];
        for d in (0..chunk.len()).rev() {
            origin[d] = (rem % grid[d]) * chunk[d];
            rem /= grid[d];
        }
        let ext: Vec<usize> = (0..chunk.len())
            .map(|d| chunk[d].min(shape[d] - origin[d]))
            .collect();
        let part = Region::new(origin, ext.clone());
        let mut want = vec![T::default(); part.len()];
        ds.read_region(&part, &mut want).unwrap();
        let inside = Region::new(vec![0; chunk.len()], ext);
        let mut got = Vec::with_capacity(want.len());
        inside.for_each_run(chunk, |at, _, n| {
            got.extend_from_slice(&decoded[at..at + n]);
        });
        prop_assert_eq!(got, want, "chunk {} {:?}", k, entry);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]
    #[test]
    fn fast_path_equals_library_f32(case in case()) { check_case::<f32>(&case)?; }

    #[test]
    fn fast_path_equals_library_other_types(case in case(), ty in 0_usize..8) {
        match ty {
            0 => check_case::<i8>(&case)?,
            1 => check_case::<u16>(&case)?,
            2 => check_case::<i32>(&case)?,
            3 => check_case::<u32>(&case)?,
            4 => check_case::<i64>(&case)?,
            5 => check_case::<f64>(&case)?,
            6 => check_case::<Complex<f32>>(&case)?,
            _ => check_case::<Complex<f64>>(&case)?,
        }
    }
}

#[test]
fn large_blocks_read_in_parallel_pieces() {
    // Big enough that the contiguous path splits one run into several positional reads
    // and the chunked path decodes many chunks per call.
    let dir = tempfile::tempdir().unwrap();
    let file = File::create(dir.path().join("big.h5")).unwrap();
    let shape = [300, 5000];
    let data: Vec<f32> = (0..shape[0] * shape[1])
        .map(|i| (i % 1013) as f32)
        .collect();
    for (name, chunked) in [("c", false), ("k", true)] {
        let mut b = file.new_dataset::<f32>(name).shape(shape);
        if chunked {
            b = b.chunk([64, 700]).shuffle().deflate(3);
        }
        let mut ds = b.create().unwrap();
        ds.write_all(&data).unwrap();
        for (par, budget) in [
            (Par::Seq, u64::MAX),
            (Par::threads(3), 0),
            (Par::All, u64::MAX),
        ] {
            let reader = ds
                .parallel_reader_with_index_budget(budget)
                .unwrap()
                .with_par(par)
                .unwrap();
            assert!(read_all::<f32>(&reader) == data, "{name} {par:?}");
            let r = Region::block(17, 333, 200, 4000);
            let mut part = vec![0.0_f32; r.len()];
            reader.read_region(&r, &mut part).unwrap();
            let mut want = vec![0.0_f32; r.len()];
            ds.read_region(&r, &mut want).unwrap();
            assert!(part == want, "{name} {par:?} block");
        }
    }
}

#[test]
fn unknown_storage_falls_back_to_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f.h5");
    let data: Vec<f32> = (0..120).map(|i| i as f32).collect();
    {
        let f = hdf5::File::create(&p).unwrap();
        f.new_dataset::<f32>()
            .shape([10, 12])
            .chunk([4, 5])
            .fletcher32()
            .create("fletcher")
            .unwrap()
            .write_raw(&data)
            .unwrap();
        f.new_dataset::<f32>()
            .shape([10, 12])
            .layout(hdf5::dataset::Layout::Compact)
            .create("compact")
            .unwrap()
            .write_raw(&data)
            .unwrap();
    }
    let f = File::open(&p).unwrap();
    for (name, why) in [("fletcher", "filter 3"), ("compact", "compact")] {
        let ds = f.dataset(name).unwrap();
        let info = ds.describe().unwrap();
        if name == "compact" {
            assert_eq!(info.layout, ooc_hdf5::Layout::Compact);
        } else {
            assert_eq!(info.filters, vec![ooc_hdf5::Filter::Fletcher32]);
        }
        let reader = ds.parallel_reader().unwrap();
        match reader.path() {
            ReadPath::Library(reason) => assert!(reason.contains(why), "{reason}"),
            other => panic!("{name}: expected a fallback, got {other:?}"),
        }
        assert!(!reader.concurrent_reads());
        assert_eq!(read_all::<f32>(&reader), data, "{name}");
    }
}

#[test]
fn reader_checks_types_and_regions() {
    let dir = tempfile::tempdir().unwrap();
    let f = File::create(dir.path().join("c.h5")).unwrap();
    let mut ds = f
        .new_dataset::<u8>("x")
        .shape([4, 4])
        .chunk([2, 2])
        .create()
        .unwrap();
    ds.write_all(&[1_u8; 16]).unwrap();
    let reader = ds.parallel_reader().unwrap();
    let mut wrong = [0_f32; 4];
    let err = reader
        .read_region(&Region::block(0, 0, 2, 2), &mut wrong)
        .unwrap_err();
    assert!(
        err.to_string().contains("u8") && err.to_string().contains("f32"),
        "{err}"
    );
    let mut buf = [0_u8; 4];
    assert!(matches!(
        reader.read_region(&Region::block(3, 3, 2, 2), &mut buf),
        Err(Error::Core(ooc_core::Error::OutOfBounds { .. }))
    ));
    assert_eq!(reader.chunk_shape(), Some(vec![2, 2]));
}

#[test]
fn corrupt_chunks_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.h5");
    let data: Vec<f64> = (0..400).map(f64::from).collect();
    {
        let f = File::create(&p).unwrap();
        let mut ds = f
            .new_dataset::<f64>("z")
            .shape([20, 20])
            .chunk([10, 10])
            .deflate(5)
            .create()
            .unwrap();
        ds.write_all(&data).unwrap();
    }
    // Where the first chunk lies, from the library.
    let (addr, size) = {
        let f = hdf5::File::open(&p).unwrap();
        let info = f.dataset("z").unwrap().chunk_info(0).unwrap();
        (info.addr, info.size)
    };
    let mut bytes = std::fs::read(&p).unwrap();
    let lo = usize::try_from(addr).unwrap();
    let hi = lo + usize::try_from(size).unwrap();
    for b in &mut bytes[lo + 2..hi] {
        *b ^= 0x5a;
    }
    std::fs::write(&p, &bytes).unwrap();
    let f = File::open(&p).unwrap();
    let ds = f.dataset("z").unwrap();
    let reader = ds.parallel_reader().unwrap();
    assert_eq!(reader.path(), &ReadPath::Chunked);
    let mut out = vec![0.0_f64; 400];
    let err = reader
        .read_region(&Region::full(&[20, 20]), &mut out)
        .unwrap_err();
    assert!(matches!(err, Error::CorruptChunk { .. }), "{err:?}");
    assert!(err.to_string().contains("/z"), "{err}");
    let direct = ds.parallel_reader_with_index_budget(0).unwrap();
    assert_eq!(direct.path(), &ReadPath::ChunkedViaLibrary);
    let err = direct
        .read_region(&Region::full(&[20, 20]), &mut out)
        .unwrap_err();
    assert!(matches!(err, Error::CorruptChunk { .. }), "{err:?}");
    // Chunks other than the damaged one still read.
    let mut part = vec![0.0_f64; 100];
    reader
        .read_region(&Region::block(10, 10, 10, 10), &mut part)
        .unwrap();
    assert_eq!(part[0], data[10 * 20 + 10]);
    // A file cut short after the index was read: an error, not a panic.
    std::fs::write(&p, &bytes[..lo + 4]).unwrap();
    let err = reader
        .read_region(&Region::block(10, 10, 10, 10), &mut part)
        .unwrap_err();
    assert!(
        matches!(err, Error::CorruptChunk { .. } | Error::Io { .. }),
        "{err:?}"
    );
}

#[test]
fn huge_chunk_grids_are_not_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let f = File::create(dir.path().join("h.h5")).unwrap();
    // 2^23 chunks of one element, one written: too many to index, so chunks are read
    // through the library one by one.
    let mut ds = f
        .new_dataset::<u8>("x")
        .shape([1 << 12, 1 << 11])
        .chunk([1, 1])
        .fill_value(3)
        .create()
        .unwrap();
    ds.write_region(&Region::block(5, 5, 1, 2), &[1_u8, 2])
        .unwrap();
    let reader = ds.parallel_reader_with_index_budget(u64::MAX).unwrap();
    assert_eq!(reader.path(), &ReadPath::ChunkedViaLibrary);
    assert!(reader.concurrent_reads());
    let mut got = [0_u8; 4];
    reader
        .read_region(&Region::block(5, 4, 1, 4), &mut got)
        .unwrap();
    assert_eq!(got, [3, 1, 2, 3]);
}

/// Chunks whose filter mask says some filters were skipped (written directly, as the
/// library does when an optional filter fails) decode by skipping exactly those filters.
#[test]
fn filter_masks_skip_filters_per_chunk() {
    use flate2::{Compression, write::ZlibEncoder};
    use std::io::Write;

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mask.h5");
    let values: Vec<u16> = (0..8 * 4).map(|i| 1000 + i * 37).collect();
    {
        let f = File::create(&p).unwrap();
        f.new_dataset::<u16>("m")
            .shape([8, 4])
            .chunk([4, 4])
            .shuffle()
            .deflate(5)
            .create()
            .unwrap();
    }
    // Chunk 0: shuffle skipped (bit 0), only deflated. Chunk 1: both skipped, raw bytes.
    let chunk0: &[u8] = bytemuck::cast_slice(&values[..16]);
    let mut z = ZlibEncoder::new(Vec::new(), Compression::new(5));
    z.write_all(chunk0).unwrap();
    let deflated = z.finish().unwrap();
    let chunk1: &[u8] = bytemuck::cast_slice(&values[16..]);
    {
        let f = hdf5::File::open_rw(&p).unwrap();
        let ds = f.dataset("m").unwrap();
        for (offset, mask, bytes) in [
            ([0_u64, 0], 0b01_u32, &deflated[..]),
            ([4, 0], 0b11, chunk1),
        ] {
            let status = hdf5::sync::sync(|| {
                // SAFETY: the dataset is open; `offset` has its rank; `bytes` is live.
                unsafe {
                    hdf5_sys::h5d::H5Dwrite_chunk(
                        ds.id(),
                        hdf5_sys::h5p::H5P_DEFAULT,
                        mask,
                        offset.as_ptr(),
                        bytes.len(),
                        bytes.as_ptr().cast(),
                    )
                }
            });
            assert!(status >= 0, "direct chunk write failed");
        }
    }
    let f = File::open(&p).unwrap();
    let ds = f.dataset("m").unwrap();
    let lib = ds.read_vec::<u16>().unwrap();
    assert_eq!(lib, values, "library path");
    let reader = ds.parallel_reader().unwrap();
    assert_eq!(reader.path(), &ReadPath::Chunked);
    assert_eq!(read_all::<u16>(&reader), values, "parallel path");
}

#[test]
fn contiguous_datasets_lend_views_of_row_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let file = File::create(dir.path().join("v.h5")).unwrap();
    let data = sample_data::<f64>(7 * 5, 1);
    let mut ds = file.new_dataset::<f64>("m").shape([7, 5]).create().unwrap();
    ds.write_all(&data).unwrap();
    let reader = ds.parallel_reader().unwrap();
    let view = ReadBlock::<f64>::as_view(&reader).expect("a mapped contiguous dataset");
    for (r0, n) in [(0, 7), (2, 3), (6, 1), (3, 0)] {
        let got = view.view_region(&Region::rows(r0, n, 5)).unwrap().unwrap();
        assert_eq!(got, &data[r0 * 5..(r0 + n) * 5]);
    }
    // Not one run, the wrong type, outside the dataset.
    assert_eq!(view.view_region(&Region::block(1, 1, 2, 2)).unwrap(), None);
    assert!(ReadBlock::<f32>::as_view(&reader).is_none());
    assert!(matches!(
        reader.view_region::<f32>(&Region::rows(0, 1, 5)),
        Err(Error::Core(ooc_core::Error::DTypeMismatch { .. }))
    ));
    assert!(view.view_region(&Region::rows(6, 2, 5)).is_err());
    // Chunks that are not whole rows lend nothing.
    let mut c = file
        .new_dataset::<f64>("c")
        .shape([7, 5])
        .chunk([2, 3])
        .create()
        .unwrap();
    c.write_all(&data).unwrap();
    assert!(ReadBlock::<f64>::as_view(&c.parallel_reader().unwrap()).is_none());
}

#[test]
fn whole_row_chunks_stored_back_to_back_lend_views() {
    let dir = tempfile::tempdir().unwrap();
    let file = File::create(dir.path().join("w.h5")).unwrap();
    let data = sample_data::<f32>(7 * 5, 2);
    let mut plain = file
        .new_dataset::<f32>("p")
        .shape([7, 5])
        .chunk([2, 5])
        .create()
        .unwrap();
    plain.write_all(&data).unwrap();
    let reader = plain.parallel_reader().unwrap();
    let entries = reader.chunk_entries().unwrap();
    let back_to_back = entries.windows(2).all(|w| w[0].addr + 40 == w[1].addr);
    // Views also need the chunks aligned for `f32` (where the library places them
    // depends on the size of the metadata before them).
    let lendable = back_to_back && entries[0].addr.is_multiple_of(4);
    let view = ReadBlock::<f32>::as_view(&reader).expect("whole-row chunks are mapped");
    for (r0, n) in [(0, 7), (2, 3), (1, 2), (6, 1), (0, 0)] {
        let region = Region::rows(r0, n, 5);
        match view.view_region(&region).unwrap() {
            Some(got) => assert_eq!(got, &data[r0 * 5..(r0 + n) * 5], "{region:?}"),
            // Lent whenever the chunks lie back to back (as the library writes them here).
            None => assert!(!lendable, "{region:?} not lent"),
        }
    }
    // Part of one row is one run too; a column block is not.
    let part = Region::new(vec![3, 1], vec![1, 3]);
    if let Some(got) = view.view_region(&part).unwrap() {
        assert_eq!(got, &data[16..19]);
    }
    assert_eq!(view.view_region(&Region::block(0, 1, 2, 2)).unwrap(), None);
    // Compressed chunks and chunks never written are read, not lent.
    let mut z = file
        .new_dataset::<f32>("z")
        .shape([7, 5])
        .chunk([2, 5])
        .deflate(1)
        .create()
        .unwrap();
    z.write_all(&data).unwrap();
    let zr = z.parallel_reader().unwrap();
    let zv = ReadBlock::<f32>::as_view(&zr).unwrap();
    assert_eq!(zv.view_region(&Region::rows(0, 2, 5)).unwrap(), None);
    let mut part = file
        .new_dataset::<f32>("u")
        .shape([7, 5])
        .chunk([2, 5])
        .create()
        .unwrap();
    part.write_region(&Region::rows(0, 2, 5), &data[..10])
        .unwrap();
    let ur = part.parallel_reader().unwrap();
    let uv = ReadBlock::<f32>::as_view(&ur).unwrap();
    assert_eq!(uv.view_region(&Region::rows(0, 4, 5)).unwrap(), None);
    let mut got = vec![0.0_f32; 20];
    ur.read_region(&Region::rows(0, 4, 5), &mut got).unwrap();
    assert_eq!(&got[..10], &data[..10]);
    assert!(
        back_to_back,
        "the library stored whole-row chunks apart: {entries:?}"
    );
}

#[cfg(feature = "fuzzing")]
#[test]
fn hostile_chunk_entries_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.h5");
    let file = File::create(&path).unwrap();
    let data: Vec<i32> = (0..48).collect();
    let mut ds = file
        .new_dataset::<i32>("z")
        .shape([6, 8])
        .chunk([3, 4])
        .shuffle()
        .deflate(3)
        .create()
        .unwrap();
    ds.write_all(&data).unwrap();
    let mut plain = file
        .new_dataset::<i32>("p")
        .shape([6, 8])
        .chunk([3, 4])
        .create()
        .unwrap();
    plain.write_all(&data).unwrap();
    let (z, p) = (
        ds.parallel_reader().unwrap(),
        plain.parallel_reader().unwrap(),
    );
    let (good, raw) = (z.chunk_entries().unwrap()[1], p.chunk_entries().unwrap()[1]);
    let filters = [ooc_hdf5::Filter::Shuffle, ooc_hdf5::Filter::Deflate(3)];
    let h = std::fs::File::open(&path).unwrap();
    let len = h.metadata().unwrap().len();
    let fill = 5_i32.to_ne_bytes();
    let mut out = vec![0_u8; 3 * 4 * 4];
    let read = |e: ChunkEntry, pipeline: &[ooc_hdf5::Filter], out: &mut [u8]| {
        read_chunk(&h, e, pipeline, &[3, 4], &fill, out)
    };
    // The real entries decode to chunk (0, 1): rows 0..3, columns 4..8.
    let want: Vec<u8> = [4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23]
        .iter()
        .flat_map(|v: &i32| v.to_ne_bytes())
        .collect();
    read(good, &filters, &mut out).unwrap();
    assert_eq!(out, want);
    read(raw, &[], &mut out).unwrap();
    assert_eq!(out, want);
    // An unwritten chunk is the fill value.
    read(
        ChunkEntry {
            addr: u64::MAX,
            size: 0,
            mask: 0,
        },
        &filters,
        &mut out,
    )
    .unwrap();
    assert!(out.chunks_exact(4).all(|b| b == fill));
    let corrupt = |e: ChunkEntry, pipeline: &[ooc_hdf5::Filter]| {
        let mut out = vec![0_u8; 48];
        match read(e, pipeline, &mut out) {
            Err(Error::CorruptChunk { reason, .. }) => reason,
            other => panic!("{e:?}: expected a corrupt chunk, got {other:?}"),
        }
    };
    for (e, pipeline, why) in [
        (
            ChunkEntry { addr: len, ..good },
            &filters[..],
            "file offset",
        ),
        (
            ChunkEntry {
                addr: u64::MAX - 1,
                ..good
            },
            &filters[..],
            "file offset",
        ),
        (
            ChunkEntry {
                addr: u64::MAX - 1,
                ..raw
            },
            &[][..],
            "file offset",
        ),
        (
            ChunkEntry {
                size: u64::MAX,
                ..good
            },
            &filters[..],
            "implausible",
        ),
        (
            ChunkEntry {
                size: 1 << 40,
                ..good
            },
            &filters[..],
            "implausible",
        ),
        (ChunkEntry { size: 0, ..good }, &filters[..], "deflate"),
        (
            ChunkEntry {
                size: good.size - 1,
                ..good
            },
            &filters[..],
            "deflate",
        ),
        (
            ChunkEntry { mask: 0b10, ..good },
            &filters[..],
            "chunk holds",
        ),
        (
            ChunkEntry { mask: 0b11, ..good },
            &filters[..],
            "unfiltered chunk stores",
        ),
        (
            ChunkEntry { size: 47, ..raw },
            &[][..],
            "unfiltered chunk stores",
        ),
        (
            ChunkEntry {
                addr: len - 10,
                ..raw
            },
            &[][..],
            "file offset",
        ),
        (raw, &filters[..], "deflate"),
    ] {
        let reason = corrupt(e, pipeline);
        assert!(reason.contains(why), "{e:?}: {reason}");
    }
    assert!(matches!(
        read(good, &[ooc_hdf5::Filter::Fletcher32], &mut out),
        Err(Error::UnsupportedFilter {
            id: 3,
            name: "fletcher32",
            ..
        })
    ));
    // Arguments that do not describe a chunk.
    let mut out = vec![0_u8; 48];
    let core = |r: ooc_hdf5::Result<()>| match r {
        Err(Error::Core(e)) => e,
        other => panic!("expected a core error, got {other:?}"),
    };
    assert!(matches!(
        core(read_chunk(&h, good, &filters, &[3, 0], &fill, &mut out)),
        ooc_core::Error::InvalidChunkShape { .. }
    ));
    assert!(matches!(
        core(read_chunk(&h, good, &filters, &[], &fill, &mut out)),
        ooc_core::Error::InvalidChunkShape { .. }
    ));
    assert!(matches!(
        core(read_chunk(&h, good, &filters, &[3, 4], &[], &mut out)),
        ooc_core::Error::InvalidSize(_)
    ));
    assert!(matches!(
        core(read_chunk(
            &h,
            good,
            &filters,
            &[usize::MAX, 2],
            &fill,
            &mut out
        )),
        ooc_core::Error::ShapeOverflow { .. }
    ));
    assert!(matches!(
        core(read_chunk(
            &h,
            good,
            &filters,
            &[3, 4],
            &fill,
            &mut out[..47]
        )),
        ooc_core::Error::BufferLength {
            expected: 48,
            found: 47
        }
    ));
}
