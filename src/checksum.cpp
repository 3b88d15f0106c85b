#include "strata/checksum.hpp"

#include <zlib.h>

#include <cstring>
#include <string_view>

namespace strata {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// The CRC of `text` with every CR and LF byte left out, continuing from `crc`.
uLong crc_without_line_ends(uLong crc, std::string_view text) noexcept {
  // Lines are short, and zlib's per-call cost dominates for short inputs: gather the bytes
  // between line breaks into a block and checksum whole blocks.
  unsigned char block[16384];
  std::size_t used = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  while (p != end) {
    const auto* run = p;
    // Eight bytes at a time while none of them is CR or LF (a word has a zero byte exactly when
    // (w - 0x01..) & ~w & 0x80.. is non-zero).
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      const std::uint64_t lf = w ^ 0x0A0A0A0A0A0A0A0AULL, cr = w ^ 0x0D0D0D0D0D0D0D0DULL;
      constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
      if (((lf - ones) & ~lf & highs) | ((cr - ones) & ~cr & highs)) break;
      p += 8;
    }
    while (p != end && *p != '\n' && *p != '\r') ++p;
    const std::size_t len = static_cast<std::size_t>(p - run);
    if (used + len > sizeof block && used != 0) {
      crc = crc32_z(crc, block, used);
      used = 0;
    }
    if (len >= sizeof block) {  // a huge line: no point copying it
      crc = crc32_z(crc, run, len);
    } else {
      std::memcpy(block + used, run, len);
      used += len;
    }
    if (p != end) ++p;
  }
  if (used != 0) crc = crc32_z(crc, block, used);
  return crc;
}

}  // namespace

// Flyway feeds each BufferedReader.readLine() result to one CRC32 with nothing in between, so
// the value is the CRC of the text with every CR and LF byte removed: no state crosses a line
// end, so pieces can be checksummed one after the other. Only U+FEFF at the very start of the
// first line is dropped (BomFilter); one on a later line, or a second one, stays.
void FlywayChecksum::feed(std::string_view bytes) noexcept {
  crc_ = static_cast<std::uint32_t>(crc_without_line_ends(crc_, bytes));
}

void FlywayChecksum::update(std::string_view bytes) noexcept {
  if (!started_) {
    while (head_size_ < kBom.size() && !bytes.empty()) {
      head_[head_size_++] = static_cast<unsigned char>(bytes.front());
      bytes.remove_prefix(1);
    }
    if (head_size_ < kBom.size()) return;  // not known yet
    started_ = true;
    const std::string_view head(reinterpret_cast<const char*>(head_), head_size_);
    if (head != kBom) feed(head);
  }
  feed(bytes);
}

std::int32_t FlywayChecksum::value() const noexcept {
  uLong crc = crc_;
  // Fewer bytes than a BOM in all: they are text.
  if (!started_) crc = crc_without_line_ends(crc, std::string_view(reinterpret_cast<const char*>(head_), head_size_));
  // Java stores (int) crc.getValue(): the low 32 bits reinterpreted as two's complement.
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(crc));
}

std::int32_t flyway_checksum(std::string_view text) noexcept {
  FlywayChecksum checksum;
  checksum.update(text);
  return checksum.value();
}

std::size_t find_invalid_utf8(std::string_view bytes) noexcept {
  // Well-formed sequences as in Unicode Table 3-7: the second byte's range depends on the lead
  // byte, which excludes overlongs (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code
  // points above U+10FFFF (F4 90.., F5..FF). C0 and C1 can only start overlongs.
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  while (i < n) {
    // SQL is mostly ASCII: skip it eight bytes at a time.
    while (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, s + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (n - i < len) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace strata
