#include "actors/system_config.hpp"

#include "actors/messages.hpp"

#include <caf/all.hpp>

namespace sdlc {

system_config::system_config() {
  add_message_type<story_event>("sdlc::story_event");
  add_message_type<agent_job>("sdlc::agent_job");
  add_message_type<agent_outcome>("sdlc::agent_outcome");
  add_message_type<story_finished>("sdlc::story_finished");
  add_message_type<std::vector<std::string>>("std::vector<std::string>");
}

} // namespace sdlc
