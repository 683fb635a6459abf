#include "runtime/workflow/workflow_state.hpp"

#include "runtime/story/board.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "runtime/util/time.hpp"

#include <fmt/format.h>

#include <chrono>
#include <random>

namespace sdlc {

namespace {

void check_shape(const nlohmann::ordered_json& doc, const std::string& origin) {
  auto fail = [&](const std::string& what) {
    throw bad_input(
        fmt::format("{}: {}; move the file aside to restart the story's workflow", origin, what));
  };
  if (!doc.is_object()) fail("expected a JSON object");
  if (doc.contains("completedActions") && !doc["completedActions"].is_array())
    fail("'completedActions' must be a list");
  if (doc.contains("completedActions"))
    for (const auto& a : doc["completedActions"])
      if (!a.is_object() || !a.contains("type") || !a["type"].is_string())
        fail("every entry of 'completedActions' needs a string 'type'");
  if (doc.contains("currentAction") && !doc["currentAction"].is_null() &&
      !doc["currentAction"].is_object())
    fail("'currentAction' must be null or an object");
}

nlohmann::ordered_json action_entry(const std::string& type, const std::string& story_id,
                                    const std::filesystem::path& story_file, const char* when) {
  return {{"type", type},
          {"storyId", story_id},
          {"storyPath", story_file.string()},
          {when, time::now_iso8601()}};
}

} // namespace

std::string failed_attempts_text(const current_action& a, int allowed) {
  if (a.failed_attempts <= 0) return a.type;
  return fmt::format("{} ({} of {} attempts)", a.type, a.failed_attempts, allowed);
}

std::filesystem::path workflow_state::file_in(const std::filesystem::path& story_dir) {
  return story_dir / ".workflow-state.json";
}

workflow_state workflow_state::fresh(const std::string& story_id) {
  workflow_state s;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  s.doc_ = {{"version", "1.0"},
            {"workflowId", fmt::format("workflow-{}-{:08x}", ms, std::random_device{}())},
            {"timestamp", time::now_iso8601()},
            {"currentAction", nullptr},
            {"completedActions", nlohmann::ordered_json::array()},
            {"context", {{"options", {{"story", story_id}}}}}};
  return s;
}

std::optional<workflow_state> workflow_state::load(const std::filesystem::path& story_dir) {
  auto file = file_in(story_dir);
  if (!std::filesystem::exists(file)) return std::nullopt;
  workflow_state s;
  try {
    s.doc_ = nlohmann::ordered_json::parse(fs::read_file(file, 16u << 20));
  } catch (const nlohmann::json::exception& e) {
    throw bad_input(fmt::format("{}: not valid JSON ({}); move the file aside to restart the "
                                "story's workflow",
                                file.string(), e.what()));
  }
  check_shape(s.doc_, file.string());
  return s;
}

void workflow_state::save(const std::filesystem::path& story_dir) {
  doc_["timestamp"] = time::now_iso8601();
  // ai-sdlc refuses a checkpoint without context.sdlcRoot ("Invalid state
  // file") and `run --continue` stops there; its own are in
  // <sdlcRoot>/stories/<ID>.
  auto& context = doc_["context"];
  if (context.is_object() && !context.contains("sdlcRoot") &&
      story_dir.parent_path().filename() == "stories")
    context["sdlcRoot"] = std::filesystem::absolute(story_dir).parent_path().parent_path().string();
  fs::atomic_write(file_in(story_dir), doc_.dump(2) + "\n");
}

std::optional<current_action> workflow_state::interrupted() const {
  auto it = doc_.find("currentAction");
  if (it == doc_.end() || !it->is_object() || !it->contains("type") || !(*it)["type"].is_string())
    return std::nullopt;
  const auto& ca = *it;
  auto text = [&](const char* key) {
    return ca.contains(key) && ca[key].is_string() ? ca[key].get<std::string>() : std::string();
  };
  current_action out;
  out.type = ca["type"].get<std::string>();
  if (ca.contains("pid") && ca["pid"].is_number_integer()) out.pid = ca["pid"].get<long>();
  out.session_id = text("sessionId");
  out.worktree = text("worktree");
  out.base_commit = text("baseCommit");
  if (ca.contains("failedAttempts") && ca["failedAttempts"].is_number_integer())
    out.failed_attempts = ca["failedAttempts"].get<int>();
  out.failed = ca.contains("failed") && ca["failed"].is_boolean() && ca["failed"].get<bool>();
  return out;
}

void workflow_state::record_session(const std::string& session_id, const std::string& worktree,
                                    const std::string& base_commit) {
  auto& ca = doc_["currentAction"];
  if (!ca.is_object()) return;
  ca["sessionId"] = session_id;
  ca["worktree"] = worktree;
  if (!base_commit.empty()) ca["baseCommit"] = base_commit;
}

void workflow_state::forget_process() {
  auto& ca = doc_["currentAction"];
  if (!ca.is_object()) return;
  ca.erase("pid");
  ca.erase("pgid");
}

void workflow_state::forget_failed_attempts() {
  auto& ca = doc_["currentAction"];
  if (ca.is_object()) ca.erase("failedAttempts");
}

std::vector<std::string> workflow_state::completed_actions() const {
  std::vector<std::string> out;
  if (auto it = doc_.find("completedActions"); it != doc_.end())
    for (const auto& a : *it)
      out.push_back(a["type"].get<std::string>());
  return out;
}

std::optional<std::string> workflow_state::content_hash() const {
  auto ctx = doc_.find("context");
  if (ctx == doc_.end() || !ctx->is_object()) return std::nullopt;
  auto h = ctx->find("storyContentHash");
  if (h == ctx->end() || !h->is_string()) return std::nullopt;
  return h->get<std::string>();
}

void workflow_state::start_action(const std::string& type, const std::string& story_id,
                                  const std::filesystem::path& story_file) {
  auto entry = action_entry(type, story_id, story_file, "startedAt");
  if (auto cur = interrupted(); cur && cur->type == type && cur->failed_attempts > 0)
    entry["failedAttempts"] = cur->failed_attempts;
  doc_["currentAction"] = std::move(entry);
}

int workflow_state::record_failure(const std::string& type, const std::string& story_id,
                                   const std::filesystem::path& story_file,
                                   const std::string& error) {
  auto cur = interrupted();
  const bool same = cur && cur->type == type;
  auto& ca = doc_["currentAction"];
  if (!same) ca = action_entry(type, story_id, story_file, "startedAt");
  const int n = (same ? cur->failed_attempts : 0) + 1;
  ca["failedAttempts"] = n;
  ca["failed"] = true;
  ca["lastFailure"] = error;
  return n;
}

void workflow_state::complete_action(const std::string& type, const std::string& story_id,
                                     const std::filesystem::path& story_file) {
  doc_["currentAction"] = nullptr;
  doc_["completedActions"].push_back(action_entry(type, story_id, story_file, "completedAt"));
}

void workflow_state::set_content_hash(const std::string& hash) {
  doc_["context"]["storyContentHash"] = hash;
}

namespace {

void add_to(nlohmann::ordered_json& j, const api_usage& u) {
  auto num = [&](const char* k) -> nlohmann::ordered_json& {
    if (!j[k].is_number()) j[k] = 0;
    return j[k];
  };
  num("inputTokens") = num("inputTokens").get<long>() + u.input;
  num("outputTokens") = num("outputTokens").get<long>() + u.output;
  num("cacheReadTokens") = num("cacheReadTokens").get<long>() + u.cache_read;
  num("cacheCreationTokens") = num("cacheCreationTokens").get<long>() + u.cache_creation;
  num("calls") = num("calls").get<long>() + u.calls;
  num("costUsd") = num("costUsd").get<double>() + u.cost_usd;
}

api_usage read_usage(const nlohmann::ordered_json& j) {
  api_usage u;
  if (!j.is_object()) return u;
  auto num = [&](const char* k) -> long {
    return j.contains(k) && j[k].is_number() ? j[k].get<long>() : 0;
  };
  u.input = num("inputTokens");
  u.output = num("outputTokens");
  u.cache_read = num("cacheReadTokens");
  u.cache_creation = num("cacheCreationTokens");
  u.calls = num("calls");
  u.cost_usd = j.contains("costUsd") && j["costUsd"].is_number() ? j["costUsd"].get<double>() : 0;
  return u;
}

} // namespace

void workflow_state::add_usage(const std::string& action, const api_usage& u) {
  auto& usage = doc_["usage"];
  if (!usage.is_object()) usage = nlohmann::ordered_json::object();
  add_to(usage["total"], u);
  add_to(usage["actions"][action], u);
}

api_usage workflow_state::usage_total() const {
  auto it = doc_.find("usage");
  return it == doc_.end() || !it->is_object() || !it->contains("total")
             ? api_usage{}
             : read_usage((*it)["total"]);
}

api_usage workflow_state::usage_of(const std::string& action) const {
  auto it = doc_.find("usage");
  if (it == doc_.end() || !it->is_object() || !it->contains("actions")) return {};
  const auto& a = (*it)["actions"];
  return a.contains(action) ? read_usage(a[action]) : api_usage{};
}

std::optional<std::string> migrate_legacy_workflow_state(const board& b) {
  auto legacy = b.sdlc_dir() / ".workflow-state.json";
  if (!std::filesystem::is_regular_file(legacy)) return std::nullopt;
  nlohmann::ordered_json doc;
  try {
    doc = nlohmann::ordered_json::parse(fs::read_file(legacy, 16u << 20));
  } catch (const nlohmann::json::exception& e) {
    throw bad_input(fmt::format("{}: the old global workflow state is not valid JSON ({}); move "
                                "it aside",
                                legacy.string(), e.what()));
  }
  check_shape(doc, legacy.string());
  std::string id;
  auto pick = [&](const nlohmann::ordered_json& j, const char* key) {
    if (id.empty() && j.is_object() && j.contains(key) && j[key].is_string())
      id = j[key].get<std::string>();
  };
  if (doc.contains("context") && doc["context"].contains("options"))
    pick(doc["context"]["options"], "story");
  pick(doc.value("currentAction", nlohmann::ordered_json()), "storyId");
  if (doc.contains("completedActions"))
    for (const auto& a : doc["completedActions"])
      pick(a, "storyId");
  if (id.empty())
    throw bad_input(fmt::format("{}: the old global workflow state names no story; delete it if "
                                "that workflow is over",
                                legacy.string()));
  auto target = b.find(id);
  auto dest = workflow_state::file_in(target.dir());
  if (!std::filesystem::exists(dest)) fs::atomic_write(dest, doc.dump(2) + "\n");
  std::filesystem::rename(legacy, legacy.string() + ".migrated");
  return target.id();
}

} // namespace sdlc
