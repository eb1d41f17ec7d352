//! The LLaMA-family decoder: weights viewed in place in a GGUF file, a
//! memory plan, and a forward pass in the spirit of llama2.c's `run.c`.
//!
//! Per block: `x += Wo · attention(rope(Wq · rmsnorm(x)), rope(Wk · ...), Wv · ...)`
//! then `x += Wdown · (silu(Wgate · rmsnorm(x)) * (Wup · rmsnorm(x)))`;
//! finally `logits = Wout · rmsnorm(x)`. A prompt goes through as one batch
//! (every projection one mat-mul over all its tokens); a generated token as
//! a batch of one (mat-vec). Keys and values stay in an f16 cache so later
//! calls only process new tokens.
//!
//! Numerics follow llama.cpp (flash attention off): RMSNorm sums in f64,
//! RoPE angles by ggml's recurrence, activations quantized per block for the
//! integer dot products, keys/values rounded to f16, and the query and the
//! attention weights rounded to f16 before their dot products with them, as
//! ggml's f16 mat-mul converts its f32 operand.

use core::fmt::Write as _;

use super::kv_cache::KvCache;
use super::llama_config::LlamaConfig;
use super::llama_error::{LlamaError, WeightName};
use crate::arena::{bytes_for, Arena, ARENA_ALIGN};
use crate::exec::Executor;
use crate::gguf::Gguf;
use crate::kernels::{self, QMatrix};
use crate::ops::{rmsnorm_into, softmax, swiglu, Rope};
use crate::{quant, GgmlType};

/// Most transformer blocks a model may have (layer views live inline in
/// [`Llama`], so no heap is needed).
pub const MAX_LAYERS: usize = 96;

/// One transformer block's weights.
#[derive(Clone, Copy, Debug)]
pub struct LlamaLayer<'a> {
    /// (n_embd) attention RMSNorm gain.
    pub attn_norm: &'a [f32],
    /// (q_dim, n_embd) query projection.
    pub wq: QMatrix<'a>,
    /// (kv_dim, n_embd) key projection.
    pub wk: QMatrix<'a>,
    /// (kv_dim, n_embd) value projection.
    pub wv: QMatrix<'a>,
    /// (n_embd, q_dim) attention output projection.
    pub wo: QMatrix<'a>,
    /// (n_embd) feed-forward RMSNorm gain.
    pub ffn_norm: &'a [f32],
    /// (n_ff, n_embd) gate projection (through SiLU).
    pub w_gate: QMatrix<'a>,
    /// (n_ff, n_embd) up projection.
    pub w_up: QMatrix<'a>,
    /// (n_embd, n_ff) down projection.
    pub w_down: QMatrix<'a>,
}

const EMPTY_MATRIX: QMatrix<'static> = QMatrix {
    ty: GgmlType::F32,
    rows: 0,
    cols: 0,
    data: &[],
};

const EMPTY_LAYER: LlamaLayer<'static> = LlamaLayer {
    attn_norm: &[],
    wq: EMPTY_MATRIX,
    wk: EMPTY_MATRIX,
    wv: EMPTY_MATRIX,
    wo: EMPTY_MATRIX,
    ffn_norm: &[],
    w_gate: EMPTY_MATRIX,
    w_up: EMPTY_MATRIX,
    w_down: EMPTY_MATRIX,
};

/// A LLaMA model: config plus weight views into the mapped file.
pub struct Llama<'a> {
    /// Hyperparameters.
    pub config: LlamaConfig,
    /// (n_vocab, n_embd) token embeddings, any dequantizable type.
    pub token_embd: QMatrix<'a>,
    /// (n_embd) final RMSNorm gain.
    pub output_norm: &'a [f32],
    /// (n_vocab, n_embd) output head; the embedding table when tied.
    pub output: QMatrix<'a>,
    /// Blocks; the first `config.n_layer` are real.
    layers: [LlamaLayer<'a>; MAX_LAYERS],
    rope: Rope,
}

/// How much memory inference needs, for a context and a batch size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Plan {
    /// Positions the KV cache holds.
    pub max_ctx: usize,
    /// Most tokens one forward call takes.
    pub max_batch: usize,
    /// Bytes of the KV cache.
    pub kv_bytes: usize,
    /// Bytes of activations and scratch.
    pub scratch_bytes: usize,
    /// Everything: the size of the buffer [`Llama::new_state`] needs
    /// (includes slack to align an unaligned buffer).
    pub arena_bytes: usize,
}

