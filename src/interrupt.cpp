#include "strata/interrupt.hpp"

#include <array>
#include <atomic>
#include <csignal>

#include "interrupt_internal.hpp"
#include "libpq.hpp"
#include "strata/error.hpp"

namespace strata {
namespace {

volatile std::sig_atomic_t g_signal = 0;
// Captured when a cancel handle is registered, so the handler never has to load anything.
std::atomic<decltype(&::PQcancel)> g_pq_cancel{nullptr};

// One slot per thread that runs statements: a fleet runs many sessions at once, and a signal
// must cancel every one of them. A thread claims a slot on its first registration and frees it
// when it ends; the handler only reads atomics, so it stays async-signal-safe.
constexpr std::size_t kCancelSlots = 256;
std::array<std::atomic<pg_cancel*>, kCancelSlots> g_cancels{};
std::array<std::atomic<bool>, kCancelSlots> g_claimed{};

struct SlotClaim {
  std::size_t index = kCancelSlots;  // kCancelSlots: none free, the thread cannot be cancelled
  SlotClaim() {
    for (std::size_t i = 0; i < kCancelSlots; ++i) {
      bool expected = false;
      if (g_claimed[i].compare_exchange_strong(expected, true)) {
        index = i;
        return;
      }
    }
  }
  ~SlotClaim() {
    if (index == kCancelSlots) return;
    g_cancels[index].store(nullptr);
    g_claimed[index].store(false);
  }
};

extern "C" void on_signal(int sig) {
  if (g_signal == 0) g_signal = sig;
  // PQcancel is documented as safe to call from a signal handler.
  auto pq_cancel = g_pq_cancel.load();
  if (!pq_cancel) return;
  for (auto& slot : g_cancels) {
    if (pg_cancel* cancel = slot.load()) {
      char buf[256];
      pq_cancel(cancel, buf, sizeof buf);
    }
  }
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking wait should return and notice the signal
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int interrupted_signal() noexcept { return g_signal; }

void throw_if_interrupted() {
  if (g_signal != 0) throw Interrupted(g_signal);
}

void set_active_cancel(pg_cancel* cancel) noexcept {
  if (cancel && !g_pq_cancel.load()) g_pq_cancel.store(libpq().PQcancel);
  thread_local SlotClaim claim;
  if (claim.index != kCancelSlots) g_cancels[claim.index].store(cancel);
}

std::size_t active_cancel_count() noexcept {
  std::size_t n = 0;
  for (auto& slot : g_cancels) n += slot.load() != nullptr;
  return n;
}

}  // namespace strata
