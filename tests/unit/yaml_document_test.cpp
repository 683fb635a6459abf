#define BOOST_TEST_MODULE yaml_document
#include "runtime/util/error.hpp"
#include "runtime/util/yaml_document.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

using sdlc::yaml_document;

namespace {
const std::string tricky = "# leading comment\n"
                           "id: S-0001\n"
                           "title: >-\n"
                           "  Folded title that\n"
                           "  spans lines\n"
                           "created: '2026-01-19'\n"
                           "labels: [a, \"b\"]   # flow with comment\n"
                           "nested:\n"
                           "  - timestamp: '2026-01-28T02:50:38.593Z'\n"
                           "    decision: APPROVED\n"
                           "empty:\n"
                           "quoted: \"with \\\"escapes\\\"\"\n"
                           "last: true\n";
}

BOOST_AUTO_TEST_CASE(untouched_document_renders_byte_identical) {
  auto doc = yaml_document::parse(tricky, "t.yaml");
  BOOST_TEST(doc.render() == tricky);
}

BOOST_AUTO_TEST_CASE(changing_one_key_rewrites_only_its_lines) {
  auto doc = yaml_document::parse(tricky, "t.yaml");
  doc.root()["last"] = false;
  auto out = doc.render();
  auto expected = tricky;
  expected.replace(expected.find("last: true"), 10, "last: false");
  BOOST_TEST(out == expected);
}

// An entry is kept as written only when its value is unchanged all the way
// down: a change inside a list or a nested map rewrites it.
BOOST_AUTO_TEST_CASE(a_change_deep_inside_an_entry_rewrites_it) {
  auto doc = yaml_document::parse(tricky, "t.yaml");
  doc.root()["nested"][0]["decision"] = "REJECTED";
  auto out = doc.render();
  BOOST_TEST(out.find("decision: REJECTED") != std::string::npos, out);
  BOOST_TEST(out.find("APPROVED") == std::string::npos, out);
  BOOST_TEST(out.find("labels: [a, \"b\"]   # flow with comment\n") != std::string::npos, out);

  auto doc2 = yaml_document::parse(tricky, "t.yaml");
  doc2.root()["labels"].push_back("c");
  auto out2 = doc2.render();
  BOOST_TEST(out2.find("# flow with comment") == std::string::npos, out2);
  BOOST_TEST(out2.find("labels: [a, b, c]") != std::string::npos, out2);
  BOOST_TEST(out2.find("    decision: APPROVED\n") != std::string::npos, out2);

  // Flow to block with the same items is a change of what is written too.
  auto doc3 = yaml_document::parse(tricky, "t.yaml");
  doc3.root()["labels"].SetStyle(YAML::EmitterStyle::Block);
  BOOST_TEST(doc3.render().find("labels:\n  - a\n  - b\n") != std::string::npos, doc3.render());
}

BOOST_AUTO_TEST_CASE(assigning_an_equal_value_changes_nothing) {
  auto doc = yaml_document::parse(tricky, "t.yaml");
  doc.root()["created"] = sdlc::yaml::string("2026-01-19");
  doc.root()["id"] = sdlc::yaml::string("S-0001");
  BOOST_TEST(doc.render() == tricky);
}

BOOST_AUTO_TEST_CASE(new_keys_go_last_and_removed_keys_vanish) {
  auto doc = yaml_document::parse(tricky, "t.yaml");
  doc.root().remove("empty");
  doc.root()["blocked_reason"] = sdlc::yaml::string("review rejected 3 times");
  auto out = doc.render();
  BOOST_TEST(out.find("empty:") == std::string::npos);
  const std::string tail = "last: true\nblocked_reason: review rejected 3 times\n";
  BOOST_TEST(out.substr(out.size() - tail.size()) == tail);
}

BOOST_AUTO_TEST_CASE(strings_that_look_typed_are_quoted) {
  auto doc = yaml_document::parse("a: 1\n", "t.yaml");
  doc.root()["updated"] = sdlc::yaml::string("2026-11-27");
  doc.root()["n"] = sdlc::yaml::string("42");
  doc.root()["b"] = sdlc::yaml::string("true");
  doc.root()["plain"] = sdlc::yaml::string("in-progress");
  doc.root()["flag"] = true;
  BOOST_TEST(doc.render() ==
             "a: 1\nupdated: '2026-11-27'\nn: '42'\nb: 'true'\nplain: in-progress\nflag: true\n");
}

BOOST_AUTO_TEST_CASE(copies_are_independent) {
  auto a = yaml_document::parse("k: 1\n", "t.yaml");
  auto b = a;
  b.root()["k"] = 2;
  BOOST_TEST(a.render() == "k: 1\n");
  yaml_document c;
  c = b;
  c.root()["k"] = 3;
  BOOST_TEST(b.render() == "k: 2\n");
  BOOST_TEST(c.render() == "k: 3\n");
}

