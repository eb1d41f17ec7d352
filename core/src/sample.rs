//! Token sampling: greedy, temperature, top-k, top-p, min-p, penalties.
//!
//! The chain runs in llama.cpp's default order: penalties, top-k, top-p,
//! min-p, temperature, then a draw from the remaining distribution. A
//! temperature of zero (or below) is greedy: penalties, then the first
//! highest logit. All scratch comes from the caller (`&mut [Candidate]`, one
//! per vocabulary entry) and the random generator is a seeded PCG32, so the
//! same seed gives the same tokens on every machine.

/// One vocabulary entry during sampling: its id and current logit (or
/// probability, after the softmax step).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Candidate {
    /// Token id.
    pub id: u32,
    /// Logit, then probability once normalized.
    pub logit: f32,
}

/// Why a token could not be sampled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SampleError {
    /// The logits slice was empty.
    NoLogits,
    /// The candidate scratch is shorter than the vocabulary.
    ScratchTooSmall {
        /// Candidates needed (the vocabulary size).
        needed: usize,
        /// Candidates provided.
        got: usize,
    },
}

impl core::fmt::Display for SampleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SampleError::NoLogits => write!(f, "no logits to sample from"),
            SampleError::ScratchTooSmall { needed, got } => write!(
                f,
                "sampling scratch holds {got} candidates, the vocabulary needs {needed}"
            ),
        }
    }
}

impl core::error::Error for SampleError {}

/// Sampling settings; [`Default`] gives llama.cpp's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SamplerParams {
    /// Softmax temperature; `<= 0` means greedy.
    pub temperature: f32,
    /// Keep only the `top_k` most likely tokens; 0 keeps all.
    pub top_k: usize,
    /// Keep the smallest set whose probability reaches `top_p`; 1 keeps all.
    pub top_p: f32,
    /// Drop tokens less likely than `min_p` times the most likely; 0 keeps all.
    pub min_p: f32,
    /// Divides positive (multiplies negative) logits of recent tokens; 1 is off.
    pub repeat_penalty: f32,
    /// How many recent tokens the penalties look at.
    pub repeat_last_n: usize,
    /// Subtracted once per occurrence of a recent token.
    pub frequency_penalty: f32,
    /// Subtracted once from every token that occurred recently.
    pub presence_penalty: f32,
}

impl Default for SamplerParams {
    fn default() -> Self {
        SamplerParams {
            temperature: 0.8,
            top_k: 40,
            top_p: 0.95,
            min_p: 0.05,
            repeat_penalty: 1.0,
            repeat_last_n: 64,
            frequency_penalty: 0.0,
            presence_penalty: 0.0,
        }
    }
}

impl SamplerParams {
    /// Greedy decoding with no penalties.
    pub fn greedy() -> Self {
        SamplerParams {
            temperature: 0.0,
            ..Self::default()
        }
    }
}

/// PCG32 (O'Neill's `pcg32_random_r`): small, fast and the same everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rng {
    state: u64,
    inc: u64,
}

impl Rng {
    /// A generator seeded as `pcg32_srandom_r(seed, 54)` seeds it.
    pub fn new(seed: u64) -> Self {
        let mut r = Rng {
            state: 0,
            inc: (54u64 << 1) | 1,
        };
        r.next_u32();
        r.state = r.state.wrapping_add(seed);
        r.next_u32();
        r
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(6364136223846793005).wrapping_add(self.inc);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        let rot = (old >> 59) as u32;
        xorshifted.rotate_right(rot)
    }

    /// A uniform float in `[0, 1)` with 24 random bits.
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
    }
}

/// A sampler: settings plus the random generator's state.
#[derive(Clone, Debug)]
pub struct Sampler {
    /// The settings in use.
    pub params: SamplerParams,
    rng: Rng,
}

impl Sampler {
    /// A sampler with `params` whose draws are determined by `seed`.
    pub fn new(params: SamplerParams, seed: u64) -> Self {
        Sampler {
            params,
            rng: Rng::new(seed),
        }
    }

