#define BOOST_TEST_MODULE config
#include "runtime/config/batch_file.hpp"
#include "runtime/config/config.hpp"
#include "runtime/remote/endpoint.hpp"
#include "runtime/util/error.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

namespace {
std::string error_of(const std::filesystem::path& root, const env_map& env = {}) {
  try {
    load_config(root, env);
  } catch (const sdlc::error& e) {
    BOOST_TEST(static_cast<int>(e.code()) == 2);
    return e.what();
  }
  BOOST_FAIL("expected a config error");
  return "";
}
} // namespace

BOOST_AUTO_TEST_CASE(defaults_without_a_file) {
  test::temp_dir d;
  auto cfg = load_config(d.path, {});
  BOOST_TEST(cfg.sdlc_folder == ".ai-sdlc");
  BOOST_TEST(cfg.review_max_retries == 3);
  BOOST_TEST(cfg.lock_timeout.count() == 5000);
  BOOST_TEST(!cfg.test_command.has_value());
  BOOST_TEST(cfg.file.empty());
}

BOOST_AUTO_TEST_CASE(the_corpus_config_loads) {
  test::temp_dir d;
  auto root = test::copy_corpus(d.path / "corpus");
  auto cfg = load_config(root, {});
  BOOST_TEST(cfg.agent_timeout.count() == 1800000);
  BOOST_TEST(cfg.worktree_enabled);
  BOOST_TEST(cfg.tree["merge"]["strategy"].as<std::string>() == "squash");
}

BOOST_AUTO_TEST_CASE(json_and_yaml_files) {
  test::temp_dir d;
  test::write(d.path / ".ai-sdlc.json",
              "{\n\t\"sdlcFolder\": \"board\",\n\t\"reviewConfig\": {\"maxRetries\": 5},\n"
              "\t\"testCommand\": \"make test\"\n}\n");
  auto cfg = load_config(d.path, {});
  BOOST_TEST(cfg.sdlc_folder == "board");
  BOOST_TEST(cfg.review_max_retries == 5);
  BOOST_TEST(*cfg.test_command == "make test");
  BOOST_TEST(cfg.tree["reviewConfig"]["autoRestartOnRejection"].as<bool>()); // default kept

  test::temp_dir y;
  test::write(y.path / ".ai-sdlc.yaml", "locks:\n  timeoutMs: 250\n");
  BOOST_TEST(load_config(y.path, {}).lock_timeout.count() == 250);
}

