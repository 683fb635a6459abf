#define BOOST_TEST_MODULE bench_tools
// tools/bench: the benchmark tools run nowhere else in CI, so they could rot
// unseen. sdlc-bench's DAG (with estimates) and seed means on a small input,
// the scripts' shared lib.sh used for real, and every bench script parsed by bash.
#include "runtime/util/fs.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <sstream>

using namespace sdlc;
namespace stdfs = std::filesystem;

namespace {

std::map<std::string, double> figures(const std::string& out) {
  std::map<std::string, double> f;
  std::istringstream in(out);
  std::string key;
  double value = 0;
  while (in >> key >> value)
    f[key] = value;
  return f;
}

} // namespace

BOOST_AUTO_TEST_SUITE(bench_tools_suite)

BOOST_AUTO_TEST_CASE(sdlc_bench_dag_writes_a_board_and_sane_makespans) {
  test::temp_dir d;
  BOOST_REQUIRE(test::sdlc(d.path, {"init"}).exit_code == 0);
  auto r = test::run(
      {SDLC_BENCH_BIN, "dag", d.path.string(), "6", "2", "42", "200", "1000", "--estimates"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto f = figures(r.out);
  for (auto key : {"lower_bound_s", "simulated_s", "levels_s", "blind_s", "estimated_s"})
    BOOST_TEST(f.count(key) == 1u, key << " in " << r.out);
  // No schedule beats the lower bound; a level barrier never beats the DAG.
  for (auto key : {"simulated_s", "levels_s", "blind_s", "estimated_s"})
    BOOST_TEST(f[key] >= f["lower_bound_s"] - 1e-9, key << " in " << r.out);
  BOOST_TEST(f["levels_s"] >= f["simulated_s"] - 1e-9, r.out);
  auto durations = test::read(d.path / "durations.txt");
  BOOST_TEST(std::count(durations.begin(), durations.end(), '\n') == 6);
  auto story = test::read(d.path / ".ai-sdlc/stories/S-0006/story.md");
  BOOST_TEST(story.find("estimated_effort: ") != std::string::npos, story);
  auto plan = test::sdlc(d.path, {"run", "--dry-run", "--concurrent", "2"});
  BOOST_TEST(plan.exit_code == 0, plan.err);
  BOOST_TEST(plan.err.find("warning:") == std::string::npos, plan.err); // estimates it can use
}

BOOST_AUTO_TEST_CASE(sdlc_bench_dag_seeds_gives_means_at_or_above_one) {
  auto r = test::run({SDLC_BENCH_BIN, "dag-seeds", "30", "4", "3", "200", "1000"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto f = figures(r.out);
  BOOST_TEST(f["seeds"] == 3);
  for (auto key : {"knowing_mean", "blind_mean", "estimated_mean", "estimated_rough_mean"}) {
    BOOST_TEST(f.count(key) == 1u, key << " in " << r.out);
    BOOST_TEST(f[key] >= 1.0, key << " in " << r.out);
  }
  auto bad = test::run({SDLC_BENCH_BIN, "dag-seeds", "30"});
  BOOST_TEST(bad.exit_code == 2);
  BOOST_TEST(bad.err.find("usage: sdlc-bench") != std::string::npos, bad.err);
}

BOOST_AUTO_TEST_CASE(every_bench_script_parses) {
  int scripts = 0;
  for (const auto& e : stdfs::directory_iterator(stdfs::path(SDLC_SOURCE_DIR) / "tools/bench")) {
    auto ext = e.path().extension();
    if (!e.is_regular_file() || ext == ".cpp" || ext == ".hpp") continue;
    auto first = test::read(e.path()).substr(0, 20);
    if (first.rfind("#!/usr/bin/env bash", 0) != 0) continue;
    ++scripts;
    auto r = test::run({"/bin/bash", "-n", e.path().string()});
    BOOST_TEST(r.exit_code == 0, e.path() << ": " << r.err);
  }
  // run, live, board, dag-pairs, approval, landing, remote, rate-limit,
  // overhead-fs, overhead-pairs, fs-cost, watch-start, folders-pairs, lib.sh
  BOOST_TEST(scripts >= 14);
}

// overhead-fs removes what it makes in the folders it is given, so it must
// refuse before making anything when a folder is wrong.
BOOST_AUTO_TEST_CASE(overhead_fs_refuses_a_bad_call_before_it_makes_anything) {
  const auto script = (stdfs::path(SDLC_SOURCE_DIR) / "tools/bench/overhead-fs").string();
  test::temp_dir d;
  auto usage = test::run({script, "1"}, d.path);
  BOOST_TEST(usage.exit_code == 2);
  BOOST_TEST(usage.err.find("usage: tools/bench/overhead-fs") != std::string::npos, usage.err);
  const auto missing = d.path / "no-such-folder";
  auto bad = test::run({script, "1", missing.string()}, d.path, {{"TMPDIR", d.path.string()}});
  BOOST_TEST(bad.exit_code == 2);
  BOOST_TEST(bad.err.find(missing.string() + " is not a writable folder") != std::string::npos,
             bad.err);
  BOOST_TEST(stdfs::is_empty(d.path)); // no board template made
}

// tools/bench/run writes docs/benchmarks.md again, keeping only its
// <!-- name:begin/end --> sections: a section written after the last end
// marker was once nearly lost that way. Text outside every section is
// refused before any benchmark runs, and the file is left as it was.
BOOST_AUTO_TEST_CASE(bench_run_refuses_to_drop_text_outside_its_kept_sections) {
  test::temp_dir d;
  const auto md = d.path / "benchmarks.md";
  const std::string text = "# Benchmarks\n\nthe table\n\n<!-- scale:begin -->\n## Scale\n"
                           "<!-- scale:end -->\n\n### A section after the marker\n";
  test::write(md, text);
  auto r = test::run({(stdfs::path(SDLC_SOURCE_DIR) / "tools/bench/run").string()}, d.path,
                     {{"OUT", md.string()}, {"TMPDIR", d.path.string()}});
  BOOST_TEST(r.exit_code == 1, r.err);
  BOOST_TEST(r.err.find(md.string() + ":9 is outside every <!-- name:begin -->") !=
                 std::string::npos,
             r.err);
  BOOST_TEST(r.out.find("1/4") == std::string::npos, r.out); // no benchmark ran
  BOOST_TEST(test::read(md) == text);
}

// lib.sh is what run, dag-pairs, live and remote measure with: its project
// must be a board that runs, and its arithmetic what their tables print.
BOOST_AUTO_TEST_CASE(the_scripts_shared_project_is_a_board_that_runs) {
  test::temp_dir d;
  const auto build = stdfs::path(SDLC_BENCH_BIN).parent_path();
  BOOST_REQUIRE(stdfs::exists(build / "sdlc-actors"));
  const auto p = d.path / "p";
  auto r = test::run({"/bin/bash", "-c",
                      "set -euo pipefail; here=\"$1\"; . \"$here/lib.sh\"; "
                      "project \"$2\" \"$here/noop-agent.sh\" 3; "
                      "(cd \"$2\" && \"$bin\" add One --status ready > /dev/null); "
                      "commit_board \"$2\"; (cd \"$2\" && \"$bin\" run --auto > \"$2.log\"); "
                      "echo \"ratio $(ratio 3 2) elapsed $(elapsed 1 2.5)\"; "
                      "echo \"per story $(per_story_ms 5.22 200) done $(stories_done \"$2.log\")\"",
                      "lib", (stdfs::path(SDLC_SOURCE_DIR) / "tools/bench").string(), p.string()},
                     ".", {{"BUILD_DIR", build.string()}, {"NO_COLOR", "1"}});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(r.out == "ratio 1.500 elapsed 1.50\nper story 26.1 done 1\n");
  auto status = test::sdlc(p, {"status", "--json"});
  BOOST_TEST(status.out.find("\"status\": \"done\"") != std::string::npos, status.out);
  BOOST_TEST(test::read(p / ".ai-sdlc.json").find("\"maxConcurrent\": 3") != std::string::npos);
  BOOST_TEST(test::git(p, {"ls-files"}).find(".ai-sdlc/stories/S-0001/story.md") !=
             std::string::npos); // commit_board
}

// watch-start times how long a watch takes to start, then stops it: a line
// per run, nothing left running or locked, and a bad call refused before
// anything runs.
BOOST_AUTO_TEST_CASE(watch_start_times_a_start_and_stops_the_watch) {
  const auto script = (stdfs::path(SDLC_SOURCE_DIR) / "tools/bench/watch-start").string();
  const auto sdlc_bin = (stdfs::path(SDLC_BENCH_BIN).parent_path() / "sdlc-actors").string();
  test::temp_dir d;
  auto usage = test::run({script}, d.path);
  BOOST_TEST(usage.exit_code == 2);
  BOOST_TEST(usage.err.find("usage: tools/bench/watch-start") != std::string::npos, usage.err);
  auto no_board = test::run({script, d.path.string(), "1", sdlc_bin}, d.path);
  BOOST_TEST(no_board.exit_code == 2);
  BOOST_TEST(no_board.err.find("has no board") != std::string::npos, no_board.err);

  const auto p = d.path / "p";
  test::make_git_repo(p);
  BOOST_REQUIRE(test::sdlc(p, {"init"}).exit_code == 0);
  test::git(p, {"add", "-A"});
  test::git(p, {"commit", "-q", "-m", "board"});
  const auto tmp = d.path / "tmp";
  stdfs::create_directories(tmp);
  auto r = test::run({script, p.string(), "2", sdlc_bin}, d.path, {{"TMPDIR", tmp.string()}});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
  std::istringstream lines(r.out);
  int runs = 0;
  for (std::string build, seconds; lines >> build >> seconds; ++runs) {
    BOOST_TEST(build == stdfs::canonical(sdlc_bin).string());
    BOOST_TEST(std::stod(seconds) > 0.0, seconds);
  }
  BOOST_TEST(runs == 2, r.out);
  BOOST_TEST(stdfs::is_empty(tmp));                    // its FIFO removed
  BOOST_TEST(!stdfs::exists(p / ".ai-sdlc/run.lock")); // each watch ended (exit 130)
}

BOOST_AUTO_TEST_SUITE_END()

// fs-cost's figures are only as good as its attribution: a sample goes to the
// innermost frame of ours, and is counted as an inode allocation, an fsync
// or a deletion by its kernel frames.
BOOST_AUTO_TEST_CASE(fs_cost_attributes_file_system_samples_to_their_caller) {
  test::temp_dir d;
  test::write(d.path / "perf.txt", "caf.actor 100/101\n"
                                   "\tffff __ext4_new_inode\n"
                                   "\tffff ext4_create\n"
                                   "\t5555 sdlc::file_lock::file_lock(std::filesystem::path)\n"
                                   "\t5555 sdlc::board::update_file(story&)\n"
                                   "\n"
                                   "caf.actor 100/102\n"
                                   "\tffff ext4_sync_file\n"
                                   "\t5555 sdlc::fs::(anonymous namespace)::replace_file\n"
                                   "\t5555 sdlc::workflow_state::save(path const&)\n"
                                   "\t5555 sdlc::story_session::prepare_agent(action_type)\n"
                                   "\n"
                                   "caf.actor 100/102\n"
                                   "\tffff ext4_evict_inode\n"
                                   "\tffff do_unlinkat\n"
                                   "\t5555 sdlc::board::update_file(story&)\n"
                                   "\n"
                                   "noop-agent.sh 200/200\n"
                                   "\tffff do_syscall_64\n");
  auto r = test::run({"/usr/bin/awk", "-v", "hz=100", "-v", "n=10", "-f",
                      (stdfs::path(SDLC_SOURCE_DIR) / "tools/bench/fs-cost.awk").string(),
                      (d.path / "perf.txt").string()});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("4 samples at 100 Hz, 3 in the file system (75.0 %)") != std::string::npos,
             r.out);
  // samples, ms CPU per story (1 / 100 Hz / 10 stories), new inode, fsync, delete
  BOOST_TEST(r.out.find("1         1.00          1       0       0  our lock files") !=
                 std::string::npos,
             r.out);
  BOOST_TEST(r.out.find("1         1.00          0       1       0  checkpoint") !=
                 std::string::npos,
             r.out);
  BOOST_TEST(r.out.find("1         1.00          0       0       1  story writes") !=
                 std::string::npos,
             r.out);
}

BOOST_AUTO_TEST_CASE(fs_cost_refuses_a_bad_folder_before_it_makes_anything) {
  test::temp_dir d;
  const auto missing = d.path / "no-such-folder";
  auto bad =
      test::run({(stdfs::path(SDLC_SOURCE_DIR) / "tools/bench/fs-cost").string(), missing.string()},
                d.path, {{"TMPDIR", d.path.string()}});
  BOOST_TEST(bad.exit_code == 2);
  BOOST_TEST(bad.err.find(missing.string() + " is not a writable folder") != std::string::npos,
             bad.err);
  BOOST_TEST(stdfs::is_empty(d.path));
}

// overhead-pairs removes its runs from the folder it is given: a wrong call
// is refused before it makes anything.
BOOST_AUTO_TEST_CASE(overhead_pairs_refuses_a_bad_call_before_it_makes_anything) {
  const auto script = (stdfs::path(SDLC_SOURCE_DIR) / "tools/bench/overhead-pairs").string();
  test::temp_dir d;
  const std::map<std::string, std::string> env = {{"TMPDIR", d.path.string()}};
  auto usage = test::run({script, "1", d.path.string()}, d.path, env);
  BOOST_TEST(usage.exit_code == 2);
  BOOST_TEST(usage.err.find("usage: tools/bench/overhead-pairs") != std::string::npos, usage.err);
  const auto missing = d.path / "no-such-folder";
  auto bad = test::run({script, "1", missing.string(), SDLC_BIN, SDLC_BIN}, d.path, env);
  BOOST_TEST(bad.exit_code == 2);
  BOOST_TEST(bad.err.find(missing.string() + " is not a writable folder") != std::string::npos,
             bad.err);
  const auto no_build = d.path / "sdlc-actors";
  auto not_a_build =
      test::run({script, "1", d.path.string(), SDLC_BIN, no_build.string()}, d.path, env);
  BOOST_TEST(not_a_build.exit_code == 2);
  BOOST_TEST(not_a_build.err.find(no_build.string() + " is not an executable") != std::string::npos,
             not_a_build.err);
  auto env_files = env;
  env_files["FILES"] = "2k";
  auto bad_files = test::run({script, "1", d.path.string(), SDLC_BIN, SDLC_BIN}, d.path, env_files);
  BOOST_TEST(bad_files.exit_code == 2);
  BOOST_TEST(bad_files.err.find("must be whole numbers, not '2k'") != std::string::npos,
             bad_files.err);
  BOOST_TEST(stdfs::is_empty(d.path));
}

// overhead-pairs' FILES: the project holds that many committed files, and a
// story's worktree checks every one of them out.
BOOST_AUTO_TEST_CASE(commit_files_gives_every_worktree_the_files_to_check_out) {
  test::temp_dir d;
  const auto build = stdfs::path(SDLC_BENCH_BIN).parent_path();
  const auto p = d.path / "p";
  auto r = test::run({"/bin/bash", "-c",
                      "set -euo pipefail; here=\"$1\"; . \"$here/lib.sh\"; "
                      "overhead_stories=2; overhead_board \"$2\" 45",
                      "lib", (stdfs::path(SDLC_SOURCE_DIR) / "tools/bench").string(), p.string()},
                     ".", {{"BUILD_DIR", build.string()}, {"NO_COLOR", "1"}});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
  auto files = test::git(p, {"ls-files"});
  BOOST_TEST(std::count(files.begin(), files.end(), '\n') == 45);
  BOOST_TEST(test::read(p / "src/m1/f41.txt").rfind("1\n2\n", 0) == 0u);
  BOOST_TEST(test::git(p, {"status", "--porcelain", "src"}) == "");
  BOOST_REQUIRE(test::sdlc(p, {"worktrees", "add", "S-0002"}).exit_code == 0);
  BOOST_TEST(stdfs::exists(p / ".ai-sdlc/worktrees/S-0002-story-2/src/m5/f45.txt"));
}

// The overhead benchmarks copy one template board per run. `cp -a` drops the
// folder flag that places story folders apart (fs::spread_subfolders), and
// the copy would be measured with its folders packed: copy_board keeps it.
BOOST_AUTO_TEST_CASE(copy_board_keeps_the_folder_flag_that_cp_drops) {
  test::temp_dir d;
  const auto build = stdfs::path(SDLC_BENCH_BIN).parent_path();
  const auto from = d.path / "template", to = d.path / "copy", plain = d.path / "plain";
  auto r = test::run({"/bin/bash", "-c",
                      "set -euo pipefail; here=\"$1\"; . \"$here/lib.sh\"; "
                      "project \"$2\" \"$here/noop-agent.sh\"; "
                      "(cd \"$2\" && \"$bin\" add One --status ready > /dev/null); "
                      "copy_board \"$2\" \"$3\"; mkdir \"$4\"; cp -a \"$2/.\" \"$4/\"",
                      "lib", (stdfs::path(SDLC_SOURCE_DIR) / "tools/bench").string(), from.string(),
                      to.string(), plain.string()},
                     ".", {{"BUILD_DIR", build.string()}, {"NO_COLOR", "1"}});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
  BOOST_TEST(test::read(to / ".ai-sdlc/stories/S-0001/story.md") ==
             test::read(from / ".ai-sdlc/stories/S-0001/story.md"));
  BOOST_TEST(test::read(to / ".ai-sdlc.json") == test::read(from / ".ai-sdlc.json"));
  if (test::on_ext4(d.path)) {
    BOOST_TEST(sdlc::fs::spreads_subfolders(from / ".ai-sdlc/stories").value_or(false));
    BOOST_TEST(sdlc::fs::spreads_subfolders(to / ".ai-sdlc/stories").value_or(false));
    BOOST_TEST(!sdlc::fs::spreads_subfolders(plain / ".ai-sdlc/stories").value_or(true));
  } else {
    BOOST_TEST_MESSAGE(d.path << " is not on ext4: only the copy itself is checked");
  }
}

// folders-pairs removes its runs from the folder it is given: a wrong call
// is refused before it makes anything.
BOOST_AUTO_TEST_CASE(folders_pairs_refuses_a_bad_call_before_it_makes_anything) {
  const auto script = (stdfs::path(SDLC_SOURCE_DIR) / "tools/bench/folders-pairs").string();
  test::temp_dir d;
  const std::map<std::string, std::string> env = {{"TMPDIR", d.path.string()}};
  auto usage = test::run({script, "1"}, d.path, env);
  BOOST_TEST(usage.exit_code == 2);
  BOOST_TEST(usage.err.find("usage: tools/bench/folders-pairs") != std::string::npos, usage.err);
  const auto missing = d.path / "no-such-folder";
  auto bad = test::run({script, "1", missing.string()}, d.path, env);
  BOOST_TEST(bad.exit_code == 2);
  BOOST_TEST(bad.err.find(missing.string() + " is not a writable folder") != std::string::npos,
             bad.err);
  BOOST_TEST(stdfs::is_empty(d.path));
}
