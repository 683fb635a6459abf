// runtime/util/redact: which variables are secrets, and that every
// occurrence of their values is replaced (the longest first).
#include "runtime/util/redact.hpp"

#include <boost/test/unit_test.hpp>

using namespace sdlc;

BOOST_AUTO_TEST_SUITE(redact_suite)

BOOST_AUTO_TEST_CASE(secret_names) {
  for (auto n : {"ANTHROPIC_API_KEY", "GITHUB_TOKEN", "db_password", "AWS_SECRET", "TOKEN"})
    BOOST_TEST(is_secret_name(n), n);
  for (auto n : {"PATH", "HOME", "KEYBOARD", "TOKENS", "SDLC_STORY_ID"})
    BOOST_TEST(!is_secret_name(n), n);
}

BOOST_AUTO_TEST_CASE(values_and_the_run_token_are_replaced) {
  auto r = redactor_for({{"ANTHROPIC_API_KEY", "sk-ant-0123456789"},
                         {"SHORT_KEY", "abc"},
                         {"PATH", "/usr/bin:/bin"},
                         {"ANTHROPIC_CUSTOM_HEADERS", "x-sdlc-token: 00ff00ff00ff00ff"}});
  BOOST_TEST(r.size() == 2u); // the short value and PATH are not secrets
  BOOST_TEST(r.apply("key sk-ant-0123456789 twice sk-ant-0123456789 tok 00ff00ff00ff00ff abc") ==
             "key [REDACTED] twice [REDACTED] tok [REDACTED] abc");
  redactor nested;
  nested.add("secret-value");
  nested.add("my-secret-value-long");
  BOOST_TEST(nested.apply("my-secret-value-long") == "[REDACTED]");
}

BOOST_AUTO_TEST_SUITE_END()
