#!/bin/sh
# The benchmarks' agent: does nothing but take a fixed time per action.
# BENCH_ACTION_MS: milliseconds per action, or per story from $BENCH_DURATIONS
# ("<id> <ms>" lines). Review always approves.
ms=${BENCH_ACTION_MS:-0}
if [ -n "$BENCH_DURATIONS" ]; then
  ms=$(awk -v id="$SDLC_STORY_ID" '$1 == id { print $2 }' "$BENCH_DURATIONS")
fi
[ "${ms:-0}" -gt 0 ] && sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
if [ "$SDLC_ACTION" = review ]; then
  printf '```json\n{"passed": true, "issues": []}\n```\n'
else
  echo "$SDLC_ACTION done"
fi
