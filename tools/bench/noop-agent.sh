#!/bin/sh
# The cheapest possible agent: answers at once (for orchestration overhead).
if [ "$SDLC_ACTION" = review ]; then
  printf '```json\n{"passed": true, "issues": []}\n```\n'
else
  echo ok
fi
