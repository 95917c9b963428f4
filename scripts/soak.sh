#!/usr/bin/env bash
# SIGKILLs laptops and servers on both backends while they write and sync, then checks exactly what
# survived (scripts/soak.py says what). Build first; release binaries are the ones worth measuring:
#   swift build -c release && bash scripts/soak.sh --bin .build/release [--kills 1000] [--backend sqlite|postgres|both]
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/soak.py "$@"
