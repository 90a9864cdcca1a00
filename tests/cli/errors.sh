#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Bad command lines: each a one-line error naming the problem, exit code 2.
. "$top_srcdir/tests/lib.sh"
r="$TMPDIR_TEST/root"
mkdir -p "$r/fixture"
ln -s "$top_builddir/tests/loader/ok" "$r/fixture/ok"
F="$FVEVAL --plugin-path $r"

expect_rc 0 $FVEVAL --version && contains "plugin ABI 1."
expect_rc 0 $FVEVAL --help && contains "Exit status"
expect_rc 2 $FVEVAL && contains "Usage"
expect_rc 2 $FVEVAL frobnicate && one_line && contains "unknown command 'frobnicate'"
expect_rc 2 $F info nosuch.metric && one_line && contains "unknown metric 'nosuch.metric'"
expect_rc 2 $F info fixture.kk && one_line && contains "did you mean: fixture.ok"
expect_rc 2 $F run -m fixture.ok:bogus=1 --videos /dev/null && one_line && contains "unknown option 'bogus'; valid options: level"
expect_rc 2 $F run -m fixture.ok:level=11 --videos /dev/null && one_line && contains "out of range [0, 10]"
expect_rc 2 $F run -m fixture.ok:level=high --videos /dev/null && one_line && contains "'high' is not an integer"
expect_rc 2 $F run -m nosuch --videos /dev/null && one_line && contains "unknown metric 'nosuch'"
expect_rc 2 $FVEVAL --log-level loud list && one_line && contains "unknown log level"
expect_rc 2 $FVEVAL --plugin-path && one_line && contains "needs a value"

# A --plugin-path that cannot be read: a usage error for commands that use
# plugins; `plugins` records it (the scan never aborts), as it does for roots
# from the environment.
expect_rc 2 $FVEVAL --plugin-path "$r:$TMPDIR_TEST/does-not-exist" list && one_line && \
    contains "plugin path '$TMPDIR_TEST/does-not-exist': cannot read directory"
expect_rc 2 $FVEVAL --plugin-path "$TMPDIR_TEST/does-not-exist" run -m fixture.ok --videos /dev/null && one_line
expect_rc 0 $FVEVAL --plugin-path "$TMPDIR_TEST/does-not-exist" plugins
contains "unreadable"
contains "cannot read directory"
expect_rc 0 env FVEVAL_PLUGIN_PATH="$TMPDIR_TEST/does-not-exist" $F list && contains "fixture.ok"

# info is generated from the descriptor.
expect_rc 0 $F info fixture.ok
contains "level"
contains "default 1"
contains "[0, 10]"
contains "video"
contains "required"
finish
