# SPDX-License-Identifier: Apache-2.0
"""Independent RoBERTa byte-level BPE, for tests/text/roberta.sh.

    roberta_tokenizer_ref.py gen VOCAB.json MERGES.txt N_MERGES SEED TEXTS.json...
        writes a synthetic vocabulary and merge list learnt from the strings of TEXTS
    roberta_tokenizer_ref.py encode VOCAB.json MERGES.txt TEXTS.json
        prints what tests/text/roberta_tokenize prints

The encoder is the published GPT-2 algorithm (openai/gpt-2 src/encoder.py: bytes_to_unicode,
the split pattern with the `regex` module, bpe with merge ranks), with what Hugging Face's
RobertaTokenizerFast adds around it: the special-token strings split the text first (the
leftmost, longest; <mask> takes the whitespace before it), <s> ... </s> around the ids,
truncation=True cutting the BPE ids to max_length - 2.
"""
import json
import random
import sys

import regex

PAT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2 ** 8):
        if b not in bs:
            bs.append(b)
            cs.append(2 ** 8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()


def get_pairs(word):
    return set(zip(word, word[1:]))


class Encoder:
    def __init__(self, vocab_path, merges_path):
        self.encoder = json.load(open(vocab_path, encoding="utf-8"))
        lines = open(merges_path, encoding="utf-8").read().split("\n")[1:-1]
        merges = [tuple(line.split()) for line in lines]
        self.bpe_ranks = dict(zip(merges, range(len(merges))))
        self.cache = {}
        specials = [s for s in SPECIALS + ["<mask>"] if s in self.encoder]
        alts = [regex.escape(s) if s != "<mask>" else r"\s*<mask>" for s in specials]
        self.split = regex.compile("(" + "|".join(sorted(alts, key=len, reverse=True)) + ")")

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token)
        pairs = get_pairs(word)
        if not pairs:
            return token
        while True:
            bigram = min(pairs, key=lambda pair: self.bpe_ranks.get(pair, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new_word.extend(word[i:])
                    break
                new_word.extend(word[i:j])
                i = j
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        word = " ".join(word)
        self.cache[token] = word
        return word

    def encode_piece(self, text):
        ids = []
        for token in regex.findall(PAT, text):
            token = "".join(BYTE_ENCODER[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder.get(t, self.encoder["<unk>"]) for t in self.bpe(token).split(" "))
        return ids

    def encode(self, text):
        ids = []
        for k, piece in enumerate(self.split.split(text)):
            if k % 2:
                ids.append(self.encoder[piece.lstrip()])  # "\s*<mask>" -> <mask>
            else:
                ids.extend(self.encode_piece(piece))
        return ids


def learn(texts, n_merges, seed):
    """A deterministic merge list over the byte-level words of texts: for each word, the
    merges that build it from the left, from the right and in random pairs, interleaved, so
    ranks compete and different merges produce the same string."""
    rng = random.Random(seed)
    words = []
    for t in texts:
        for tok in regex.findall(PAT, t):
            words.append(tuple(BYTE_ENCODER[b] for b in tok.encode("utf-8")))
    merges, seen = [], set()

    def add(a, b):
        if (a, b) not in seen and len(merges) < n_merges:
            seen.add((a, b))
            merges.append((a, b))

    rng.shuffle(words)
    for w in words:
        if len(merges) >= n_merges:
            break
        how = rng.randrange(3)
        if how == 0:
            cur = w[0]
            for ch in w[1:]:
                add(cur, ch)
                cur += ch
        elif how == 1:
            cur = w[-1]
            for ch in reversed(w[:-1]):
                add(ch, cur)
                cur = ch + cur
        else:
            parts = list(w)
            while len(parts) > 1:
                i = rng.randrange(len(parts) - 1)
                add(parts[i], parts[i + 1])
                parts[i:i + 2] = [parts[i] + parts[i + 1]]
    return merges


def main():
    if sys.argv[1] == "gen":
        vocab_path, merges_path, n, seed = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        texts = []
        for path in sys.argv[6:]:
            texts.extend(json.load(open(path, encoding="utf-8")))
        merges = learn(texts, n, seed)
        vocab = {}
        for t in SPECIALS + [BYTE_ENCODER[b] for b in range(256)] + [a + b for a, b in merges] + ["<mask>"]:
            vocab.setdefault(t, len(vocab))
        json.dump(vocab, open(vocab_path, "w", encoding="utf-8"), ensure_ascii=False)
        with open(merges_path, "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n")
            for a, b in merges:
                f.write(f"{a} {b}\n")
        return
    enc = Encoder(sys.argv[2], sys.argv[3])
    texts = json.load(open(sys.argv[4], encoding="utf-8"))
    bos, eos = enc.encoder["<s>"], enc.encoder["</s>"]
    for max_len, truncate in ((512, 0), (16, 0), (16, 1)):
        for t in texts:
            ids = enc.encode(t)
            if len(ids) + 2 > max_len and not truncate:
                print(f"{max_len} {truncate}: error")
                continue
            ids = [bos] + ids[:max_len - 2] + [eos]
            print(f"{max_len} {truncate}: " + " ".join(map(str, ids)))


if __name__ == "__main__":
    main()
