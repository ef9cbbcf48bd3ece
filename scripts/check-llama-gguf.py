#!/usr/bin/env python3
"""Reads a GGUF file written by `llmx train` with llama.cpp's own Python reader (gguf-py,
`pip install gguf`) and checks it against what llama.cpp's llama loader and BPE vocabulary
need: the architecture's hyperparameter keys, tensor names from gguf-py's table for LLAMA with
the shapes the hyperparameters imply, a pre-tokenizer llama.cpp knows, and a byte-level
vocabulary whose 256 byte symbols and merge results are all tokens.

llama.cpp itself is not on the development machine; this is the closest check there is.

    scripts/check-llama-gguf.py MODEL.gguf     # prints one JSON line; exit 1 with the problems
"""
import json
import sys

import gguf

# Pre-tokenizer names llama.cpp maps to a type of its own (llama-vocab.cpp).
KNOWN_PRE = {"default", "llama3", "llama-v3", "llama-bpe", "deepseek-llm", "deepseek-coder", "falcon", "mpt",
             "starcoder", "gpt-2", "phi-2", "refact", "command-r", "qwen2", "stablelm2", "olmo", "dbrx", "smaug-bpe",
             "poro-chat", "chatglm-bpe", "viking", "jais", "tekken", "smollm", "codeshell", "bloom", "gpt3-finnish",
             "exaone", "chameleon", "minerva-7b", "megrez", "gpt-4o", "superbpe", "trillion", "bailingmoe", "llama4",
             "pixtral", "seed-coder"}


def byte_alphabet():
    """GPT-2's printable stand-ins for the 256 bytes."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return chars.values()


def main(path):
    r = gguf.GGUFReader(path)
    problems = []

    def value(key):
        field = r.fields.get(key)
        return None if field is None else field.contents()

    arch = value("general.architecture")
    if arch != "llama":
        problems.append(f"general.architecture is {arch!r}, not 'llama'")
    hp = {}
    for key in ("context_length", "embedding_length", "block_count", "feed_forward_length", "attention.head_count",
                "attention.head_count_kv", "attention.layer_norm_rms_epsilon"):
        hp[key] = value(f"llama.{key}")
        if hp[key] is None:
            problems.append(f"missing llama.{key}")
    if problems:
        return problems, {}

    dim, layers, ffn = hp["embedding_length"], hp["block_count"], hp["feed_forward_length"]
    heads, kv_heads = hp["attention.head_count"], hp["attention.head_count_kv"]
    kv_dim = dim // heads * kv_heads
    tokens = value("tokenizer.ggml.tokens")
    vocab = len(tokens)

    # Tensor names: gguf-py's table for LLAMA, and the shapes llama.cpp's loader asks for
    # (GGUF lists the fastest-varying dimension first).
    names = gguf.TENSOR_NAMES
    allowed = {names[t] for t in gguf.MODEL_TENSORS[gguf.MODEL_ARCH.LLAMA]}
    expected = {"token_embd.weight": [dim, vocab], "output_norm.weight": [dim]}
    for b in range(layers):
        expected |= {f"blk.{b}.attn_norm.weight": [dim], f"blk.{b}.attn_q.weight": [dim, dim],
                     f"blk.{b}.attn_k.weight": [dim, kv_dim], f"blk.{b}.attn_v.weight": [dim, kv_dim],
                     f"blk.{b}.attn_output.weight": [dim, dim], f"blk.{b}.ffn_norm.weight": [dim],
                     f"blk.{b}.ffn_gate.weight": [dim, ffn], f"blk.{b}.ffn_up.weight": [dim, ffn],
                     f"blk.{b}.ffn_down.weight": [ffn, dim]}
    found = {t.name: [int(d) for d in t.shape] for t in r.tensors}
    for name, shape in found.items():
        pattern = name.rsplit(".", 1)[0]
        if pattern.startswith("blk."):
            pattern = "blk.{bid}." + pattern.split(".", 2)[2]
        if pattern not in allowed:
            problems.append(f"tensor {name} is not a llama tensor in gguf-py's table")
    if "output.weight" in found:
        expected["output.weight"] = [dim, vocab]
    for name, shape in expected.items():
        if name not in found:
            problems.append(f"missing tensor {name}")
        elif found[name] != shape:
            problems.append(f"tensor {name} has shape {found[name]}, llama.cpp expects {shape}")

    # Tokenizer.
    if value("tokenizer.ggml.model") != "gpt2":
        problems.append(f"tokenizer.ggml.model is {value('tokenizer.ggml.model')!r}, not 'gpt2'")
    pre = value("tokenizer.ggml.pre")
    if pre not in KNOWN_PRE:
        problems.append(f"tokenizer.ggml.pre {pre!r} is not a pre-tokenizer llama.cpp knows")
    merges = value("tokenizer.ggml.merges") or []
    if not merges:
        problems.append("no tokenizer.ggml.merges (llama.cpp refuses a BPE vocabulary without them)")
    ids = {t: i for i, t in enumerate(tokens)}
    missing_bytes = [c for c in byte_alphabet() if c not in ids]
    if missing_bytes:
        problems.append(f"{len(missing_bytes)} byte symbols are not tokens")
    for m in merges:
        left, right = m.split(" ")
        if left not in ids or right not in ids or left + right not in ids:
            problems.append(f"merge {m!r} does not join two tokens into a token")
            break
    types = value("tokenizer.ggml.token_type")
    for key in ("bos_token_id", "eos_token_id"):
        i = value(f"tokenizer.ggml.{key}")
        if i is None or not 0 <= i < vocab:
            problems.append(f"tokenizer.ggml.{key} {i} is not a token")
        elif types[i] != 3:
            problems.append(f"tokenizer.ggml.{key} {i} is not a control token (type {types[i]})")
    summary = {"file": path, "tensors": len(found), "vocab": vocab, "merges": len(merges), "pre": pre,
               "types": sorted({t.tensor_type.name for t in r.tensors}), **{k.replace(".", "_"): v for k, v in hp.items()}}
    return problems, summary


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    problems, summary = main(sys.argv[1])
    print(json.dumps({"ok": not problems, "problems": problems, **summary}))
    sys.exit(1 if problems else 0)
