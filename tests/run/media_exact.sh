#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What the core hands plugins is byte-for-byte what the ffmpeg program gives:
# RGB frames equal `ffmpeg -sws_flags bicubic+accurate_rnd+full_chroma_int
# -pix_fmt rgb24 -f rawvideo` (reference computations in the plugin tests rely
# on it) for each chroma layout, bit depth, range and matrix tag; PCM equals
# `ffmpeg -ar R -ac C -f f32le` for resampling and up/down-mixing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/run/clips.sh"
cd "$TMPDIR_TEST"
TM="$top_builddir/tests/unit/test_media"
SWS="-sws_flags bicubic+accurate_rnd+full_chroma_int -pix_fmt rgb24 -f rawvideo"

# same_video NAME INPUT [FFMPEG-INPUT]: decode both ways and compare.
same_video() {
    name=$1 in=$2 ffin=${3:-$2}
    $FF -i "$ffin" $SWS ref.rgb || { fail "$name: ffmpeg cannot decode it"; return; }
    if ! "$TM" video "$in" got.rgb >info; then fail "$name: the core cannot decode it"; return; fi
    if cmp -s ref.rgb got.rgb; then
        pass "$name: $(cat info) frames bit-exact"
    else
        fail "$name: $(cmp -l ref.rgb got.rgb | wc -l) of $(wc -c <ref.rgb) bytes differ ($(cat info))"
    fi
}

# same_audio NAME INPUT RATE CHANNELS (0 = the source's).
same_audio() {
    name=$1 in=$2 rate=$3 ch=$4
    set --
    [ "$rate" -gt 0 ] && set -- "$@" -ar "$rate"
    [ "$ch" -gt 0 ] && set -- "$@" -ac "$ch"
    $FF -i "$in" -vn "$@" -f f32le ref.pcm || { fail "$name: ffmpeg cannot decode it"; return; }
    if ! "$TM" audio "$in" "$rate" "$ch" got.pcm >info; then fail "$name: the core cannot decode it"; return; fi
    if cmp -s ref.pcm got.pcm; then
        pass "$name at $rate Hz, $ch ch: $(cat info) bit-exact"
    else
        fail "$name at $rate Hz, $ch ch: $(wc -c <ref.pcm) vs $(wc -c <got.pcm) bytes, differ ($(cat info))"
    fi
}

src=testsrc2=size=66x50:rate=10
x264() { $FF -f lavfi -i "$src" -frames:v 6 -c:v libx264 "$@"; }
x264 -pix_fmt yuv420p v420.mp4 && same_video "yuv420p" v420.mp4
x264 -pix_fmt yuv422p v422.mp4 && same_video "yuv422p" v422.mp4
$FF -f lavfi -i "$src" -vf format=yuv444p,scale=65:49 -frames:v 6 -c:v libx264 -pix_fmt yuv444p v444.mp4 &&
    same_video "yuv444p, odd size" v444.mp4
x264 -pix_fmt yuv420p10le v10.mp4 && same_video "yuv420p10le" v10.mp4
x264 -pix_fmt yuvj420p vj.mp4 && same_video "yuvj420p (full range)" vj.mp4
x264 -pix_fmt yuv420p -colorspace bt709 -color_primaries bt709 -color_trc bt709 v709.mp4 &&
    same_video "BT.709 limited" v709.mp4
x264 -pix_fmt yuv420p -colorspace bt709 -color_range pc v709f.mp4 && same_video "BT.709 full" v709f.mp4
$FF -f lavfi -i "$src" -frames:v 6 -c:v mpeg4 -pix_fmt yuv420p vm4.avi && same_video "mpeg4 in avi" vm4.avi
mkdir jpg
$FF -f lavfi -i "$src" -frames:v 3 jpg/f%02d.jpg && same_video "jpeg image directory" jpg jpg/f%02d.jpg

$FF -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=1.1" \
    -f lavfi -i "sine=frequency=660:sample_rate=44100:duration=1.1" \
    -filter_complex amerge=inputs=2 -c:a aac st.m4a
for rc in "0 0" "16000 1" "48000 2" "22050 0"; do
    set -- $rc; same_audio "AAC stereo 44.1 kHz" st.m4a "$1" "$2"
done
$FF -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=0.5" \
    -af "pan=5.1|c0=c0|c1=0.5*c0|c2=0.3*c0|c3=0.1*c0|c4=0.7*c0|c5=0.2*c0" -c:a pcm_s16le six.wav
same_audio "5.1 s16 WAV" six.wav 0 0
same_audio "5.1 s16 WAV" six.wav 16000 1
same_audio "5.1 s16 WAV" six.wav 44100 2

# The real clip, when the shared media are there (not in a distribution tarball).
ltx=$top_srcdir/../shared/media/ltx2.mp4
if [ -f "$ltx" ]; then
    same_video "ltx2.mp4" "$ltx"
    same_audio "ltx2.mp4" "$ltx" 0 0
    same_audio "ltx2.mp4" "$ltx" 16000 1
else
    echo "ltx2.mp4 not found: real-media part skipped"
fi
finish
