// A story session keeps its story's lock file between its writes (no new
// inode per write), lets it go once the story is at rest, and when it ends.
#include "runtime/config/config.hpp"
#include "runtime/story/board.hpp"
#include "runtime/util/file_lock.hpp"
#include "runtime/workflow/story_session.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

namespace {

struct one_story_board {
  test::temp_dir tmp;
  board b{tmp.path, load_config(tmp.path, {}), false};
  std::string id;
  std::filesystem::path lock;
  one_story_board() {
    b.init();
    new_story spec;
    spec.title = "Lock me";
    spec.status = story_status::ready;
    auto s = b.add(spec);
    id = s.id();
    lock = board::lock_file_for(s.file());
  }
  session_options options(bool use_worktree) const {
    session_options o;
    o.use_worktree = use_worktree;
    return o;
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(a_session_keeps_its_lock_file_until_the_story_is_at_rest) {
  one_story_board p;
  story_session s(p.b, p.id, p.options(true));
  s.complete(action_type::research, "notes");
  BOOST_TEST(std::filesystem::exists(p.lock)); // kept for the next write
  BOOST_TEST(!file_lock::held(p.lock));        // but nobody holds it
  BOOST_TEST(!file_lock::read_holder(p.lock)); // and it names nobody
  s.run_inline({action_type::move_to_done, "approved"});
  BOOST_TEST(s.current().str("status") == "done");
  BOOST_TEST(!std::filesystem::exists(p.lock)); // at rest: gone before the session ends
}

BOOST_AUTO_TEST_CASE(a_session_that_ends_mid_workflow_removes_its_lock_file) {
  one_story_board p;
  {
    story_session s(p.b, p.id, p.options(true));
    s.complete(action_type::research, "notes");
    BOOST_TEST(std::filesystem::exists(p.lock));
  }
  BOOST_TEST(!std::filesystem::exists(p.lock));
}

// An agent in the main checkout could `git add -A` a kept file.
BOOST_AUTO_TEST_CASE(a_session_without_a_worktree_keeps_no_lock_file) {
  one_story_board p;
  story_session s(p.b, p.id, p.options(false));
  s.complete(action_type::research, "notes");
  BOOST_TEST(!std::filesystem::exists(p.lock));
}
