//! BERT: encoder, sentence pooling and classification heads.
//!
//! One forward pass runs every sentence of a batch at once: their tokens are
//! packed one after another (no padding rows), every weight matrix is one
//! `kernels::matmul` over all tokens, and attention stays inside each
//! sentence, which is exactly what a padding mask does, without computing
//! the padded rows. Sections, as in llama2.c: weights, plan, forward,
//! pooling and heads.
//!
//! Weights are viewed in place in the GGUF file under llama.cpp's names
//! (`token_embd.weight`, `blk.N.attn_q.weight`, ...; biases optional as
//! llama.cpp treats them). Heads, when present:
//! - `mote.classifier.{weight,bias}` + `mote.classifier.output_labels`: a
//!   linear layer over the pooled, L2-normalized embedding, then softmax
//!   (a scikit-learn LogisticRegression over sentence-transformers
//!   embeddings; written by `mote convert --head`);
//! - `cls.{weight,bias}` (pooler: dense + tanh over `[CLS]`) and
//!   `cls.output.{weight,bias}` + `bert.classifier.output_labels`: Hugging
//!   Face `BertForSequenceClassification`, as llama.cpp's rank pooling runs it.

use core::fmt::{self, Write as _};

use super::bert_config::{BertConfig, ConfigError, Pooling, MAX_LAYERS};
use crate::arena::{bytes_for, Arena, ArenaFull, ARENA_ALIGN};
use crate::exec::Executor;
use crate::gguf::{Array, Gguf, KeyName, ValueType};
use crate::kernels::{self, QMatrix};
use crate::{ops, quant, GgmlType};

/// Why a BERT model could not be loaded or run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// The hyperparameters are missing or invalid.
    Config(ConfigError),
    /// A required tensor is not in the file.
    MissingTensor {
        /// Its name.
        name: KeyName,
    },
    /// A tensor's shape does not match the hyperparameters.
    WrongShape {
        /// Its name.
        name: KeyName,
        /// Expected GGUF shape (ne\[0\] first; 1 for an unused dimension).
        expected: [u64; 2],
        /// The shape found (first two dimensions).
        found: [u64; 2],
    },
    /// A tensor is stored in a type mote cannot use there.
    UnsupportedType {
        /// Its name.
        name: KeyName,
        /// The type.
        ty: GgmlType,
    },
    /// An F32 tensor's data is not 4-byte aligned in memory.
    Misaligned {
        /// Its name.
        name: KeyName,
    },
    /// The label list does not have one name per head row.
    LabelCount {
        /// Names in the file.
        labels: usize,
        /// Rows of the head.
        rows: usize,
    },
    /// The scratch buffer is smaller than the plan for this input.
    Arena(ArenaFull),
    /// A mat-mul failed (sizes, unsupported type).
    Kernel(kernels::Error),
    /// Decoding an embedding row failed.
    Quant(quant::Error),
    /// Sentence `index` has no tokens.
    EmptySentence {
        /// Position in the batch.
        index: usize,
    },
    /// Sentence `index` is longer than the position table.
    SentenceTooLong {
        /// Position in the batch.
        index: usize,
        /// Its tokens.
        len: usize,
        /// The limit (`bert.context_length`).
        max: usize,
    },
    /// A token id is not in the vocabulary.
    TokenOutOfRange {
        /// The id.
        token: u32,
        /// Vocabulary size.
        n_vocab: usize,
    },
    /// The output buffer has the wrong length.
    OutputSize {
        /// Values needed.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// `classify` on a model without a classification head.
    NoClassifier,
    /// A size computation overflowed.
    TooLarge,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(e) => write!(f, "{e}"),
            Error::MissingTensor { name } => write!(f, "tensor {name} is missing"),
            Error::WrongShape {
                name,
                expected,
                found,
            } => write!(
                f,
                "tensor {name} has shape {found:?}, expected {expected:?}"
            ),
            Error::UnsupportedType { name, ty } => {
                write!(f, "tensor {name} is {ty}, which mote cannot use there")
            }
            Error::Misaligned { name } => write!(f, "tensor {name} is not 4-byte aligned"),
            Error::LabelCount { labels, rows } => {
                write!(f, "{labels} labels for a head of {rows} rows")
            }
            Error::Arena(e) => write!(f, "scratch: {e}"),
            Error::Kernel(e) => write!(f, "matmul: {e}"),
            Error::Quant(e) => write!(f, "embedding row: {e}"),
            Error::EmptySentence { index } => write!(f, "sentence {index} has no tokens"),
            Error::SentenceTooLong { index, len, max } => {
                write!(
                    f,
                    "sentence {index} has {len} tokens; the model takes at most {max}"
                )
            }
            Error::TokenOutOfRange { token, n_vocab } => {
                write!(
                    f,
                    "token id {token} is not below the vocabulary size {n_vocab}"
                )
            }
            Error::OutputSize { expected, got } => {
                write!(f, "output buffer holds {got} values, {expected} needed")
            }
            Error::NoClassifier => write!(f, "the model has no classification head"),
            Error::TooLarge => write!(f, "sizes overflow"),
        }
    }
}

