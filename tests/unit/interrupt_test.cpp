// The signal handler's registry of running statements: one per thread, so that a fleet's
// parallel sessions are all cancelled on SIGTERM.
#include <gtest/gtest.h>

#include <thread>

#include "interrupt_internal.hpp"

namespace strata {
namespace {

TEST(Interrupt, EveryThreadRegistersItsOwnCancelHandle) {
  // Never dereferenced: the handler only uses them on a signal, which this test does not send.
  auto* first = reinterpret_cast<pg_cancel*>(0x1000);
  auto* second = reinterpret_cast<pg_cancel*>(0x2000);
  set_active_cancel(first);
  std::thread other([&] {
    set_active_cancel(second);
    EXPECT_EQ(active_cancel_count(), 2u);
    set_active_cancel(nullptr);
  });
  other.join();
  EXPECT_EQ(active_cancel_count(), 1u);
  set_active_cancel(nullptr);
  EXPECT_EQ(active_cancel_count(), 0u);
}

TEST(Interrupt, AThreadThatEndsFreesItsSlot) {
  std::thread([] { set_active_cancel(reinterpret_cast<pg_cancel*>(0x3000)); }).join();
  EXPECT_EQ(active_cancel_count(), 0u);
}

}  // namespace
}  // namespace strata