/// Inference state: the KV cache and every activation buffer, carved once
/// from the caller's arena.
pub struct LlamaState<'m> {
    plan: Plan,
    /// Shape the buffers were sized for (checked against the model).
    dims: [usize; 6],
    /// Tokens in the KV cache.
    pos: usize,
    kv: KvCache<'m>,
    /// (max_batch, n_embd) residual stream.
    x: &'m mut [f32],
    /// (max_batch, n_embd) normalized input of a sublayer.
    xb: &'m mut [f32],
    /// (max_batch, n_embd) output of a sublayer.
    xb2: &'m mut [f32],
    /// (max_batch, q_dim) queries.
    q: &'m mut [f32],
    /// (max_batch, kv_dim) keys of the new tokens.
    k: &'m mut [f32],
    /// (max_batch, kv_dim) values of the new tokens.
    v: &'m mut [f32],
    /// (max_batch, q_dim) attention output, heads side by side.
    att: &'m mut [f32],
    /// (max_batch, n_ff) gate projection, then the SwiGLU product.
    hb: &'m mut [f32],
    /// (max_batch, n_ff) up projection.
    hb2: &'m mut [f32],
    /// (max_batch, n_rot) RoPE (cos, sin) pairs for each new position.
    rope_cs: &'m mut [f32],
    /// (max_ctx, kv_dim) one layer's cached keys as f32.
    kf: &'m mut [f32],
    /// (max_ctx, kv_dim) one layer's cached values as f32.
    vf: &'m mut [f32],
    /// (max_ctx) one head's attention scores, then weights.
    scores: &'m mut [f32],
    /// Activations quantized for the integer mat-muls.
    mm_scratch: &'m mut [u8],
}

impl LlamaState<'_> {
    /// Tokens in the KV cache (the position of the next token).
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The plan the state was built from.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Forgets every cached token.
    pub fn reset(&mut self) {
        self.pos = 0;
    }

    /// Forgets cached tokens from `pos` on (no effect if `pos` is past the end).
    pub fn truncate(&mut self, pos: usize) {
        self.pos = self.pos.min(pos);
    }
}

impl<'a> Llama<'a> {
    /// Reads the config and views every weight of a `llama` GGUF file,
    /// checking names, shapes and types.
    pub fn load(g: &Gguf<'a>) -> Result<Self, LlamaError> {
        let c = LlamaConfig::from_gguf(g)?;
        if c.n_layer > MAX_LAYERS {
            return Err(LlamaError::TooManyLayers { n_layer: c.n_layer });
        }
        let (d, qd, kvd, ff) = (c.n_embd, c.q_dim(), c.kv_dim(), c.n_ff);
        let token_embd = matrix(g, None, "token_embd", c.n_vocab, d)?;
        // The embedding is looked up by dequantizing rows.
        if !quant_supported(token_embd.ty) {
            return Err(LlamaError::TensorType {
                name: WeightName {
                    layer: None,
                    role: "token_embd",
                },
                ty: token_embd.ty,
            });
        }
        let output_norm = vector(g, None, "output_norm", d)?;
        let output = match find(g, None, "output") {
            Some(_) => matrix(g, None, "output", c.n_vocab, d)?,
            None => token_embd,
        };
        check_matmul(&output, None, "output")?;
        let mut layers = [EMPTY_LAYER; MAX_LAYERS];
        for (i, slot) in layers.iter_mut().take(c.n_layer).enumerate() {
            let l = Some(i as u32);
            *slot = LlamaLayer {
                attn_norm: vector(g, l, "attn_norm", d)?,
                wq: matrix(g, l, "attn_q", qd, d)?,
                wk: matrix(g, l, "attn_k", kvd, d)?,
                wv: matrix(g, l, "attn_v", kvd, d)?,
                wo: matrix(g, l, "attn_output", d, qd)?,
                ffn_norm: vector(g, l, "ffn_norm", d)?,
                w_gate: matrix(g, l, "ffn_gate", ff, d)?,
                w_up: matrix(g, l, "ffn_up", ff, d)?,
                w_down: matrix(g, l, "ffn_down", d, ff)?,
            };
        }
        Ok(Llama {
            rope: Rope::new(c.n_rot, c.rope_base, c.rope_layout),
            config: c,
            token_embd,
            output_norm,
            output,
            layers,
        })
    }

