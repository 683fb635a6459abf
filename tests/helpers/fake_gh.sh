#!/bin/bash
# A stand-in for GitHub's `gh` in tests: records every call (one line, the
# arguments joined by " | ") in $FAKE_GH_DIR/calls and answers the way gh
# 2.x does for the calls sdlc-actors makes. State: $FAKE_GH_DIR/pr/<n>
# holds "state base head", $FAKE_GH_DIR/branch/<head> the PR number.
# Newlines in arguments are written as \\n. Switches: $FAKE_GH_DIR/logged_out (every call fails as gh does without a
# login), $FAKE_GH_DIR/checks (the JSON `gh pr checks` prints), and
# $FAKE_GH_DIR/checks_exit (its exit code), $FAKE_GH_DIR/pending_polls (checks
# pending for that many calls).
set -u
dir=${FAKE_GH_DIR:?FAKE_GH_DIR is not set}
mkdir -p "$dir/pr" "$dir/branch"
line=""; for a in "$@"; do line+="${a//$'\n'/\\n} | "; done
printf '%s\n' "${line% | }" >>"$dir/calls"
if [ "${1:-}" = "--version" ]; then echo "gh version 2.23.0 (fake)"; exit 0; fi
if [ -e "$dir/logged_out" ]; then
  echo "To get started with GitHub CLI, please run:  gh auth login" >&2
  echo "Alternatively, populate the GH_TOKEN environment variable with a GitHub API authentication token." >&2
  exit 4
fi
# The value after a flag: arg FLAG "$@"
arg() { local want=$1; shift; while [ $# -gt 0 ]; do [ "$1" = "$want" ] && { echo "$2"; return; }; shift; done; }
sha_of() { printf '%040d' "$1" | tr 0 a; }
[ "${1:-}" = "pr" ] || { echo "fake gh: unexpected call: $*" >&2; exit 1; }
sub=${2:-}; shift 2
case "$sub" in
  create)
    head=$(arg --head "$@"); base=$(arg --base "$@")
    n=$(( $(ls "$dir/pr" | wc -l) + 1 ))
    echo "OPEN $base $head" >"$dir/pr/$n"; echo "$n" >"$dir/branch/$head"
    echo "https://github.com/acme/demo/pull/$n";;
  view)
    what=$1
    if [[ "$what" =~ ^[0-9]+$ ]]; then n=$what
    elif [ -e "$dir/branch/$what" ]; then n=$(cat "$dir/branch/$what")
    else echo "no pull requests found for branch \"$what\"" >&2; exit 1; fi
    read -r state base head <"$dir/pr/$n"
    merge=null; [ "$state" = MERGED ] && merge="{\"oid\":\"$(sha_of "$n")\"}"
    echo "{\"url\":\"https://github.com/acme/demo/pull/$n\",\"state\":\"$state\",\"baseRefName\":\"$base\",\"mergeCommit\":$merge}";;
  checks)
    if [ -e "$dir/pending_polls" ]; then # pending for that many calls, then green
      left=$(cat "$dir/pending_polls")
      if [ "$left" -gt 0 ]; then
        echo $((left - 1)) >"$dir/pending_polls"
        echo '[{"name":"build","state":"IN_PROGRESS","bucket":"pending"}]'; exit 8
      fi
    fi
    if [ -e "$dir/checks" ]; then cat "$dir/checks"; exit "$(cat "$dir/checks_exit" 2>/dev/null || echo 0)"; fi
    echo '[{"name":"build","state":"SUCCESS","bucket":"pass"}]';;
  edit)
    n=$1; read -r state base head <"$dir/pr/$n"
    echo "$state $(arg --base "$@") $head" >"$dir/pr/$n"
    echo "https://github.com/acme/demo/pull/$n";;
  merge)
    n=$1; read -r state base head <"$dir/pr/$n"
    echo "MERGED $base $head" >"$dir/pr/$n"
    echo "✓ Squashed and merged pull request #$n";;
  *) echo "fake gh: unexpected call: pr $sub $*" >&2; exit 1;;
esac