    /// Picks the next token from `logits` (one per vocabulary entry), with
    /// `history` the tokens so far (prompt and generated) for the
    /// penalties. `scratch` needs at least `logits.len()` entries.
    pub fn sample(
        &mut self,
        logits: &[f32],
        history: &[u32],
        scratch: &mut [Candidate],
    ) -> Result<u32, SampleError> {
        let n = logits.len();
        if n == 0 {
            return Err(SampleError::NoLogits);
        }
        let got = scratch.len();
        let cands = scratch
            .get_mut(..n)
            .ok_or(SampleError::ScratchTooSmall { needed: n, got })?;
        for (i, (c, &l)) in cands.iter_mut().zip(logits).enumerate() {
            *c = Candidate {
                id: i as u32,
                logit: l,
            };
        }
        let p = self.params;
        let recent = &history[history.len().saturating_sub(p.repeat_last_n)..];
        apply_penalties(cands, recent, &p);

        if p.temperature <= 0.0 {
            return Ok(argmax(cands));
        }
        let mut cands = &mut cands[..];
        if p.top_k > 0 && p.top_k < cands.len() {
            cands.select_nth_unstable_by(p.top_k - 1, by_logit_desc);
            cands = &mut cands[..p.top_k];
        }
        cands.sort_unstable_by(by_logit_desc);
        softmax_candidates(cands);
        let keep = top_p_len(cands, p.top_p);
        let cands = &mut cands[..keep];
        let keep = min_p_len(cands, p.min_p);
        let cands = &mut cands[..keep];
        // Temperature applies to the surviving logits, as in llama.cpp's
        // chain where it comes after the filters: p_i^(1/T), renormalized.
        for c in cands.iter_mut() {
            c.logit = libm::logf(c.logit) / p.temperature;
        }
        softmax_candidates(cands);
        Ok(draw(cands, self.rng.next_f32()))
    }
}

/// Orders candidates by logit, highest first (NaN last).
fn by_logit_desc(a: &Candidate, b: &Candidate) -> core::cmp::Ordering {
    b.logit.total_cmp(&a.logit)
}

/// The id of the first highest logit (ids are in order before any sort).
fn argmax(cands: &[Candidate]) -> u32 {
    let mut best = Candidate {
        id: 0,
        logit: f32::NEG_INFINITY,
    };
    for c in cands {
        if c.logit > best.logit {
            best = *c;
        }
    }
    best.id
}

/// llama.cpp's penalties: each distinct token in `recent` gets its logit
/// divided by `repeat_penalty` if positive (multiplied if negative), then
/// `count * frequency_penalty + presence_penalty` subtracted.
/// `cands` must still be in id order.
fn apply_penalties(cands: &mut [Candidate], recent: &[u32], p: &SamplerParams) {
    if p.repeat_penalty == 1.0 && p.frequency_penalty == 0.0 && p.presence_penalty == 0.0 {
        return;
    }
    for (i, &tok) in recent.iter().enumerate() {
        // Count each distinct token once, at its first occurrence.
        if recent[..i].contains(&tok) {
            continue;
        }
        let count = recent[i..].iter().filter(|&&t| t == tok).count() as f32;
        if let Some(c) = cands.get_mut(tok as usize) {
            if c.logit <= 0.0 {
                c.logit *= p.repeat_penalty;
            } else {
                c.logit /= p.repeat_penalty;
            }
            c.logit -= count * p.frequency_penalty + p.presence_penalty;
        }
    }
}

/// Replaces logits by probabilities (candidates sorted, highest first, or
/// not: the maximum is searched).
fn softmax_candidates(cands: &mut [Candidate]) {
    let max = cands
        .iter()
        .map(|c| c.logit)
        .fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for c in cands.iter_mut() {
        c.logit = libm::expf(c.logit - max);
        sum += c.logit;
    }
    if sum > 0.0 {
        for c in cands.iter_mut() {
            c.logit /= sum;
        }
    }
}

/// How many of the sorted candidates top-p keeps (at least one).
fn top_p_len(cands: &[Candidate], top_p: f32) -> usize {
    if top_p >= 1.0 {
        return cands.len();
    }
    let mut cum = 0.0f32;
    for (i, c) in cands.iter().enumerate() {
        cum += c.logit;
        if cum >= top_p {
            return i + 1;
        }
    }
    cands.len()
}

/// How many of the sorted candidates min-p keeps (at least one).
fn min_p_len(cands: &[Candidate], min_p: f32) -> usize {
    let Some(first) = cands.first() else {
        return 0;
    };
    if min_p <= 0.0 {
        return cands.len();
    }
    let floor = first.logit * min_p;
    cands.iter().take_while(|c| c.logit >= floor).count().max(1)
}

