//! `mote chat`: a conversation rendered with the GGUF's own chat template
//! (`tokenizer.chat_template`, Jinja, run by minijinja with the extensions
//! llama.cpp's template engine provides), kept in the KV cache.
//!
//! Each turn the whole conversation is rendered and tokenized again; only
//! the tokens after the longest prefix already in the cache are evaluated,
//! so a turn costs its own tokens, and a re-tokenization that differs from
//! what was sampled simply re-evaluates from the first difference.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use minijinja::{Environment, ErrorKind, Value};
use mote_core::sample::Candidate;
use mote_core::tokenizer::Utf8Stream;

use super::run::{context_size, load_llm, pool, Llm, LlmState, SamplingArgs};
use super::ThreadsArg;

/// Chat with a model through its chat template (lines on stdin).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The GGUF model.
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub model: PathBuf,
    /// A system message to start the conversation with.
    #[arg(long = "system", value_name = "TEXT")]
    pub system: Option<String>,
    /// Most tokens per reply.
    #[arg(short = 'n', long = "n-predict", default_value_t = 512)]
    pub n_predict: usize,
    /// Context size in tokens (default: 4096, at most the trained context).
    #[arg(short = 'c', long = "ctx-size")]
    pub ctx: Option<usize>,
    /// Sampling settings.
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// Threads.
    #[command(flatten)]
    pub threads: ThreadsArg,
}

/// A minimal ChatML template for models that ship none.
const CHATML: &str = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/// A chat template ready to render.
pub struct ChatTemplate {
    env: Environment<'static>,
    bos: String,
    eos: String,
}

impl ChatTemplate {
    /// The model's template (or ChatML) with llama.cpp's extensions:
    /// `raise_exception`, `strftime_now`, Python string/dict methods.
    pub fn new(llm: &Llm) -> anyhow::Result<Self> {
        let src = llm
            .gguf
            .get_str("tokenizer.chat_template")
            .unwrap_or(CHATML)
            .to_string();
        let mut env = Environment::new();
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |msg: String| -> Result<Value, minijinja::Error> {
                Err(minijinja::Error::new(ErrorKind::InvalidOperation, msg))
            },
        );
        env.add_function("strftime_now", |fmt: String| strftime_now(&fmt));
        env.add_template_owned("chat", src)
            .context("parsing tokenizer.chat_template")?;
        let text = |key: &str| {
            llm.gguf
                .get_u32(key)
                .ok()
                .map(|id| String::from_utf8_lossy(&llm.piece(id, true)).into_owned())
                .unwrap_or_default()
        };
        Ok(ChatTemplate {
            env,
            bos: text("tokenizer.ggml.bos_token_id"),
            eos: text("tokenizer.ggml.eos_token_id"),
        })
    }

    /// Renders `(role, content)` messages, ending with the assistant's
    /// turn opener when `add_generation_prompt`.
    pub fn render(
        &self,
        messages: &[(String, String)],
        add_generation_prompt: bool,
    ) -> anyhow::Result<String> {
        let msgs: Vec<Value> = messages
            .iter()
            .map(|(r, c)| minijinja::context! { role => r, content => c })
            .collect();
        let t = self.env.get_template("chat")?;
        t.render(minijinja::context! {
            messages => msgs,
            add_generation_prompt => add_generation_prompt,
            bos_token => &self.bos,
            eos_token => &self.eos,
        })
        .context("rendering the chat template")
    }
}

/// llama.cpp's `strftime_now(format)`: the current UTC time formatted;
/// supports the directives chat templates use.
fn strftime_now(fmt: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let month = MONTHS.get((m - 1) as usize).copied().unwrap_or("January");
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str(&format!("{d:02}")),
            Some('m') => out.push_str(&format!("{m:02}")),
            Some('Y') => out.push_str(&y.to_string()),
            Some('y') => out.push_str(&format!("{:02}", y % 100)),
            Some('B') => out.push_str(month),
            Some('b') => out.push_str(&month[..3]),
            Some('H') => out.push_str(&format!("{:02}", rem / 3600)),
            Some('M') => out.push_str(&format!("{:02}", rem / 60 % 60)),
            Some('S') => out.push_str(&format!("{:02}", rem % 60)),
            Some('%') => out.push('%'),
            Some(o) => {
                out.push('%');
                out.push(o);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    let llm = load_llm(&args.model)?;
    let exec = pool(args.threads.get())?;
    let ctx = context_size(&llm, args.ctx)?;
    let template = ChatTemplate::new(&llm)?;
    let mut st = LlmState::new(&llm, ctx, 512)?;
    let mut sampler = args.sampling.sampler();
    let mut cands = vec![Candidate::default(); llm.model.config.n_vocab];
    let mut messages: Vec<(String, String)> = Vec::new();
    if let Some(s) = &args.system {
        messages.push(("system".into(), s.clone()));
    }
    // Token ids whose keys and values are in the cache, in order.
    let mut cached: Vec<u32> = Vec::new();
    let interactive = std::io::stdin().is_terminal();
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut out = std::io::stdout().lock();
    loop {
        if interactive {
            eprint!("> ");
        }
        let Some(line) = lines.next() else { break };
        let line = line.context("reading stdin")?;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        messages.push(("user".into(), line.to_string()));
        let prompt = template.render(&messages, true)?;
        let ids = llm.encode(&prompt, true, true)?;
        let keep = cached.iter().zip(&ids).take_while(|(a, b)| a == b).count();
        // At least one token must be evaluated to get logits.
        let keep = keep.min(ids.len().saturating_sub(1));
        if ids.len() + 1 > ctx {
            bail!(
                "context full: the conversation is {} tokens, the context {ctx} (raise -c)",
                ids.len()
            );
        }
        st.truncate(keep);
        cached.truncate(keep);
        st.forward(&llm, &ids[keep..], &exec)?;
        cached.extend_from_slice(&ids[keep..]);

        let mut reply = String::new();
        let mut utf8 = Utf8Stream::new();
        let mut write_err = None;
        for _ in 0..args.n_predict {
            let id = sampler.sample(&st.logits, &cached, &mut cands)?;
            if llm.is_eog(id) {
                break;
            }
            utf8.push(&llm.piece(id, false), &mut |s: &str| {
                reply.push_str(s);
                if write_err.is_none() {
                    write_err = write!(out, "{s}").and_then(|()| out.flush()).err();
                }
            });
            if let Some(e) = write_err.take() {
                return Err(e.into());
            }
            if st.pos() + 1 >= st.max_ctx() {
                eprintln!("\n(context full: reply cut; raise -c)");
                break;
            }
            st.forward(&llm, &[id], &exec)?;
            cached.push(id);
        }
        utf8.finish(&mut |s: &str| reply.push_str(s));
        writeln!(out)?;
        messages.push(("assistant".into(), reply));
    }
    Ok(())
}