impl core::error::Error for Error {}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}
impl From<crate::gguf::Error> for Error {
    fn from(e: crate::gguf::Error) -> Self {
        Error::Config(ConfigError::Gguf(e))
    }
}
impl From<ArenaFull> for Error {
    fn from(e: ArenaFull) -> Self {
        Error::Arena(e)
    }
}
impl From<kernels::Error> for Error {
    fn from(e: kernels::Error) -> Self {
        Error::Kernel(e)
    }
}
impl From<quant::Error> for Error {
    fn from(e: quant::Error) -> Self {
        Error::Quant(e)
    }
}

// ---------------------------------------------------------------- weights

/// A tensor name built on the stack (`blk.11.attn_output_norm.weight`).
struct Name {
    buf: [u8; 64],
    len: usize,
}

impl fmt::Write for Name {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl Name {
    fn new(args: fmt::Arguments<'_>) -> Self {
        let mut n = Name {
            buf: [0; 64],
            len: 0,
        };
        // Every name mote builds fits in 64 bytes; a failed write leaves a
        // truncated name, which then is simply not found.
        let _ = n.write_fmt(args);
        n
    }
    fn as_str(&self) -> &str {
        self.buf
            .get(..self.len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

/// Shape of a tensor as `[ne0, ne1]` (1 for a missing second dimension).
fn shape2(dims: &[u64]) -> [u64; 2] {
    [
        dims.first().copied().unwrap_or(1),
        dims.get(1).copied().unwrap_or(1),
    ]
}

/// An F32 vector of `n` values, or `None` when absent.
fn vector<'a>(g: &Gguf<'a>, name: &str, n: usize) -> Result<Option<&'a [f32]>, Error> {
    let Some(t) = g.tensor(name) else {
        return Ok(None);
    };
    let key = KeyName::new(name);
    if t.ty != GgmlType::F32 {
        return Err(Error::UnsupportedType {
            name: key,
            ty: t.ty,
        });
    }
    if t.n_dims > 2 || shape2(t.shape()) != [n as u64, 1] {
        return Err(Error::WrongShape {
            name: key,
            expected: [n as u64, 1],
            found: shape2(t.shape()),
        });
    }
    bytemuck::try_cast_slice(t.data)
        .map(Some)
        .map_err(|_| Error::Misaligned { name: key })
}

/// A required F32 vector.
fn required_vector<'a>(g: &Gguf<'a>, name: &str, n: usize) -> Result<&'a [f32], Error> {
    vector(g, name, n)?.ok_or(Error::MissingTensor {
        name: KeyName::new(name),
    })
}

/// A `rows × cols` weight matrix (GGUF shape `[cols, rows]`), or `None`.
/// `rows == 0` accepts any row count.
fn matrix<'a>(
    g: &Gguf<'a>,
    name: &str,
    cols: usize,
    rows: usize,
) -> Result<Option<QMatrix<'a>>, Error> {
    let Some(t) = g.tensor(name) else {
        return Ok(None);
    };
    let key = KeyName::new(name);
    let found = shape2(t.shape());
    let rows = if rows == 0 { found[1] as usize } else { rows };
    if t.n_dims != 2 || found != [cols as u64, rows as u64] {
        return Err(Error::WrongShape {
            name: key,
            expected: [cols as u64, rows as u64],
            found,
        });
    }
    if kernels::activation_type(t.ty).is_none() || !quant::can_dequantize(t.ty) {
        return Err(Error::UnsupportedType {
            name: key,
            ty: t.ty,
        });
    }
    Ok(Some(QMatrix {
        ty: t.ty,
        rows,
        cols,
        data: t.data,
    }))
}

fn required_matrix<'a>(
    g: &Gguf<'a>,
    name: &str,
    cols: usize,
    rows: usize,
) -> Result<QMatrix<'a>, Error> {
    matrix(g, name, cols, rows)?.ok_or(Error::MissingTensor {
        name: KeyName::new(name),
    })
}

