//! Replays the committed fuzz corpus on the stable toolchain, so `cargo xtask test` re-runs
//! every input a campaign kept (`fuzz/corpus/<target>/`) and every crash it ever found
//! (`fuzz/regressions/<target>/`) through the same target bodies libFuzzer runs.
//! A fixed bug stays fixed: its crashing input is committed under `regressions/`.

#[path = "../fuzz/common/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs one target over its corpus and regressions; returns how many inputs ran.
fn replay(name: &str) -> usize {
    let (_, body) = targets::TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no fuzz target named {name}"));
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut ran = 0;
    for kind in ["corpus", "regressions"] {
        for file in inputs(&fuzz.join(kind).join(name)) {
            let data = std::fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "fuzz input {} fails", file.display());
            ran += 1;
        }
    }
    ran
}

#[test]
fn every_target_has_a_harness_and_a_committed_corpus() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (name, _) in targets::TARGETS {
        let harness = fuzz.join("fuzz_targets").join(format!("{name}.rs"));
        assert!(harness.is_file(), "missing harness {}", harness.display());
        let corpus = inputs(&fuzz.join("corpus").join(name));
        assert!(!corpus.is_empty(), "no committed corpus for {name}");
    }
}

macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let ran = replay(stringify!($name));
                assert!(ran > 0, "no inputs replayed for {}", stringify!($name));
                println!("replayed {ran} inputs for {}", stringify!($name));
            }
        )*

        #[test]
        fn every_target_is_replayed() {
            let replayed = [$(stringify!($name)),*];
            for (name, _) in targets::TARGETS {
                assert!(replayed.contains(name), "target {name} has no replay test");
            }
        }
    };
}

replay_tests!(
    npy_header,
    size_parse,
    raw_open,
    npy_open,
    sparse_structure,
    hdf5_chunk,
    hdf5_chunk_index,
    npz,
    cli_source,
);
