#pragma once
#include "actors/actors.hpp"
#include "runtime/config/config.hpp"

#include <caf/fwd.hpp>

#include <filesystem>

namespace sdlc {

struct notifier_options {
  config::notification_settings settings;
  std::filesystem::path file;         // the file channel's file (board folder / filePath)
  std::filesystem::path project_root; // where the command runs
};

// Whether any channel but the console needs a notifier.
bool needs_notifier(const config::notification_settings& s);

// A detached notifier (actors.hpp); failures go to `log`.
notifier_actor spawn_notifier(caf::actor_system& sys, notifier_options opts,
                              receiver_actor<delivery_failed> log);

} // namespace sdlc
