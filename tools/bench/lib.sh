#!/usr/bin/env bash
# Shared by the benchmark scripts, which source it after setting `here` (their
# own folder): where the build is, timing, and the project every benchmark
# starts from, so that their figures are measured the same way.
repo_root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$repo_root/build}
bin=$build/sdlc-actors
bench=$build/sdlc-bench

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
# figure <file> <key>: the value sdlc-bench printed for <key>.
figure() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
# per_story_ms <seconds> <stories>: milliseconds per story, one decimal.
per_story_ms() { awk -v a="$1" -v n="$2" 'BEGIN { printf "%.1f", a * 1000 / n }'; }
# stories_done <log>: how many stories a run's output reports done.
stories_done() { grep -c ' done: done' "$1" || true; }

# settle [seconds]: writes back what is dirty, then waits (QUIET=<s>, else
# the default given). ext4 without a journal, like this machine's root, will
# not reuse an inode deleted less than 30 s ago and walks past every such one
# when it allocates, so a run right after another pays for the other's
# deletions (docs/benchmarks.md, "What the file system adds").
settle() {
  sync
  sleep "${QUIET:-${1:-0}}"
}

# project <dir> <agent> [max-concurrent]: a git repository with one empty
# commit and a board (`init`) whose agent is the command <agent>.
project() {
  mkdir -p "$1"
  git -C "$1" init -q -b main
  git -C "$1" -c user.email=b@b -c user.name=bench commit -q --allow-empty -m init
  (cd "$1" && "$bin" init > /dev/null && "$bin" config agent.command "$2" > /dev/null &&
    "$bin" config limits.maxConcurrent "${3:-16}" > /dev/null)
}
commit_board() { git -C "$1" add -A && git -C "$1" -c user.email=b@b -c user.name=bench commit -q -m board; }

# dag_run <dir> [--estimates]: the 30-story benchmark DAG (seed 42, actions
# of 0.2-1.0 s, stories carrying estimates or not) run at --concurrent 4.
# Prints the measured makespan in seconds; sdlc-bench's figures for the same
# DAG (lower bound, simulations) are in <dir>.txt, the run's output in <dir>.log.
dag_run() {
  local p=$1 t0 t1
  project "$p" "$here/agent.sh"
  "$bench" dag "$p" 30 4 42 200 1000 ${2:-} > "$p.txt"
  commit_board "$p"
  t0=$(now)
  (cd "$p" && BENCH_DURATIONS="$p/durations.txt" "$bin" run --concurrent 4 > "$p.log")
  t1=$(now)
  elapsed "$t0" "$t1"
}

# overhead_board <dir> [files]: the overhead benchmark's project, its stories
# ready. The board stays untracked, so each worktree checks out only the
# project: an empty one (what is measured is the orchestration), or <files>
# committed files when checkouts side by side are (overhead-pairs' FILES).
overhead_stories=200
# What the overhead benchmark runs on that board (run, overhead-fs, fs-cost and
# overhead-pairs all measure this one command).
overhead_args=(run --concurrent 8)
overhead_board() {
  project "$1" "$here/noop-agent.sh"
  if [ "${2:-0}" -gt 0 ]; then commit_files "$1" "$2"; fi
  for i in $(seq "$overhead_stories"); do (cd "$1" && "$bin" add "Story $i" --status ready > /dev/null); done
}
# commit_files <dir> <n>: n files of 30 lines, src/m0..m39/f<i>.txt, committed.
commit_files() {
  local m
  for m in $(seq 0 39); do mkdir -p "$1/src/m$m"; done
  awk -v d="$1/src" -v n="$2" 'BEGIN {
    for (i = 1; i <= n; i++) {
      f = d "/m" (i % 40) "/f" i ".txt"
      for (l = 1; l <= 30; l++) print l > f
      close(f)
    } }'
  git -C "$1" add src && git -C "$1" -c user.email=b@b -c user.name=bench commit -q -m files
}
# copy_board <from> <to>: a copy of a board made by overhead_board, as `init`
# left it: `cp -a` drops the folder flag that places story folders apart
# (ext4's chattr +T, runtime/util/fs.hpp), so the copy's stories folder gets
# the template's flag before the story folders are made in it.
copy_board() {
  mkdir -p "$2/.ai-sdlc/stories"
  if lsattr -d "$1/.ai-sdlc/stories" 2> /dev/null | awk '{ exit !($1 ~ /T/) }'; then
    chattr +T "$2/.ai-sdlc/stories" 2> /dev/null || true # tmpfs has no such flag
  fi
  cp -a "$1/." "$2/"
}
# timed_overhead_run <label> <dir> <sdlc-actors> <results>: after settle 20,
# the overhead command on the board in <dir>; prints "<label> <wall> <user>
# <sys>" (agents included) and appends it to <results>, then removes <dir>.
# Exits 1 unless every story finished (overhead-pairs, folders-pairs).
timed_overhead_run() {
  local p=$2
  settle 20
  (cd "$p" && /usr/bin/time -f "%e %U %S" -o "$p.time" "$3" "${overhead_args[@]}" > "$p.log")
  [ "$(stories_done "$p.log")" = "$overhead_stories" ] ||
    { echo "$(basename "$0"): $1 ($3) finished $(stories_done "$p.log") of $overhead_stories stories" >&2; exit 1; }
  echo "$1 $(cat "$p.time")" | tee -a "$4"
  rm -rf "$p" "$p.log" "$p.time"
}
# alternate_pairs <pairs> <one>: "<one> A" then "<one> B", the order flipped
# every pair (this machine's pace drifts within the hour).
alternate_pairs() {
  local i
  for i in $(seq "$1"); do
    if [ $((i % 2)) = 1 ]; then "$2" A; "$2" B; else "$2" B; "$2" A; fi
  done
}
# pairs_summary <results> [A's name] [B's name]: the means of A's and B's
# lines, and in how many pairs B was lower.
pairs_summary() {
  awk -v an="${2:+ ($2)}" -v bn="${3:+ ($3)}" '
    { wall[$1] += $2; cpu[$1] += $3 + $4; w[$1, ++n[$1]] = $2; c[$1, n[$1]] = $3 + $4 }
    END {
      for (i = 1; i <= n["A"]; ++i) { lw += w["B", i] < w["A", i]; lc += c["B", i] < c["A", i] }
      printf "A%s: wall %.2f s, CPU %.2f s (means of %d)\n", an, wall["A"] / n["A"], cpu["A"] / n["A"], n["A"]
      printf "B%s: wall %.2f s, CPU %.2f s; B lower in %d of %d pairs (wall), %d (CPU)\n",
        bn, wall["B"] / n["B"], cpu["B"] / n["B"], lw, n["A"], lc
    }' "$1"
}
# overhead_run <dir> <log>: runs that board (overhead_args); prints seconds.
overhead_run() {
  local t0 t1
  t0=$(now)
  (cd "$1" && "$bin" "${overhead_args[@]}" > "$2")
  t1=$(now)
  elapsed "$t0" "$t1"
}
# agents_alone: the floor under the overhead figure on this machine, the same
# no-op agent processes (4 per story), 8 at a time, started by xargs.
agents_alone() {
  local t0 t1
  t0=$(now)
  seq $((overhead_stories * 4)) | SDLC_ACTION=plan xargs -P8 -n1 "$here/noop-agent.sh" > /dev/null
  t1=$(now)
  elapsed "$t0" "$t1"
}