const EMPTY_MATRIX: QMatrix<'static> = QMatrix {
    ty: GgmlType::F32,
    rows: 0,
    cols: 0,
    data: &[],
};

/// One encoder layer's weights. Absent biases are empty slices.
#[derive(Clone, Copy, Debug)]
pub struct BertLayer<'a> {
    /// `n_embd × n_embd` query projection, and its bias (`n_embd`).
    pub attn_q: QMatrix<'a>,
    /// Query bias.
    pub attn_q_b: &'a [f32],
    /// Key projection.
    pub attn_k: QMatrix<'a>,
    /// Key bias.
    pub attn_k_b: &'a [f32],
    /// Value projection.
    pub attn_v: QMatrix<'a>,
    /// Value bias.
    pub attn_v_b: &'a [f32],
    /// Attention output projection.
    pub attn_out: QMatrix<'a>,
    /// Its bias.
    pub attn_out_b: &'a [f32],
    /// Post-attention LayerNorm weight and bias (`n_embd`).
    pub attn_out_norm: &'a [f32],
    /// Post-attention LayerNorm bias.
    pub attn_out_norm_b: &'a [f32],
    /// `n_ff × n_embd` FFN up projection.
    pub ffn_up: QMatrix<'a>,
    /// Its bias (`n_ff`).
    pub ffn_up_b: &'a [f32],
    /// `n_embd × n_ff` FFN down projection.
    pub ffn_down: QMatrix<'a>,
    /// Its bias (`n_embd`).
    pub ffn_down_b: &'a [f32],
    /// Output LayerNorm weight (`n_embd`).
    pub out_norm: &'a [f32],
    /// Output LayerNorm bias.
    pub out_norm_b: &'a [f32],
}

const EMPTY_LAYER: BertLayer<'static> = BertLayer {
    attn_q: EMPTY_MATRIX,
    attn_q_b: &[],
    attn_k: EMPTY_MATRIX,
    attn_k_b: &[],
    attn_v: EMPTY_MATRIX,
    attn_v_b: &[],
    attn_out: EMPTY_MATRIX,
    attn_out_b: &[],
    attn_out_norm: &[],
    attn_out_norm_b: &[],
    ffn_up: EMPTY_MATRIX,
    ffn_up_b: &[],
    ffn_down: EMPTY_MATRIX,
    ffn_down_b: &[],
    out_norm: &[],
    out_norm_b: &[],
};

/// A classification head.
#[derive(Clone, Copy, Debug)]
pub enum Head<'a> {
    /// No head: embeddings only.
    None,
    /// mote's head over the pooled, L2-normalized embedding.
    Normalized {
        /// `n_labels × n_embd`.
        weight: QMatrix<'a>,
        /// `n_labels` (may be empty).
        bias: &'a [f32],
    },
    /// `BertForSequenceClassification`: optional pooler (dense + tanh over
    /// `[CLS]`), then the output projection.
    Sequence {
        /// Pooler dense `n_embd × n_embd` (`cls.weight`), if any.
        pooler: Option<QMatrix<'a>>,
        /// Pooler bias (`cls.bias`, may be empty).
        pooler_b: &'a [f32],
        /// `n_labels × n_embd` (`cls.output.weight`).
        out: QMatrix<'a>,
        /// `cls.output.bias` (may be empty).
        out_b: &'a [f32],
    },
}

/// Label names key of mote's head.
pub const MOTE_LABELS_KEY: &str = "mote.classifier.output_labels";
/// Label names key of a sequence classifier (llama.cpp's).
pub const SEQ_LABELS_KEY: &str = "bert.classifier.output_labels";

/// A BERT model viewed in place in a GGUF file.
#[derive(Clone, Copy, Debug)]
pub struct Bert<'a> {
    /// Hyperparameters.
    pub config: BertConfig,
    /// `n_vocab × n_embd` token embeddings (any supported type).
    pub token_embd: QMatrix<'a>,
    /// `n_ctx × n_embd` position embeddings.
    pub position_embd: QMatrix<'a>,
    /// Row 0 of `token_types.weight` (every token is "sentence A", as in
    /// llama.cpp), or empty.
    pub token_type0: &'a [f32],
    /// Embedding LayerNorm weight and bias.
    pub embd_norm: &'a [f32],
    /// Embedding LayerNorm bias.
    pub embd_norm_b: &'a [f32],
    layers: [BertLayer<'a>; MAX_LAYERS],
    /// The classification head.
    pub head: Head<'a>,
    labels: Option<Array<'a>>,
}

