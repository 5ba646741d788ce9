#!/bin/bash
# Issue 14 (6): `cmake --install` into a clean root (DESTDIR) gives what a
# Debian host needs to run midway as a service, and the documented steps
# (docs/operations.md, "Install as a service") make the users and folders
# the units use:
#  - every program is installed and answers --version;
#  - systemd-sysusers creates the users of the units, systemd-tmpfiles the
#    folders (one spool folder per project site, owned by midway);
#  - systemd-analyze verify accepts every unit without a word;
#  - every unit's User= exists, its ExecStart= program is the installed
#    one, and every ReadWritePaths= folder exists (a producer's for each
#    of the 30 sites) with the unit's user as owner.
# usage: install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=${1:?usage: install.sh BUILD_DIR SOURCE_DIR} src=${2:?}
root=$(mktemp -d /tmp/midway-install.XXXXXX)
trap 'rm -rf "$root"' EXIT
fail() { echo "install: FAIL: $*" >&2; exit 1; }
ok() { echo "install: ok: $*"; }

DESTDIR=$root cmake --install "$build" >"$root.log" 2>&1 || { cat "$root.log" >&2; fail "cmake --install"; }
rm -f "$root.log"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
bindir=$prefix/bin
units=$root$prefix/lib/systemd/system

progs=$(cd "$src" && ls -d producers/* consumers/* readers/* tools/* | xargs -n1 basename | sed 's/\.c$//')
for p in $progs; do
        [ -x "$root$bindir/$p" ] || fail "$bindir/$p not installed"
        "$root$bindir/$p" --version >/dev/null 2>&1 || fail "$bindir/$p --version"
done
ok "$(echo "$progs" | wc -w) programs in $bindir answer --version"
for f in lib/sysusers.d/midway.conf lib/tmpfiles.d/midway.conf share/midway/registration.avsc \
        share/doc/midway/README.md share/doc/midway/operations.md; do
        [ -s "$root$prefix/$f" ] || fail "$prefix/$f not installed"
done

# the documented steps, in the clean root
mkdir -p "$root/etc"
systemd-sysusers --root="$root" >/dev/null 2>&1 || fail "systemd-sysusers"
systemd-tmpfiles --create --root="$root" || fail "systemd-tmpfiles --create"

# what systemd-analyze verify needs of a root besides the units: systemd's
# own units and the programs the units name
mkdir -p "$root/usr/lib/systemd" "$root/bin"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp /bin/sh "$root/bin/sh"
n=0
for u in "$units"/*.service "$units"/*.timer; do
        name=$(basename "$u")
        out=$(systemd-analyze verify --root="$root" "$prefix/lib/systemd/system/$name" 2>&1) ||
                fail "systemd-analyze verify $name: $out"
        [ -z "$out" ] || fail "systemd-analyze verify $name says: $out"
        n=$((n + 1))
done
ok "systemd-analyze verify: $n units without a word"

uid_of() { awk -F: -v u="$1" '$1 == u { print $3 }' "$root/etc/passwd"; }
slugs=$(grep -v '^#' "$src/reference/projects.csv" | tail -n +2 | cut -d';' -f3)
for u in "$units"/*.service; do
        name=$(basename "$u")
        user=$(sed -n 's/^User=//p' "$u")
        uid=$(uid_of "$user")
        [ -n "$uid" ] || fail "$name: User=$user is not created by sysusers.d"
        # ExecStart= with its continuation lines joined
        exe=$(sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' "$u" | sed -n 's/^ExecStart=//p' |
                grep -o "$bindir/midway-[a-z-]*" || true)
        exe=${exe%%$'\n'*}
        [ -x "$root$exe" ] || fail "$name: ExecStart names $exe, which is not installed"
        for path in $(sed -n 's/^ReadWritePaths=//p' "$u"); do
                case $path in
                *%i*) instances=$slugs ;;
                *) instances=- ;;
                esac
                for i in $instances; do
                        dir=${path//%i/$i}
                        # a unit's StateDirectory= is made by systemd at start
                        state=$(sed -n 's/^StateDirectory=//p' "$u")
                        [ -n "$state" ] && [ "$dir" = "/var/lib/${state//%i/$i}" ] && continue
                        [ -d "$root$dir" ] || fail "$name: ReadWritePaths $dir does not exist after tmpfiles"
                        [ "$(stat -c %u "$root$dir")" = "$uid" ] ||
                                fail "$name: $dir is not owned by $user"
                done
        done
        ok "$name: User=$user, $exe installed, its folders exist and are $user's"
done
