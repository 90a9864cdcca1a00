#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# audio.clap_score through `fveval run` with a CLAP stand-in (tests/audio/make_clap.py) and
# tokenizer files learnt by tests/text/roberta_tokenizer_ref.py, against an independent
# torch + NumPy computation on audio the ffmpeg CLI decodes (tests/audio/clap_ref.py):
# ltx2.wav, the AAC track of ltx2.mp4 (the video fallback), a 12 s clip (fusion crops),
# 8-channel 96 kHz noise, 0.1 s, an empty prompt, special tokens and CJK/emoji in the
# prompt, a 600-word prompt with truncate=true; silence, no prompt, no audio track and
# a 600-word prompt without truncation are skips; a broken merges file is an error.
. "$top_srcdir/tests/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import torch, regex' 2>/dev/null || { echo "FAIL: $PY lacks torch or regex" >&2; exit 99; }
FF=${FFMPEG_CLI:-ffmpeg}
need_tool "$FF"
media="${FVEVAL_SHARED_DIR:-$top_srcdir/../shared}/media"   # shared/ beside the checkout
cd "$TMPDIR_TEST"
mkdir models
"$PY" "$top_srcdir/tests/audio/make_wavs.py" . || exit 99
"$FF" -v error -f lavfi -i testsrc=size=64x48:rate=10 -t 1 -pix_fmt yuv420p noaudio.mp4 || exit 99
if [ -f "$media/ltx2.wav" ] && [ -f "$media/ltx2.mp4" ]; then
    cp "$media/ltx2.wav" "$media/ltx2.mp4" .
else
    echo "note: $media/ltx2.wav or ltx2.mp4 absent: tone12s.wav stands in"
    cp tone12s.wav ltx2.wav
    "$FF" -v error -i noaudio.mp4 -i noise8ch96k.wav -c:v copy -c:a aac -shortest ltx2.mp4 || exit 99
fi
long=$("$PY" -c 'print("word " * 600)')
"$PY" - "$long" <<'PYEOF' || exit 99
import json, sys
rows = [
    {"audio": "ltx2.wav", "text_prompt": "A woman speaks while soft music plays in the background."},
    {"video": "ltx2.mp4", "text_prompt": "it's a <mask> of rain, they'll say"},
    {"audio": "tone12s.wav", "text_prompt": "a steady 440 Hz tone, swelling and fading"},
    {"audio": "noise8ch96k.wav", "text_prompt": "白色噪音 🐱 static hiss   and  crackle"},
    {"audio": "short.wav", "text_prompt": "a short burst"},
    {"audio": "chirp22k.wav", "text_prompt": ""},
    {"audio": "silent.wav", "text_prompt": "silence"},
    {"audio": "ltx2.wav"},
    {"video": "noaudio.mp4", "text_prompt": "nothing"},
    {"audio": "ltx2.wav", "text_prompt": sys.argv[1]},
]
with open("m.jsonl", "w") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
json.dump([r.get("text_prompt", "") for r in rows], open("texts.json", "w"))
PYEOF
"$PY" "$top_srcdir/tests/text/roberta_tokenizer_ref.py" gen models/clap_htsat_fused.vocab.json \
    models/clap_htsat_fused.merges.txt 400 5 texts.json "$top_srcdir/tests/text/prompts.json" || exit 99
"$PY" "$top_srcdir/tests/audio/make_clap.py" models/clap_htsat_fused.vocab.json models/clap_htsat_fused.pt || exit 99
R="$FVEVAL --plugin-path $top_builddir/plugins"
expect_rc 0 $R run --manifest m.jsonl -m audio.clap_score --model-dir models -o clap.json -q
res() { # FILE ROW KEY: a field of the row's result (details flattened)
    "$PY" -c 'import json,sys
r = json.load(open(sys.argv[1]))["samples"][int(sys.argv[2])]["results"]["audio.clap_score"]
r.update(r.get("details") or {}); print(r.get(sys.argv[3]))' "$1" "$2" "$3"
}
# the reference for every scored row in one process: rows 0-5 of m.jsonl, then row 9 truncated
"$PY" - <<'PYEOF' || exit 99
import json
rows = [json.loads(line) for line in open("m.jsonl", encoding="utf-8")]
jobs = [[r.get("audio") or r["video"], r["text_prompt"], None] for r in rows[:6]]
jobs.append([rows[9]["audio"], rows[9]["text_prompt"], 512])
json.dump(jobs, open("jobs.json", "w"))
PYEOF
"$PY" "$top_srcdir/tests/audio/clap_ref.py" models/clap_htsat_fused.pt models/clap_htsat_fused.vocab.json \
    models/clap_htsat_fused.merges.txt jobs.json > want.txt || fail "reference"
check() { # FILE ROW LINE-OF-want.txt
    want=$(sed -n "${3}p" want.txt)
    got=$(res "$1" "$2" score)
    what=$("$PY" -c 'import json,sys; print(json.load(open("jobs.json"))[int(sys.argv[1]) - 1][0])' "$3")
    if "$PY" -c 'import sys
w, g = float(sys.argv[1]), float(sys.argv[2])
sys.exit(0 if abs(w - g) <= 1e-5 * abs(w) + 1e-7 else 1)' "$want" "$got" 2>/dev/null; then
        pass "$1 row $2 ($what): score $got = torch $want"
    else
        fail "$1 row $2 ($what): fveval $got, torch $want"
    fi
}
for row in 0 1 2 3 4 5; do check clap.json $row $((row + 1)); done
out=$(res clap.json 2 audio_seconds); [ "$out" = 12.0 ] && pass "12 s clip: $out s at 48 kHz" || fail "12 s clip: $out"
out=$(res clap.json 0 text_tokens); [ "$out" -gt 3 ] && pass "ltx2.wav: $out tokens" || fail "tokens: $out"
out=$(res clap.json 6 skipped); contains "silent audio: peak normalisation divides by zero" && pass "silence: $out"
out=$(res clap.json 7 skipped); contains "missing 'text_prompt'" && pass "no prompt: $out"
out=$(res clap.json 8 skipped); contains "no audio" && pass "video without a track: $out"
out=$(res clap.json 9 skipped); contains "text_prompt: the text is " &&
    contains "tokens with <s> and </s>, more than the 512 the text encoder takes" && pass "600 words: $out"
# truncate=true: the first 510 BPE ids, as truncation=True, max_length=512
sed -n 10p m.jsonl > long.jsonl
expect_rc 0 $R run --manifest long.jsonl -m audio.clap_score:truncate=true --model-dir models -o long.json -q
check long.json 0 7
out=$(res long.json 0 text_tokens); [ "$out" = 512 ] && pass "truncated to $out tokens" || fail "truncated: $out tokens"
# the tokenizer files are model files: the core names a missing one; one that cannot be read
# makes every sample an error that says why
mkdir nofiles bad && cp models/clap_htsat_fused.pt nofiles/ && cp models/* bad/
sed -n 1p m.jsonl > one.jsonl
expect_rc 0 $R run --manifest one.jsonl -m audio.clap_score --model-dir nofiles -o none.json -q &&
    contains "missing model file 'clap_htsat_fused.vocab.json'" && pass "no tokenizer files: $out"
printf '#version: 0.2\nnot a merge line\n' > bad/clap_htsat_fused.merges.txt
expect_rc 1 $R run --manifest one.jsonl -m audio.clap_score --model-dir bad -o bad.json -q
out=$(res bad.json 0 error); contains "clap_htsat_fused.merges.txt: line 2 is not two symbols" &&
    pass "unreadable merges: $out"
finish