    /// The real blocks.
    pub fn layers(&self) -> &[LlamaLayer<'a>] {
        self.layers.get(..self.config.n_layer).unwrap_or(&[])
    }

    /// Exactly how many bytes a state for `max_ctx` positions and batches
    /// of up to `max_batch` tokens takes.
    pub fn plan(&self, max_ctx: usize, max_batch: usize) -> Result<Plan, LlamaError> {
        let c = &self.config;
        if max_ctx == 0 {
            return Err(LlamaError::BadConfig {
                key: "context size",
                value: 0,
            });
        }
        if max_batch == 0 {
            return Err(LlamaError::BadConfig {
                key: "batch size",
                value: 0,
            });
        }
        let f = |rows: usize, width: usize| {
            rows.checked_mul(width)
                .and_then(bytes_for::<f32>)
                .ok_or(LlamaError::Overflow)
        };
        let kv_bytes =
            KvCache::bytes(c.n_layer, max_ctx, c.kv_dim()).ok_or(LlamaError::Overflow)?;
        let b = max_batch;
        let parts = [
            f(b, c.n_embd)?,         // x
            f(b, c.n_embd)?,         // xb
            f(b, c.n_embd)?,         // xb2
            f(b, c.q_dim())?,        // q
            f(b, c.kv_dim())?,       // k
            f(b, c.kv_dim())?,       // v
            f(b, c.q_dim())?,        // att
            f(b, c.n_ff)?,           // hb
            f(b, c.n_ff)?,           // hb2
            f(b, c.n_rot)?,          // rope_cs
            f(max_ctx, c.kv_dim())?, // kf
            f(max_ctx, c.kv_dim())?, // vf
            f(max_ctx, 1)?,          // scores
            bytes_for::<u8>(self.matmul_scratch_bytes(b)).ok_or(LlamaError::Overflow)?,
        ];
        let scratch_bytes = parts
            .iter()
            .try_fold(0usize, |a, &p| a.checked_add(p))
            .ok_or(LlamaError::Overflow)?;
        let arena_bytes = kv_bytes
            .checked_add(scratch_bytes)
            .and_then(|s| s.checked_add(ARENA_ALIGN))
            .ok_or(LlamaError::Overflow)?;
        Ok(Plan {
            max_ctx,
            max_batch,
            kv_bytes,
            scratch_bytes,
            arena_bytes,
        })
    }

    /// The largest activation scratch any mat-mul needs for `n` rows.
    fn matmul_scratch_bytes(&self, n: usize) -> usize {
        let mut need = kernels::activation_scratch_bytes(self.output.ty, n, self.output.cols);
        for l in self.layers() {
            for w in [&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down] {
                need = need.max(kernels::activation_scratch_bytes(w.ty, n, w.cols));
            }
        }
        need
    }

