#pragma once
// SIGINT and SIGTERM: chipsim stops at once, removes the temporary output file it was writing
// (nothing already written is touched: a batch's journal keeps every finished run), prints what
// was kept and how to resume, and exits with 128 + the signal number (130, 143).
#include <atomic>
#include <string>

namespace chipsim {

// Installs the handlers (call once, first thing in main).
void install_interrupt_handlers();

// What the handler prints after "chipsim: interrupted by signal N". `kept_runs`, if given, is
// printed as the number of finished runs kept (it must outlive the registration; pass nullptr to
// clear). Not async-signal-safe: call from normal code.
void set_interrupt_note(const std::string& note, const std::atomic<int>* kept_runs = nullptr);

}  // namespace chipsim
