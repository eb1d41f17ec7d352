//! The `mote` binary's contract: help on every command, one-line errors
//! with exit code 1, `inspect` output.

use std::path::PathBuf;
use std::process::{Command, Output};

fn mote(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mote"))
        .args(args)
        .output()
        .expect("run mote")
}

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/gguf")
        .join(name);
    p.to_str().unwrap().to_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code 1 and exactly one line on stderr starting `mote: error: `.
fn assert_one_line_error(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(o));
    let e = stderr(o);
    assert_eq!(e.lines().count(), 1, "{e:?}");
    assert!(e.starts_with("mote: error: "), "{e:?}");
    e
}

#[test]
fn help_and_version() {
    let o = mote(&["--help"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("inspect"));
    let o = mote(&["inspect", "--help"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("--json"));
    let o = mote(&["--version"]);
    assert!(o.status.success());
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("mote {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_mistakes_are_one_line_errors() {
    assert_one_line_error(&mote(&["no-such-command"]));
    assert_one_line_error(&mote(&["inspect"]));
    assert_one_line_error(&mote(&["inspect", "--bogus", "x"]));
}

#[test]
fn missing_file_names_it() {
    let e = assert_one_line_error(&mote(&["inspect", "/nonexistent/model.gguf"]));
    assert!(
        e.contains("/nonexistent/model.gguf") && e.contains("No such file"),
        "{e}"
    );
}

#[test]
fn malformed_files_name_the_problem_and_offset() {
    let good = std::fs::read(fixture("values.gguf")).unwrap();
    let dir = std::env::temp_dir().join(format!("mote-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.gguf", vec![], "at byte 0"),
        ("magic.gguf", b"GGML\x03\0\0\0".to_vec(), "magic"),
        ("cut.gguf", good[..good.len() / 2].to_vec(), "at byte"),
    ];
    for (name, bytes, needle) in cases {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let e = assert_one_line_error(&mote(&["inspect", p.to_str().unwrap()]));
        assert!(e.contains(needle), "{name}: {e}");
        assert!(e.contains(name), "{name}: the file is named: {e}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn inspect_json_is_one_object_per_line() {
    let o = mote(&["inspect", "--json", &fixture("aligned.gguf")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("aligned.json")).unwrap()).unwrap();
    assert_eq!(j["metadata"], expected["metadata"]);
    assert_eq!(j["tensor_count"], 3);
    for (t, e) in j["tensors"]
        .as_array()
        .unwrap()
        .iter()
        .zip(expected["tensors"].as_array().unwrap())
    {
        for k in ["name", "type", "shape", "offset"] {
            assert_eq!(t[k], e[k]);
        }
    }
}

#[test]
fn inspect_table_shows_arrays_by_length_and_first_items() {
    let o = mote(&["inspect", &fixture("values.gguf")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("59 key/value pairs"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("test.arr.long_str"))
        .unwrap();
    assert!(
        line.contains("300") && line.contains("\"tok0\"") && line.contains("292 more"),
        "{line}"
    );
    assert!(!line.contains("tok299"), "{line}");
    let o = mote(&["inspect", &fixture("tensors.gguf")]);
    let text = String::from_utf8(o.stdout).unwrap();
    let line = text.lines().find(|l| l.ends_with("q5_1.4d")).unwrap();
    assert!(
        line.contains("Q5_1") && line.contains("32,     2,     1,     2"),
        "{line}"
    );
}
