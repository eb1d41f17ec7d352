//! A Hugging Face `BertForSequenceClassification` checkpoint through
//! `mote convert` and `Bert::classify` (pooler dense + tanh over `[CLS]`,
//! classifier, softmax), against a plain f64 implementation of BertModel's
//! forward written from the Hugging Face code. The checkpoint is a small
//! random one built here (config.json, vocab.txt, model.safetensors).

use std::collections::HashMap;

use mote_core::exec::Serial;
use mote_core::gguf::Gguf;
use mote_core::model::Bert;
use mote_host::convert::{convert, ConvertOptions, OutType};
use safetensors::tensor::TensorView;
use safetensors::Dtype;

const E: usize = 32;
const H: usize = 4;
const FF: usize = 64;
const L: usize = 2;
const V: usize = 40;
const P: usize = 16;
const LABELS: [&str; 3] = ["negative", "neutral", "positive"];
const EPS: f64 = 1e-12;

/// Checkpoint tensors by HF name: (shape, row-major values).
type Tensors = HashMap<String, (Vec<usize>, Vec<f32>)>;

/// Deterministic values in [-scale, scale].
fn values(n: usize, seed: u64, scale: f32) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect()
}

fn checkpoint() -> (std::path::PathBuf, Tensors) {
    let dir = std::env::temp_dir().join(format!("mote-seqcls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = serde_json::json!({
        "architectures": ["BertForSequenceClassification"], "model_type": "bert",
        "hidden_size": E, "num_attention_heads": H, "intermediate_size": FF,
        "num_hidden_layers": L, "vocab_size": V, "max_position_embeddings": P,
        "type_vocab_size": 2, "layer_norm_eps": EPS, "hidden_act": "gelu",
        "id2label": {"0": LABELS[0], "1": LABELS[1], "2": LABELS[2]},
    });
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    let mut vocab: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        .map(String::from)
        .to_vec();
    vocab.extend((vocab.len()..V).map(|i| format!("w{i}")));
    std::fs::write(dir.join("vocab.txt"), vocab.join("\n")).unwrap();

    let mut t: Tensors = HashMap::new();
    let mut seed = 1u64;
    let mut add = |name: &str, shape: Vec<usize>, scale: f32, offset: f32| {
        seed += 1;
        let n = shape.iter().product();
        let v = values(n, seed, scale)
            .into_iter()
            .map(|x| x + offset)
            .collect();
        t.insert(name.to_string(), (shape, v));
    };
    add(
        "bert.embeddings.word_embeddings.weight",
        vec![V, E],
        0.5,
        0.0,
    );
    add(
        "bert.embeddings.position_embeddings.weight",
        vec![P, E],
        0.5,
        0.0,
    );
    add(
        "bert.embeddings.token_type_embeddings.weight",
        vec![2, E],
        0.5,
        0.0,
    );
    add("bert.embeddings.LayerNorm.weight", vec![E], 0.2, 1.0);
    add("bert.embeddings.LayerNorm.bias", vec![E], 0.1, 0.0);
    for l in 0..L {
        let p = format!("bert.encoder.layer.{l}");
        for m in [
            "attention.self.query",
            "attention.self.key",
            "attention.self.value",
            "attention.output.dense",
        ] {
            add(&format!("{p}.{m}.weight"), vec![E, E], 0.3, 0.0);
            add(&format!("{p}.{m}.bias"), vec![E], 0.1, 0.0);
        }
        add(
            &format!("{p}.intermediate.dense.weight"),
            vec![FF, E],
            0.3,
            0.0,
        );
        add(&format!("{p}.intermediate.dense.bias"), vec![FF], 0.1, 0.0);
        add(&format!("{p}.output.dense.weight"), vec![E, FF], 0.2, 0.0);
        add(&format!("{p}.output.dense.bias"), vec![E], 0.1, 0.0);
        for n in ["attention.output.LayerNorm", "output.LayerNorm"] {
            add(&format!("{p}.{n}.weight"), vec![E], 0.2, 1.0);
            add(&format!("{p}.{n}.bias"), vec![E], 0.1, 0.0);
        }
    }
    add("bert.pooler.dense.weight", vec![E, E], 0.3, 0.0);
    add("bert.pooler.dense.bias", vec![E], 0.1, 0.0);
    add("classifier.weight", vec![3, E], 0.5, 0.0);
    add("classifier.bias", vec![3], 0.1, 0.0);

    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = t
        .iter()
        .map(|(k, (s, v))| (k.clone(), s.clone(), bytemuck::cast_slice(v).to_vec()))
        .collect();
    let views: Vec<(String, TensorView<'_>)> = bytes
        .iter()
        .map(|(k, s, b)| {
            (
                k.clone(),
                TensorView::new(Dtype::F32, s.clone(), b).unwrap(),
            )
        })
        .collect();
    let data = safetensors::serialize(views, None).unwrap();
    std::fs::write(dir.join("model.safetensors"), data).unwrap();
    (dir, t)
}

/// BertForSequenceClassification's forward in f64, straight from the HF code.
fn reference(t: &Tensors, ids: &[usize]) -> Vec<f64> {
    let w = |n: &str| -> Vec<f64> { t[n].1.iter().map(|&x| x as f64).collect() };
    let linear = |x: &[f64], name: &str, rows: usize| -> Vec<f64> {
        let (wt, b) = (w(&format!("{name}.weight")), w(&format!("{name}.bias")));
        let cols = x.len();
        (0..rows)
            .map(|r| b[r] + (0..cols).map(|c| wt[r * cols + c] * x[c]).sum::<f64>())
            .collect()
    };
    let ln = |x: &[f64], name: &str| -> Vec<f64> {
        let (g, b) = (w(&format!("{name}.weight")), w(&format!("{name}.bias")));
        let m = x.iter().sum::<f64>() / x.len() as f64;
        let v = x.iter().map(|a| (a - m).powi(2)).sum::<f64>() / x.len() as f64;
        x.iter()
            .enumerate()
            .map(|(i, a)| (a - m) / (v + EPS).sqrt() * g[i] + b[i])
            .collect()
    };
    let (we, pe, te) = (
        w("bert.embeddings.word_embeddings.weight"),
        w("bert.embeddings.position_embeddings.weight"),
        w("bert.embeddings.token_type_embeddings.weight"),
    );
    let mut x: Vec<Vec<f64>> = ids
        .iter()
        .enumerate()
        .map(|(p, &id)| {
            let e: Vec<f64> = (0..E)
                .map(|i| we[id * E + i] + pe[p * E + i] + te[i])
                .collect();
            ln(&e, "bert.embeddings.LayerNorm")
        })
        .collect();
    let d = E / H;
    for l in 0..L {
        let p = format!("bert.encoder.layer.{l}");
        let q: Vec<_> = x
            .iter()
            .map(|r| linear(r, &format!("{p}.attention.self.query"), E))
            .collect();
        let k: Vec<_> = x
            .iter()
            .map(|r| linear(r, &format!("{p}.attention.self.key"), E))
            .collect();
        let v: Vec<_> = x
            .iter()
            .map(|r| linear(r, &format!("{p}.attention.self.value"), E))
            .collect();
        let mut att = vec![vec![0f64; E]; ids.len()];
        for h in 0..H {
            for i in 0..ids.len() {
                let s: Vec<f64> = (0..ids.len())
                    .map(|j| {
                        (0..d)
                            .map(|c| q[i][h * d + c] * k[j][h * d + c])
                            .sum::<f64>()
                            / (d as f64).sqrt()
                    })
                    .collect();
                let m = s.iter().cloned().fold(f64::MIN, f64::max);
                let z: f64 = s.iter().map(|a| (a - m).exp()).sum();
                for (j, sj) in s.iter().enumerate() {
                    for c in 0..d {
                        att[i][h * d + c] += (sj - m).exp() / z * v[j][h * d + c];
                    }
                }
            }
        }
        for i in 0..ids.len() {
            let o = linear(&att[i], &format!("{p}.attention.output.dense"), E);
            let r: Vec<f64> = o.iter().zip(&x[i]).map(|(a, b)| a + b).collect();
            let a = ln(&r, &format!("{p}.attention.output.LayerNorm"));
            let hdn: Vec<f64> = linear(&a, &format!("{p}.intermediate.dense"), FF)
                .iter()
                .map(|&u| 0.5 * u * (1.0 + libm::erf(u / std::f64::consts::SQRT_2)))
                .collect();
            let o2 = linear(&hdn, &format!("{p}.output.dense"), E);
            let r2: Vec<f64> = o2.iter().zip(&a).map(|(a, b)| a + b).collect();
            x[i] = ln(&r2, &format!("{p}.output.LayerNorm"));
        }
    }
    let pooled: Vec<f64> = linear(&x[0], "bert.pooler.dense", E)
        .iter()
        .map(|a| a.tanh())
        .collect();
    let logits = linear(&pooled, "classifier", 3);
    let m = logits.iter().cloned().fold(f64::MIN, f64::max);
    let z: f64 = logits.iter().map(|a| (a - m).exp()).sum();
    logits.iter().map(|a| (a - m).exp() / z).collect()
}

#[test]
fn sequence_classifier_matches_an_f64_reference() {
    let (dir, tensors) = checkpoint();
    let out = dir.join("model.gguf");
    let opts = ConvertOptions {
        out_type: OutType::F32,
        head: None,
        progress: false,
    };
    convert(&dir, &out, &opts).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let gguf = Gguf::parse(&bytes).unwrap();
    assert_eq!(gguf.get_u32("bert.pooling_type").unwrap(), 4);
    let bert = Bert::from_gguf(&gguf).unwrap();
    assert_eq!(bert.n_labels(), 3);
    let names: Vec<_> = (0..3).map(|i| bert.label(i).unwrap()).collect();
    assert_eq!(names, LABELS);

    let sentences: [&[u32]; 3] = [
        &[2, 10, 11, 12, 3],
        &[2, 30, 3],
        &[2, 5, 6, 7, 8, 9, 39, 20, 3],
    ];
    let mut scratch = vec![0u8; bert.plan(9, 3).unwrap().bytes];
    let mut probs = vec![0f32; 9];
    bert.classify(&sentences, &mut scratch, &Serial, &mut probs)
        .unwrap();
    for (s, got) in sentences.iter().zip(probs.chunks_exact(3)) {
        let ids: Vec<usize> = s.iter().map(|&i| i as usize).collect();
        let want = reference(&tensors, &ids);
        for (g, w) in got.iter().zip(&want) {
            assert!((*g as f64 - w).abs() < 1e-5, "{got:?} vs {want:?}");
        }
    }
}
