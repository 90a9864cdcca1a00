# SPDX-License-Identifier: Apache-2.0
"""A scripted stand-in for an exported Whisper (tools/export/whisper.py's
contract) and tokenizer files with Whisper's special-token layout.

  begin(input_features: float32 (1, 80, 3000)) -> Tensor   resets the cache
  step(input_ids: int64 (1, n)) -> float32 (1, 51865)      logits of the last position

The stand-in keeps the tokens fed since begin() (its "cache") and enforces
the cache contract: after the prompt, one new token per call.  Its answers:
  * language detection (only <|startoftranscript|> fed): a non-language token
    gets the top logit (detection must mask it), then <|de|> when the
    features hold sound (max > -1.5, the level of digital silence), <|zh|>
    when silent;
  * after the prompt, the script for the prompt's language token, one token
    per step, checking that the token fed back is the one it asked for
    (a wrong token makes it answer "WRONG"); step 0 ranks the begin-suppressed
    space (220) first and step 1 ranks suppressed token 7 first, so the loop
    must apply both suppressions; then <|endoftext|>.
Scripts (byte-level BPE tokens of this vocabulary):
  de: " Hello" "," " world" "!"            -> "Hello, world!"
  en: " good" " morning" " 's"             -> "good morning's" (clean-up joins " 's")
  zh: bytes of 你 split over two tokens, 好  -> "你好"
"""
import json
import sys
from typing import List

import torch

V = 51865
EOT, SOT = 50257, 50258
LANGS = {"en": 50259, "zh": 50260, "de": 50261, "es": 50262}
TRANSCRIBE, TRANSLATE, NO_TS = 50359, 50358, 50363


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


B2U = bytes_to_unicode()


def tok(b: bytes) -> str:
    return "".join(B2U[x] for x in b)


WORDS = [b" Hello", b",", b" world", b"!", b" good", b" morning", b" 's", "你".encode()[:2],
         "你".encode()[2:], "好".encode(), b" WRONG", b" "]
vocab = {tok(bytes([b])): b for b in range(256)}   # ids 0..255: single bytes
for i, w in enumerate(WORDS):
    vocab.setdefault(tok(w), 300 + i)
vocab["<|endoftext|>"] = EOT
ID = {w: vocab[tok(w)] for w in WORDS}
SPACE = 220  # the byte-level " " (Ġ) is id 220 in Whisper; here byte 0x20 is id 32
vocab = {k: (SPACE if v == 32 else (32 if v == SPACE else v)) for k, v in vocab.items()}
ID = {w: vocab[tok(w)] for w in WORDS}

SCRIPTS = {
    LANGS["de"]: [ID[b" Hello"], ID[b","], ID[b" world"], ID[b"!"]],
    LANGS["en"]: [ID[b" good"], ID[b" morning"], ID[b" 's"]],
    LANGS["zh"]: [ID["你".encode()[:2]], ID["你".encode()[2:]], ID["好".encode()]],
}


class StandIn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fed = torch.zeros(0, dtype=torch.int64)
        self.sound = False
        n = max(len(s) for s in SCRIPTS.values())
        self.script = torch.full((V, n), EOT, dtype=torch.int64)
        for lang, s in SCRIPTS.items():
            self.script[lang, : len(s)] = torch.tensor(s)
        self.wrong = ID[b" WRONG"]
        self.sot, self.eot, self.transcribe, self.no_ts, self.space = SOT, EOT, TRANSCRIBE, NO_TS, SPACE
        self.de, self.zh, self.es, self.vocab = LANGS["de"], LANGS["zh"], LANGS["es"], V

    @torch.jit.export
    def begin(self, input_features: torch.Tensor) -> torch.Tensor:
        assert input_features.shape == (1, 80, 3000), "features must be (1, 80, 3000)"
        assert input_features.dtype == torch.float32
        self.fed = torch.zeros(0, dtype=torch.int64)
        self.sound = bool(input_features.max() > -1.5)
        return torch.zeros(1, 1500, 8)

    @torch.jit.export
    def step(self, input_ids: torch.Tensor) -> torch.Tensor:
        assert input_ids.dtype == torch.int64 and input_ids.dim() == 2 and input_ids.size(0) == 1
        if self.fed.numel() >= 4:
            assert input_ids.size(1) == 1, "after the prompt the cache takes one token per step"
        self.fed = torch.cat([self.fed, input_ids[0]])
        logits = torch.full((1, self.vocab), -10.0)
        if self.fed.numel() == 1 and int(self.fed[0]) == self.sot:
            logits[0, 100] = 50.0                       # detection must mask non-language tokens
            lang = self.de if self.sound else self.zh
            logits[0, lang] = 5.0
            logits[0, self.es] = 4.0
            return logits
        assert self.fed.numel() >= 4, "the prompt is <|startoftranscript|> <|lang|> <|transcribe|> <|notimestamps|>"
        assert int(self.fed[0]) == self.sot and int(self.fed[2]) == self.transcribe and int(self.fed[3]) == self.no_ts
        lang = int(self.fed[1])
        g = self.fed.numel() - 4                        # tokens generated so far
        nxt = self.eot
        if g < self.script.size(1):
            nxt = int(self.script[lang, g])
        if g > 0 and int(self.fed[-1]) != int(self.script[lang, g - 1]):
            nxt = self.wrong                            # the loop fed back another token
        logits[0, nxt] = 3.0
        if g == 0:
            logits[0, self.space] = 9.0                      # begin-suppressed
        if g == 1:
            logits[0, 7] = 9.0                          # in suppress_tokens
        return logits


def main(out):
    torch.jit.script(StandIn()).save(out + "/whisper-base.pt")
    json.dump(vocab, open(out + "/whisper-base.vocab.json", "w"), ensure_ascii=False)
    added = {"<|endoftext|>": EOT, "<|startoftranscript|>": SOT, "<|translate|>": TRANSLATE,
             "<|transcribe|>": TRANSCRIBE, "<|notimestamps|>": NO_TS}
    added.update({f"<|{k}|>": v for k, v in LANGS.items()})
    json.dump(added, open(out + "/whisper-base.added_tokens.json", "w"))
    gen = {"decoder_start_token_id": SOT, "eos_token_id": EOT, "is_multilingual": True,
           "no_timestamps_token_id": NO_TS, "begin_suppress_tokens": [SPACE, EOT],
           "suppress_tokens": [1, 2, 7, 8, 9], "task_to_id": {"transcribe": TRANSCRIBE, "translate": TRANSLATE},
           "lang_to_id": {f"<|{k}|>": v for k, v in LANGS.items()}, "max_length": 448}
    json.dump(gen, open(out + "/whisper-base.generation_config.json", "w"))


if __name__ == "__main__":
    main(sys.argv[1])