impl<'a> Bert<'a> {
    /// Reads the config and finds and checks every weight.
    pub fn from_gguf(g: &Gguf<'a>) -> Result<Self, Error> {
        let c = BertConfig::from_gguf(g)?;
        let (e, ff) = (c.n_embd, c.n_ff);
        let token_embd = required_matrix(g, "token_embd.weight", e, 0)?;
        let position_embd = required_matrix(g, "position_embd.weight", e, 0)?;
        if position_embd.rows < c.n_ctx {
            return Err(Error::WrongShape {
                name: KeyName::new("position_embd.weight"),
                expected: [e as u64, c.n_ctx as u64],
                found: [e as u64, position_embd.rows as u64],
            });
        }
        let token_type0 = match matrix(g, "token_types.weight", e, 0)? {
            Some(m) if m.ty == GgmlType::F32 => m
                .row(0)
                .and_then(|r| bytemuck::try_cast_slice(r).ok())
                .ok_or(Error::Misaligned {
                    name: KeyName::new("token_types.weight"),
                })?,
            Some(m) => {
                return Err(Error::UnsupportedType {
                    name: KeyName::new("token_types.weight"),
                    ty: m.ty,
                })
            }
            None => &[],
        };
        let embd_norm = required_vector(g, "token_embd_norm.weight", e)?;
        let embd_norm_b = required_vector(g, "token_embd_norm.bias", e)?;
        let mut layers = [EMPTY_LAYER; MAX_LAYERS];
        for (i, l) in layers.iter_mut().take(c.n_layer).enumerate() {
            let m = |t: &str, cols, rows| {
                required_matrix(
                    g,
                    Name::new(format_args!("blk.{i}.{t}.weight")).as_str(),
                    cols,
                    rows,
                )
            };
            let b = |t: &str, n| -> Result<&'a [f32], Error> {
                Ok(
                    vector(g, Name::new(format_args!("blk.{i}.{t}.bias")).as_str(), n)?
                        .unwrap_or(&[]),
                )
            };
            let v = |t: &str, part: &str| {
                required_vector(g, Name::new(format_args!("blk.{i}.{t}.{part}")).as_str(), e)
            };
            *l = BertLayer {
                attn_q: m("attn_q", e, e)?,
                attn_q_b: b("attn_q", e)?,
                attn_k: m("attn_k", e, e)?,
                attn_k_b: b("attn_k", e)?,
                attn_v: m("attn_v", e, e)?,
                attn_v_b: b("attn_v", e)?,
                attn_out: m("attn_output", e, e)?,
                attn_out_b: b("attn_output", e)?,
                attn_out_norm: v("attn_output_norm", "weight")?,
                attn_out_norm_b: v("attn_output_norm", "bias")?,
                ffn_up: m("ffn_up", e, ff)?,
                ffn_up_b: b("ffn_up", ff)?,
                ffn_down: m("ffn_down", ff, e)?,
                ffn_down_b: b("ffn_down", e)?,
                out_norm: v("layer_output_norm", "weight")?,
                out_norm_b: v("layer_output_norm", "bias")?,
            };
        }
        let (head, labels) = Self::read_head(g, &c)?;
        Ok(Bert {
            config: c,
            token_embd,
            position_embd,
            token_type0,
            embd_norm,
            embd_norm_b,
            layers,
            head,
            labels,
        })
    }

    fn read_head(g: &Gguf<'a>, c: &BertConfig) -> Result<(Head<'a>, Option<Array<'a>>), Error> {
        let e = c.n_embd;
        let labels_of = |key: &str, rows: usize| -> Result<Option<Array<'a>>, Error> {
            if g.get(key).is_none() {
                return Ok(None);
            }
            let a = g.get_array_of(key, ValueType::Str)?;
            if a.len() != rows {
                return Err(Error::LabelCount {
                    labels: a.len(),
                    rows,
                });
            }
            Ok(Some(a))
        };
        if let Some(w) = matrix(g, "mote.classifier.weight", e, 0)? {
            let bias = vector(g, "mote.classifier.bias", w.rows)?.unwrap_or(&[]);
            let labels = labels_of(MOTE_LABELS_KEY, w.rows)?;
            return Ok((Head::Normalized { weight: w, bias }, labels));
        }
        if let Some(out) = matrix(g, "cls.output.weight", e, 0)? {
            let out_b = vector(g, "cls.output.bias", out.rows)?.unwrap_or(&[]);
            let pooler = matrix(g, "cls.weight", e, e)?;
            let pooler_b = vector(g, "cls.bias", e)?.unwrap_or(&[]);
            let labels = labels_of(SEQ_LABELS_KEY, out.rows)?;
            return Ok((
                Head::Sequence {
                    pooler,
                    pooler_b,
                    out,
                    out_b,
                },
                labels,
            ));
        }
        Ok((Head::None, None))
    }

    /// The layers in use.
    pub fn layers(&self) -> &[BertLayer<'a>] {
        self.layers.get(..self.config.n_layer).unwrap_or(&[])
    }

    /// Rows of the classification head (0 without one).
    pub fn n_labels(&self) -> usize {
        match self.head {
            Head::None => 0,
            Head::Normalized { weight, .. } => weight.rows,
            Head::Sequence { out, .. } => out.rows,
        }
    }

    /// The name of label `i`, when the file names its labels.
    pub fn label(&self, i: usize) -> Option<&'a str> {
        self.labels?.get(i)?.as_str()
    }

    /// Vocabulary size (token embedding rows).
    pub fn n_vocab(&self) -> usize {
        self.token_embd.rows
    }

    // ------------------------------------------------------------- plan

    /// Scratch bytes for up to `batch` sentences of up to `max_seq` tokens
    /// each (packed, so `max_seq · batch` tokens in all), for `embed` and
    /// `classify` alike.
    pub fn plan(&self, max_seq: usize, batch: usize) -> Result<Plan, Error> {
        let c = &self.config;
        let t = max_seq.checked_mul(batch).ok_or(Error::TooLarge)?;
        let f32s = |n: Option<usize>| n.and_then(bytes_for::<f32>).ok_or(Error::TooLarge);
        let te = t.checked_mul(c.n_embd);
        let mut bytes = ARENA_ALIGN;
        // x, q, k, v, att, tmp: (tokens, n_embd) each.
        for _ in 0..6 {
            bytes = add(bytes, f32s(te)?)?;
        }
        // ff: (tokens, n_ff).
        bytes = add(bytes, f32s(t.checked_mul(c.n_ff))?)?;
        // scores: (max_seq); pooled and pooler output: (batch, n_embd).
        bytes = add(bytes, f32s(Some(max_seq))?)?;
        bytes = add(bytes, f32s(batch.checked_mul(c.n_embd))?)?;
        bytes = add(bytes, f32s(batch.checked_mul(c.n_embd))?)?;
        // Decoded weights and activation scratch of the largest mat-mul,
        // for the encoder and then again for the head.
        for (tokens, sentences) in [(t, 0), (0, batch)] {
            let (wlen, act) = self.matmul_scratch(tokens, sentences);
            bytes = add(bytes, f32s(Some(wlen))?)?;
            bytes = add(bytes, bytes_for::<u8>(act).ok_or(Error::TooLarge)?)?;
        }
        Ok(Plan {
            bytes,
            max_seq,
            batch,
        })
    }

    /// (f32 values of decoded weights, activation bytes) the largest
    /// encoder mat-mul over `tokens` rows, or head mat-mul over `sentences`
    /// rows, needs.
    fn matmul_scratch(&self, tokens: usize, sentences: usize) -> (usize, usize) {
        let (mut wlen, mut act) = (0usize, 0usize);
        let mut see = |w: &QMatrix<'_>, n: usize| {
            wlen = wlen.max(decode_len(w));
            let ty = if decodes_to_f32(w.ty) {
                GgmlType::F32
            } else {
                w.ty
            };
            act = act.max(kernels::activation_scratch_bytes(ty, n, w.cols));
        };
        if tokens > 0 {
            for l in self.layers() {
                for w in [
                    l.attn_q, l.attn_k, l.attn_v, l.attn_out, l.ffn_up, l.ffn_down,
                ] {
                    see(&w, tokens);
                }
            }
        }
        if sentences > 0 {
            for w in self.head_matrices().into_iter().flatten() {
                see(&w, sentences);
            }
        }
        (wlen, act)
    }

    fn head_matrices(&self) -> [Option<QMatrix<'a>>; 2] {
        match self.head {
            Head::None => [None, None],
            Head::Normalized { weight, .. } => [Some(weight), None],
            Head::Sequence { pooler, out, .. } => [pooler, Some(out)],
        }
    }

    // ---------------------------------------------------------- forward

    /// Runs the encoder over `sentences` (token ids with `[CLS]`/`[SEP]`)
    /// and returns the last hidden states, `(total tokens, n_embd)`, plus
    /// the arena for what comes next.
    fn encode<'m>(
        &self,
        sentences: &[&[u32]],
        arena: &mut Arena<'m>,
        exec: &dyn Executor,
    ) -> Result<&'m mut [f32], Error> {
        let c = &self.config;
        let (e, nh, hd) = (c.n_embd, c.n_head, c.head_dim());
        let mut t = 0usize;
        let mut longest = 0usize;
        for (index, s) in sentences.iter().enumerate() {
            if s.is_empty() {
                return Err(Error::EmptySentence { index });
            }
            if s.len() > c.n_ctx {
                return Err(Error::SentenceTooLong {
                    index,
                    len: s.len(),
                    max: c.n_ctx,
                });
            }
            t = add(t, s.len())?;
            longest = longest.max(s.len());
        }
        let te = t.checked_mul(e).ok_or(Error::TooLarge)?;
        let mut x: &'m mut [f32] = arena.take(te)?; // (tokens, n_embd) hidden state
        let q: &'m mut [f32] = arena.take(te)?; // (tokens, n_embd) queries, heads side by side
        let k: &'m mut [f32] = arena.take(te)?; // (tokens, n_embd) keys
        let v: &'m mut [f32] = arena.take(te)?; // (tokens, n_embd) values
        let att: &'m mut [f32] = arena.take(te)?; // (tokens, n_embd) attention output
        let mut tmp: &'m mut [f32] = arena.take(te)?; // (tokens, n_embd) sublayer output
        let ff: &'m mut [f32] = arena.take(t.checked_mul(c.n_ff).ok_or(Error::TooLarge)?)?; // (tokens, n_ff)
        let scores: &'m mut [f32] = arena.take(longest)?; // (longest) one query's attention row
        let (wlen, act_bytes) = self.matmul_scratch(t, 0);
        let wbuf: &'m mut [f32] = arena.take(wlen)?; // (rows, cols) one decoded weight matrix
        let act: &'m mut [u8] = arena.take(act_bytes)?; // activations as a kernel wants them

        // Embeddings: token + position + token type 0, then LayerNorm.
        let mut rows = x.chunks_exact_mut(e);
        for s in sentences {
            for (pos, &id) in s.iter().enumerate() {
                let Some(row) = rows.next() else {
                    return Err(Error::TooLarge);
                };
                let tok = self
                    .token_embd
                    .row(id as usize)
                    .ok_or(Error::TokenOutOfRange {
                        token: id,
                        n_vocab: self.token_embd.rows,
                    })?;
                quant::dequantize(self.token_embd.ty, tok, row)?;
                let pos_row = self.position_embd.row(pos).ok_or(Error::TooLarge)?;
                let pos_vals = tmp.get_mut(..e).ok_or(Error::TooLarge)?;
                quant::dequantize(self.position_embd.ty, pos_row, pos_vals)?;
                for (r, p) in row.iter_mut().zip(pos_vals.iter()) {
                    *r += p;
                }
                for (r, ty) in row.iter_mut().zip(self.token_type0) {
                    *r += ty;
                }
                ops::layernorm(row, self.embd_norm, self.embd_norm_b, c.norm_eps);
            }
        }

        let scale = 1.0 / libm::sqrtf(hd as f32);
        for l in self.layers() {
            // Self-attention projections over all tokens at once.
            linear(&l.attn_q, l.attn_q_b, x, q, wbuf, act, exec)?;
            linear(&l.attn_k, l.attn_k_b, x, k, wbuf, act, exec)?;
            linear(&l.attn_v, l.attn_v_b, x, v, wbuf, act, exec)?;

            // Bidirectional attention inside each sentence, head by head.
            let mut start = 0usize;
            for s in sentences {
                let n = s.len();
                let span = start * e..(start + n) * e;
                let (Some(qs), Some(ks), Some(vs), Some(os)) = (
                    q.get(span.clone()),
                    k.get(span.clone()),
                    v.get(span.clone()),
                    att.get_mut(span),
                ) else {
                    return Err(Error::TooLarge);
                };
                let sc = scores.get_mut(..n).ok_or(Error::TooLarge)?;
                for h in 0..nh {
                    let cols = h * hd..(h + 1) * hd;
                    for (qrow, orow) in qs.chunks_exact(e).zip(os.chunks_exact_mut(e)) {
                        let qh = qrow.get(cols.clone()).unwrap_or(&[]);
                        for (sj, krow) in sc.iter_mut().zip(ks.chunks_exact(e)) {
                            *sj = dot(qh, krow.get(cols.clone()).unwrap_or(&[])) * scale;
                        }
                        ops::softmax(sc);
                        let oh = orow.get_mut(cols.clone()).unwrap_or(&mut []);
                        oh.fill(0.0);
                        for (&p, vrow) in sc.iter().zip(vs.chunks_exact(e)) {
                            for (o, &vv) in oh.iter_mut().zip(vrow.get(cols.clone()).unwrap_or(&[]))
                            {
                                *o += p * vv;
                            }
                        }
                    }
                }
                start += n;
            }

            // Output projection, residual, LayerNorm (post-LN).
            linear(&l.attn_out, l.attn_out_b, att, tmp, wbuf, act, exec)?;
            residual_norm(tmp, x, l.attn_out_norm, l.attn_out_norm_b, c.norm_eps, e);
            core::mem::swap(&mut x, &mut tmp);

            // Feed-forward: up, GELU, down, residual, LayerNorm.
            linear(&l.ffn_up, l.ffn_up_b, x, ff, wbuf, act, exec)?;
            ops::gelu_in_place(ff);
            linear(&l.ffn_down, l.ffn_down_b, ff, tmp, wbuf, act, exec)?;
            residual_norm(tmp, x, l.out_norm, l.out_norm_b, c.norm_eps, e);
            core::mem::swap(&mut x, &mut tmp);
        }
        Ok(x)
    }

    /// Pools each sentence's hidden states into `out` (`batch × n_embd`).
    fn pool(&self, pooling: Pooling, sentences: &[&[u32]], hidden: &[f32], out: &mut [f32]) {
        let e = self.config.n_embd;
        let mut start = 0usize;
        for (s, o) in sentences.iter().zip(out.chunks_exact_mut(e)) {
            let h = hidden.get(start * e..(start + s.len()) * e).unwrap_or(&[]);
            match pooling {
                Pooling::Mean => mean_all(h, o),
                Pooling::Cls | Pooling::Rank => ops::cls_pool(h, o),
            }
            start += s.len();
        }
    }

    // ---------------------------------------------------- pooling, heads

    /// Sentence embeddings: pooled as the model says (mean unless
    /// `bert.pooling_type` says CLS) and L2-normalized, into `out`
    /// (`sentences.len() × n_embd`). `scratch` needs `plan(..).bytes` for
    /// a plan covering the input.
    pub fn embed(
        &self,
        sentences: &[&[u32]],
        scratch: &mut [u8],
        exec: &dyn Executor,
        out: &mut [f32],
    ) -> Result<(), Error> {
        let e = self.config.n_embd;
        check_len(out, sentences.len().checked_mul(e))?;
        let mut arena = Arena::new(scratch);
        let hidden = self.encode(sentences, &mut arena, exec)?;
        self.pool(self.config.pooling, sentences, hidden, out);
        for o in out.chunks_exact_mut(e) {
            ops::l2_normalize(o);
        }
        Ok(())
    }

    /// Class probabilities (softmax of the head's logits) into `probs`
    /// (`sentences.len() × n_labels`).
    pub fn classify(
        &self,
        sentences: &[&[u32]],
        scratch: &mut [u8],
        exec: &dyn Executor,
        probs: &mut [f32],
    ) -> Result<(), Error> {
        let e = self.config.n_embd;
        let b = sentences.len();
        let n_labels = self.n_labels();
        if n_labels == 0 {
            return Err(Error::NoClassifier);
        }
        check_len(probs, b.checked_mul(n_labels))?;
        let mut arena = Arena::new(scratch);
        let hidden = self.encode(sentences, &mut arena, exec)?;
        let be = b.checked_mul(e).ok_or(Error::TooLarge)?;
        let pooled: &mut [f32] = arena.take(be)?; // (batch, n_embd)
        let (wlen, act_bytes) = self.matmul_scratch(0, b);
        let wbuf: &mut [f32] = arena.take(wlen)?; // (rows, cols) one decoded head matrix
        let act: &mut [u8] = arena.take(act_bytes)?;
        match self.head {
            Head::None => return Err(Error::NoClassifier),
            Head::Normalized { weight, bias } => {
                self.pool(self.config.pooling, sentences, hidden, pooled);
                for p in pooled.chunks_exact_mut(e) {
                    ops::l2_normalize(p);
                }
                linear(&weight, bias, pooled, probs, wbuf, act, exec)?;
            }
            Head::Sequence {
                pooler,
                pooler_b,
                out,
                out_b,
            } => {
                self.pool(Pooling::Cls, sentences, hidden, pooled);
                let input: &[f32] = match pooler {
                    Some(w) => {
                        let dense: &mut [f32] = arena.take(be)?; // (batch, n_embd)
                        linear(&w, pooler_b, pooled, dense, wbuf, act, exec)?;
                        ops::tanh_in_place(dense);
                        dense
                    }
                    None => pooled,
                };
                linear(&out, out_b, input, probs, wbuf, act, exec)?;
            }
        }
        for p in probs.chunks_exact_mut(n_labels) {
            ops::softmax(p);
        }
        Ok(())
    }
}

