# fs-cost's attribution of perf samples (`perf script -F comm,pid,tid,ip,sym`:
# a header line per sample, its frames innermost first, a blank line): the
# samples whose stack is in the file system (ext4, tmpfs), by the innermost
# frame of ours, with how many of them allocate an inode, fsync or delete.
#   awk -v hz=<sampling Hz> -v n=<stories> -f fs-cost.awk
function source(   i, f) {
  for (i = 1; i <= nf; ++i) {
    f = frame[i]
    if (f ~ /file_lock::/) return "our lock files"
    if (f ~ /peer_lock::/) return "ai-sdlc lock folders"
    if (f ~ /workflow_state::save/) return "checkpoint"
    if (f ~ /prepare_agent/) return "prompt files"
    if (f ~ /board::update_file/) return "story writes"
    if (f ~ /open_log|story_session::log/) return "story log"
    if (f ~ /git_|worktree/) return "git and worktrees"
  }
  return "other"
}
function done_sample(   i, fs_hit, s) {
  if (!nf) return
  ++total
  for (i = 1; i <= nf; ++i) if (frame[i] ~ /^(__)?ext4_|^shmem_|^jbd2/) { fs_hit = 1; break }
  if (fs_hit) {
    s = source(); all[s]++; fs++
    for (i = 1; i <= nf; ++i) if (frame[i] ~ /__ext4_new_inode|shmem_get_inode/) { inode[s]++; break }
    for (i = 1; i <= nf; ++i) if (frame[i] ~ /ext4_sync_file/) { sync_[s]++; break }
    for (i = 1; i <= nf; ++i) if (frame[i] ~ /evict|unlink|rmdir/) { del[s]++; break }
  }
  nf = 0
}
/^[^ \t]/ { done_sample(); next }
/^[ \t]*$/ { done_sample(); next }
{ $1 = ""; frame[++nf] = substr($0, 2) }
END {
  done_sample()
  printf "%d samples at %d Hz, %d in the file system (%.1f %%)\n", total, hz, fs, total ? 100 * fs / total : 0
  printf "%8s %12s %10s %7s %7s  %s\n", "samples", "ms CPU/story", "new inode", "fsync", "delete", "asked for by"
  for (s in all)
    printf "%8d %12.2f %10d %7d %7d  %s\n", all[s], all[s] * 1000 / hz / n, inode[s], sync_[s], del[s], s | "sort -nr"
}
