#include "experiments/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "output/temp_files.hpp"

namespace chipsim {

namespace {

// The note is double-buffered: the handler reads the buffer `g_active` names, and a new note
// is written into the other one before the index flips, so the handler never sees a half copy.
std::array<std::array<char, 8192>, 2> g_note{};
std::atomic<int> g_active{0};
std::atomic<const std::atomic<int>*> g_kept{nullptr};

void write_all(const char* s, std::size_t n) {
  while (n > 0) {
    const ssize_t k = ::write(STDERR_FILENO, s, n);
    if (k <= 0) return;
    s += k;
    n -= static_cast<std::size_t>(k);
  }
}
void write_text(const char* s) { write_all(s, std::strlen(s)); }
void write_number(long v) {
  char buf[24];
  int i = sizeof buf;
  const bool negative = v < 0;
  unsigned long u = negative ? 0UL - static_cast<unsigned long>(v) : static_cast<unsigned long>(v);
  do {
    buf[--i] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u > 0 && i > 1);
  if (negative) buf[--i] = '-';
  write_all(buf + i, sizeof buf - static_cast<std::size_t>(i));
}

extern "C" void on_interrupt(int signal_number) {
  remove_registered_temp_files();
  write_text("\nchipsim: interrupted by signal ");
  write_number(signal_number);
  write_text("; no partial output file is left");
  if (const std::atomic<int>* kept = g_kept.load()) {
    write_text("; ");
    write_number(kept->load());
    write_text(" finished runs are kept");
  }
  write_text("\n");
  const char* note = g_note[static_cast<std::size_t>(g_active.load())].data();
  if (note[0] != '\0') {
    write_text(note);
    write_text("\n");
  }
  ::_exit(128 + signal_number);
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaddset(&action.sa_mask, SIGINT);
  sigaddset(&action.sa_mask, SIGTERM);
  action.sa_flags = 0;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

void set_interrupt_note(const std::string& note, const std::atomic<int>* kept_runs) {
  const int next = 1 - g_active.load();
  auto& buf = g_note[static_cast<std::size_t>(next)];
  const std::size_t n = std::min(note.size(), buf.size() - 1);
  std::memcpy(buf.data(), note.data(), n);
  buf[n] = '\0';
  g_active.store(next);
  g_kept.store(kept_runs);
}

}  // namespace chipsim