/// Scratch size for a batch shape, from [`Bert::plan`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Plan {
    /// Bytes of scratch `embed` and `classify` need.
    pub bytes: usize,
    /// Longest sentence covered, in tokens.
    pub max_seq: usize,
    /// Sentences per call covered.
    pub batch: usize,
}

fn add(a: usize, b: usize) -> Result<usize, Error> {
    a.checked_add(b).ok_or(Error::TooLarge)
}

fn check_len(out: &[f32], expected: Option<usize>) -> Result<(), Error> {
    let expected = expected.ok_or(Error::TooLarge)?;
    if out.len() != expected {
        return Err(Error::OutputSize {
            expected,
            got: out.len(),
        });
    }
    Ok(())
}

/// Whether mote decodes `ty` weights to f32 before multiplying (see
/// [`linear`]): every type but F32. F16/BF16 too, since decoding once per
/// batch is cheaper than converting each weight again for every token (and
/// gives the same products).
fn decodes_to_f32(ty: GgmlType) -> bool {
    ty != GgmlType::F32
}

/// f32 values of scratch [`linear`] needs to decode `w` (0 for float weights).
fn decode_len(w: &QMatrix<'_>) -> usize {
    if decodes_to_f32(w.ty) {
        w.rows.saturating_mul(w.cols)
    } else {
        0
    }
}

