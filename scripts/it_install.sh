#!/usr/bin/env bash
# it_install.sh - mr installs like a C library (issue 13):
#   - `cmake --install` of the build MR_BIN belongs to (MR_BIN is BUILD/bin)
#     puts the binaries, mr.h, mr.pc, the man pages and the examples into a
#     scratch prefix, in the GNUInstallDirs places;
#   - mr.pc names that prefix: `pkg-config --cflags mr` is what a plugin
#     needs, and --libs nothing;
#   - examples/wordcount.c and the example in mr-plugin(7) build out of the
#     tree with `cc -shared -fPIC ... $(pkg-config --cflags mr)`;
#   - the installed mr-run (also run through a symlink) finds mr-mapper and
#     mr-reducer beside itself and counts the demo's text as
#     `tr -cs A-Za-z '\n' | sort | uniq -c` does, with the installed plugin
#     and with the one built out of tree;
#   - --version prints mr.h's version and the plugin ABI range;
#   - every man page renders without a warning, names every option of its
#     command's --help, and carries the version;
#   - CPack makes a .deb whose control fields and file list are right (it
#     is not installed here: that would change the machine).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/it.sh"
it_init

W=$IT_WORK
BUILD=$(cd "$MR_BIN/.." && pwd)
P=$W/prefix
export PKG_CONFIG_PATH=$P/share/pkgconfig

# ---- cmake --install ------------------------------------------------------

if ! command -v cmake >/dev/null; then
    it_skip "cmake --install into a scratch prefix" "cmake is not installed"
    it_done
fi
cmake --install "$BUILD" --prefix "$P" >"$W/install.log" 2>&1
it_status_ok "cmake --install $BUILD --prefix \$IT_WORK/prefix exits 0" $? "$W/install.log"

missing=
for f in bin/mr-run bin/mr-mapper bin/mr-reducer bin/mr-keygen bin/mr-stream bin/mr-streaming; do
    [ -x "$P/$f" ] || missing="$missing $f"
done
for f in include/mr.h share/pkgconfig/mr.pc share/man/man1/mr-run.1 share/man/man1/mr-mapper.1 \
    share/man/man1/mr-stream.1 share/man/man1/mr-streaming.1 share/man/man1/mr-keygen.1 \
    share/man/man7/mr-plugin.7 \
    lib/mr/examples/wordcount.so lib/mr/examples/upper.so lib/mr/examples/grep.so \
    share/mr/examples/wordcount.c share/mr/examples/genesis.txt share/doc/mr/README.md; do
    [ -f "$P/$f" ] || missing="$missing $f"
done
it_equal "every file is installed where GNUInstallDirs puts it (missing: none)" "" "$missing"
it_same "the installed mr.h is include/mr.h" "$IT_INCLUDE/mr.h" "$P/include/mr.h"

# The version and ABI a plugin sees, from the installed header.
h_define() { sed -n "s/^#define $1 \\([0-9]*\\)\$/\\1/p" "$P/include/mr.h"; }
V="$(h_define MR_VERSION_MAJOR).$(h_define MR_VERSION_MINOR).$(h_define MR_VERSION_PATCH)"
ABI=$(h_define MR_ABI_VERSION)
it_check "mr.h defines the version ($V) and MR_ABI_VERSION ($ABI)" test -n "$ABI" -a "$V" != ..

# ---- --version ------------------------------------------------------------

it_equal "mr-run --version: the version and the plugin ABI range" \
    "mr-run $V (plugin ABI 1 to $ABI)" "$("$P/bin/mr-run" --version 2>&1)"
it_equal "mr-stream --version: the version and the plugin ABI range" \
    "mr-stream $V (plugin ABI 1 to $ABI)" "$("$P/bin/mr-stream" --version 2>&1)"
it_equal "mr-keygen --version: the version" "mr-keygen $V" "$("$P/bin/mr-keygen" --version 2>&1)"
it_equal "mr-streaming --version: the version" "mr-streaming $V" \
    "$("$P/bin/mr-streaming" --version 2>&1)"

# ---- pkg-config -----------------------------------------------------------

