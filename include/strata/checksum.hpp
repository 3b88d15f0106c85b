#pragma once
// Flyway's checksum: CRC-32 over the UTF-8 bytes of each line, line terminators dropped,
// a leading byte-order mark removed, stored as a signed 32-bit integer.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata {

std::int32_t flyway_checksum(std::string_view utf8_text) noexcept;

// flyway_checksum fed in pieces of any size (a file as it is read): the same value for the same
// bytes however they are cut, a byte-order mark or a CR LF pair split between pieces included.
class FlywayChecksum {
 public:
  void update(std::string_view bytes) noexcept;
  std::int32_t value() const noexcept;

 private:
  void feed(std::string_view bytes) noexcept;
  std::uint32_t crc_ = 0;
  unsigned char head_[3] = {};  // the first bytes, until it is known whether they are a BOM
  std::size_t head_size_ = 0;
  bool started_ = false;  // head_ was judged and fed
};

// Byte offset of the first byte that is not part of valid UTF-8, or npos when all of it is valid.
std::size_t find_invalid_utf8(std::string_view bytes) noexcept;

}  // namespace strata
