#!/usr/bin/env bash
# Builds the packages people install, with the Swift runtime linked in (no Swift toolchain needed to run):
#   .build/packages/sunsync_<version>_amd64.deb          a base's or a reviewer's laptop
#   .build/packages/sunsync-server_<version>_amd64.deb   a district's server: a systemd service, its own user,
#                                                        data in /var/lib/sunsync, options in /etc/default/sunsync-server
#   .build/packages/sunsync-<version>-linux-amd64.tar.gz both binaries, man pages, completions, the unit (other distributions)
# Each .deb depends only on Debian 12 packages. Needs dpkg-deb (Debian's dpkg) and the Swift toolchain.
#
# Usage: bash scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/.*static let number = "\(.*\)".*/\1/p' Sources/SunsyncVersion/Version.swift)
arch=amd64
out=.build/packages
work=.build/packages/work
rm -rf "$work" && mkdir -p "$out" "$work"

echo "== building release binaries with the Swift runtime linked in ($version)"
swift build -c release --static-swift-stdlib --product sunsync
swift build -c release --static-swift-stdlib --product sunsync-server
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)

echo "== man pages (from the binaries' own help, Chinese kept: scripts/manpage.py)"
mkdir -p "$work/man"
for program in sunsync sunsync-server; do python3 scripts/manpage.py "$bin/$program" "$version" > "$work/man/$program.1"; done

# The files both kinds of install carry for one program: binary, man pages, completions.
stage() { # stage ROOT PROGRAM
    local root=$1 program=$2
    install -D -m 0755 "$bin/$program" "$root/usr/bin/$program"
    strip --strip-unneeded "$root/usr/bin/$program"
    mkdir -p "$root/usr/share/man/man1"
    gzip -9n < "$work/man/$program.1" > "$root/usr/share/man/man1/$program.1.gz"   # every command on one page
    "$root/usr/bin/$program" --generate-completion-script bash | install -D -m 0644 /dev/stdin "$root/usr/share/bash-completion/completions/$program"
    "$root/usr/bin/$program" --generate-completion-script zsh | install -D -m 0644 /dev/stdin "$root/usr/share/zsh/vendor-completions/_$program"
    "$root/usr/bin/$program" --generate-completion-script fish | install -D -m 0644 /dev/stdin "$root/usr/share/fish/vendor_completions.d/$program.fish"
    install -D -m 0644 README.md "$root/usr/share/doc/$program/README.md"
}

# Debian package names of the shared libraries a binary links (beyond the C library itself).
depends() { # depends BINARY
    local libs
    libs=$(ldd "$1" | awk '/=>/ { print $3 }')
    local names=(libc6)
    for lib in $libs; do
        case "$(basename "$lib")" in
            libsqlite3.so*) names+=("libsqlite3-0 (>= 3.40)") ;;
            libz.so*) names+=(zlib1g) ;;
            libcrypto.so.3) names+=("libssl3 (>= 3.0)") ;;   # SQLCipher's AES and HMAC (SQLCipher itself is linked in)
            libstdc++.so*) names+=(libstdc++6) ;;
            libgcc_s.so*) names+=(libgcc-s1) ;;
            libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*) ;;
            libcurl.so*) names+=(libcurl4) ;;
            libxml2.so*) names+=(libxml2) ;;
            *) echo "package.sh: $1 links $lib, which no Debian package here is named for; add it to depends()" >&2; exit 1 ;;
        esac
    done
    printf '%s\n' "${names[@]}" | sort -u | paste -sd, | sed 's/,/, /g'
}

deb() { # deb PACKAGE PROGRAM DESCRIPTION EXTRA-DEPENDS
    local package=$1 program=$2 description=$3 extra=$4
    local root="$work/$package"
    stage "$root" "$program"
    mkdir -p "$root/DEBIAN"
    local deps
    deps=$(depends "$bin/$program")
    [ -n "$extra" ] && deps="$deps, $extra"
    cat > "$root/DEBIAN/control" <<CONTROL
Package: $package
Version: $version
Architecture: $arch
Maintainer: Sunsync <sunsync@sunsync.invalid>
Section: misc
Priority: optional
Depends: $deps
Installed-Size: $(du -sk "$root" | cut -f1)
Homepage: https://sunsync.invalid
Description: $description
CONTROL
    if [ "$package" = sunsync-server ]; then
        install -D -m 0644 packaging/sunsync-server.service "$root/lib/systemd/system/sunsync-server.service"
        install -D -m 0644 packaging/sunsync-server.default "$root/etc/default/sunsync-server"
        echo /etc/default/sunsync-server > "$root/DEBIAN/conffiles"
        for script in postinst prerm postrm; do install -m 0755 "packaging/sunsync-server.$script" "$root/DEBIAN/$script"; done
    fi
    dpkg-deb --root-owner-group -Zxz --build "$root" "$out/${package}_${version}_${arch}.deb" >/dev/null
    echo "   $out/${package}_${version}_${arch}.deb ($(du -h "$out/${package}_${version}_${arch}.deb" | cut -f1))"
}

echo "== packages"
deb sunsync sunsync "Sunsync laptop client: offline records of Sunshine bases (阳光基地)
 Records participants' working hours and lunch subsidies at a Sunshine base or a rural
 organization employing disabled people, offline, and syncs them with the district's server
 when a network is there; a reviewer's laptop reviews and approves them." ""
deb sunsync-server sunsync-server "Sunsync server: merges, reviews and pays a district's records
 The district disabled persons' federation's server: receives the bases' records from their
 laptops, merges them, and serves the review page where reviewers approve them; payments are
 made from what was approved. Runs as the systemd service sunsync-server." "adduser"

tarball="$out/sunsync-$version-linux-$arch.tar.gz"
tree="$work/sunsync-$version"
stage "$tree" sunsync
stage "$tree" sunsync-server
install -D -m 0644 packaging/sunsync-server.service "$tree/lib/systemd/system/sunsync-server.service"
install -D -m 0644 packaging/sunsync-server.default "$tree/etc/default/sunsync-server"
tar -C "$work" --owner=0 --group=0 --numeric-owner -czf "$tarball" "sunsync-$version"
echo "   $tarball ($(du -h "$tarball" | cut -f1))"
