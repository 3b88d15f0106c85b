#pragma once
// Private to src/settings: what the config file readers share.
#include <filesystem>
#include <string>

#include "strata/settings.hpp"

namespace strata {

// The whole file; throws ConfigError when it cannot be read.
std::string read_config_text(const std::filesystem::path& path);

// A value read from `file` at `line`, in `section` ("environments.dev", or "" for the top level).
Setting file_setting(const std::string& file, int line, std::string section, std::string value);

}  // namespace strata