if command -v pkg-config >/dev/null; then
    # (pkg-config ends --cflags and --libs with a space.)
    it_equal "pkg-config --cflags mr: -I the prefix's include" "-I$P/include" \
        "$(pkg-config --cflags mr 2>&1 | sed 's/ *$//')"
    it_equal "pkg-config --libs mr: nothing (a plugin links no library)" "" \
        "$(pkg-config --libs mr 2>&1 | sed 's/ *$//')"
    it_equal "pkg-config --modversion mr: mr.h's version" "$V" "$(pkg-config --modversion mr 2>&1)"
    it_equal "pkg-config --variable=abi_version mr: MR_ABI_VERSION" "$ABI" \
        "$(pkg-config --variable=abi_version mr 2>&1)"
    it_equal "pkg-config --variable=prefix mr: the install prefix" "$P" \
        "$(pkg-config --variable=prefix mr 2>&1)"
    CFLAGS_MR=$(pkg-config --cflags mr)
else
    it_skip "pkg-config --cflags mr" "pkg-config is not installed"
    CFLAGS_MR="-I$P/include"
fi

# ---- plugins built out of the tree ---------------------------------------

mkdir -p "$W/outside"
cp "$P/share/mr/examples/wordcount.c" "$W/outside/"
# shellcheck disable=SC2086 # CFLAGS_MR is pkg-config's word list
(cd "$W/outside" && cc -shared -fPIC -O2 -Wall -Wextra -Werror -o wordcount.so wordcount.c \
    $CFLAGS_MR) >"$W/cc.log" 2>&1
it_status_ok "wordcount.c builds out of tree: cc -shared -fPIC ... \$(pkg-config --cflags mr)" $? \
    "$W/cc.log"

if command -v groff >/dev/null; then
    # The word count printed in mr-plugin(7)'s EXAMPLES, as a reader copies it.
    groff -man -Tascii -P-cbou "$P/share/man/man7/mr-plugin.7" 2>/dev/null |
        sed -n '/^EXAMPLES/,$p' | sed -n '/#include <mr.h>/,/^ *};$/p' >"$W/outside/manwc.c"
    # shellcheck disable=SC2086
    (cd "$W/outside" && cc -shared -fPIC -O2 -Wall -Wextra -Werror -o manwc.so manwc.c \
        $CFLAGS_MR) >"$W/cc_man.log" 2>&1
    it_status_ok "the example in mr-plugin(7) builds out of tree with pkg-config" $? \
        "$W/cc_man.log" "$(head -n 5 "$W/outside/manwc.c")"
else
    it_skip "the example in mr-plugin(7) builds out of tree" "groff is not installed"
fi

# ---- the demo, from the installed files ----------------------------------

TEXT=$P/share/mr/examples/genesis.txt
it_count_words "$TEXT" >"$W/expected.tsv"
it_check "the oracle counts the demo's text (over 2000 distinct words)" \
    test "$(wc -l <"$W/expected.tsv")" -gt 2000

# demo NAME MR_RUN PLUGIN: the demo's command with that mr-run and plugin.
demo() {
    (cd "$W/outside" && "$2" -q -m "$3" -j 2 --chunk-size 32k --sort -o "$W/$1.tsv" "$TEXT") \
        2>"$W/$1.err"
    it_status_ok "demo ($1): exits 0" $? "$W/$1.err"
    it_same "demo ($1): the counts of tr|sort|uniq -c" "$W/expected.tsv" "$W/$1.tsv"
}
demo installed "$P/bin/mr-run" "$P/lib/mr/examples/wordcount.so"
demo outside "$P/bin/mr-run" "$W/outside/wordcount.so"
[ -f "$W/outside/manwc.so" ] && demo man_example "$P/bin/mr-run" "$W/outside/manwc.so"
# Through a symlink, mr-run still finds its helpers beside its real file.
mkdir -p "$W/links"
ln -s "$P/bin/mr-run" "$W/links/mr-run"
demo symlink "$W/links/mr-run" "$P/lib/mr/examples/wordcount.so"
# Alone, it says what is missing.
mkdir -p "$W/alone"
cp "$P/bin/mr-run" "$W/alone/"
"$W/alone/mr-run" -q -m "$P/lib/mr/examples/wordcount.so" "$TEXT" >/dev/null 2>"$W/alone.err"
it_equal "mr-run without mr-mapper beside it: exits 1" 1 $?
it_mentions "mr-run without mr-mapper beside it: says where it looked" "$W/alone.err" \
    "$W/alone/mr-mapper: No such file or directory (it must sit beside mr-run)"

# ---- the man pages --------------------------------------------------------

