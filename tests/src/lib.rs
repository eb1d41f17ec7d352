//! Shared helpers for the workspace integration tests (`tests/tests/*.rs`):
//! where data, models and tools live, running the peers' Python scripts and
//! the `mote` binary, and comparing JSON with a useful message.
//!
//! Tests that need a model call [`model_path`]: when the model is missing
//! they fail (never skip) and say to run `tools/fetch-models`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value as Json;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `tests/data/`, where committed fixtures and peer outputs live.
pub fn data_dir() -> PathBuf {
    repo_root().join("tests").join("data")
}

/// A committed file under `tests/data/`.
pub fn data_path(rel: &str) -> PathBuf {
    let p = data_dir().join(rel);
    assert!(p.exists(), "test data {} is missing", p.display());
    p
}

/// `tools/<name>`.
pub fn tool(name: &str) -> PathBuf {
    repo_root().join("tools").join(name)
}

/// The model cache: `$MOTE_MODELS`, default `~/.cache/mote/models`.
pub fn models_dir() -> PathBuf {
    match std::env::var_os("MOTE_MODELS") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => {
            let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
            PathBuf::from(home)
                .join(".cache")
                .join("mote")
                .join("models")
        }
    }
}

/// A fetched model (file or directory) under [`models_dir`]; panics with
/// the fix when it is missing.
pub fn model_path(rel: &str) -> PathBuf {
    let p = models_dir().join(rel);
    assert!(
        p.exists(),
        "model {} not found: run tools/fetch-models (it fills $MOTE_MODELS, default ~/.cache/mote/models)",
        p.display()
    );
    p
}

/// The fetched SmolLM2-135M-Instruct Q4_1 GGUF.
pub fn smollm2_q4_1() -> PathBuf {
    model_path("SmolLM2-135M-Instruct.Q4_1.gguf")
}

/// A fresh path in the temp dir for a test's output file, unique per
/// process and name.
pub fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mote-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir.join(name)
}

/// Runs a Python script (`python3 SCRIPT ARGS...`) and returns its stdout;
/// panics with its stderr when it fails.
pub fn python(script: &Path, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run python3 {}: {e} (tools/test installs it)",
                script.display()
            )
        });
    assert!(
        out.status.success(),
        "python3 {} failed ({}): {}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("python output is UTF-8")
}

/// What gguf-py reads from `file`, as `mote inspect --json` prints it
/// (`tools/gguf-dump-json.py`); `with_data` adds each tensor's `sha256`.
pub fn gguf_py_dump(file: &Path, with_data: bool) -> Json {
    let mut args: Vec<&std::ffi::OsStr> = Vec::new();
    if with_data {
        args.push("--data".as_ref());
    }
    args.push(file.as_os_str());
    let text = python(&tool("gguf-dump-json.py"), &args);
    serde_json::from_str(&text).expect("gguf-dump-json.py prints JSON")
}

/// The `mote` binary of this build profile, built on first use (a test of
/// this crate does not get `CARGO_BIN_EXE_mote`, which only the host
/// crate's own tests have).
pub fn mote_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // The test executable lives in target/<profile>/deps/.
        let exe = std::env::current_exe().expect("current exe");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>/deps");
        let bin = profile_dir.join(format!("mote{}", std::env::consts::EXE_SUFFIX));
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--quiet", "-p", "mote-host", "--bin", "mote"]);
        cmd.current_dir(repo_root());
        let target_dir = profile_dir.parent().expect("target dir");
        cmd.arg("--target-dir").arg(target_dir);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build for the mote binary");
        assert!(status.success(), "cargo build -p mote-host failed");
        assert!(bin.exists(), "{} missing after cargo build", bin.display());
        bin
    })
}

/// Runs `mote ARGS...` and returns its output (whatever the exit status).
pub fn run_mote(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(mote_bin())
        .args(args)
        .output()
        .expect("run mote")
}

/// Asserts two JSON values are equal, naming the first path where they
/// differ. Numbers are equal when they are the same integer or the same
/// float bit pattern (so `-0.0` differs from `0.0`), however they were
/// spelled (`1e21` and `1e+21` are equal).
pub fn assert_json_eq(actual: &Json, expected: &Json) {
    if let Err(e) = json_diff(actual, expected, "$") {
        panic!("JSON differs: {e}");
    }
}

fn json_diff(a: &Json, b: &Json, path: &str) -> Result<(), String> {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            for k in y.keys() {
                if !x.contains_key(k) {
                    return Err(format!("{path}: key {k:?} missing"));
                }
            }
            for (k, v) in x {
                let w = y
                    .get(k)
                    .ok_or_else(|| format!("{path}: unexpected key {k:?}"))?;
                json_diff(v, w, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Json::Array(x), Json::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!(
                    "{path}: length {} != expected {}",
                    x.len(),
                    y.len()
                ));
            }
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                json_diff(v, w, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Json::Number(x), Json::Number(y)) => {
            let same = match (x.as_u64(), y.as_u64(), x.as_i64(), y.as_i64()) {
                (Some(p), Some(q), _, _) => p == q,
                (_, _, Some(p), Some(q)) => p == q,
                _ if x.is_f64() && y.is_f64() => {
                    x.as_f64().map(f64::to_bits) == y.as_f64().map(f64::to_bits)
                }
                _ => false,
            };
            if same {
                Ok(())
            } else {
                Err(format!("{path}: {x} != expected {y}"))
            }
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {} != expected {}", short(a), short(b))),
    }
}

fn short(v: &Json) -> String {
    let s = v.to_string();
    if s.chars().count() > 200 {
        format!("{}...", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_diff_names_the_path() {
        let a = json!({"m": {"k": [1, 2.5, "x"]}});
        assert!(json_diff(&a, &a, "$").is_ok());
        let e = json_diff(&a, &json!({"m": {"k": [1, 2.25, "x"]}}), "$").unwrap_err();
        assert!(e.starts_with("$.m.k[1]:"), "{e}");
        assert!(json_diff(&json!(-0.0), &json!(0.0), "$").is_err());
        assert!(json_diff(&json!(1), &json!(1.0), "$").is_err());
        let parsed: Json = serde_json::from_str("1e+21").unwrap();
        assert!(json_diff(&json!(1e21), &parsed, "$").is_ok());
        assert!(json_diff(&json!(u64::MAX), &json!(u64::MAX - 1), "$").is_err());
    }

    #[test]
    fn sha256_of_known_input() {
        // FIPS 180-2 test vector.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
