#pragma once
// How a gateway thread (not an actor) waits for a permit from the rate
// limiter: the limiter answers through a slot the thread waits on, so no
// actor is created per request. Local only (never crosses the network).
#include "actors/messages.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <condition_variable>
#include <memory>
#include <mutex>

namespace sdlc {

struct permit_slot {
  enum class answer { waiting, granted, refused };
  std::mutex mu;
  std::condition_variable cv;
  answer value = answer::waiting;
  // The first answer counts.
  void set(answer a) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (value != answer::waiting) return;
      value = a;
    }
    cv.notify_all();
  }
  answer wait() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return value != answer::waiting; });
    return value;
  }
};

// What a permit message carries instead of the slot itself: when its last
// holder lets go unanswered — a message to an actor that is gone is dropped,
// an actor that dies drops its state and pending handlers — the waiting
// thread is refused instead of waiting forever.
class permit_ticket {
public:
  explicit permit_ticket(std::shared_ptr<permit_slot> slot) : slot_(std::move(slot)) {}
  permit_ticket(const permit_ticket&) = delete;
  permit_ticket& operator=(const permit_ticket&) = delete;
  ~permit_ticket() { slot_->set(permit_slot::answer::refused); }
  void grant() { slot_->set(permit_slot::answer::granted); }
  void refuse() { slot_->set(permit_slot::answer::refused); }

private:
  std::shared_ptr<permit_slot> slot_;
};

struct permit_wait {
  permit_ask ask;
  std::shared_ptr<permit_ticket> ticket;
};

} // namespace sdlc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sdlc::permit_wait)