// get() answers from an index of the keys; it must never answer stale.
BOOST_AUTO_TEST_CASE(get_follows_mutations_copies_and_moves) {
  auto doc = yaml_document::parse(tricky, "t.yaml");
  BOOST_TEST(doc.get("id").Scalar() == "S-0001");
  BOOST_TEST(!doc.get("missing").IsDefined());
  BOOST_TEST(doc.get("empty").IsDefined());
  BOOST_TEST(doc.get("empty").IsNull());
  doc.root()["added"] = 7; // a new key, before any reindex()
  BOOST_TEST(doc.get("added").as<int>() == 7);
  doc.root().remove("id");
  BOOST_TEST(!doc.get("id").IsDefined());
  doc.reindex();
  BOOST_TEST(doc.get("added").as<int>() == 7);
  BOOST_TEST(!doc.get("id").IsDefined());
  auto copy = doc;
  copy.root()["added"] = 8;
  copy.reindex();
  BOOST_TEST(doc.get("added").as<int>() == 7);
  BOOST_TEST(copy.get("added").as<int>() == 8);
  yaml_document moved;
  moved = std::move(copy);
  BOOST_TEST(moved.get("added").as<int>() == 8);
  BOOST_TEST(moved.get("last").as<bool>());
}

// Entries are compared with what was read only when rendering; anchors used
// across entries must still count as unchanged.
BOOST_AUTO_TEST_CASE(aliases_across_entries_render_unchanged) {
  const std::string text = "base: &b value\nother: *b\nn: 1\n";
  auto doc = yaml_document::parse(text, "t.yaml");
  doc.root()["n"] = 2;
  BOOST_TEST(doc.render() == "base: &b value\nother: *b\nn: 2\n");
}

BOOST_AUTO_TEST_CASE(bad_yaml_is_a_clear_error) {
  auto message_of = [](const std::string& text) -> std::string {
    try {
      yaml_document::parse(text, "f.md", 2);
    } catch (const sdlc::error& e) {
      BOOST_TEST(static_cast<int>(e.code()) == 2);
      return e.what();
    }
    return "";
  };
  auto dup = message_of("a: 1\nb: 2\na: 3\n");
  BOOST_TEST(dup.find("f.md:4") != std::string::npos);
  BOOST_TEST(dup.find("duplicate key 'a'") != std::string::npos);
  auto nested_dup = message_of("m:\n  x: 1\n  x: 2\n");
  BOOST_TEST(nested_dup.find("duplicate key 'm.x'") != std::string::npos);
  auto tab = message_of("a:\n\t- b\n");
  BOOST_TEST(tab.find("f.md:3") != std::string::npos);
  BOOST_TEST(tab.find("tab") != std::string::npos);
  BOOST_TEST(message_of("- a\n- b\n").find("found a list") != std::string::npos);
  BOOST_TEST(message_of("just text\n").find("found the string") != std::string::npos);
  BOOST_TEST(message_of("a: [1, 2\n").find("invalid YAML") != std::string::npos);
}

// An unedited document renders its source without parsing it again; the full
// comparison (root() taken, nothing changed) must give the same bytes — over
// the real ai-sdlc board and the tricky shapes above.
BOOST_AUTO_TEST_CASE(unedited_render_equals_the_full_comparison) {
  std::vector<std::string> texts = {tricky,
                                    "base: &b value\nother: *b\nn: 1\n",
                                    "{a: 1, b: 2}\n",
                                    "",
                                    "# only a comment\n",
                                    "a: 1\nb: no newline at end"};
  for (const auto& e : std::filesystem::recursive_directory_iterator(SDLC_CORPUS_DIR)) {
    if (e.path().filename() != "story.md") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.rfind("---\n", 0) != 0) continue;
    auto end = text.find("\n---", 4);
    if (end != std::string::npos) texts.push_back(text.substr(4, end - 3));
  }
  BOOST_TEST(texts.size() > 50u); // the corpus is there
  for (const auto& text : texts) {
    auto fast = yaml_document::parse(text, "t.yaml");
    auto full = fast;
    full.root(); // taken mutably, changed nothing
    BOOST_TEST(fast.render() == full.render(), text);
  }
}

BOOST_AUTO_TEST_CASE(copies_and_moves_keep_an_edit_visible) {
  auto doc = yaml_document::parse(tricky, "t.yaml");
  doc.root()["last"] = false;
  yaml_document copy = doc;
  yaml_document assigned;
  assigned = doc;
  yaml_document moved = std::move(copy);
  for (const auto* d : {&doc, &assigned, &moved})
    BOOST_TEST(d->render().find("last: false") != std::string::npos);
  BOOST_TEST(yaml_document::parse(tricky, "t.yaml").render() == tricky);
}
