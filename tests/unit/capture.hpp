#pragma once
// Test helper: captures what is written to a file descriptor (stdout, stderr) while it lives.
#include <unistd.h>

#include <cstdio>
#include <string>

namespace strata::test {

class Capture {
 public:
  explicit Capture(int fd) : fd_(fd), file_(std::tmpfile()) {
    std::fflush(nullptr);
    saved_ = dup(fd_);
    dup2(fileno(file_), fd_);
  }
  ~Capture() { finish(); }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // What was written so far, without stopping the capture.
  std::string peek() const {
    std::string text;
    char buf[4096];
    off_t offset = 0;
    ssize_t n;
    while ((n = pread(fileno(file_), buf, sizeof buf, offset)) > 0) {
      text.append(buf, static_cast<std::size_t>(n));
      offset += n;
    }
    return text;
  }

  // Restores the descriptor and returns everything written to it.
  std::string finish() {
    if (file_ == nullptr) return text_;
    std::fflush(nullptr);
    text_ = peek();
    dup2(saved_, fd_);
    close(saved_);
    std::fclose(file_);
    file_ = nullptr;
    return text_;
  }

 private:
  int fd_;
  int saved_ = -1;
  std::FILE* file_;
  std::string text_;
};

}  // namespace strata::test
