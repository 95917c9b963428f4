#!/usr/bin/env bash
# A month at a Sunshine base, offline, with the real `sunsync` binary in a throwaway home:
# init, register participants, import a sheet, record and correct days, lunches, report, flags.
set -euo pipefail
cd "$(dirname "$0")/.."
# The release build when there is one (`swift build -c release`), else a debug build; brought up to date
# first either way, so the demo never runs a binary older than the sources.
configuration=debug
[ -x .build/release/sunsync ] && configuration=release
swift build -c "$configuration" --product sunsync >/dev/null
bin="$(swift build -c "$configuration" --show-bin-path)/sunsync"
export SUNSYNC_HOME="$(mktemp -d)/sunsync-demo"
# The store is encrypted; a person types its passphrase once per working session, the demo gives it here.
export SUNSYNC_PASSPHRASE="演示口令 demo passphrase"
say() { printf '\n\033[1m$ sunsync %s\033[0m\n' "$*"; "$bin" "$@"; }

say init --org MH-SB-001 --name 莘庄镇阳光基地 --lunch-rate 15
say participant add --name 张三 --cert 31011219900315123X52 --contract part-time --start 2024-01-01
say participant add --name 李四 --cert 31011219850620246061 --contract part-time --start 2024-01-01
sheet="$SUNSYNC_HOME/hours.csv"
printf '姓名,日期,工时,劳动项目\n' > "$sheet"
for d in 04 05 06 07 08; do printf '张三,2024-03-%s,4,包装\n李四,2024-03-%s,3.5,手工\n' "$d" "$d" >> "$sheet"; done
say import "$sheet" --kind hours
say hours set 李四 2024-03-09 5 --project 手工
say hours set 张三 2024-03-05 3h30m --note 下午复诊
for d in 04 05 06 07 08; do "$bin" lunch set 张三 2024-03-$d >/dev/null; done
say lunch set 李四 2024-03-11
say hours list --participant 张三
say history 张三 2024-03-05
say report monthly --month 2024-03
say flags --month 2024-03
say status
echo
echo "The store is in $SUNSYNC_HOME; remove it when done."
