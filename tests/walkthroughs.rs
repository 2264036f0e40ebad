//! The README's walk-throughs (`examples/`) run at their smallest scale, and every check
//! they print holds: each says `true` where it compares what it read with what it wrote
//! (or with a recomputation), and the HDF5 one's products match their f64 reference
//! exactly.
//!
//! The examples are the programs cargo builds beside this test's own folder with
//! `cargo build --examples` (which `cargo xtask test` runs first) and with a `cargo test`
//! given no target options (`--all-targets` builds them as test harnesses only).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The built example `name`, after checking it is built from the sources as they are now.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let path = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binaries live in target/<profile>/deps")
        .join("examples")
        .join(name);
    let rebuild = "build the examples first with `cargo build --examples` (as `cargo xtask \
                   test` does)";
    let built = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{} is not built ({e}): {rebuild}", path.display()));
    // Cargo's own freshness rule: the dep-info file beside the binary lists every source
    // it was built from; one changed since means it is stale (a run limited to this test
    // does not rebuild examples).
    let dep_info = std::fs::read_to_string(path.with_extension("d"))
        .unwrap_or_else(|e| panic!("{}.d: {e}: {rebuild}", path.display()));
    let sources = dep_info.split_once(": ").map_or("", |(_, deps)| deps);
    for source in sources.split_whitespace() {
        let changed = std::fs::metadata(source).and_then(|m| m.modified());
        assert!(
            changed.is_ok_and(|t| t <= built),
            "{} is older than {source}: {rebuild}",
            path.display()
        );
    }
    path
}

/// Runs example `name` with `args`, asserts it succeeded, and returns its output lines,
/// trimmed.
fn run(name: &str, args: &[&str]) -> Vec<String> {
    let out = Command::new(example(name))
        .args(args)
        .output()
        .expect("the example starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "example {name} {args:?} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().map(|l| l.trim().to_owned()).collect()
}

/// Asserts that, for each `(start, n)` of `checks`, exactly `n` lines begin with `start`,
/// and that no line states a failed check (`: false`).
fn assert_checks(name: &str, lines: &[String], checks: &[(&str, usize)]) {
    for (start, n) in checks {
        let found = lines.iter().filter(|l| l.starts_with(start)).count();
        assert_eq!(
            found,
            *n,
            "example {name}: {n} line(s) starting {start:?} expected, {found} found in:\n{}",
            lines.join("\n")
        );
    }
    let failed: Vec<&String> = lines.iter().filter(|l| l.contains(": false")).collect();
    assert!(
        failed.is_empty(),
        "example {name}: failed checks {failed:?}"
    );
}

#[test]
fn memmap_walkthrough_reads_back_what_it_wrote() {
    let lines = run("memmap", &["1000"]);
    assert_checks(
        "memmap",
        &lines,
        &[
            ("header: dtype f32 shape [100, 1000] fortran_order false", 1),
            ("last row as written: true", 2),
        ],
    );
}

#[test]
fn hdf5_walkthrough_reads_back_what_it_wrote_and_multiplies_exactly() {
    let lines = run("hdf5", &["10"]);
    assert_checks(
        "hdf5",
        &lines,
        &[
            ("last row matches: true", 1),
            ("Chunked path, last row matches: true", 1),
            (
                "dataset2 row 7 matches: true; attribute: \"ooc example\"",
                1,
            ),
            ("wrote row 0 through r+: true", 1),
            ("temporary files removed", 1),
        ],
    );
    // Small integers: every product equals the f64 reference exactly (three layouts, each
    // by hand through the library and through `ooc::open` + `gemv`, plus one row by row).
    let errors: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("max |error| vs f64 reference:"))
        .collect();
    assert_eq!(errors.len(), 7, "{errors:?}");
    assert!(
        errors.iter().all(|l| l.ends_with("reference: 0.000e0")),
        "{errors:?}"
    );
}

#[test]
fn tour_walkthrough_checks_its_reads_and_products() {
    let lines = run("tour", &["--scale", "tiny"]);
    assert_checks(
        "tour",
        &lines,
        &[
            ("ooc tour at tiny scale", 1),
            ("last row matches: true", 1),
            (
                "/group/subgroup/dataset2 reads back [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]",
                1,
            ),
            ("y matches a recomputation from the matrix's rule: true", 1),
            ("SpMV matches the dense product: true", 1),
            ("spy plot written to", 1),
        ],
    );
}
