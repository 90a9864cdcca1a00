#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# audio.wer end to end with a scripted Whisper stand-in
# (tests/wer/make_whisper_standin.py): log-mel against an independent torch
# implementation, then through `fveval run`: language detection with masking,
# the prompt, begin-/token suppression, the cache contract (one token per step),
# feeding back the chosen token, end-of-text, max_new_tokens, detokenisation
# (a character split over two byte-level tokens, clean-up of " 's"), forced
# language, 30 s chunks, skips and setup errors.  Every WER is hand-computed.
. "$top_srcdir/tests/lib.sh"
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "FAIL: /usr/bin/python3 lacks torch" >&2; exit 99; }
cd "$TMPDIR_TEST"

# ---- the front-end: fveval's log-mel vs torch.stft + librosa-style Slaney filters ----
ffmpeg -v error -i "$top_srcdir/../shared/media/ltx2.wav" -ac 1 -ar 16000 -f f32le ltx2.f32 2>/dev/null || rm -f ltx2.f32
set -- "$TMPDIR_TEST" "$top_builddir/tests/wer/whisper_mel_cli"
[ -s ltx2.f32 ] && set -- "$@" ltx2.f32
/usr/bin/python3 "$top_srcdir/tests/wer/mel_ref.py" "$@" && pass "log-mel equals the float64 path (<= 1e-5) and torch's float32 one (<= 1e-4)" || fail "log-mel"

# ---- the export script's cached decoder vs a full-prefix decoder (random weights) ----
/usr/bin/python3 "$top_srcdir/tests/wer/export_check.py" "$top_srcdir/tools/export/whisper.py" \
    && pass "export: the key/value cache gives the full-prefix logits" || fail "export: cached decoder"

# ---- the metric ----
mkdir models
/usr/bin/python3 "$top_srcdir/tests/wer/make_whisper_standin.py" models || exit 99
ffmpeg -v error -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=3" -ac 2 tone.wav
ffmpeg -v error -f lavfi -i "anullsrc=r=22050:cl=mono" -t 2 silent.wav
ffmpeg -v error -f lavfi -i "sine=frequency=300:sample_rate=16000:duration=65" long.wav
cat > m.jsonl <<'JSON'
{"audio": "tone.wav", "reference_text": "Hello world"}
{"audio": "tone.wav", "reference_text": "hello there, world"}
{"audio": "tone.wav", "text_prompt": "HELLO WORLD!"}
{"audio": "tone.wav"}
{"audio": "silent.wav", "reference_text": "你好吗", "language": "zh"}
JSON
R="$FVEVAL --plugin-path $top_builddir/plugins run --model-dir models -q -m"
W=audio.wer
expect_rc 0 $R $W --manifest m.jsonl -o r.json
/usr/bin/python3 - <<'PY' && pass "detection, suppression, feedback, detokenisation, WER" || fail "the Whisper loop"
import json
s = json.load(open("r.json"))["samples"]
r = [x["results"]["audio.wer"] for x in s]
d = r[0]["details"]
assert r[0]["score"] == 0.0, r[0]                     # "Hello, world!" vs "Hello world"
assert d["transcription"] == "hello world" and d["language"] == "de" and d["tokens"] == 5, d
assert d["asr_backend"] == "whisper" and d["char_level"] is False and d["windows"] == 1, d
assert abs(r[1]["score"] - 1 / 3) < 1e-12, r[1]       # one deletion of three words
assert r[2]["score"] == 0.0 and r[2]["details"]["reference_text"] == "hello world", r[2]
assert r[3]["score"] is None and r[3]["skipped"] == "missing reference_text/text_prompt", r[3]
z = r[4]
assert z["details"]["language"] == "zh" and z["details"]["transcription"] == "你好", z   # silence -> zh script
assert z["details"]["char_level"] is True and abs(z["score"] - 1 / 3) < 1e-12, z          # 你 好 vs 你 好 吗
PY

# the AAC track of the real clip, through the video's own audio
LTX="$top_srcdir/../shared/media/ltx2.mp4"
if [ -f "$LTX" ]; then
    printf '{"audio": "%s", "reference_text": "hello world"}\n' "$LTX" > ltx.jsonl
    expect_rc 0 $R $W --manifest ltx.jsonl -o rl.json
    /usr/bin/python3 -c '
