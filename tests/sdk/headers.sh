#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every public header compiles alone as C99 -pedantic -Werror and as C++.
. "$top_srcdir/tests/lib.sh"
for h in "$top_srcdir"/sdk/fveval/*.h; do
    name=${h#"$top_srcdir/sdk/"}
    printf '#include <%s>\nint main(void) { return 0; }\n' "$name" > "$TMPDIR_TEST/t.c"
    if ${CC:-cc} -std=c99 -pedantic -Werror -Wall -Wextra -I"$top_srcdir/sdk" -c "$TMPDIR_TEST/t.c" -o "$TMPDIR_TEST/t.o"; then
        pass "$name as C99"
    else
        fail "$name as C99 -pedantic"
    fi
    cp "$TMPDIR_TEST/t.c" "$TMPDIR_TEST/t.cpp"
    cxx=${CXX_FOR_TESTS:-g++}
    [ -n "$cxx" ] || { echo "FAIL: no C++ compiler for the header test" >&2; exit 99; }
    if $cxx -std=c++11 -pedantic -Werror -Wall -Wextra -I"$top_srcdir/sdk" -c "$TMPDIR_TEST/t.cpp" -o "$TMPDIR_TEST/t2.o"; then
        pass "$name as C++"
    else
        fail "$name as C++"
    fi
done
finish
