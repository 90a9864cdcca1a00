# SPDX-License-Identifier: Apache-2.0
# Start and stop the scripted test server (tests/remote/server.py); sourced after
# tests/lib.sh.  start_server SCRIPT LOG [FRAMES_DIR] sets $PORT and $SERVER_PID.
need_tool /usr/bin/python3
# The test server is local: never through a proxy the environment may name.
no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
export no_proxy NO_PROXY
SERVER_PID=
start_server() {
    rm -f "$TMPDIR_TEST/port"
    set -- --script "$1" --log "$2" ${3:+--frames-dir "$3"}
    /usr/bin/python3 "$top_srcdir/tests/remote/server.py" "$@" --port-file "$TMPDIR_TEST/port" &
    SERVER_PID=$!
    for _ in $(seq 1 200); do
        [ -s "$TMPDIR_TEST/port" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || { echo "FAIL: test server did not start" >&2; exit 99; }
        sleep 0.05
    done
    PORT=$(cat "$TMPDIR_TEST/port")
}
stop_server() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
}
trap 'stop_server; rm -rf "$TMPDIR_TEST"' EXIT
# requests LOG: how many requests the server logged.
requests() { if [ -f "$1" ]; then wc -l < "$1" | tr -d ' '; else echo 0; fi; }
# esc TEXT: TEXT with ':' escaped for a -m option value (endpoint=http\://host\:port/...).
esc() { printf '%s' "$1" | sed 's/:/\\:/g'; }
