#include "libpq.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "strata/error.hpp"

namespace strata {
namespace {

Libpq load() {
  void* handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    throw ConnectError(std::string("cannot load libpq.so.5 (install Debian's libpq5): ") + (why ? why : "unknown"));
  }
  Libpq api{};
  auto resolve = [handle](const char* name) {
    void* symbol = dlsym(handle, name);
    if (!symbol) throw ConnectError(std::string("libpq.so.5 lacks ") + name + "; it is older than PostgreSQL 14's (pipeline mode)");
    return symbol;
  };
#define STRATA_LIBPQ_RESOLVE(name) api.name = reinterpret_cast<decltype(api.name)>(resolve(#name));
  STRATA_LIBPQ_FUNCTIONS(STRATA_LIBPQ_RESOLVE)
#undef STRATA_LIBPQ_RESOLVE
  return api;
}

}  // namespace

const Libpq& libpq() {
  static const Libpq api = load();
  return api;
}

void skip_gnutls_implicit_init() { setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 0); }

}  // namespace strata
