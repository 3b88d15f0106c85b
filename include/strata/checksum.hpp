#pragma once
// Flyway's checksum: CRC-32 over the UTF-8 bytes of each line, line terminators dropped,
// a leading byte-order mark removed, stored as a signed 32-bit integer.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata {

std::int32_t flyway_checksum(std::string_view utf8_text) noexcept;

// Byte offset of the first byte that is not part of valid UTF-8, or npos when all of it is valid.
std::size_t find_invalid_utf8(std::string_view bytes) noexcept;

}  // namespace strata
