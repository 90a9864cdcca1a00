# SPDX-License-Identifier: Apache-2.0
# Shared by the Physics-IQ reference tests (sourced after tests/lib.sh and
# tests/run/clips.sh): check NAME FVEVAL-OPTIONS JSON-OPTIONS [MANIFEST]
# [COMPOSITE-ONLY OPTIONS] runs every Physics-IQ metric through fveval and
# compares the results with reference.py.
PY=/usr/bin/python3
$PY -c "import cv2, numpy" 2>/dev/null || { echo "SKIP: /usr/bin/python3 lacks cv2 or numpy"; exit 77; }
export FFMPEG_CLI="${FFMPEG_CLI:-ffmpeg}" FFPROBE_CLI="${FFPROBE_CLI:-ffprobe}"
R="$FVEVAL --plugin-path $top_builddir/plugins"

# check NAME OPTIONS(fveval) OPTIONS(json) [MANIFEST] [COMPOSITE-ONLY OPTIONS]
check() {
    name=$1 opts=$2 json=$3 rows=${4:-rows.jsonl}
    $R run --manifest "$rows" -m "physics_iq.*$opts,physics_iq$opts${5:-}" -o "$name.json" -q --jobs 2 2>"$name.err"
    if [ ! -s "$name.json" ]; then fail "$name: no results"; return; fi
    if grep -q Sanitizer "$name.err"; then fail "$name: sanitizer report"; sed 's/^/    /' "$name.err" >&2; fi
    if $PY "$top_srcdir/tests/physics_iq/reference.py" "$rows" "$name.json" "$json" > "$name.log" 2>&1; then
        pass "$name: $(tail -n 1 "$name.log")"
    else
        fail "$name"; sed 's/^/    /' "$name.log" | cut -c1-400 >&2
    fi
}
