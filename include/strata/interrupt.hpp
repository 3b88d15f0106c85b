#pragma once
// SIGINT/SIGTERM: remember the signal, cancel the statement running on the server, and let the
// code unwind (rolling back, releasing the lock) to exit 130/143.
namespace strata {

void install_interrupt_handlers();
// The signal received (SIGINT, SIGTERM), or 0.
int interrupted_signal() noexcept;
// Throws Interrupted when a signal was received.
void throw_if_interrupted();

}  // namespace strata
