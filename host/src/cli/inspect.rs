//! `mote inspect FILE [--json]`: a GGUF file's header, metadata and tensor table.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use mote_core::gguf::{Array, Gguf, Value};
use serde_json::{json, Map, Value as Json};

use crate::mmap::Mapped;

/// Show a GGUF file's metadata and tensor table.
///
/// Without --json: a table like llama.cpp's gguf-dump (arrays shown by
/// length and first items). With --json: one object
/// {"version", "tensor_count", "metadata": {key: value},
/// "tensors": [{"name", "type", "shape", "offset"}]}, values in their natural
/// JSON types (nested arrays nested, 64-bit integers exact, floats exactly
/// as stored; the non-finite floats JSON lacks as "nan", "inf", "-inf"),
/// shapes in GGUF order (ne[0] first) and offsets from the data section.
/// A malformed file is an error naming the problem and its byte offset.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The GGUF file.
    pub file: PathBuf,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `mote inspect`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let map = Mapped::open(&args.file)?;
    let g = Gguf::parse(&map).with_context(|| format!("{}", args.file.display()))?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", to_json(&g))?;
    } else {
        write_table(&mut out, &args.file, &g)?;
    }
    out.flush()?;
    Ok(())
}

/// The `--json` object for a parsed file.
pub fn to_json(g: &Gguf<'_>) -> Json {
    let mut metadata = Map::new();
    for (key, value) in g.metadata() {
        metadata.insert(key.to_owned(), value_json(value));
    }
    let tensors: Vec<Json> = g
        .tensors()
        .map(|t| {
            json!({
                "name": t.name,
                "type": t.ty.name(),
                "shape": t.shape(),
                "offset": t.offset,
            })
        })
        .collect();
    json!({
        "version": g.version(),
        "tensor_count": g.tensor_count(),
        "metadata": metadata,
        "tensors": tensors,
    })
}

/// A metadata value in its natural JSON type.
pub fn value_json(v: Value<'_>) -> Json {
    match v {
        Value::U8(x) => x.into(),
        Value::I8(x) => x.into(),
        Value::U16(x) => x.into(),
        Value::I16(x) => x.into(),
        Value::U32(x) => x.into(),
        Value::I32(x) => x.into(),
        Value::U64(x) => x.into(),
        Value::I64(x) => x.into(),
        // f32 -> f64 is exact, so the printed number is the stored f32.
        Value::F32(x) => float_json(f64::from(x)),
        Value::F64(x) => float_json(x),
        Value::Bool(x) => x.into(),
        Value::Str(s) => s.into(),
        Value::Array(a) => Json::Array(a.iter().map(value_json).collect()),
    }
}

fn float_json(x: f64) -> Json {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        x.into()
    }
}

/// Items of an array shown before "...".
const SHOWN_ITEMS: usize = 8;
/// Characters of a string shown before "...".
const SHOWN_CHARS: usize = 60;

fn write_table(out: &mut impl Write, path: &std::path::Path, g: &Gguf<'_>) -> std::io::Result<()> {
    writeln!(out, "{}", path.display())?;
    writeln!(
        out,
        "GGUF v{}, {} key/value pairs, {} tensors, alignment {}, data section at byte {}",
        g.version(),
        g.metadata_count(),
        g.tensor_count(),
        g.alignment(),
        g.data_offset()
    )?;
    writeln!(out, "\n* {} key/value pair(s)", g.metadata_count())?;
    for (i, (key, value)) in g.metadata().enumerate() {
        let (ty, n) = match &value {
            Value::Array(a) => (format!("[{}]", a.elem_type()), a.len()),
            other => (other.value_type().to_string(), 1),
        };
        writeln!(
            out,
            "{:>7}: {ty:<8} | {n:>8} | {key} = {}",
            i + 1,
            show_value(&value)
        )?;
    }
    writeln!(out, "\n* {} tensor(s)", g.tensor_count())?;
    let mut total_elems = 0u64;
    let mut total_bytes = 0u64;
    for (i, t) in g.tensors().enumerate() {
        let dims: Vec<String> = t.shape().iter().map(|d| format!("{d:>5}")).collect();
        writeln!(
            out,
            "{:>7}: {:>10} | {:<26} | {:<7} | {:>10} | {}",
            i + 1,
            t.n_elements(),
            dims.join(", "),
            t.ty.name(),
            t.offset,
            t.name
        )?;
        total_elems = total_elems.saturating_add(t.n_elements());
        total_bytes = total_bytes.saturating_add(t.data.len() as u64);
    }
    writeln!(
        out,
        "\n{total_elems} elements, {total_bytes} bytes of tensor data"
    )
}

fn show_value(v: &Value<'_>) -> String {
    match v {
        Value::Str(s) => show_str(s),
        Value::Array(a) => show_array(a),
        // Debug switches to exponents for very large and small numbers.
        Value::F32(x) => format!("{x:?}"),
        Value::F64(x) => format!("{x:?}"),
        other => value_json(*other).to_string(),
    }
}

fn show_str(s: &str) -> String {
    let mut shown: String = s.chars().take(SHOWN_CHARS).collect();
    if shown.len() < s.len() {
        shown.push_str("...");
    }
    format!("{shown:?}")
}

fn show_array(a: &Array<'_>) -> String {
    let items: Vec<String> = a.iter().take(SHOWN_ITEMS).map(|v| show_value(&v)).collect();
    let more = a.len().saturating_sub(SHOWN_ITEMS);
    if more > 0 {
        format!("[{}, ... {more} more]", items.join(", "))
    } else {
        format!("[{}]", items.join(", "))
    }
}
