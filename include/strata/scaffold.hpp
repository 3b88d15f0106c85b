#pragma once
// scaffold: what `strata new` names a migration. Pure functions; the command does the disk work.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "strata/version.hpp"

namespace strata {

// A version that is a UTC time, yyyyMMddHHmmss (12 or more digits, one part): such projects
// keep getting timestamps.
bool is_timestamp_version(const Version& version);

// `time` in UTC as yyyyMMddHHmmss.
std::string timestamp_version(std::chrono::system_clock::time_point time);

// The version of the next migration after `existing` (any order):
//  - a timestamp (`timestamp`, or when the highest existing version is one): `now` in UTC, or one
//    more than the highest when that is not below it (a clock behind, two files in one second);
//  - otherwise one more in the last part of the highest version, keeping its other parts:
//    17 -> 18, 1.2 -> 1.3, 1.9 -> 1.10; "1" when there is none.
std::string next_version(const std::vector<Version>& existing, bool timestamp, std::chrono::system_clock::time_point now);

// The description as the part of a file name after the separator: runs of spaces and
// punctuation that separates words (. / \ : , ;) become one '_', letters (any case, UTF-8
// included), digits, '_' and '-' stay, anything else goes. Throws UsageError when nothing is
// left.
std::string description_file_part(std::string_view description);

}  // namespace strata
