// GnuTLS's implicit initialisation is skipped through its environment switch, and a value the
// user chose is never replaced.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "libpq.hpp"

namespace strata {
namespace {

constexpr const char* kSwitch = "GNUTLS_NO_IMPLICIT_INIT";

// Restores the variable as the test found it.
class SwitchRestorer {
 public:
  SwitchRestorer() {
    if (const char* v = std::getenv(kSwitch)) saved_ = v;
  }
  ~SwitchRestorer() {
    if (saved_) setenv(kSwitch, saved_->c_str(), 1);
    else unsetenv(kSwitch);
  }

 private:
  std::optional<std::string> saved_;
};

TEST(GnutlsInit, SwitchIsSetWhenAbsent) {
  SwitchRestorer restore;
  unsetenv(kSwitch);
  skip_gnutls_implicit_init();
  ASSERT_NE(std::getenv(kSwitch), nullptr);
  EXPECT_STREQ(std::getenv(kSwitch), "1");
}

TEST(GnutlsInit, UserValueIsKept) {
  SwitchRestorer restore;
  setenv(kSwitch, "0", 1);
  skip_gnutls_implicit_init();
  EXPECT_STREQ(std::getenv(kSwitch), "0");
}

}  // namespace
}  // namespace strata
