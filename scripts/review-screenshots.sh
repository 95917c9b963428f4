#!/usr/bin/env bash
# Renders the review page in headless Chromium with the demo district (scripts/review-demo.sh) and saves
# screenshots of the sign-in, district, org and record pages; fails when a page does not render.
#   bash scripts/review-screenshots.sh [OUT]      (default OUT: .build/review-screenshots)
# Needs Debian's chromium and fonts-noto-cjk, and the pip package websocket-client (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.build/review-screenshots}"
work="$(mktemp -d)"
trap 'kill $serving 2>/dev/null || true; rm -rf "$work"' EXIT
serving=""
bash scripts/review-demo.sh --prepare "$work"
"$(swift build --show-bin-path)/sunsync-server" serve --data-dir "$work/server" --port 0 > "$work/page-server.log" 2>&1 &
serving=$!
for _ in $(seq 1 100); do
    grep -qo 'http://127\.0\.0\.1:[0-9]*' "$work/page-server.log" 2>/dev/null && break
    sleep 0.1
done
url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/page-server.log" | head -1)"
[ -n "$url" ] || { echo "review-screenshots: the server did not start:" >&2; cat "$work/page-server.log" >&2; exit 1; }
curl -s -o /dev/null -w "review-screenshots: %{http_code} from $url/review/login\n" "$url/review/login" || { echo "review-screenshots: the server at $url does not answer" >&2; cat "$work/page-server.log" >&2; exit 1; }
python3 scripts/review-screenshots.py --url "$url" --token-file "$work/reviewer.token" --out "$out"
