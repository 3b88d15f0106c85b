#pragma once
// Private to src/: lets the session that is running a statement register its cancel handle.
#include <libpq-fe.h>

#include <cstddef>

namespace strata {
using pg_cancel = PGcancel;
// Registers the statement this thread is running (nullptr: none). Each thread has its own
// registration, so that a signal cancels the statements of every thread.
void set_active_cancel(pg_cancel* cancel) noexcept;
// How many threads have a statement registered (for tests).
std::size_t active_cancel_count() noexcept;
}  // namespace strata
