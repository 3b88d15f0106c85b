#pragma once
// Private to src/: lets the session that is running a statement register its cancel handle.
#include <libpq-fe.h>

namespace strata {
using pg_cancel = PGcancel;
void set_active_cancel(pg_cancel* cancel) noexcept;
}  // namespace strata