BOOST_AUTO_TEST_CASE(wrong_types_and_unknown_keys_name_file_and_key) {
  test::temp_dir d;
  auto file = d.path / ".ai-sdlc.json";
  test::write(file, "{\"reviewConfig\": {\"maxRetries\": \"three\"}}");
  auto e = error_of(d.path);
  BOOST_TEST(e.find(file.string()) != std::string::npos);
  BOOST_TEST(e.find("'reviewConfig.maxRetries' must be a whole number") != std::string::npos);
  BOOST_TEST(e.find("the string 'three'") != std::string::npos);

  // An unknown key is a warning with a did-you-mean (a newer ai-sdlc may
  // write keys we do not know), never an error.
  test::write(file, "{\n  \"timeouts\": {\n    \"agentTimeot\": 5\n  }\n}");
  auto warned = load_config(d.path, {});
  BOOST_REQUIRE(warned.warnings.size() == 1u);
  const auto& w = warned.warnings[0];
  BOOST_TEST(w.find(file.string() + ":3") != std::string::npos, w);
  BOOST_TEST(w.find("unknown key 'timeouts.agentTimeot'; did you mean 'timeouts.agentTimeout'?") !=
                 std::string::npos,
             w);
  BOOST_TEST(warned.agent_timeout.count() == 600000); // ignored

  test::write(file, "{\"tdd\": {\"enabled\": \"true\"}}");
  BOOST_TEST(error_of(d.path).find("'tdd.enabled' must be true or false") != std::string::npos);
  test::write(file, "{\"worktree\": true}");
  BOOST_TEST(error_of(d.path).find("'worktree' must be a map") != std::string::npos);
  test::write(file, "{\"settingSources\": [\"global\"]}");
  BOOST_TEST(error_of(d.path).find("must be one of user, project, local") != std::string::npos);
  test::write(file, "[1, 2]");
  BOOST_TEST(error_of(d.path).find("must be an object") != std::string::npos);
  test::write(file, "{\"a\": ");
  BOOST_TEST(error_of(d.path).find("cannot parse") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(environment_overrides) {
  test::temp_dir d;
  auto cfg = load_config(d.path, {{"AI_SDLC_MAX_RETRIES", "7"},
                                  {"SDLC_CONFIG__LOCKS__TIMEOUT_MS", "100"},
                                  {"SDLC_CONFIG__WORKTREE__ENABLED", "true"}});
  BOOST_TEST(cfg.review_max_retries == 7);
  BOOST_TEST(cfg.lock_timeout.count() == 100);
  BOOST_TEST(cfg.worktree_enabled);
  auto e = error_of(d.path, {{"SDLC_CONFIG__NOPE", "1"}});
  BOOST_TEST(e.find("SDLC_CONFIG__NOPE names no config key") != std::string::npos);
  e = error_of(d.path, {{"AI_SDLC_MAX_RETRIES", "many"}});
  BOOST_TEST(e.find("environment variable AI_SDLC_MAX_RETRIES") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(set_value_keeps_order_and_validates) {
  test::temp_dir d;
  auto file = d.path / ".ai-sdlc.json";
  test::write(file, "{\n  \"testCommand\": \"make test\",\n  \"sdlcFolder\": \".ai-sdlc\"\n}\n");
  set_config_value(d.path, "reviewConfig.maxRetries", "5");
  auto text = test::read(file);
  BOOST_TEST(text.find("\"testCommand\"") < text.find("\"sdlcFolder\""));
  BOOST_TEST(load_config(d.path, {}).review_max_retries == 5);
  auto before = test::read(file);
  BOOST_CHECK_THROW(set_config_value(d.path, "reviewConfig.maxRetries", "lots"), sdlc::error);
  BOOST_CHECK_THROW(set_config_value(d.path, "no.such", "1"), sdlc::error);
  BOOST_TEST(test::read(file) == before);
}

BOOST_AUTO_TEST_CASE(node_endpoints_parse_or_say_what_is_expected) {
  auto ep = parse_endpoint("build1.internal:4242", "--node");
  BOOST_TEST(ep.host == "build1.internal");
  BOOST_TEST(ep.port == 4242);
  BOOST_TEST(parse_endpoint("[::1]:9", "--node").host == "::1");
  BOOST_TEST(parse_endpoint("[::1]:9", "--node").text() == "[::1]:9");
  for (auto bad :
       {"build1", ":4242", "host:", "host:0", "host:70000", "host:42x", "::1:4242", "[::1:4242"}) {
    try {
      parse_endpoint(bad, "--node");
      BOOST_ERROR("accepted " << bad);
    } catch (const sdlc::error& e) {
      BOOST_TEST(std::string(e.what()).find("--node '" + std::string(bad) +
                                            "': expected host:port") != std::string::npos,
                 e.what());
    }
  }
}

BOOST_AUTO_TEST_CASE(batch_files_take_nodes_and_the_examples_load) {
  test::temp_dir d;
  auto cfg = load_config(d.path, {});
  test::write(d.path / "b.yaml",
              "concurrency: 4\nnodes: [a:4242, 'b:4243']\nremote: {local: false}\n");
  auto b = load_batch_file(d.path / "b.yaml", cfg);
  BOOST_TEST(b.nodes.size() == 2u);
  BOOST_TEST(!cfg.tree["remote"]["local"].as<bool>());
  test::write(d.path / "bad.yaml", "nodes: [nohost]\n");
  try {
    load_batch_file(d.path / "bad.yaml", cfg);
    BOOST_ERROR("a node without a port was accepted");
  } catch (const sdlc::error& e) {
    BOOST_TEST(std::string(e.what()).find("bad.yaml") != std::string::npos, e.what());
    BOOST_TEST(std::string(e.what()).find("'nohost': expected host:port") != std::string::npos);
  }
  int examples = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(SDLC_SOURCE_DIR) /
                                                           "config/examples")) {
    auto c = load_config(d.path, {});
    BOOST_CHECK_NO_THROW(load_batch_file(e.path(), c));
    ++examples;
  }
  BOOST_TEST(examples >= 4);
}

// notification.* (docs/notifications.md): ai-sdlc's file works as it is; a
// channel of ours without what it needs is an error that says what to set,
// and a webhook URL (it may hold a secret) is never repeated in one.
BOOST_AUTO_TEST_CASE(notification_settings_load_and_say_what_a_channel_lacks) {
  test::temp_dir d;
  auto file = d.path / ".ai-sdlc.json";
  test::write(file, R"({"notification": {"enabled": true, "channels": ["console", "file"],
                        "filePath": "n.log"}})");
  auto cfg = load_config(d.path, {});
  BOOST_TEST(cfg.notification.enabled);
  BOOST_TEST(cfg.notification.uses("file"));
  BOOST_TEST(!cfg.notification.uses("webhook"));
  BOOST_TEST(cfg.notification.file_path == "n.log");
  BOOST_TEST(cfg.notification.events.size() == 8u); // every event by default
  BOOST_TEST(cfg.not_acted_on.empty());

  test::write(file, R"({"notification": {"channels": ["webhook"]}})");
  auto e = error_of(d.path);
  BOOST_TEST(e.find(file.string()) != std::string::npos, e);
  BOOST_TEST(e.find("'notification.webhookUrl' is not set") != std::string::npos, e);
  test::write(file, R"({"notification": {"channels": ["command"]}})");
  BOOST_TEST(error_of(d.path).find("'notification.command' is not set") != std::string::npos);
  test::write(file, R"({"notification": {"webhookUrl": "ftp://user:SECRET@host/x"}})");
  e = error_of(d.path);
  BOOST_TEST(e.find("must be an http:// or https:// URL") != std::string::npos, e);
  BOOST_TEST(e.find("SECRET") == std::string::npos, e);
  test::write(file, R"({"notification": {"events": ["story_blocked", "story_exploded"]}})");
  e = error_of(d.path);
  BOOST_TEST(e.find("'notification.events'") != std::string::npos, e);
  BOOST_TEST(e.find("awaiting_approval") != std::string::npos, e); // the valid names
  test::write(file, R"({"notification": {"timeoutMs": 5}})");
  BOOST_TEST(error_of(d.path).find("'notification.timeoutMs'") != std::string::npos);
  // Off: nothing it lacks matters.
  test::write(file, R"({"notification": {"enabled": false, "channels": ["webhook"]}})");
  BOOST_TEST(!load_config(d.path, {}).notification.enabled);
}
