#include "strata/interrupt.hpp"

#include <atomic>
#include <csignal>

#include "interrupt_internal.hpp"
#include "libpq.hpp"
#include "strata/error.hpp"

namespace strata {
namespace {

volatile std::sig_atomic_t g_signal = 0;
std::atomic<pg_cancel*> g_cancel{nullptr};
// Captured when a cancel handle is registered, so the handler never has to load anything.
std::atomic<decltype(&::PQcancel)> g_pq_cancel{nullptr};

extern "C" void on_signal(int sig) {
  if (g_signal == 0) g_signal = sig;
  // PQcancel is documented as safe to call from a signal handler.
  pg_cancel* cancel = g_cancel.load();
  auto pq_cancel = g_pq_cancel.load();
  if (cancel && pq_cancel) {
    char buf[256];
    pq_cancel(cancel, buf, sizeof buf);
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
  g_cancel.store(cancel);
}

}  // namespace strata