/// Picks the candidate where the cumulative probability passes `r`.
fn draw(cands: &[Candidate], r: f32) -> u32 {
    let mut cum = 0.0f32;
    for c in cands {
        cum += c.logit;
        if r < cum {
            return c.id;
        }
    }
    // Rounding left the total just under r: take the last candidate.
    cands.last().map_or(0, |c| c.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logits() -> [f32; 8] {
        [1.0, 3.0, -2.0, 2.5, 0.0, 3.0, -1.0, 2.9]
    }

    #[test]
    fn greedy_takes_first_maximum() {
        let mut s = Sampler::new(SamplerParams::greedy(), 1);
        let mut scratch = [Candidate::default(); 8];
        assert_eq!(s.sample(&logits(), &[], &mut scratch), Ok(1));
    }

    #[test]
    fn penalties_follow_llama_cpp_formula() {
        let p = SamplerParams {
            repeat_penalty: 2.0,
            frequency_penalty: 0.5,
            presence_penalty: 0.25,
            ..SamplerParams::greedy()
        };
        let mut c: [Candidate; 8] = core::array::from_fn(|i| Candidate {
            id: i as u32,
            logit: logits()[i],
        });
        apply_penalties(&mut c, &[1, 2, 1, 99], &p);
        assert_eq!(c[1].logit, 3.0 / 2.0 - 2.0 * 0.5 - 0.25);
        assert_eq!(c[2].logit, -2.0 * 2.0 - 0.5 - 0.25);
        assert_eq!(c[5].logit, 3.0);
        // With the penalty the greedy pick moves from 1 to 5.
        let mut s = Sampler::new(p, 0);
        let mut scratch = [Candidate::default(); 8];
        assert_eq!(s.sample(&logits(), &[1], &mut scratch), Ok(5));
    }

    #[test]
    fn same_seed_same_tokens_and_filters_hold() {
        let p = SamplerParams {
            temperature: 1.0,
            top_k: 3,
            top_p: 1.0,
            min_p: 0.0,
            ..SamplerParams::default()
        };
        let mut scratch = [Candidate::default(); 8];
        let run = |seed| {
            let mut s = Sampler::new(p, seed);
            let mut scratch = [Candidate::default(); 8];
            let mut out = [0u32; 64];
            for o in out.iter_mut() {
                *o = s.sample(&logits(), &[], &mut scratch).unwrap_or(u32::MAX);
            }
            out
        };
        let a = run(42);
        assert_eq!(a, run(42));
        assert_ne!(a, run(43));
        // top-k 3 keeps ids 1, 5, 7 only; all of them show up.
        assert!(a.iter().all(|t| [1, 5, 7].contains(t)));
        for t in [1, 5, 7] {
            assert!(a.contains(&t));
        }
        // min-p 0.95 drops id 7 (p7/p1 = e^-0.1 = 0.905), keeping 1 and 5.
        let mut s = Sampler::new(SamplerParams { min_p: 0.95, ..p }, 7);
        for _ in 0..32 {
            let t = s.sample(&logits(), &[], &mut scratch);
            assert!(t == Ok(1) || t == Ok(5));
        }
    }

    #[test]
    fn draw_frequencies_follow_probabilities() {
        // Two tokens with logits differing by ln 3: expect 3:1.
        let l = [libm::logf(3.0), 0.0];
        let p = SamplerParams {
            temperature: 1.0,
            top_k: 0,
            top_p: 1.0,
            min_p: 0.0,
            ..SamplerParams::default()
        };
        let mut s = Sampler::new(p, 5);
        let mut scratch = [Candidate::default(); 2];
        let n = 20000;
        let zeros = (0..n)
            .filter(|_| s.sample(&l, &[], &mut scratch) == Ok(0))
            .count();
        let frac = zeros as f64 / n as f64;
        assert!((frac - 0.75).abs() < 0.02, "{frac}");
    }

    #[test]
    fn top_p_keeps_smallest_set_reaching_p() {
        let c = [0.5f32, 0.3, 0.15, 0.05].map(|p| Candidate { id: 0, logit: p });
        assert_eq!(top_p_len(&c, 0.5), 1);
        assert_eq!(top_p_len(&c, 0.79), 2);
        assert_eq!(top_p_len(&c, 0.95), 3);
        assert_eq!(top_p_len(&c, 1.0), 4);
    }

    #[test]
    fn errors_instead_of_panics() {
        let mut s = Sampler::new(SamplerParams::default(), 0);
        let mut small = [Candidate::default(); 3];
        assert_eq!(
            s.sample(&logits(), &[], &mut small),
            Err(SampleError::ScratchTooSmall { needed: 8, got: 3 })
        );
        assert_eq!(s.sample(&[], &[], &mut small), Err(SampleError::NoLogits));
    }
}
