//! House rules checked as ordinary tests, so `cargo xtask test` enforces them: no stubs or
//! ignored tests in the tree, every crate inherits the workspace lints, and CI runs exactly
//! the README's test command.

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use crate::root;

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if name == "target" || name.to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn no_stubs_or_ignored_tests() {
        // Spelled in pieces so this file does not match itself.
        let banned = [
            concat!("todo", "!("),
            concat!("unimplemented", "!("),
            concat!("#[", "ignore"),
        ];
        let mut files = Vec::new();
        rust_files(&root(), &mut files);
        assert!(files.len() > 10, "found only {} Rust files", files.len());
        let mut offenders = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            for (n, line) in text.lines().enumerate() {
                if banned.iter().any(|b| line.contains(b)) {
                    offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "stubs or ignored tests:\n{}",
            offenders.join("\n")
        );
    }

    #[test]
    fn every_crate_uses_workspace_lints_and_has_a_readme() {
        let crates = root().join("crates");
        let mut seen = 0;
        for entry in std::fs::read_dir(&crates).unwrap().flatten() {
            let manifest = std::fs::read_to_string(entry.path().join("Cargo.toml")).unwrap();
            let name = entry.file_name();
            assert!(
                manifest.contains("[lints]\nworkspace = true"),
                "{name:?} lints"
            );
            assert!(
                manifest.contains("edition.workspace = true"),
                "{name:?} edition"
            );
            assert!(entry.path().join("README.md").exists(), "{name:?} README");
            seen += 1;
        }
        assert!(seen >= 5, "expected the five crates, saw {seen}");
    }

    #[test]
    fn ci_runs_the_readme_test_command() {
        let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
        let commands: Vec<&str> = ci
            .lines()
            .map(str::trim)
            .filter(|l| {
                !l.is_empty()
                    && !l.starts_with('#')
                    && !l.starts_with("set ")
                    && !l.starts_with("cd ")
            })
            .collect();
        assert_eq!(commands, ["cargo xtask test"]);
        let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
        assert!(readme.contains("cargo xtask test"));
    }
}
