// completion (hidden): the completion scripts, and the environment names they ask for as you type.
#include <cstdlib>
#include <iostream>

#include "cli.hpp"
#include "strata/commands.hpp"
#include "strata/error.hpp"

namespace strata {

int run_completion(const Config&, const CommandArgs& args) {
  const std::string& shell = args.words.at(0);
  if (shell == "bash") {
    std::cout << cli::bash_completion(args.commands);
  } else if (shell == "zsh") {
    std::cout << cli::zsh_completion(args.commands);
  } else if (shell == "environments") {
    const char* from_env = std::getenv("STRATA_CONFIG");
    const std::filesystem::path file =
        !args.config_file.empty() ? args.config_file : from_env && *from_env ? from_env : "strata.yaml";
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return 0;  // no config file, no environments to offer
    for (const std::string& name : cli::config_environments(file)) std::cout << name << '\n';
  } else {
    throw UsageError("completion for '" + shell + "' is not available; use bash or zsh");
  }
  std::cout.flush();
  return 0;
}

}  // namespace strata
