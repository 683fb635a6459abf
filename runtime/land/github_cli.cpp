#include "runtime/land/github_cli.hpp"

#include "runtime/process/run_captured.hpp"
#include "runtime/util/environment.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/text.hpp"

#include <fmt/format.h>

namespace sdlc {

namespace {

const char* const login_hint =
    "run `gh auth login` (or set GH_TOKEN) as the user who runs sdlc-actors, check it with "
    "`gh auth status`, then land again; the stories stay done and keep their branches";

} // namespace

std::string gh_reply::said() const {
  return trim(err.empty() ? out : err);
}

bool gh_says_not_logged_in(const std::string& text) {
  const auto t = ascii_lower(text);
  return t.find("gh auth login") != std::string::npos ||
         t.find("not logged in") != std::string::npos ||
         t.find("authentication required") != std::string::npos ||
         t.find("bad credentials") != std::string::npos;
}

gh_reply run_gh(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                std::chrono::milliseconds timeout) {
  spawn_spec spec;
  spec.argv = {"gh"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = cwd;
  // Never a prompt, a pager or colour codes in what we parse.
  spec.env = environment_with({{"GH_PROMPT_DISABLED", "1"},
                               {"GH_PAGER", "cat"},
                               {"NO_COLOR", "1"},
                               {"GH_NO_UPDATE_NOTIFIER", "1"}},
                              {"CLAUDECODE"});
  captured_run r;
  try {
    r = run_captured(spec, timeout);
  } catch (const error&) {
    throw failure(fmt::format(
        "the GitHub CLI `gh` is not installed (not found on PATH): install it (Debian: apt-get "
        "install gh; tools/bootstrap does), then {}",
        login_hint));
  }
  const auto line = fmt::format(
      "gh {}", fmt::join(args.begin(), args.begin() + std::min<std::size_t>(args.size(), 3), " "));
  if (r.timed_out)
    throw failure(fmt::format("`{}` did not answer in {} s: check the network and `gh auth status`",
                              line, timeout.count() / 1000));
  gh_reply reply{r.exit.exit_code, r.out, r.err};
  if (!reply.ok() && gh_says_not_logged_in(reply.err))
    throw failure(fmt::format("`{}`: gh is not logged in to GitHub ({}): {}", line,
                              tail_of(reply.said(), 300), login_hint));
  return reply;
}

} // namespace sdlc
