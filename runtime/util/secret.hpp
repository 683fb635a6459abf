#pragma once
// Comparing a secret someone presents with ours (a node's token, the
// gateway's run token): constant time, so how long a refusal takes says
// nothing about the secret; an empty secret of ours matches nothing.
#include <string_view>

namespace sdlc {

bool same_secret(std::string_view presented, std::string_view ours);

} // namespace sdlc
