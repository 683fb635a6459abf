#include "actors/system_config.hpp"

#include "actors/messages.hpp"

#include <caf/all.hpp>

namespace sdlc {

system_config::system_config() { add_message_type<story_event>("sdlc::story_event"); }

} // namespace sdlc
