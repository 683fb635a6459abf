// runtime/util/interned_string and copyable_ptr, and the frontmatter value
// built on them: what a scan keeps of every story must read, compare and
// copy as the plain strings and vectors it replaced did.
#include "runtime/story/frontmatter_value.hpp"
#include "runtime/util/copyable_ptr.hpp"
#include "runtime/util/interned_string.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <thread>
#include <vector>

using namespace sdlc;

BOOST_AUTO_TEST_SUITE(compact_values_suite)

BOOST_AUTO_TEST_CASE(an_interned_text_is_one_pointer_and_orders_by_text) {
  const std::string long_key = "implementation_complete"; // past the short-string buffer
  interned_string a(long_key), b(std::string("implementation_") + "complete"), c("plan_complete");
  BOOST_TEST(&a.str() == &b.str());
  BOOST_TEST((a == b));
  BOOST_TEST((a != c));
  BOOST_TEST(a.str() == long_key);
  BOOST_TEST((a < c)); // "i" before "p", whatever the pointers are
  BOOST_TEST(!(c < a));
  BOOST_TEST(interned_string().str().empty());
  BOOST_TEST((interned_string() == interned_string("")));
}

BOOST_AUTO_TEST_CASE(threads_interning_the_same_texts_agree) {
  // A scan parses stories on several threads, each interning the same keys.
  std::vector<std::vector<const std::string*>> seen(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < seen.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i)
        seen[t].push_back(&interned_string("key-" + std::to_string(i % 50)).str());
    });
  for (auto& th : threads)
    th.join();
  for (std::size_t t = 1; t < seen.size(); ++t)
    BOOST_TEST((seen[t] == seen[0]));
  BOOST_TEST(*seen[0][7] == "key-7");
}

BOOST_AUTO_TEST_CASE(a_copyable_ptr_copies_what_it_points_to) {
  copyable_ptr<std::string> none;
  BOOST_TEST(!none);
  copyable_ptr<std::string> a(std::make_unique<std::string>("one"));
  auto b = a;
  BOOST_TEST(static_cast<bool>(b));
  BOOST_TEST(&*a != &*b);
  *b = "two";
  BOOST_TEST(*a == "one");
  b = none;
  BOOST_TEST(!b);
  BOOST_TEST(*a == "one");
  auto c = std::move(a);
  BOOST_TEST(*c == "one");
}

BOOST_AUTO_TEST_CASE(a_values_items_are_its_own_after_a_copy) {
  frontmatter_value v;
  v.k = frontmatter_value::kind::sequence;
  BOOST_TEST(v.items().empty());
  v.reserve_items(2);
  v.add_item("S-0001");
  v.add_item("S-0002");
  auto copy = v;
  BOOST_TEST((copy == v));
  copy.add_item("S-0003");
  BOOST_TEST(v.items().size() == 2u);
  BOOST_TEST(copy.items().size() == 3u);
  BOOST_TEST(!(copy == v));
  frontmatter_value empty_list;
  empty_list.k = frontmatter_value::kind::sequence;
  BOOST_TEST(!(empty_list == v));
  BOOST_TEST(sizeof(frontmatter_value) <= 56u);
}

BOOST_AUTO_TEST_CASE(fields_are_found_by_text) {
  frontmatter_fields fields;
  for (auto key : {"dependencies", "id", "status"}) {
    frontmatter_value v;
    v.k = frontmatter_value::kind::scalar;
    v.scalar = std::string("value of ") + key;
    fields.emplace_back(key, v);
  }
  BOOST_TEST(std::is_sorted(fields.begin(), fields.end(),
                            [](const auto& a, const auto& b) { return a.first < b.first; }));
  BOOST_TEST(field(fields, "id").scalar == "value of id");
  BOOST_TEST(field(fields, "status").scalar == "value of status");
  BOOST_TEST((field(fields, "title").k == frontmatter_value::kind::absent));
}

BOOST_AUTO_TEST_SUITE_END()
