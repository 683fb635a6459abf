#pragma once
// A unique_ptr that copies what it points to: for a rarely-present part of a
// value type kept out of line, so the common case stays small while copies
// stay deep (std::indirect does this in C++26).
#include <memory>
#include <utility>

namespace sdlc {

template <class T> class copyable_ptr {
public:
  copyable_ptr() = default;
  explicit copyable_ptr(std::unique_ptr<T> p) : p_(std::move(p)) {}
  copyable_ptr(const copyable_ptr& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  copyable_ptr(copyable_ptr&&) noexcept = default;
  copyable_ptr& operator=(const copyable_ptr& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  copyable_ptr& operator=(copyable_ptr&&) noexcept = default;

  explicit operator bool() const { return static_cast<bool>(p_); }
  T& operator*() const { return *p_; }
  T* operator->() const { return p_.get(); }

private:
  std::unique_ptr<T> p_;
};

} // namespace sdlc