    /// Builds an empty state for `plan` in `buf` (at least
    /// `plan.arena_bytes` long).
    pub fn new_state<'m>(
        &self,
        plan: &Plan,
        buf: &'m mut [u8],
    ) -> Result<LlamaState<'m>, LlamaError> {
        let c = &self.config;
        let mut a = Arena::new(buf);
        let b = plan.max_batch;
        let n = |rows: usize, w: usize| rows.checked_mul(w).ok_or(LlamaError::Overflow);
        Ok(LlamaState {
            plan: *plan,
            dims: self.dims(),
            pos: 0,
            kv: KvCache::new(&mut a, c.n_layer, plan.max_ctx, c.kv_dim())?,
            x: a.take(n(b, c.n_embd)?)?,
            xb: a.take(n(b, c.n_embd)?)?,
            xb2: a.take(n(b, c.n_embd)?)?,
            q: a.take(n(b, c.q_dim())?)?,
            k: a.take(n(b, c.kv_dim())?)?,
            v: a.take(n(b, c.kv_dim())?)?,
            att: a.take(n(b, c.q_dim())?)?,
            hb: a.take(n(b, c.n_ff)?)?,
            hb2: a.take(n(b, c.n_ff)?)?,
            rope_cs: a.take(n(b, c.n_rot)?)?,
            kf: a.take(n(plan.max_ctx, c.kv_dim())?)?,
            vf: a.take(n(plan.max_ctx, c.kv_dim())?)?,
            scores: a.take(plan.max_ctx)?,
            mm_scratch: a.take(self.matmul_scratch_bytes(b))?,
        })
    }

    fn dims(&self) -> [usize; 6] {
        let c = &self.config;
        [c.n_layer, c.n_embd, c.q_dim(), c.kv_dim(), c.n_ff, c.n_rot]
    }

    /// Runs `tokens` (positions `st.pos()..`) through the model, appends
    /// their keys and values to the cache, and writes logits: for the last
    /// token if `logits` holds `n_vocab` floats, for every token if it holds
    /// `tokens.len() * n_vocab` (row-major).
    pub fn forward(
        &self,
        st: &mut LlamaState<'_>,
        tokens: &[u32],
        logits: &mut [f32],
        exec: &dyn Executor,
    ) -> Result<(), LlamaError> {
        let c = &self.config;
        let n = tokens.len();
        let (dim, qd, kvd, ff, hd) = (c.n_embd, c.q_dim(), c.kv_dim(), c.n_ff, c.head_dim);
        let (pos0, max_ctx) = (st.pos, st.plan.max_ctx);
        if st.dims != self.dims() {
            return Err(LlamaError::StateMismatch);
        }
        if n == 0 {
            return Err(LlamaError::EmptyBatch);
        }
        if n > st.plan.max_batch {
            return Err(LlamaError::BatchTooLarge {
                n_tokens: n,
                max_batch: st.plan.max_batch,
            });
        }
        if pos0.checked_add(n).is_none_or(|end| end > max_ctx) {
            return Err(LlamaError::ContextFull {
                pos: pos0,
                n_tokens: n,
                max_ctx,
            });
        }
        let all_rows = if logits.len() == c.n_vocab {
            false
        } else if Some(logits.len()) == n.checked_mul(c.n_vocab) {
            true
        } else {
            return Err(LlamaError::LogitsLen {
                got: logits.len(),
                n_vocab: c.n_vocab,
                n_tokens: n,
            });
        };

        // Views of the state sized for this batch.
        let x = rows(st.x, n, dim)?; // (n, dim)
        let xb = rows(st.xb, n, dim)?; // (n, dim)
        let xb2 = rows(st.xb2, n, dim)?; // (n, dim)
        let q = rows(st.q, n, qd)?; // (n, q_dim)
        let k = rows(st.k, n, kvd)?; // (n, kv_dim)
        let v = rows(st.v, n, kvd)?; // (n, kv_dim)
        let att = rows(st.att, n, qd)?; // (n, q_dim)
        let hb = rows(st.hb, n, ff)?; // (n, n_ff)
        let hb2 = rows(st.hb2, n, ff)?; // (n, n_ff)
        let rope_cs = rows(st.rope_cs, n, c.n_rot)?; // (n, n_rot)
        let mm = &mut *st.mm_scratch;

        // Token embeddings: dequantize one row of the table per token.
        for (&tok, xr) in tokens.iter().zip(x.chunks_exact_mut(dim)) {
            let row = self
                .token_embd
                .row(tok as usize)
                .ok_or(LlamaError::TokenOutOfRange {
                    token: tok,
                    n_vocab: c.n_vocab,
                })?;
            quant::dequantize(self.token_embd.ty, row, xr)?;
        }
        // RoPE angles of the new positions, shared by every layer.
        if c.n_rot > 0 {
            for (i, cs) in rope_cs.chunks_exact_mut(c.n_rot).enumerate() {
                self.rope.cos_sin(pos0 + i, cs);
            }
        }

        for (l, w) in self.layers().iter().enumerate() {
            // Attention: project, rotate, cache, attend, project back.
            for (o, xr) in xb.chunks_exact_mut(dim).zip(x.chunks_exact(dim)) {
                rmsnorm_into(o, xr, w.attn_norm, c.rms_eps);
            }
            kernels::matmul(&w.wq, xb, q, mm, exec)?;
            kernels::matmul(&w.wk, xb, k, mm, exec)?;
            kernels::matmul(&w.wv, xb, v, mm, exec)?;
            for ((qr, kr), cs) in q
                .chunks_exact_mut(qd)
                .zip(k.chunks_exact_mut(kvd))
                .zip(rope_cs.chunks_exact(c.n_rot.max(1)))
            {
                for head in qr.chunks_exact_mut(hd) {
                    self.rope.apply(head, cs);
                }
                for head in kr.chunks_exact_mut(hd) {
                    self.rope.apply(head, cs);
                }
            }
            st.kv.store(l, pos0, k, v);
            st.kv.load(l, pos0 + n, st.kf, st.vf);
            self.attention(q, att, st.kf, st.vf, st.scores, pos0);
            // Past the last attention, rows whose logits are not wanted
            // no longer matter (every later op is row by row): skip them,
            // as llama.cpp does with its output ids.
            let r0 = if l + 1 == c.n_layer && !all_rows {
                n - 1
            } else {
                0
            };
            let att = att.get(r0 * qd..).ok_or(LlamaError::StateMismatch)?; // (n - r0, q_dim)
            let x = x.get_mut(r0 * dim..).ok_or(LlamaError::StateMismatch)?; // (n - r0, dim)
            let xb = xb.get_mut(r0 * dim..).ok_or(LlamaError::StateMismatch)?;
            let xb2 = xb2.get_mut(r0 * dim..).ok_or(LlamaError::StateMismatch)?;
            let hb = hb.get_mut(r0 * ff..).ok_or(LlamaError::StateMismatch)?; // (n - r0, n_ff)
            let hb2 = hb2.get_mut(r0 * ff..).ok_or(LlamaError::StateMismatch)?;
            kernels::matmul(&w.wo, att, xb2, mm, exec)?;
            add(x, xb2);

            // Feed-forward: SwiGLU.
            for (o, xr) in xb.chunks_exact_mut(dim).zip(x.chunks_exact(dim)) {
                rmsnorm_into(o, xr, w.ffn_norm, c.rms_eps);
            }
            kernels::matmul(&w.w_gate, xb, hb, mm, exec)?;
            kernels::matmul(&w.w_up, xb, hb2, mm, exec)?;
            swiglu(hb, hb2);
            kernels::matmul(&w.w_down, hb, xb2, mm, exec)?;
            add(x, xb2);
        }
        st.pos = pos0 + n;

        // Output head over the rows asked for.
        let first = if all_rows { 0 } else { n - 1 };
        let x_out = x.get(first * dim..).ok_or(LlamaError::StateMismatch)?;
        let xb_out = xb.get_mut(first * dim..).ok_or(LlamaError::StateMismatch)?;
        for (o, xr) in xb_out.chunks_exact_mut(dim).zip(x_out.chunks_exact(dim)) {
            rmsnorm_into(o, xr, self.output_norm, c.rms_eps);
        }
        kernels::matmul(&self.output, xb_out, logits, mm, exec)?;
        Ok(())
    }

    /// Causal grouped-query attention of the batch's queries `q`
    /// (n, q_dim) over the cached keys `kf` and values `vf`
    /// (pos0 + n, kv_dim), into `att` (n, q_dim). Query `i` sits at
    /// position `pos0 + i` and sees positions `0..=pos0 + i`.
    fn attention(
        &self,
        q: &mut [f32],
        att: &mut [f32],
        kf: &[f32],
        vf: &[f32],
        scores: &mut [f32],
        pos0: usize,
    ) {
        let c = &self.config;
        let (hd, kvd) = (c.head_dim, c.kv_dim());
        let group = c.n_head / c.n_head_kv;
        let scale = 1.0 / libm::sqrtf(hd as f32);
        for (i, (qr, ar)) in q
            .chunks_exact_mut(c.q_dim())
            .zip(att.chunks_exact_mut(c.q_dim()))
            .enumerate()
        {
            let n_pos = pos0 + i + 1;
            let Some(sc) = scores.get_mut(..n_pos) else {
                return;
            };
            for (h, (qh, out)) in qr
                .chunks_exact_mut(hd)
                .zip(ar.chunks_exact_mut(hd))
                .enumerate()
            {
                let off = (h / group) * hd;
                round_f16(qh);
                for (s, kt) in sc.iter_mut().zip(kf.chunks_exact(kvd)) {
                    let kh = kt.get(off..off + hd).unwrap_or(&[]);
                    *s = dot(qh, kh) * scale;
                }
                softmax(sc);
                round_f16(sc);
                out.fill(0.0);
                for (&p, vt) in sc.iter().zip(vf.chunks_exact(kvd)) {
                    let vh = vt.get(off..off + hd).unwrap_or(&[]);
                    for (o, &vv) in out.iter_mut().zip(vh) {
                        *o += p * vv;
                    }
                }
            }
        }
    }
}