if command -v groff >/dev/null; then
    for page in man1/mr-run.1 man1/mr-mapper.1 man1/mr-stream.1 man1/mr-streaming.1 man1/mr-keygen.1 \
        man7/mr-plugin.7; do
        f=$P/share/man/$page
        name=$(basename "$page")
        groff -man -ww -z "$f" >"$W/$name.warn" 2>&1
        rc=$?
        it_check "$name renders without a warning (groff -man -ww)" \
            test $rc -eq 0 -a ! -s "$W/$name.warn"
        [ -s "$W/$name.warn" ] && sed 's/^/#   /' "$W/$name.warn" | head -n 10
        it_check "$name carries version $V in its title" grep -q "^\\.TH .* \"mr $V\" " "$f"
    done
    # Every option that a command's --help names is in its page.
    for cmd in mr-run mr-mapper mr-stream mr-streaming mr-keygen; do
        groff -man -Tascii -P-cbou "$P/share/man/man1/$cmd.1" 2>/dev/null >"$W/$cmd.txt"
        "$P/bin/$cmd" --help 2>&1 | grep -oE -- '--[a-z][a-z-]*' | sort -u >"$W/$cmd.flags"
        absent=
        while read -r flag; do
            grep -qF -- "$flag" "$W/$cmd.txt" || absent="$absent $flag"
        done <"$W/$cmd.flags"
        it_equal "$cmd(1) names every option of $cmd --help ($(wc -l <"$W/$cmd.flags") of them)" \
            "" "$absent"
    done
else
    it_skip "the man pages render without warnings" "groff is not installed"
fi
if command -v man >/dev/null; then
    it_equal "man finds mr-run(1) under the prefix (MANPATH=\$prefix/share/man)" \
        "$P/share/man/man1/mr-run.1" "$(MANPATH=$P/share/man man -w mr-run 2>&1)"
    it_equal "man finds mr-plugin(7) under the prefix" \
        "$P/share/man/man7/mr-plugin.7" "$(MANPATH=$P/share/man man -w 7 mr-plugin 2>&1)"
else
    it_skip "man finds the pages under the prefix" "man is not installed"
fi

# ---- the .deb -------------------------------------------------------------

if ! command -v dpkg-deb >/dev/null || ! command -v cpack >/dev/null; then
    it_skip "cpack makes a .deb" "dpkg-deb or cpack is not installed"
elif ! command -v dpkg-shlibdeps >/dev/null; then
    it_skip "cpack makes a .deb" "dpkg-shlibdeps (dpkg-dev), which computes its Depends, is not installed"
else
    timeout 60 cpack --config "$BUILD/CPackConfig.cmake" -B "$W/pkg" >"$W/cpack.log" 2>&1
    it_status_ok "cpack makes the .deb (within 60 s)" $? "$W/cpack.log"
    arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
    DEB=$W/pkg/mr-mapreduce_${V}_$arch.deb
    it_check "the .deb is mr-mapreduce_${V}_$arch.deb" test -s "$DEB"
    field() { dpkg-deb -f "$DEB" "$1" 2>/dev/null; }
    it_equal ".deb Package" mr-mapreduce "$(field Package)"
    it_equal ".deb Version" "$V" "$(field Version)"
    it_equal ".deb Architecture" "$arch" "$(field Architecture)"
    deps=$(field Depends)
    lacking=
    for lib in libc6 libzmq5 libsodium23 libmsgpackc2; do
        [[ ", $deps," == *", $lib "* || ", $deps," == *", $lib,"* ]] || lacking="$lacking $lib"
    done
    it_equal ".deb Depends names libc6, libzmq5, libsodium23, libmsgpackc2 ($deps)" "" "$lacking"
    it_check ".deb has a Maintainer and a Description" test -n "$(field Maintainer)" -a \
        -n "$(field Description)"
    dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./||' | grep -v '/$' | sort >"$W/deb.files"
    (cd "$P" && find . -type f | sed 's|^\./|usr/|' | sort) >"$W/prefix.files"
    it_same ".deb holds exactly the installed files, under /usr" "$W/prefix.files" "$W/deb.files"
    dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/share/pkgconfig/mr.pc >"$W/deb.pc" 2>/dev/null
    # shellcheck disable=SC2016 # pkg-config's ${prefix}, verbatim
    it_mentions ".deb's mr.pc names /usr" "$W/deb.pc" "prefix=/usr" 'includedir=${prefix}/include'
fi

it_no_children "no mr-mapper or mr-reducer left"
it_no_runtime_dir "no runtime directory left in TMPDIR"
it_done
