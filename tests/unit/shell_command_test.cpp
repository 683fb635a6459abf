// runtime/process/shell_command: which command lines start directly, and
// that one started directly runs as `sh -c` would have run it.
#include "runtime/process/run_captured.hpp"
#include "runtime/process/shell_command.hpp"
#include "runtime/util/environment.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

using namespace sdlc;
using namespace std::chrono_literals;
namespace stdfs = std::filesystem;

namespace {

using argv_t = std::vector<std::string>;

stdfs::path write_program(const stdfs::path& file, const std::string& text, bool executable) {
  std::ofstream(file) << text;
  stdfs::permissions(file, executable ? stdfs::perms::owner_all
                                      : stdfs::perms::owner_read | stdfs::perms::owner_write);
  return file;
}

argv_t shell(const std::string& line) {
  return {"/bin/sh", "-c", line};
}

} // namespace

BOOST_AUTO_TEST_SUITE(shell_command_suite)

BOOST_AUTO_TEST_CASE(a_path_and_plain_words_start_directly) {
  test::temp_dir d;
  auto agent = write_program(d.path / "agent.sh", "#!/bin/sh\necho hi\n", true).string();
  BOOST_TEST(command_argv(agent) == argv_t{agent});
  BOOST_TEST(command_argv(agent + "  --model=opus  -v  x,y:z@1%+") ==
             (argv_t{agent, "--model=opus", "-v", "x,y:z@1%+"}));
  BOOST_TEST(command_argv("./agent.sh --fast", d.path.string()) ==
             (argv_t{"./agent.sh", "--fast"}));
  BOOST_TEST(command_argv("/bin/true") == argv_t{"/bin/true"}); // an ELF binary
}

BOOST_AUTO_TEST_CASE(anything_a_shell_would_read_differently_goes_to_the_shell) {
  test::temp_dir d;
  auto agent = write_program(d.path / "agent.sh", "#!/bin/sh\necho hi\n", true).string();
  for (const auto& line : std::vector<std::string>{
           "! grep -q x f",    "agent.sh",       "true",           "exec " + agent,
           "FOO=1 " + agent,   agent + " $HOME", agent + " 'a b'", agent + " \"a\"",
           agent + " > out",   agent + " | cat", agent + "; true", agent + " *",
           agent + " a\tb",    agent + "\n",     "~/agent.sh",     agent + " `id`",
           agent + " && true", agent + " (x)",   agent + " #c",    agent + " a\\ b",
           agent + " {a,b}",   agent + " [ab]",  agent + " ?",     std::string("")})
    BOOST_TEST(command_argv(line) == shell(line), "'" << line << "' goes to the shell");
  // Files only the shell knows how to run, or not at all (its message says why).
  auto no_hash_bang = write_program(d.path / "plain.sh", "echo hi\n", true).string();
  auto not_executable = write_program(d.path / "nx.sh", "#!/bin/sh\necho hi\n", false).string();
  auto missing = (d.path / "missing.sh").string();
  for (const auto& line :
       std::vector<std::string>{no_hash_bang, not_executable, missing, d.path.string()})
    BOOST_TEST(command_argv(line) == shell(line), "'" << line << "' goes to the shell");
  BOOST_TEST(command_argv("./agent.sh") == shell("./agent.sh")); // relative to our folder
}

// Started directly, a program sees what it would have under `sh -c`: its
// arguments, and PWD naming the folder it runs in (not ours).
BOOST_AUTO_TEST_CASE(started_directly_it_runs_as_under_the_shell) {
  test::temp_dir d;
  auto work = d.path / "work";
  stdfs::create_directories(work);
  write_program(work / "agent.sh", "#!/bin/sh\necho \"$PWD|$1|$2|$#\"\n", true);
  std::string direct, via_shell;
  for (bool shell_forced : {false, true}) {
    spawn_spec spec;
    spec.argv = shell_forced ? shell("./agent.sh --a=1 b")
                             : command_argv("./agent.sh --a=1 b", work.string());
    BOOST_TEST((spec.argv.front() == "/bin/sh") == shell_forced);
    spec.cwd = work;
    spec.env = environment_with({{"PWD", "/somewhere/else"}});
    auto r = run_captured(spec, 30s);
    BOOST_TEST(r.ok(), r.combined);
    (shell_forced ? via_shell : direct) = r.out;
  }
  BOOST_TEST(direct == via_shell);
  BOOST_TEST(direct == stdfs::canonical(work).string() + "|--a=1|b|2\n");
}

BOOST_AUTO_TEST_SUITE_END()
