#!/usr/bin/env bash
# The review page with a district's data to look at: two Minhang bases record three months on their
# laptops (with a few planted problems) and sync; then the server serves, and a reviewer signs in.
#
#   bash scripts/review-demo.sh            # prepares a temporary folder, serves on http://127.0.0.1:8080
#   PORT=9000 bash scripts/review-demo.sh  # another port
#   bash scripts/review-demo.sh --prepare DIR   # only prepare DIR (server data in DIR/server, token in DIR/reviewer.token)
#
# Open http://127.0.0.1:8080/review and sign in with the reviewer token the script prints.
set -euo pipefail
cd "$(dirname "$0")/.."

prepare_only=""
dir=""
if [ "${1:-}" = "--prepare" ]; then prepare_only=1; dir="${2:?give the folder to prepare}"; fi
[ -n "$dir" ] || dir="$(mktemp -d)/sunsync-review-demo"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

swift build --product sunsync >/dev/null 2>&1 && swift build --product sunsync-server >/dev/null 2>&1
bin="$(swift build --show-bin-path)"
server() { "$bin/sunsync-server" "$@" --data-dir "$dir/server"; }
laptop() { local home="$1"; shift; SUNSYNC_HOME="$dir/$home" SUNSYNC_PASSPHRASE="演示口令 demo passphrase" "$bin/sunsync" "$@" >/dev/null; }
token() { server device add --name "$1" "${@:2}" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }

server org add --code MH-SB-001 --name 莘庄镇阳光基地 --kind sunshine-base --district 310112 --lunch-rate 15 >/dev/null
server org add --code MH-SB-002 --name 七宝镇阳光基地 --kind sunshine-base --district 310112 --lunch-rate 15 >/dev/null
server org add --code MH-NC-003 --name 浦江镇农村助残就业点 --kind rural-org --district 310112 --lunch-rate 12 >/dev/null
token reviewer-minhang --role reviewer --district 310112 > "$dir/reviewer.token"

# A server for the laptops to sync with while the data is made.
"$bin/sunsync-server" serve --port 0 --data-dir "$dir/server" > "$dir/serve.log" 2>&1 &
serving=$!
trap 'kill $serving 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    grep -qo '127\.0\.0\.1:[0-9]*' "$dir/serve.log" 2>/dev/null && break
    sleep 0.1
done
url="http://$(grep -o '127\.0\.0\.1:[0-9]*' "$dir/serve.log" | head -1)"

for org in MH-SB-001 MH-SB-002 MH-NC-003; do
    laptop "$org" login --server "$url" --token "$(token "laptop-$org" --role staff --org "$org")"
done
# The first base's laptop may show full certificate numbers (each reveal recorded, listed at /review/reveals).
server device edit laptop-MH-SB-001 --may-reveal >/dev/null
laptop MH-SB-001 sync

laptop MH-SB-001 participant add --name 张三 --cert 31011219900315123X52 --contract part-time --start 2024-01-01
laptop MH-SB-001 participant add --name 李四 --cert 31011219850620246061 --contract part-time --start 2024-01-01
laptop MH-SB-001 participant add --name "王五 <b>" --cert 31011219921108357741 --contract part-time --start 2024-01-01
laptop MH-SB-002 participant add --name 赵六 --cert 31011219880202101551 --contract part-time --start 2024-01-01
laptop MH-SB-002 participant add --name 钱七 --cert 31011219910707202651 --contract full-time --start 2024-01-01
laptop MH-NC-003 participant add --name 孙八 --cert 31011219750303303841 --contract part-time --start 2024-02-01 --end 2024-03-20

sheet() { # org, month, people…
    local org="$1" month="$2"; shift 2
    local file="$dir/$org-$month.csv"
    printf '姓名,日期,工时,劳动项目\n' > "$file"
    for d in 04 05 06 07 08 11 12 13 14 15 18 19 20 21 22 25 26 27; do
        for p in "$@"; do printf '%s,%s-%s,4,包装\n' "$p" "$month" "$d" >> "$file"; done
    done
    laptop "$org" import "$file" --kind hours
    for d in 04 05 06 11 12 13; do for p in "$@"; do laptop "$org" lunch set "$p" "$month-$d"; done; done
}
for month in 2024-01 2024-02 2024-03; do
    sheet MH-SB-001 "$month" 张三 李四 "王五 <b>"
    sheet MH-SB-002 "$month" 赵六 钱七
done
sheet MH-NC-003 2024-02 孙八
sheet MH-NC-003 2024-03 孙八
laptop MH-SB-001 export --kind participants --reveal --purpose 报送区残联核对名册
# Planted: over the weekly limit, a lunch without hours, work after the contract ended.
laptop MH-SB-001 hours set 张三 2024-03-07 9 --note 加班
laptop MH-SB-001 hours set 张三 2024-03-08 9
laptop MH-SB-002 lunch set 赵六 2024-03-09
for org in MH-SB-001 MH-SB-002 MH-NC-003; do laptop "$org" sync; done

# The district approved January already.
laptop reviewer login --server "$url" --token "$(cat "$dir/reviewer.token")"
laptop reviewer sync
for org in MH-SB-001 MH-SB-002; do laptop reviewer review approve --org "$org" --month 2024-01; done
laptop reviewer sync
kill $serving; wait $serving 2>/dev/null || true
trap - EXIT

if [ -n "$prepare_only" ]; then exit 0; fi
echo "Server data: $dir/server"
echo "Open http://127.0.0.1:${PORT:-8080}/review and sign in with the reviewer's token:"
echo "  $(cat "$dir/reviewer.token")"
exec "$bin/sunsync-server" serve --data-dir "$dir/server" --port "${PORT:-8080}"
