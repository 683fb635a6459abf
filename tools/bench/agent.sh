#!/bin/sh
# The benchmarks' agent: does nothing but take a fixed time per action.
# BENCH_ACTION_MS: milliseconds per action, or per story from $BENCH_DURATIONS
# ("<id> <ms>" lines). Review always approves. Shell builtins only, besides
# the one `sleep`: each extra process start (an awk to look the duration up,
# another to format it) would be counted against the orchestrator.
ms=${BENCH_ACTION_MS:-0}
if [ -n "$BENCH_DURATIONS" ]; then
  while read -r id value; do
    if [ "$id" = "$SDLC_STORY_ID" ]; then
      ms=$value
      break
    fi
  done < "$BENCH_DURATIONS"
fi
if [ "${ms:-0}" -gt 0 ]; then
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
fi
if [ "$SDLC_ACTION" = review ]; then
  printf '```json\n{"passed": true, "issues": []}\n```\n'
else
  echo "$SDLC_ACTION done"
fi
