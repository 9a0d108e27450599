"""famol's embedded all-MiniLM-L6-v2 against an independent numpy forward pass and the
`tokenizers` package, on sentences chosen to exercise every tokenizer rule."""
import json
import os

import numpy as np

import minilm_reference as ref

SENTENCES = [
    "Hello world!",
    "the aerodynamics of a wing in a slipstream .",
    "Café naïve résumé façade coöperate",
    "ÅNGSTRÖM, Ørsted & Ñandú: accents should be stripped.",
    "Numbers: 3.14159, 1e-10, 42%, $1,000,000 and 007.",
    "e-mail: someone@example.com; url: https://example.org/a?b=c#d",
    "",
    "   leading and trailing spaces   ",
    "tabs\tand\tnew-lines are whitespace",
    "Punctuation!!! ??? ... ;;; --- ((())) [brackets] {braces}",
    "Quotes: “curly” ‘single’ «guillemets» „low“",
    "中文字符测试 mixed with English",
    "日本語のテキスト and 한국어 텍스트",
    "Emoji 😀 and symbols ∑∫√∞ ≠ ≤",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "UPPER CASE SHOULD BE LOWERED",
    "what similarity laws must be obeyed when constructing aeroelastic models of heated high speed aircraft .",
    "Ze German ß and the Turkish İ dotted capital",
    "Greek: Αλφα Βήτα γάμμα; Cyrillic: Привет мир",
    "a",
    ".",
    "x" * 150,
    "hyphenated-words and under_scores and slashes/too",
    "O'Neil's can't won't shouldn't",
    "zero\u200bwidth\u200bspace and soft\u00adhyphen",
    "non\u00a0breaking\u00a0space",
    "control\u0007char and NUL-free text",
    "Mathematical 𝐛𝐨𝐥𝐝 letters",
    "the boundary layer on a flat plate at mach 2.5 with heat transfer",
    "experimental investigation of the aerodynamics of a wing in a slipstream",
    "ñ ü ö ä é è ê ë ï î ô û ù ç",
    "Tokens like [CLS] and [SEP] in text",
    "repeat " * 300,
    " ".join(f"word{i}" for i in range(400)),
    "A sentence with a very long compound: aerothermoelasticity-based hypersonic-vehicle-design considerations",
    "ÉCOLE POLYTECHNIQUE FÉDÉRALE",
    "smart ‘quotes’ – en dash — em dash … ellipsis",
    "fractions ½ ¼ and superscripts x² y³",
    "mixed中English混合text",
    "final sentence.",
]


def test_tokens_and_embeddings_match_references(famol, tmp_path):
    assert len(SENTENCES) == 40
    inp = tmp_path / "sentences.txt"
    inp.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    ids = [json.loads(l) for l in famol("embed", "--input", inp, "--tokens").stdout.splitlines()]
    vecs = [np.array(json.loads(l)) for l in famol("embed", "--input", inp, "--threads", 2).stdout.splitlines()]
    assert len(ids) == len(vecs) == 40
    tok = ref.tokenizer(256)
    tensors = ref.load_tensors(os.path.join(ref.model_dir(), "model.safetensors"))
    worst = 1.0
    for s, got_ids, got in zip(SENTENCES, ids, vecs):
        want_ids = tok.encode(s).ids
        assert got_ids == want_ids, f"token ids differ for {s!r}:\n famol {got_ids[:20]}\n tokenizers {want_ids[:20]}"
        want = ref.embed(np.array(want_ids), tensors)
        cos = float(got @ want / np.linalg.norm(got) / np.linalg.norm(want))
        worst = min(worst, cos)
        assert cos >= 0.9999, f"cosine {cos} for {s!r}"
        assert abs(np.linalg.norm(got) - 1) < 1e-5
    assert max(len(i) for i in ids) == 256  # truncation happened
    print(f"40 sentences: identical token ids; worst cosine to the numpy reference {worst:.7f}")
