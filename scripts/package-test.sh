#!/usr/bin/env bash
# Installs the packages (`scripts/package.sh`) into a clean Debian 12 root without Swift, made with debootstrap
# from Debian's archive, and uses them there as a district and a base would: the server set up by its package
# (user, data dir, options), admin commands as root, the server started as its unit starts it, a base's laptop
# and a reviewer's laptop syncing with it. Needs root (chroot), debootstrap, and Debian's archive.
#
# Usage: sudo bash scripts/package-test.sh [ROOT]   (ROOT: where to make the Debian root; kept for reuse)
# Not tested here: systemd itself starting the unit at boot (a chroot has no init); the unit is checked with
# `systemd-analyze verify` (the host's), and started here as it would start it (its user, its options file).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "package-test.sh: needs root (chroot); run it with sudo" >&2; exit 1; }

version=$(sed -n 's/.*static let number = "\(.*\)".*/\1/p' Sources/SunsyncVersion/Version.swift)
debs=(".build/packages/sunsync_${version}_amd64.deb" ".build/packages/sunsync-server_${version}_amd64.deb")
for deb in "${debs[@]}"; do [ -f "$deb" ] || { echo "package-test.sh: $deb is missing; run scripts/package.sh first" >&2; exit 1; }; done
root=${1:-.build/debian-root}
root=$(realpath -m "$root")
port=18457

if [ ! -x "$root/usr/bin/apt-get" ]; then
    echo "== a clean Debian 12 root in $root (debootstrap, minbase)"
    rm -rf "$root"
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
# A root kept from an earlier run: what that run left (purging keeps the data, on purpose) goes first.
rm -rf "$root/var/lib/sunsync" "$root/tmp/base" "$root/tmp/review"
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    chroot "$root" pkill -f 'sunsync-server serve' 2>/dev/null || true
    sleep 1
    umount "$root/proc" 2>/dev/null || true
}
trap cleanup EXIT
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 SUNSYNC_PASSPHRASE="package test passphrase" "$@"; }
fail() { echo "package-test.sh: FAILED: $*" >&2; exit 1; }

echo "== no Swift in the root"
in_root sh -c '! ls /usr/lib/swift /opt/swift >/dev/null 2>&1' || fail "the root has a Swift runtime"

echo "== apt install ./sunsync-server.deb ./sunsync.deb"
cp "${debs[@]}" "$root/tmp/"
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq sunsync-server sunsync >/dev/null 2>&1 || true
rm -rf "$root/var/lib/sunsync"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "/tmp/$(basename "${debs[0]}")" "/tmp/$(basename "${debs[1]}")" >/dev/null
in_root sunsync --version
in_root sunsync-server --version

echo "== what the packages installed"
[ "$(in_root stat -c '%U %a' /var/lib/sunsync)" = "sunsync 700" ] || fail "/var/lib/sunsync is not sunsync's, mode 700: $(in_root stat -c '%U %a' /var/lib/sunsync)"
[ -f "$root/var/lib/sunsync/server.sqlite" ] || fail "the package did not make the database (postinst's migrate)"
for file in /lib/systemd/system/sunsync-server.service /etc/default/sunsync-server /usr/share/man/man1/sunsync.1.gz \
            /usr/share/man/man1/sunsync-server.1.gz /usr/share/bash-completion/completions/sunsync \
            /usr/share/zsh/vendor-completions/_sunsync-server /usr/share/fish/vendor_completions.d/sunsync.fish; do
    [ -f "$root$file" ] || fail "$file is missing"
done
if command -v systemd-analyze >/dev/null; then
    # (the installed unit, its command pointed into the root: the host has no sunsync-server of its own)
    unit_dir=$(mktemp -d)
    sed "s|/usr/bin/sunsync-server|$root/usr/bin/sunsync-server|" "$root/lib/systemd/system/sunsync-server.service" > "$unit_dir/sunsync-server.service"
    verified=$(systemd-analyze verify --man=no "$unit_dir/sunsync-server.service" 2>&1) || fail "systemd-analyze verify found problems in the unit: $verified"
    rm -rf "$unit_dir"
    [ -z "$verified" ] || fail "systemd-analyze verify: $verified"
fi

echo "== admin commands, as root, find the service's data (and leave nothing root owns there)"
in_root sunsync-server org add --code MH-SB-001 --name 莘庄镇阳光基地 --kind sunshine-base --district 310112 --lunch-rate 15 >/dev/null
staff=$(in_root sunsync-server device add --name 莘庄-笔记本1 --role staff --org MH-SB-001 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
reviewer=$(in_root sunsync-server device add --name 闵行残联-审核1 --role reviewer --district 310112 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
owners=$(in_root find /var/lib/sunsync -not -user sunsync)
[ -z "$owners" ] || fail "files in /var/lib/sunsync not owned by sunsync: $owners"

echo "== the server, started as its unit starts it"
chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 sh -c \
    "set -a; . /etc/default/sunsync-server; set +a; exec runuser -u sunsync -- /usr/bin/sunsync-server serve --host 127.0.0.1 --port $port" \
    > "$root/tmp/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do grep -q "listening on" "$root/tmp/serve.log" 2>/dev/null && break; sleep 0.2; done
grep -q "listening on" "$root/tmp/serve.log" || fail "the server did not start: $(cat "$root/tmp/serve.log")"

echo "== a base's laptop and a reviewer's laptop sync with it"
url="http://127.0.0.1:$port"
in_root sunsync login --home /tmp/base --server "$url" --token "$staff" >/dev/null
in_root sunsync participant add --home /tmp/base --start 2024-01-01 --name 张三 --cert 31011219900315123X52 >/dev/null
in_root sunsync hours set --home /tmp/base 张三 2024-03-04 4 >/dev/null
in_root sunsync sync --home /tmp/base
in_root sunsync login --home /tmp/review --server "$url" --token "$reviewer" >/dev/null
in_root sunsync sync --home /tmp/review
listed=$(in_root sunsync review list --home /tmp/review --month 2024-03)
grep -q 张三 <<< "$listed" || fail "the reviewer does not see the base's day: $listed"
# The installed sunsync is linked with SQLCipher: the laptop's files show no name or number.
for home in /tmp/base /tmp/review; do
    if cat "$root$home"/store.sqlite* | grep -a -q -e 张三 -e 31011219900315123X52 -e MH-SB-001; then fail "$home's store is readable in the clear"; fi
done
in_root sunsync-server verify >/dev/null || fail "sunsync-server verify failed"
owners=$(in_root find /var/lib/sunsync -not -user sunsync)
[ -z "$owners" ] || fail "files in /var/lib/sunsync not owned by sunsync: $owners"

echo "== removed, the data stays"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq sunsync-server sunsync >/dev/null
[ -f "$root/var/lib/sunsync/server.sqlite" ] || fail "purging the package deleted the district's data"
[ ! -e "$root/usr/bin/sunsync-server" ] || fail "the binary is still there after purge"
echo "package-test.sh: the packages install, serve and sync on a clean Debian 12 without Swift"