/// `y = x · Wᵀ + b` over every row of `x`.
///
/// Non-F32 weights are decoded to f32 into `wbuf` and multiplied with f32
/// activations, instead of quantizing the activations to 8 bits as ggml
/// does for block-quantized weights: with a whole batch of tokens per call the decode is paid once
/// for many rows, and 8-bit activations cost Q8_0 MiniLM most of its
/// fidelity (cosine 0.9988 against 0.9996 with f32 activations).
fn linear(
    w: &QMatrix<'_>,
    b: &[f32],
    x: &[f32],
    y: &mut [f32],
    wbuf: &mut [f32],
    act: &mut [u8],
    exec: &dyn Executor,
) -> Result<(), Error> {
    let n = x.len().checked_div(w.cols).unwrap_or(0);
    let y = y
        .get_mut(..n.checked_mul(w.rows).ok_or(Error::TooLarge)?)
        .ok_or(Error::TooLarge)?;
    if decodes_to_f32(w.ty) {
        let wf = wbuf.get_mut(..decode_len(w)).ok_or(Error::TooLarge)?;
        quant::dequantize(w.ty, w.data, wf)?;
        let wf = QMatrix {
            ty: GgmlType::F32,
            rows: w.rows,
            cols: w.cols,
            data: bytemuck::cast_slice(wf),
        };
        kernels::matmul(&wf, x, y, act, exec)?;
    } else {
        kernels::matmul(w, x, y, act, exec)?;
    }
    if !b.is_empty() {
        for row in y.chunks_exact_mut(w.rows) {
            for (v, bb) in row.iter_mut().zip(b) {
                *v += bb;
            }
        }
    }
    Ok(())
}

/// `out[i] = LayerNorm(out[i] + residual[i])` for every row.
fn residual_norm(out: &mut [f32], residual: &[f32], w: &[f32], b: &[f32], eps: f32, e: usize) {
    for (o, r) in out.chunks_exact_mut(e).zip(residual.chunks_exact(e)) {
        for (a, &rr) in o.iter_mut().zip(r) {
            *a += rr;
        }
        ops::layernorm(o, w, b, eps);
    }
}

/// Mean of all rows: a packed sentence has no padding rows, so no mask.
fn mean_all(h: &[f32], out: &mut [f32]) {
    out.fill(0.0);
    let mut n = 0usize;
    for row in h.chunks_exact(out.len().max(1)) {
        n += 1;
        for (o, v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
    if n > 0 {
        let inv = 1.0 / n as f32;
        for o in out.iter_mut() {
            *o *= inv;
        }
    }
}

#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Four partial sums let the compiler vectorize without reassociation.
    let mut acc = [0f32; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..4 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        s += x * y;
    }
    s
}
