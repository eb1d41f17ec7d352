//! `mote quantize IN OUT --type T`: rewrites a GGUF file's weights in
//! another ggml format, choosing tensors as llama-quantize does.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use mote_core::gguf::{Gguf, TensorInfo};
use mote_core::{quant, GgmlType};

use super::ThreadsArg;
use crate::gguf_writer::{GgufWriter, Value};
use crate::mmap::Mapped;

/// The target formats, as llama-quantize names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// 8-bit, one f16 scale per 32 (8.5 bits/weight).
    #[value(name = "q8_0")]
    Q8_0,
    /// 4-bit symmetric per 32 (4.5 bits/weight).
    #[value(name = "q4_0")]
    Q4_0,
    /// 4-bit with minimum per 32 (5 bits/weight).
    #[value(name = "q4_1")]
    Q4_1,
    /// 5-bit symmetric per 32 (5.5 bits/weight).
    #[value(name = "q5_0")]
    Q5_0,
    /// 5-bit with minimum per 32 (6 bits/weight).
    #[value(name = "q5_1")]
    Q5_1,
    /// 4-bit k-quant (4.5 bits/weight); rows not a multiple of 256 use Q5_0.
    #[value(name = "q4_k")]
    Q4K,
    /// 6-bit k-quant (6.56 bits/weight); rows not a multiple of 256 use Q8_0.
    #[value(name = "q6_k")]
    Q6K,
    /// IEEE half.
    #[value(name = "f16")]
    F16,
    /// bfloat16.
    #[value(name = "bf16")]
    Bf16,
    /// f32: dequantizes.
    #[value(name = "f32")]
    F32,
}

impl Target {
    /// The ggml type the bulk of the weights get.
    pub fn ggml_type(self) -> GgmlType {
        match self {
            Target::Q8_0 => GgmlType::Q8_0,
            Target::Q4_0 => GgmlType::Q4_0,
            Target::Q4_1 => GgmlType::Q4_1,
            Target::Q5_0 => GgmlType::Q5_0,
            Target::Q5_1 => GgmlType::Q5_1,
            Target::Q4K => GgmlType::Q4_K,
            Target::Q6K => GgmlType::Q6_K,
            Target::F16 => GgmlType::F16,
            Target::Bf16 => GgmlType::BF16,
            Target::F32 => GgmlType::F32,
        }
    }

    /// llama.cpp's `llama_ftype` for `general.file_type`. q4_k is written as
    /// Q4_K_S (14): every eligible tensor Q4_K, without Q4_K_M's Q6_K mix.
    pub fn file_type(self) -> u32 {
        match self {
            Target::F32 => 0,
            Target::F16 => 1,
            Target::Q4_0 => 2,
            Target::Q4_1 => 3,
            Target::Q8_0 => 7,
            Target::Q5_0 => 8,
            Target::Q5_1 => 9,
            Target::Q4K => 14,
            Target::Q6K => 18,
            Target::Bf16 => 32,
        }
    }
}

/// Quantize a GGUF model to another weight format.
///
/// Tensors are chosen as llama-quantize chooses them: only tensors of two
/// or more dimensions whose names end in `weight` are converted; norms,
/// position and token-type embeddings and MoE routers keep their type, as
/// do all 1-D tensors. The output projection (or the token embedding when
/// the model ties them) gets Q6_K for the 4- and 5-bit targets, or Q8_0
/// when its rows are not a whole number of Q6_K blocks. k-quant targets
/// fall back to Q5_0 (q4_k) or Q8_0 (q6_k) for tensors whose rows are not
/// a multiple of 256. Metadata is carried over with `general.file_type`
/// updated. Quantized inputs are refused unless --allow-requantize, since
/// quantizing twice loses more than quantizing once (dequantizing to f32
/// needs no flag).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input GGUF file.
    pub input: PathBuf,
    /// Output GGUF file.
    pub output: PathBuf,
    /// Target format.
    #[arg(long = "type", value_enum)]
    pub ty: Target,
    /// Allow converting tensors that are already quantized.
    #[arg(long)]
    pub allow_requantize: bool,
    #[command(flatten)]
    pub threads: ThreadsArg,
}

/// Whether llama-quantize would quantize this tensor at all.
pub fn eligible(t: &TensorInfo<'_>) -> bool {
    let name = t.name;
    t.n_dims >= 2
        && name.ends_with("weight")
        && !name.contains("_norm.weight")
        && !name.contains("ffn_gate_inp.weight")
        && name != "position_embd.weight"
        && name != "token_types.weight"
        && !name.contains(".position_embd")
}

/// The type a tensor gets in the output.
pub fn choose_type(t: &TensorInfo<'_>, target: Target, has_output: bool) -> GgmlType {
    if !eligible(t) {
        return t.ty;
    }
    let cols = t.dims[0];
    let fits = |ty: GgmlType| cols.is_multiple_of(ty.block_size() as u64);
    let mut ty = target.ggml_type();
    let is_output = t.name == "output.weight" || (!has_output && t.name == "token_embd.weight");
    if is_output
        && !matches!(
            ty,
            GgmlType::F32 | GgmlType::F16 | GgmlType::BF16 | GgmlType::Q8_0
        )
    {
        ty = if fits(GgmlType::Q6_K) {
            GgmlType::Q6_K
        } else {
            GgmlType::Q8_0
        };
    }
    if !fits(ty) {
        ty = match ty {
            GgmlType::Q4_K => GgmlType::Q5_0,
            GgmlType::Q6_K => GgmlType::Q8_0,
            other => other,
        };
    }
    if !fits(ty) {
        ty = GgmlType::F16;
    }
    ty
}

