# SPDX-License-Identifier: Apache-2.0
"""An independent Python implementation of audio.wer's pure part, written from
FastVideo's audio/wer/metric.py (normalisation) and jiwer 4's wer (word-level
Levenshtein over reference words; an empty reference scores the insertions).

  wer_ref.py cases CASES.json     write a few hundred test cases
  wer_ref.py check CASES.json OUT.json   compare fveval's outcomes with this
"""
import json
import random
import re
import string
import sys
import unicodedata

PUNCTUATION = string.punctuation + "，。！？、；：「」『』（）《》【】—…"
CJK = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x3040, 0x309F), (0x30A0, 0x30FF), (0xAC00, 0xD7AF)]


def normalize(t):
    t = unicodedata.normalize("NFKC", t)
    t = t.strip().lower()
    t = "".join(ch for ch in t if ch not in PUNCTUATION)
    return re.sub(r"\s+", " ", t)


def has_cjk(t):
    return any(lo <= ord(ch) <= hi for ch in t for lo, hi in CJK)


def hint(language):
    if not isinstance(language, str):
        return None
    lang = language.lower()
    if any(k in lang for k in ("zh", "cn", "ja", "jp", "ko", "cjk", "yue", "cantonese")):
        return True
    if any(k in lang for k in ("en", "de", "fr", "es", "it", "pt")):
        return False
    return None


def words(s):
    s = re.sub(r"\s\s+", " ", s).strip()
    return [w for w in s.split(" ") if w]


def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def evaluate(ref, asr, language):
    if set(asr) <= set(string.punctuation):
        asr = ""
    r, h = normalize(ref), normalize(asr)
    cl = hint(language)
    if cl is None:
        cl = has_cjk(r) or has_cjk(h)
    rr, hh = r, h
    if cl:
        rr = " ".join(ch for ch in r if not ch.isspace())
        hh = " ".join(ch for ch in h if not ch.isspace())
    rw, hw = words(rr), words(hh)
    d = levenshtein(rw, hw)
    wer = d / len(rw) if rw else float(d)
    return {"reference": r, "transcription": h, "char_level": cl, "wer": wer, "ref_words": len(rw)}


FRAGMENTS = [
    "Hello, world!", "the quick brown fox", "jumps over the lazy dog.", "It's   a  test\t",
    "Café naïve résumé", "ÉCOLE ÉTÉ", "İstanbul", "ΟΔΥΣΣΕΥΣ", "ὈΔΥΣΣΕΎΣ σοφός", "Straße",
    "ﬁne ﬂow", "Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３", "你好，世界！", "今天天气很好。", "「引用」『二重』",
    "（括弧）《书名》【注】", "こんにちは、世界", "カタカナ テスト", "안녕하세요 세계", "emoji 😀 🎉 ok",
    "tabs\tand\nnewlines\r\n", "\u00a0nbsp\u00a0inside\u2003em space", "ⅰⅱⅲ ① ²³",
    "...", "!!!", "?", "", "   ", "a — b … c", "don't stop", "co-operate", "e.g. i.e.",
    "ǅemal ǈubljana", "ΣΑΣ Σ ΑΣ. ΑΣ'", "x\u0301y", "K\u212a kelvin", "\u00b5 micro",
    "mixed 中文 and English", "数字 123 ４５６", "ﾊﾝｶｸ ｶﾀｶﾅ", "a\u200bb zero\u200cwidth",
    "trailing punct ;", "  leading space", "UPPER lower MiXeD", "ÀÉÎÕÜ àéîõü",
]
LANGS = [None, "en", "English", "zh", "zh-CN", "Japanese", "ko", "fr", "chinese", "cantonese",
         "yue", "de", "xx", "", "PT-br", "Italian", "ru"]


def make_cases(path):
    rnd = random.Random(7)
    cases = []
    for f in FRAGMENTS:
        cases.append([f, f, None])
        cases.append([f, "", None])
        cases.append(["", f, None])
    for _ in range(260):
        ref = " ".join(rnd.choice(FRAGMENTS) for _ in range(rnd.randint(0, 3)))
        hyp = " ".join(rnd.choice(FRAGMENTS) for _ in range(rnd.randint(0, 3)))
        if rnd.random() < 0.3:  # near misses: drop or swap a word
            w = ref.split(" ")
            if len(w) > 1:
                w.pop(rnd.randrange(len(w)))
            hyp = " ".join(w)
        cases.append([ref, hyp, rnd.choice(LANGS)])
    json.dump(cases, open(path, "w"), ensure_ascii=False)


def check(cases_path, out_path):
    cases = json.load(open(cases_path))
    got = json.load(open(out_path))
    assert len(got) == len(cases), (len(got), len(cases))
    bad = 0
    for (ref, asr, lang), g in zip(cases, got):
        want = evaluate(ref, asr, lang)
        ok = (g.get("reference") == want["reference"] and g.get("transcription") == want["transcription"]
              and g.get("char_level") == want["char_level"] and g.get("ref_words") == want["ref_words"]
              and abs(g.get("wer", -9) - want["wer"]) <= 1e-12)
        if not ok:
            bad += 1
            if bad <= 5:
                print("MISMATCH", json.dumps([ref, asr, lang], ensure_ascii=False), g, want, file=sys.stderr)
    print(f"{len(cases) - bad}/{len(cases)} cases equal")
    return bad == 0


if __name__ == "__main__":
    if sys.argv[1] == "cases":
        make_cases(sys.argv[2])
    else:
        sys.exit(0 if check(sys.argv[2], sys.argv[3]) else 1)
