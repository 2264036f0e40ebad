//! Executables cargo builds, found through its `--message-format=json` messages: the test
//! binaries the crash and valgrind campaigns run directly, and the benchmark binary.

use std::path::PathBuf;

use serde_json::Value;

use crate::{Result, cargo};

/// One executable named by a `compiler-artifact` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Executable {
    /// The cargo target's name (`reliability_crash`, `ooc_hdf5`, `workloads`).
    pub(crate) target: String,
    /// Where cargo put it.
    pub(crate) path: PathBuf,
    /// Built with the test harness (a unit-test or integration-test binary).
    pub(crate) test: bool,
}

/// The executables named in cargo's JSON messages (`stdout` of a `--message-format=json*`
/// build); lines that are not artifact messages with an executable are passed over.
pub(crate) fn parse(stdout: &[u8]) -> Vec<Executable> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|v| v["reason"] == "compiler-artifact")
        .filter_map(|v| {
            Some(Executable {
                target: v["target"]["name"].as_str()?.to_string(),
                path: PathBuf::from(v["executable"].as_str()?),
                test: v["profile"]["test"].as_bool().unwrap_or(false),
            })
        })
        .collect()
}

/// Builds test binaries with `cargo test <args> --no-run` and returns the executables it
/// reports; `what` names the build in the error when it fails.
pub(crate) fn build_tests(args: &[&str], what: &str) -> Result<Vec<Executable>> {
    let out = cargo()
        .arg("test")
        .args(args)
        .args(["--no-run", "--message-format=json"])
        .output()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "building {what} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(parse(&out.stdout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_artifacts_with_an_executable() {
        let path = "/t/debug/deps/conformance-5d5b";
        let test_bin = format!(
            r#"{{"reason":"compiler-artifact","target":{{"name":"conformance","test":true}},"profile":{{"test":true}},"executable":"{path}"}}"#
        );
        let lib = r#"{"reason":"compiler-artifact","target":{"name":"ooc_core","test":true},"profile":{"test":false},"executable":null}"#;
        let bin = r#"{"reason":"compiler-artifact","target":{"name":"ooc","test":true},"profile":{"test":false},"executable":"/t/debug/ooc"}"#;
        let other = r#"{"reason":"build-finished","success":true}"#;
        let stdout = [test_bin.as_str(), lib, "not json", bin, other].join("\n");
        let found = parse(stdout.as_bytes());
        assert_eq!(
            found,
            [
                Executable {
                    target: "conformance".into(),
                    path: PathBuf::from(path),
                    test: true,
                },
                Executable {
                    target: "ooc".into(),
                    path: PathBuf::from("/t/debug/ooc"),
                    test: false,
                },
            ]
        );
    }
}