/// The first `n` rows of width `w` of a state buffer.
fn rows(buf: &mut [f32], n: usize, w: usize) -> Result<&mut [f32], LlamaError> {
    let len = n.checked_mul(w).ok_or(LlamaError::Overflow)?;
    buf.get_mut(..len).ok_or(LlamaError::StateMismatch)
}

/// `x += y`, element-wise.
fn add(x: &mut [f32], y: &[f32]) {
    for (a, &b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

/// Dot product with four independent sums (lets the compiler vectorize).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ac.zip(bc) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Rounds values to the nearest f16, as ggml does to the f32 operand of an
/// f16 mat-mul.
fn round_f16(x: &mut [f32]) {
    for v in x.iter_mut() {
        *v = half::f16::from_f32(*v).to_f32();
    }
}

fn quant_supported(ty: GgmlType) -> bool {
    use GgmlType::*;
    matches!(
        ty,
        F32 | F16 | BF16 | Q8_0 | Q4_0 | Q4_1 | Q5_0 | Q5_1 | Q4_K | Q6_K
    )
}

/// A tensor name, formatted on the stack (`blk.12.ffn_down.weight`).
struct NameBuf {
    buf: [u8; 64],
    len: usize,
}

impl core::fmt::Write for NameBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(core::fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn find<'a>(
    g: &Gguf<'a>,
    layer: Option<u32>,
    role: &'static str,
) -> Option<crate::gguf::TensorInfo<'a>> {
    let mut name = NameBuf {
        buf: [0; 64],
        len: 0,
    };
    write!(name, "{}", WeightName { layer, role }).ok()?;
    let s = core::str::from_utf8(name.buf.get(..name.len)?).ok()?;
    g.tensor(s)
}

/// A 2-D weight of `rows × cols` (GGUF `[cols, rows]`) with a mat-mul kernel.
fn matrix<'a>(
    g: &Gguf<'a>,
    layer: Option<u32>,
    role: &'static str,
    rows: usize,
    cols: usize,
) -> Result<QMatrix<'a>, LlamaError> {
    let name = WeightName { layer, role };
    let t = find(g, layer, role).ok_or(LlamaError::MissingTensor(name))?;
    if t.dims != [cols as u64, rows as u64, 1, 1] {
        return Err(LlamaError::TensorShape {
            name,
            expected: [cols as u64, rows as u64],
            found: t.dims,
        });
    }
    let m = QMatrix {
        ty: t.ty,
        rows,
        cols,
        data: t.data,
    };
    check_matmul(&m, layer, role)?;
    Ok(m)
}

fn check_matmul(m: &QMatrix<'_>, layer: Option<u32>, role: &'static str) -> Result<(), LlamaError> {
    let ok = kernels::activation_type(m.ty).is_some()
        && m.ty.row_bytes(m.cols).and_then(|rb| rb.checked_mul(m.rows)) == Some(m.data.len());
    if ok {
        Ok(())
    } else {
        Err(LlamaError::TensorType {
            name: WeightName { layer, role },
            ty: m.ty,
        })
    }
}

/// An F32 vector of `n` values.
fn vector<'a>(
    g: &Gguf<'a>,
    layer: Option<u32>,
    role: &'static str,
    n: usize,
) -> Result<&'a [f32], LlamaError> {
    let name = WeightName { layer, role };
    let t = find(g, layer, role).ok_or(LlamaError::MissingTensor(name))?;
    if t.dims != [n as u64, 1, 1, 1] {
        return Err(LlamaError::TensorShape {
            name,
            expected: [n as u64, 1],
            found: t.dims,
        });
    }
    if t.ty != GgmlType::F32 {
        return Err(LlamaError::TensorType { name, ty: t.ty });
    }
    bytemuck::try_cast_slice(t.data).map_err(|_| LlamaError::Misaligned(name))
}
