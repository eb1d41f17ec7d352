// Greedy decoding with llama.cpp, recording at every step the top-2 token ids
// and logits, for mote's fidelity tests (tests/data/smollm2_*_steps.json).
//
//   llama-steps MODEL N_PREDICT THREADS PROMPT...    > steps.json
//
// Flash attention off, each prompt decoded as one batch from an empty cache,
// no chat template, special tokens (and BOS when the GGUF asks for it) as
// llama-tokenize adds them. Built against the static llama.cpp libraries by
// tools/make-llama-steps; prints one JSON document on stdout.
#include "llama.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

static std::string json_str(const std::string & s) {
    std::string o = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': o += "\\\""; break;
            case '\\': o += "\\\\"; break;
            case '\n': o += "\\n"; break;
            case '\t': o += "\\t"; break;
            case '\r': o += "\\r"; break;
            default:
                if (c < 0x20) {
                    char b[8];
                    snprintf(b, sizeof b, "\\u%04x", c);
                    o += b;
                } else {
                    o += (char) c;
                }
        }
    }
    return o + "\"";
}

static std::string piece(const llama_vocab * vocab, llama_token t) {
    char buf[256];
    int n = llama_token_to_piece(vocab, t, buf, sizeof buf, 0, true);
    return n > 0 ? std::string(buf, n) : std::string();
}

static void quiet(ggml_log_level, const char *, void *) {}

int main(int argc, char ** argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s MODEL N_PREDICT THREADS PROMPT...\n", argv[0]);
        return 2;
    }
    const char * path = argv[1];
    const int n_predict = atoi(argv[2]);
    const int threads = atoi(argv[3]);
    llama_log_set(quiet, nullptr);
    llama_backend_init();

    llama_model_params mp = llama_model_default_params();
    llama_model * model = llama_model_load_from_file(path, mp);
    if (!model) {
        fprintf(stderr, "llama-steps: cannot load %s\n", path);
        return 1;
    }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);

    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 512;
    cp.n_batch = 512;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    llama_context * ctx = llama_init_from_model(model, cp);
    if (!ctx) {
        fprintf(stderr, "llama-steps: cannot create a context\n");
        return 1;
    }

    printf("{\"results\": [");
    for (int a = 4; a < argc; a++) {
        const std::string prompt = argv[a];
        std::vector<llama_token> toks(prompt.size() + 8);
        int n = llama_tokenize(vocab, prompt.c_str(), (int) prompt.size(), toks.data(), (int) toks.size(), true, true);
        if (n < 0) {
            fprintf(stderr, "llama-steps: tokenization failed\n");
            return 1;
        }
        toks.resize(n);
        llama_memory_clear(llama_get_memory(ctx), true);
        if (llama_decode(ctx, llama_batch_get_one(toks.data(), n)) != 0) {
            fprintf(stderr, "llama-steps: decode failed\n");
            return 1;
        }
        std::string steps, ids, text;
        bool eog = false;
        for (int i = 0; i < n_predict; i++) {
            const float * l = llama_get_logits_ith(ctx, -1);
            int best = 0, second = -1;
            for (int t = 1; t < n_vocab; t++) {
                if (l[t] > l[best]) {
                    second = best;
                    best = t;
                } else if (second < 0 || l[t] > l[second]) {
                    second = t;
                }
            }
            char b[160];
            snprintf(b, sizeof b, "%s{\"id\": %d, \"logit\": %.6f, \"second_id\": %d, \"second_logit\": %.6f}",
                     i ? ", " : "", best, l[best], second, l[second]);
            steps += b;
            snprintf(b, sizeof b, "%s%d", i ? ", " : "", best);
            ids += b;
            if (llama_vocab_is_eog(vocab, best)) {
                eog = true;
                break;
            }
            text += piece(vocab, best);
            llama_token t = best;
            if (llama_decode(ctx, llama_batch_get_one(&t, 1)) != 0) {
                fprintf(stderr, "llama-steps: decode failed\n");
                return 1;
            }
        }
        std::string pids;
        for (int i = 0; i < n; i++) {
            pids += (i ? ", " : "") + std::to_string(toks[i]);
        }
        printf("%s\n  {\"prompt\": %s, \"prompt_ids\": [%s], \"ids\": [%s], \"text\": %s, \"eog\": %s,\n   \"steps\": [%s]}",
               a > 4 ? "," : "", json_str(prompt).c_str(), pids.c_str(), ids.c_str(), json_str(text).c_str(),
               eog ? "true" : "false", steps.c_str());
    }
    printf("\n]}\n");
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
