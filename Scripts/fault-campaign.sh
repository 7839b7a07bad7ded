#!/usr/bin/env bash
# Fault campaign: two `serve` replicas on one database against the simulators under a timeline of faults and random
# SIGKILLs (see Scripts/fault-campaign.py). Usage: Scripts/fault-campaign.sh [SECONDS]   (default 60)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --product craft-sync > /tmp/craft-sync-campaign-build.log 2>&1 || { cat /tmp/craft-sync-campaign-build.log >&2; exit 1; }
exec python3 Scripts/fault-campaign.py "$(swift build -c release --show-bin-path)/craft-sync" "${1:-60}"