fn lossless_source(ty: GgmlType) -> bool {
    matches!(ty, GgmlType::F32 | GgmlType::F16 | GgmlType::BF16)
}

/// Runs `mote quantize`.
pub fn run(args: Args) -> anyhow::Result<()> {
    // Creating the output truncates it: never when it is the mapped input.
    if let (Ok(a), Ok(b)) = (args.input.canonicalize(), args.output.canonicalize()) {
        if a == b {
            bail!("{}: output is the input file", args.output.display());
        }
    }
    let map = Mapped::open(&args.input)?;
    let g = Gguf::parse(&map).with_context(|| format!("{}", args.input.display()))?;
    let has_output = g.tensor("output.weight").is_some();
    let plan: Vec<(TensorInfo<'_>, GgmlType)> = g
        .tensors()
        .map(|t| (t, choose_type(&t, args.ty, has_output)))
        .collect();
    // Dequantizing to f32 loses nothing, so only lossy targets need the flag.
    if !args.allow_requantize && args.ty != Target::F32 {
        if let Some((t, ty)) = plan
            .iter()
            .find(|(t, ty)| *ty != t.ty && !lossless_source(t.ty))
        {
            bail!(
                "{}: tensor {} is already quantized ({}); converting it to {ty} \
                 would requantize, which loses quality: pass --allow-requantize to do it anyway",
                args.input.display(),
                t.name,
                t.ty
            );
        }
    }
    for (t, ty) in &plan {
        if *ty != t.ty && !(quant::can_dequantize(t.ty) && quant::can_quantize(*ty)) {
            bail!("tensor {}: cannot convert {} to {ty}", t.name, t.ty);
        }
    }

    let mut w = GgufWriter::new();
    let mut wrote_ftype = false;
    for (key, value) in g.metadata() {
        if key == "general.file_type" {
            w.add(key, Value::U32(args.ty.file_type()))?;
            wrote_ftype = true;
        } else {
            w.add(key, Value::from_gguf(value))?;
        }
    }
    if !wrote_ftype {
        w.add("general.file_type", Value::U32(args.ty.file_type()))?;
    }
    if g.get("general.quantization_version").is_none() {
        w.add("general.quantization_version", Value::U32(2))?;
    }
    for (t, ty) in &plan {
        w.add_tensor(t.name, *ty, t.shape())?;
    }

    let total: u64 = plan.iter().map(|(t, _)| t.n_elements()).sum();
    let bar = indicatif::ProgressBar::new(total).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {percent}% {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let file = File::create(&args.output)
        .with_context(|| format!("cannot create {}", args.output.display()))?;
    let mut out = w.write_header(BufWriter::new(file))?;
    let threads = args.threads.get();
    for (t, ty) in &plan {
        bar.set_message(format!("{} -> {ty}", t.name));
        if *ty == t.ty {
            out.write_tensor(t.data)?;
        } else {
            let converted = convert(t, *ty, threads)?;
            out.write_tensor(&converted)?;
        }
        bar.inc(t.n_elements());
    }
    out.finish()?.flush()?;
    bar.finish_and_clear();
    Ok(())
}

/// One tensor dequantized to f32 and quantized to `ty`, rows split over
/// `threads` scoped threads.
fn convert(t: &TensorInfo<'_>, ty: GgmlType, threads: usize) -> anyhow::Result<Vec<u8>> {
    let cols = t.dims[0] as usize;
    let n = t.n_elements() as usize;
    let rows = n.checked_div(cols).unwrap_or(0);
    let (src_rb, dst_rb) = match (t.ty.row_bytes(cols), ty.row_bytes(cols)) {
        (Some(a), Some(b)) => (a, b),
        _ => bail!(
            "tensor {}: {cols} columns do not fit {} / {ty} blocks",
            t.name,
            t.ty
        ),
    };
    let mut dst = vec![0u8; dst_rb * rows];
    let per = rows.div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| -> anyhow::Result<()> {
        let jobs: Vec<_> = dst
            .chunks_mut(per * dst_rb)
            .zip(t.data.chunks(per * src_rb))
            .map(|(d, src)| {
                s.spawn(move || -> Result<(), quant::Error> {
                    let mut row = vec![0f32; cols];
                    for (d, s) in d.chunks_exact_mut(dst_rb).zip(src.chunks_exact(src_rb)) {
                        quant::dequantize(t.ty, s, &mut row)?;
                        quant::quantize(ty, &row, d)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for j in jobs {
            j.join()
                .map_err(|_| anyhow::anyhow!("a quantizing thread panicked"))?
                .with_context(|| format!("tensor {}", t.name))?;
        }
        Ok(())
    })?;
    Ok(dst)
}
