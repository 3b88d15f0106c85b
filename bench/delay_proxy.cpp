// A TCP relay that simulates network latency: every chunk read from one side is written to the
// other side half an RTT later, in order, in each direction. Bandwidth is not limited; only the
// delay matters for counting round trips.
//   delay_proxy LISTEN_PORT UPSTREAM_PORT RTT_MS     (both on 127.0.0.1; runs until killed)
// Built by bench/run (g++ -O2 -pthread); not part of the project's build.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

struct Chunk {
  Clock::time_point due;
  std::string data;  // empty: the reader saw end of stream
};

// One direction: a reader stamps each chunk with its due time; a writer sends it when due.
class Pipe {
 public:
  Pipe(int from, int to, Clock::duration delay) : from_(from), to_(to), delay_(delay) {}

  void read_loop() {
    char buf[65536];
    for (;;) {
      ssize_t n = recv(from_, buf, sizeof buf, 0);
      push(n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string());
      if (n <= 0) return;
    }
  }

  void write_loop() {
    for (;;) {
      Chunk c = pop();
      std::this_thread::sleep_until(c.due);
      if (c.data.empty()) {
        shutdown(to_, SHUT_WR);
        return;
      }
      for (size_t off = 0; off < c.data.size();) {
        ssize_t n = send(to_, c.data.data() + off, c.data.size() - off, MSG_NOSIGNAL);
        if (n <= 0) {
          shutdown(from_, SHUT_RD);
          return;
        }
        off += static_cast<size_t>(n);
      }
    }
  }

 private:
  void push(std::string data) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(Chunk{Clock::now() + delay_, std::move(data)});
    cv_.notify_one();
  }

  Chunk pop() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !queue_.empty(); });
    Chunk c = std::move(queue_.front());
    queue_.pop_front();
    return c;
  }

  int from_, to_;
  Clock::duration delay_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk> queue_;
};

int connect_upstream(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void no_delay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Relays one client connection until both directions have ended.
void serve(int client, int upstream_port, Clock::duration half) {
  int server = connect_upstream(upstream_port);
  if (server < 0) {
    close(client);
    return;
  }
  no_delay(client);
  no_delay(server);
  auto up = std::make_shared<Pipe>(client, server, half);
  auto down = std::make_shared<Pipe>(server, client, half);
  std::thread t1([up] { up->read_loop(); });
  std::thread t2([up] { up->write_loop(); });
  std::thread t3([down] { down->read_loop(); });
  std::thread t4([down] { down->write_loop(); });
  t1.join();
  t2.join();
  t3.join();
  t4.join();
  close(client);
  close(server);
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: delay_proxy LISTEN_PORT UPSTREAM_PORT RTT_MS\n");
    return 2;
  }
  int listen_port = std::atoi(argv[1]);
  int upstream_port = std::atoi(argv[2]);
  auto half = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(std::atof(argv[3]) / 2));
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(listen_port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || listen(lfd, 64) != 0) {
    std::perror("delay_proxy: listen");
    return 1;
  }
  for (;;) {
    int client = accept(lfd, nullptr, nullptr);
    if (client < 0) continue;
    std::thread([client, upstream_port, half] { serve(client, upstream_port, half); }).detach();
  }
}
