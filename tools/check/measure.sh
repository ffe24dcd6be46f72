#!/usr/bin/env bash
# Measures strata-check on generated histories (strata-check-gen): for each
# shape, SEEDS seeds, each checked as generated (linearizable), with one
# stale read, with one read of a value never written, and with one read's
# version off by one (usually a violation, not always). Prints, per shape
# and case: how many seeds ended linearizable / violation / unknown, and the
# median and largest wall time of strata-check in ms (reading the file
# included).
#
#   tools/check/measure.sh [BIN_DIR] [SEEDS] [EXTRA strata-check FLAGS...]
#
# ONLY=<regex> measures only the shapes whose name matches.
set -euo pipefail

BIN=${1:-build/bin}
SEEDS=${2:-10}
shift $(( $# > 2 ? 2 : $# ))
EXTRA=("$@")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# name: strata-check-gen flags
SHAPES=(
  "5p-10k-10keys-5%info:--processes 5 --keys 10 --ops 10000 --info 0.05"
  "5p-10k-10keys-20%info:--processes 5 --keys 10 --ops 10000 --info 0.20"
  "5p-10k-50keys-5%info:--processes 5 --keys 50 --ops 10000 --info 0.05"
  "5p-10k-2keys-5%info:--processes 5 --keys 2 --ops 10000 --info 0.05"
  "20p-100k-100keys-5%info:--processes 20 --keys 100 --ops 100000 --info 0.05"
)

printf '%-26s %-14s %5s %5s %5s %9s %9s\n' shape case lin viol unk median_ms max_ms
for shape in "${SHAPES[@]}"; do
  name=${shape%%:*}
  [[ -n "${ONLY:-}" && ! "$name" =~ $ONLY ]] && continue
  read -r -a flags <<< "${shape#*:}"
  for corrupt in none stale never-written version; do
    lin=0 viol=0 unk=0 times=()
    for seed in $(seq 1 "$SEEDS"); do
      args=(--seed "$seed" "${flags[@]}")
      [ "$corrupt" != none ] && args+=(--corrupt "$corrupt")
      "$BIN/strata-check-gen" "${args[@]}" > "$TMP/h.jsonl"
      start=$(date +%s%N)
      set +e
      "$BIN/strata-check" "${EXTRA[@]}" "$TMP/h.jsonl" > /dev/null
      rc=$?
      set -e
      end=$(date +%s%N)
      times+=($(( (end - start) / 1000000 )))
      case $rc in
        0) lin=$((lin + 1)) ;;
        1) viol=$((viol + 1)) ;;
        3) unk=$((unk + 1)) ;;
        *) echo "strata-check exit $rc on seed $seed" >&2; exit 1 ;;
      esac
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    median=$(echo "$sorted" | sed -n "$(( (SEEDS + 1) / 2 ))p")
    max=$(echo "$sorted" | tail -1)
    printf '%-26s %-14s %5d %5d %5d %9d %9d\n' "$name" "$corrupt" "$lin" "$viol" "$unk" \
      "$median" "$max"
  done
done
