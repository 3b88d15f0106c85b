// man (hidden): the man page strata(1), as the package installs it.
#include <iostream>

#include "cli.hpp"
#include "strata/commands.hpp"

namespace strata {

int run_man(const Config&, const CommandArgs& args) {
  std::cout << cli::man_page(args.commands) << std::flush;
  return 0;
}

}  // namespace strata