import json; r = json.load(open("rl.json"))["samples"][0]["results"]["audio.wer"]
assert r["score"] == 0.0 and r["details"]["language"] == "de" and abs(r["details"]["audio_seconds"] - 5) < 0.1, r' \
        && pass "ltx2.mp4 AAC track" || fail "ltx2.mp4 AAC track"
else
    echo "note: $LTX absent: synthetic audio only"
fi

# max_new_tokens stops the loop: "Hello," only
expect_rc 0 $R $W:max_new_tokens=2 --manifest m.jsonl -o r2.json
/usr/bin/python3 -c '
import json; r = json.load(open("r2.json"))["samples"][0]["results"]["audio.wer"]
assert r["details"]["transcription"] == "hello" and r["details"]["tokens"] == 2 and r["score"] == 0.5, r' \
    && pass "max_new_tokens" || fail "max_new_tokens"

# a forced language skips detection: the en script, with " 's" cleaned up
printf '{"audio": "tone.wav", "reference_text": "Good morning'"'"'s"}\n' > en.jsonl
expect_rc 0 $R $W:language=en --manifest en.jsonl -o r3.json
/usr/bin/python3 -c '
import json; r = json.load(open("r3.json"))["samples"][0]["results"]["audio.wer"]
assert r["details"]["transcription"] == "good mornings" and r["details"]["language"] == "en" and r["score"] == 0.0, r' \
    && pass "forced language, clean-up of tokenization spaces" || fail "forced language"
expect_rc 0 $R $W:language=en:cleanup_spaces=false --manifest en.jsonl -o r3b.json
/usr/bin/python3 -c '
import json; r = json.load(open("r3b.json"))["samples"][0]["results"]["audio.wer"]
assert r["details"]["transcription"] == "good morning s" and r["score"] == 1.0, r' \
    && pass "cleanup_spaces=false keeps the space" || fail "cleanup_spaces=false"
expect_rc 0 $R $W:use_language_hint=true --manifest m.jsonl -o r3c.json
/usr/bin/python3 -c '
import json; r = json.load(open("r3c.json"))["samples"][4]["results"]["audio.wer"]
assert r["details"]["language"] == "zh" and r["details"]["transcription"] == "你好", r' \
    && pass "use_language_hint forces the sample hint" || fail "use_language_hint"

# 65 s: upstream transcribes the first 30 s; long_form=chunk three windows
printf '{"audio": "long.wav", "reference_text": "hello world"}\n' > long.jsonl
expect_rc 0 $R $W --manifest long.jsonl -o r4.json
expect_rc 0 $R $W:long_form=chunk --manifest long.jsonl -o r5.json
/usr/bin/python3 - <<'PY' && pass "30 s windows" || fail "30 s windows"
import json
a = json.load(open("r4.json"))["samples"][0]["results"]["audio.wer"]
b = json.load(open("r5.json"))["samples"][0]["results"]["audio.wer"]
assert a["details"]["windows"] == 1 and a["score"] == 0.0, a
assert abs(a["details"]["audio_seconds"] - 65) < 1e-3, a
assert b["details"]["windows"] == 3 and b["details"]["transcription"] == "hello world hello world hello world", b
assert b["score"] == 2.0, b          # 4 insertions over 2 reference words
PY

# errors: missing model files skip the metric; a bad language code is an error per sample
mkdir empty
expect_rc 0 $FVEVAL --plugin-path $top_builddir/plugins run -m audio.wer --model-dir empty -q --manifest m.jsonl -o r6.json
/usr/bin/python3 -c '
import json; r = json.load(open("r6.json"))["samples"][0]["results"]["audio.wer"]
assert r["score"] is None and "whisper-base.pt" in r["skipped"], r' && pass "missing model: skip naming the file" || fail "missing model"
expect_rc 1 $R $W:language=xx --manifest en.jsonl -o r7.json
/usr/bin/python3 -c '
import json; r = json.load(open("r7.json"))["samples"][0]["results"]["audio.wer"]
assert "language" in r["error"] and "xx" in r["error"], r' && pass "unknown language code: an error" || fail "bad language"
printf '{"not": "json"' > models/whisper-base.generation_config.json
expect_rc 1 $R $W --manifest en.jsonl -o r8.json
/usr/bin/python3 -c '
import json; r = json.load(open("r8.json"))["samples"][0]["results"]["audio.wer"]
assert "generation_config.json" in r["error"], r' && pass "broken tokenizer file: an error naming it" || fail "broken generation config"
finish
