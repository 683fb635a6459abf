#include "runtime/workflow/story_session.hpp"

#include "runtime/git/branch_changes.hpp"
#include "runtime/git/repository.hpp"
#include "runtime/land/pull_request.hpp"
#include "runtime/process/child_process.hpp"
#include "runtime/story/log_rotation.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/text.hpp"
#include "runtime/util/time.hpp"
#include "runtime/workflow/action_effects.hpp"
#include "runtime/workflow/leftover_agents.hpp"
#include "runtime/workflow/review_decision.hpp"
#include "runtime/workflow/story_worktree.hpp"
#include "runtime/workflow/transitions.hpp"
#include "runtime/process/shell_command.hpp"

#include <fmt/format.h>

#include <csignal>

namespace sdlc {

namespace stdfs = std::filesystem;

story_session::story_session(board b, std::string story_id, session_options opts)
    : board_(std::move(b)), id_(std::move(story_id)), opts_(std::move(opts)) {
  auto s = board_.find(id_);
  id_ = s.id();
  file_ = s.file();
  cwd_ = board_.project_root();
  open_log();
  // What agents are given that must never be written back (redact.hpp).
  auto env = current_environment();
  for (const auto& [k, v] : board_.cfg().agent.env)
    env[k] = v;
  redact_ = redactor_for(env);
  redact_.add(opts_.gateway_token);
  board_mark_ = board_mark(board_);
}

story_session::~story_session() {
  board::release_story_lock(file_);
}

story story_session::update(const std::function<void(story&)>& change) {
  auto s = board_.update_file(file_, change, &cache_,
                              opts_.use_worktree ? file_lock::on_release::keep_file
                                                 : file_lock::on_release::remove_file);
  // A story at rest is written no more by this session: its lock file goes
  // now, not when the session ends, so that a run killed after its last
  // write leaves none (the next run would find nothing to clean up).
  if (s.status() == story_status::done || s.status() == story_status::blocked)
    board::release_story_lock(file_);
  return s;
}

// A new run log named by the time (as ai-sdlc names them); the story's
// oldest ones beyond logging.maxFiles go.
void story_session::open_log() {
  auto logs = file_.parent_path() / "logs";
  stdfs::create_directories(logs);
  auto stamp = time::now_iso8601();
  for (auto& c : stamp)
    if (c == ':') c = '-';
  auto path = logs / (stamp + ".log");
  for (int n = 1; stdfs::exists(path); ++n) // two in one millisecond
    path = logs / fmt::format("{}-{}.log", stamp, n);
  if (log_.is_open()) log_.close();
  log_path_ = path;
  log_.open(log_path_, std::ios::app);
  log_bytes_ = 0;
  rotate_story_logs(logs, board_.cfg().log_max_files, log_path_);
}

void story_session::log(const std::string& who, const std::string& line) {
  auto entry = time::now_iso8601() + " [" + who + "] " + redact_.apply(line) + "\n";
  if (log_bytes_ > 0 && log_bytes_ + entry.size() > board_.cfg().log_max_bytes) open_log();
  log_ << entry;
  log_.flush();
  log_bytes_ += entry.size();
}

std::string story_session::content_hash() const {
  auto text = fs::read_file(file_);
  return git::blob_id(text);
}

decision story_session::next() {
  auto s = load();
  return next_action(facts_of(s), limits_of(board_.cfg()));
}

void story_session::checkpoint_start(action_type a, const std::string& session_id) {
  const auto dir = file_.parent_path();
  auto state = workflow_state::load(dir).value_or(workflow_state::fresh(id_));
  state.start_action(std::string(to_string(a)), id_, file_);
  std::string base;
  if (edits_code(a) && opts_.use_worktree)
    if (auto head = git::worktree_service::head_commit(cwd_)) base = head->sha;
  state.record_session(session_id, cwd_.string(), base);
  state.save(dir);
}

// Logged, not checkpointed: the next run finds a killed run's agents by the
// board in their environment (leftover_agents), including one started just
// before the kill, which a checkpointed pid would not have named yet.
void story_session::record_agent_process(long pid) {
  log("orchestrator", fmt::format("agent process {} started (own process group)", pid));
}

void story_session::checkpoint_done(action_type a) {
  const auto dir = file_.parent_path();
  auto state = workflow_state::load(dir).value_or(workflow_state::fresh(id_));
  state.complete_action(std::string(to_string(a)), id_, file_);
  state.set_content_hash(content_hash());
  state.save(dir);
}

agent_request story_session::prepare_agent(action_type a) {
  auto s = load();
  std::map<std::string, std::string> values = {{"story_id", s.id()},
                                               {"title", s.title()},
                                               {"story", s.render()},
                                               {"worktree", cwd_.string()},
                                               {"action", std::string(to_string(a))}};
  std::string checks;
  for (const auto& [name, summary] : check_results_)
    checks += fmt::format("- {}: {}\n", name, summary);
  values["checks"] = checks.empty() ? "" : "Automated checks before this review:\n" + checks;
  const YAML::Node& fm = s.frontmatter();
  auto history = fm["review_history"];
  if (history.IsDefined() && history.IsSequence() && history.size() > 0) {
    auto last = history[history.size() - 1];
    values["review_feedback"] =
        last["feedback"].IsDefined() ? last["feedback"].as<std::string>() : "";
    values["rework_target"] =
        last["rework_target"].IsDefined() ? last["rework_target"].as<std::string>() : "implement";
  }
  agent_request req;
  req.story_id = s.id();
  req.board_mark = board_mark_;
  req.action = std::string(to_string(a));
  req.prompt = render_prompt(board_.sdlc_dir(), req.action, values);
  req.cwd = cwd_;
  req.prompt_file = s.dir() / "logs" / (req.action + ".prompt.md");
  req.prompt = redact_.apply(req.prompt);
  // Rendered again for every attempt: it needs no fsync (8 of a story's ~50).
  fs::atomic_replace_cached(req.prompt_file, req.prompt);
  req.session_id = new_session_id();
  // An interrupted refine/research/plan/review continues its Claude session.
  try {
    auto state = workflow_state::load(s.dir());
    // A failed attempt starts afresh: what went on in its session may be why it failed.
    if (auto cur = state ? state->interrupted() : std::nullopt; cur && !cur->failed) {
      const auto& sid = cur->session_id;
      if (should_resume(req.action, cur->type, claude_session_exists(sid, req.cwd),
                        board_.cfg().agent.command.has_value())) {
        req.session_id = sid;
        req.resume = true;
        req.prompt = "Your previous attempt at this was interrupted before you finished. Finish "
                     "it now and give your complete answer, as the task below asks.\n\n" +
                     req.prompt;
      }
    }
  } catch (const error&) {
    // A corrupt checkpoint was reported by begin(); start fresh.
  }
  req.gateway_base = opts_.gateway_base;
  req.gateway_token = opts_.gateway_token;
  req.max_budget_usd = action_budget(cost_so_far(), opts_.budget);
  checkpoint_start(a, req.session_id);
  log("orchestrator", fmt::format("{} started ({} session {})", req.action,
                                  req.resume ? "resuming" : "new", req.session_id));
  return req;
}

std::vector<review_check> story_session::review_checks() const {
  std::vector<review_check> out;
  const auto& cfg = board_.cfg();
  auto add = [&](const char* name, const std::optional<std::string>& cmd,
                 std::chrono::milliseconds t) {
    if (!cmd) return;
    review_check c;
    c.name = name;
    c.spec.argv = command_argv(*cmd, cwd_.string());
    c.spec.cwd = cwd_;
    c.spec.env = environment_with({{story_env, id_}, {board_env, board_mark_}}, {"CLAUDECODE"});
    c.timeout = t;
    out.push_back(std::move(c));
  };
  add("build", cfg.build_command, cfg.build_timeout);
  add("test", cfg.test_command, cfg.test_timeout);
  return out;
}

void story_session::record_check_result(const std::string& name, bool passed,
                                        const std::string& raw_output) {
  const auto output = redact_.apply(raw_output);
  check_results_.emplace_back(name, passed ? "passed" : "FAILED");
  if (!passed)
    checks_failed_.push_back(fmt::format("{} failed:\n```\n{}\n```", name, tail_of(output, 4000)));
  log("orchestrator", fmt::format("review check '{}' {}", name, passed ? "passed" : "failed"));
}

void story_session::reject_for_checks() {
  review_decision d;
  for (const auto& f : checks_failed_)
    d.issues.push_back({"blocker", "testing", f});
  std::string target;
  update([&](story& s) {
    target = apply_review(
        s, d, "Automated checks failed; no agent review was run.\n\n" + format_issues(d.issues),
        board_.cfg().review_max_retries);
  });
  checkpoint_done(action_type::review);
  check_results_.clear();
  checks_failed_.clear();
  log("orchestrator",
      "review REJECTED by the automated checks -> " + (target.empty() ? "-" : target));
}

std::string story_session::commit_subject_prefix(action_type a) const {
  return fmt::format("{}: {} — ", id_, to_string(a));
}

std::string story_session::commit_message(action_type a) const {
  return fmt::format("{}{}\n\nCommitted by sdlc-actors after the agent's {} action.",
                     commit_subject_prefix(a), load().title(), to_string(a));
}

void story_session::adopt_remote_commit(const std::string& sha, const std::string& node) {
  remote_commit_ = fmt::format("node {} committed {} on the story branch; fetched", node, sha);
}

void story_session::complete(action_type a, const std::string& raw_text) {
  const auto text = redact_.apply(raw_text);
  const auto max_retries = board_.cfg().review_max_retries;
  std::string outcome;
  if (a == action_type::review) {
    auto d = parse_review_decision(text);
    if (!d) {
      log("agent", "unparseable review answer:\n" + text);
      throw failure("the review gave no decision (no {\"passed\": ...} JSON in its answer)");
    }
    update([&](story& s) { outcome = apply_review(s, *d, text, max_retries); });
    outcome = d->passed ? "APPROVED" : "REJECTED -> " + outcome;
    check_results_.clear();
    checks_failed_.clear();
  } else {
    if ((a == action_type::implement || a == action_type::rework) && opts_.use_worktree) {
      if (!remote_commit_.empty()) {
        log("orchestrator", remote_commit_);
        remote_commit_.clear();
      } else {
        auto commit = git::worktree_service::commit_all(cwd_, commit_message(a));
        log("orchestrator", commit ? "committed " + *commit + " on the story branch"
                                   : "the agent changed no files; nothing to commit");
      }
    }
    update([&](story& s) {
      switch (a) {
      case action_type::refine:
        apply_refine(s, text);
        break;
      case action_type::research:
        apply_research(s, text);
        break;
      case action_type::plan:
        apply_plan(s, text);
        break;
      case action_type::implement:
        apply_implement(s);
        break;
      case action_type::rework:
        apply_rework(s);
        break;
      default:
        break;
      }
    });
  }
  checkpoint_done(a); // and with it the action's count of failed attempts
  log("orchestrator",
      fmt::format("{} finished{}", to_string(a), outcome.empty() ? "" : ": " + outcome));
}

// The count lives in the checkpoint, not in this session: a bare `run` is a
// new session each time, and must block the story as `run --auto` would.
int story_session::checkpoint_failure(action_type a, const std::string& error) {
  const auto dir = file_.parent_path();
  auto state = workflow_state::load(dir).value_or(workflow_state::fresh(id_));
  const int n = state.record_failure(std::string(to_string(a)), id_, file_, error);
  state.save(dir);
  return n;
}

bool story_session::fail(action_type a, const std::string& raw_error) {
  const auto error = redact_.apply(raw_error);
  const int n = checkpoint_failure(a, error);
  const int allowed = 1 + board_.cfg().action_retries;
  log("orchestrator",
      fmt::format("{} failed (attempt {} of {}): {}", to_string(a), n, allowed, error));
  bool blocked = n >= allowed;
  update([&](story& s) {
    apply_action_failure(s, std::string(to_string(a)), error);
    if (blocked)
      block(s, fmt::format("{} failed {} times; last error: {}", to_string(a), n, error));
  });
  return blocked;
}

void story_session::record_usage(action_type a, const api_usage& u) {
  const auto dir = file_.parent_path();
  auto state = workflow_state::load(dir).value_or(workflow_state::fresh(id_));
  state.add_usage(std::string(to_string(a)), u);
  state.save(dir);
  log("orchestrator", fmt::format("{} used {} calls, tokens in {} (cache read {}, written {}), out "
                                  "{}: ${:.4f}",
                                  to_string(a), u.calls, u.input, u.cache_read, u.cache_creation,
                                  u.output, u.cost_usd));
}

double story_session::cost_so_far() const {
  auto state = workflow_state::load(file_.parent_path());
  return state ? state->usage_total().cost_usd : 0.0;
}

void story_session::block_for(const std::string& reason) {
  update([&](story& s) { block(s, reason); });
  log("orchestrator", "blocked: " + reason);
}

void story_session::abandon(action_type a, const std::string& why) {
  log("orchestrator", fmt::format("{} set aside: {}", to_string(a), why));
  if ((a == action_type::implement || a == action_type::rework) && cwd_ != board_.project_root())
    git::worktree_service::discard_uncommitted(cwd_);
}

void story_session::run_inline(const decision& d) {
  switch (d.action) {
  case action_type::block:
    update([&](story& s) { block(s, d.reason); });
    break;
  case action_type::create_pr: {
    // As ai-sdlc: the story is done once its PR is open. A gh that is
    // missing or logged out throws: the story stays as it was.
    auto s = board_.find(id_);
    if (s.str("pr_url").empty()) {
      auto url = open_pull_request(board_, s, git::current_branch(board_.project_root()));
      log("orchestrator", "opened pull request " + url);
    }
  }
    [[fallthrough]];
  case action_type::move_to_done:
    update([&](story& s) { apply_move_to_done(s); });
    checkpoint_done(action_type::move_to_done);
    break;
  default:
    break;
  }
  log("orchestrator", fmt::format("{}: {}", to_string(d.action), d.reason));
}

// Done in the story's own actor, not in the scheduler: removing a worktree
// is blocking git work, and the scheduler's one thread dispatches every story.
std::optional<std::string> story_session::drop_worktree_if_done() {
  if (!opts_.drop_worktree_when_done) return std::nullopt;
  try {
    remove_story_worktree(board_, load(), &cache_);
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string("worktree kept: ") + e.what();
  }
}

} // namespace sdlc
