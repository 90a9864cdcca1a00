# SPDX-License-Identifier: Apache-2.0
# Test clip generation with the ffmpeg CLI (sourced after tests/lib.sh).
need_tool "${FFMPEG_CLI:-ffmpeg}"
FF="${FFMPEG_CLI:-ffmpeg} -nostdin -loglevel error -y"

# make_clip OUT W H FPS FRAMES [audio] [pattern-offset]
make_clip() {
    out=$1 w=$2 h=$3 fps=$4 n=$5 audio=${6:-} off=${7:-0}
    if [ "$audio" = audio ]; then
        $FF -f lavfi -i "testsrc2=size=${w}x${h}:rate=$fps,hue=h=$off" \
            -f lavfi -i "sine=frequency=440:sample_rate=44100" \
            -frames:v "$n" -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$out"
    else
        $FF -f lavfi -i "testsrc2=size=${w}x${h}:rate=$fps,hue=h=$off" \
            -frames:v "$n" -c:v libx264 -pix_fmt yuv420p "$out"
    fi
}
