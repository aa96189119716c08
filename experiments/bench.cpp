#include "experiments/bench.hpp"

#include <fcntl.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "experiments/synthetic_world.hpp"
#include "output/hdf5_writer.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"

namespace chipsim {

namespace {
using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
std::string fmt(const char* f, double a) {
  char buf[128];
  std::snprintf(buf, sizeof buf, f, a);
  return buf;
}

struct WorldTiming {
  double first = 0, later = 0;   // seconds: the cold first period; median of the warm-started ones
  double iterations = 0;         // median fixed-point passes per warm-started period
  double bound_share = 0;        // share of (warm period, product) pairs whose output ceiling binds (mu > 0)
  std::vector<double> prices;    // the run's price series
};

// Batch throughput: `runs` replicates of the scenario (distinct seeds) on `threads` threads.
double batch_rate(const Model& m, int runs, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const auto t0 = clock_type::now();
  tbb::parallel_for(0, runs, [&](int r) {
    RunOptions o;
    o.seed = static_cast<std::uint64_t>(r) + 1;
    (void)run_model(m, o);
  });
  return runs / seconds_since(t0);
}

// Raw write speed: the same bytes with write(2) and fsync, as a baseline for HDF5.
double raw_write_rate(const std::string& path, const std::vector<double>& data) {
  const auto t0 = clock_type::now();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw IoError(path + ": cannot write the benchmark file");
  const char* p = reinterpret_cast<const char*>(data.data());
  std::size_t left = data.size() * sizeof(double);
  while (left > 0) {
    const ssize_t n = ::write(fd, p, std::min<std::size_t>(left, 1 << 24));
    if (n <= 0) {
      ::close(fd);
      throw IoError(path + ": write failed (disk full?)");
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  return static_cast<double>(data.size() * sizeof(double)) / 1e6 / seconds_since(t0);
}

double hdf5_write_rate(const std::string& path, const Model& m, const Series& s, std::size_t bytes) {
  const auto t0 = clock_type::now();
  RunMetadata meta;
  write_run_file(path, m, s, meta);
  const int fd = ::open(path.c_str(), O_RDONLY);  // same durability as the raw baseline
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  return static_cast<double>(bytes) / 1e6 / seconds_since(t0);
}
}  // namespace

void run_benchmarks(const BenchOptions& o, std::ostream& out) {
  out << "chipsim bench (medians of " << o.repeats << " repeats; 2-core figures depend on the machine's load)\n\n";

  // 1. Single run of the scenario (load + simulate, no output file).
  std::vector<double> single;
  for (int k = 0; k < o.repeats; ++k) {
    const auto t0 = clock_type::now();
    const Model m = load_scenario(o.scenario);
    RunOptions opt;
    opt.seed = m.default_seed;
    (void)run_model(m, opt);
    single.push_back(seconds_since(t0));
  }
  const Model m = load_scenario(o.scenario);
  out << "single run of " << m.name << " (" << m.n_periods() << " periods, load + simulate):  "
      << fmt("%.1f ms", 1e3 * median(single)) << "\n";

  // 2. Batch throughput, 1 vs 2 threads, alternated so that both see the same machine.
  std::vector<double> one, two;
  for (int k = 0; k < o.repeats; ++k) {
    one.push_back(batch_rate(m, o.batch_runs, 1));
    two.push_back(batch_rate(m, o.batch_runs, 2));
  }
  out << "batch throughput (" << o.batch_runs << " runs of " << m.name << "):  1 thread " << fmt("%.1f runs/s", median(one))
      << ", 2 threads " << fmt("%.1f runs/s", median(two)) << ", ratio " << fmt("%.2fx", median(two) / median(one))
      << "  (target >= 1.8x)\n";
  out << "  => 1,000 replicates with 2 threads: " << fmt("%.0f s", 1000 / median(two)) << "  (target < 60 s)\n";

  // 3. Synthetic world: per-period time of the whole pipeline, with the logit pass evaluated as
  // a run would ("auto": the expansion in price sensitivity at this size) and, side by side,
  // with one exponential per buyer and product ("direct").
  const auto time_world = [&](const std::string& evaluation, const std::string& demand_model, int products = 0,
                              double capacity_scale = 1.0, double learning_rate = 0.0) {
    if (products == 0) products = o.synthetic_products;
    const Model big = synthetic_world(o.synthetic_ai_firms, products, 20, 8, o.synthetic_periods, 42, evaluation,
                                      demand_model, capacity_scale, learning_rate);
    WorldTiming t;
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 2);
    RunOptions opt;
    opt.seed = 1;
    std::vector<double> periods;
    opt.on_period = [&, t0 = clock_type::now()](int, int) mutable {
      periods.push_back(seconds_since(t0));
      t0 = clock_type::now();
    };
    const State st = run_model(big, opt);
    const auto& it = st.series.variable("pricing_iterations").data;
    t.iterations = median(std::vector<double>(it.begin() + 1, it.end()));
    t.first = periods.front();
    periods.erase(periods.begin());  // the first period starts cold (no warm start)
    t.later = median(periods);
    t.prices = st.series.variable("price").data;
    const auto& mu = st.series.variable("capacity_shadow_cost").data;
    const std::size_t P = static_cast<std::size_t>(products);
    double bound = 0;
    for (std::size_t k = P; k < mu.size(); ++k) bound += mu[k] > 0;  // periods after the first
    t.bound_share = mu.size() > P ? bound / static_cast<double>(mu.size() - P) : 0.0;
    return t;
  };
  const WorldTiming fast = time_world("auto", "logit"), direct = time_world("direct", "logit");
  const WorldTiming nested = time_world("auto", "nested_logit");
  double disagreement = 0;  // largest relative price difference between the two evaluations
  for (std::size_t k = 0; k < fast.prices.size() && k < direct.prices.size(); ++k)
    if (std::isfinite(fast.prices[k]) && std::isfinite(direct.prices[k]) && direct.prices[k] != 0)
      disagreement = std::max(disagreement, std::abs(fast.prices[k] / direct.prices[k] - 1));
  out << "synthetic world, " << o.synthetic_ai_firms << " AI firms x " << o.synthetic_products
      << " products, 2 threads: first period " << fmt("%.0f ms", 1e3 * fast.first) << ", later periods (warm start) "
      << fmt("%.0f ms", 1e3 * fast.later) << " per period  (target < 50 ms)\n";
  // Each period: the fixed-point iterations (one pass over all buyers each) plus one pass that
  // allocates the units at the equilibrium prices.
  out << "  (a period takes " << fmt("%.0f", fast.iterations) << " Anderson-accelerated fixed-point passes + 1 allocation pass, about "
      << fmt("%.1f ms", 1e3 * fast.later / (fast.iterations + 1)) << " each with the logit evaluated by its expansion in price sensitivity)\n";
  out << "  same world, logit evaluated directly (one exp per buyer and product): " << fmt("%.0f ms", 1e3 * direct.later)
      << " per period, " << fmt("%.1fx", direct.later / fast.later) << " slower; equilibrium prices agree to "
      << fmt("%.1e", disagreement) << " (largest relative difference)\n";
  out << "  same world, nested logit (nests: made at home / elsewhere, lambda 0.7): " << fmt("%.0f ms", 1e3 * nested.later)
      << " per period (" << fmt("%.0f", nested.iterations) << " passes + 1)\n";

  // 3b. The capacity-bound world: most output ceilings bind, so every product's price is set by
  // its KKT multiplier; the passes per warm period against the same world with slack capacity.
  // With fixed unit costs the slack world's prices never move (logit prices do not depend on
  // budgets), so its warm periods are solved before they start; the second pair lets costs fall
  // by learning, so that the slack world has an equilibrium to find each period too.
  if (o.capacity_products > 0) {
    const auto pair = [&](double learning_rate, const char* label) {
      const WorldTiming bound = time_world("auto", "logit", o.capacity_products, 1.0, learning_rate);
      const WorldTiming slack = time_world("auto", "logit", o.capacity_products, 1e3, learning_rate);
      out << label << fmt("%.0f%%", 100 * bound.bound_share) << " of products at their ceiling, "
          << fmt("%.0f", bound.iterations) << " passes per warm period (" << fmt("%.0f ms", 1e3 * bound.later)
          << "); same world with slack capacity (" << fmt("%.0f%%", 100 * slack.bound_share)
          << " bound): " << fmt("%.0f", slack.iterations) << " passes (" << fmt("%.0f ms", 1e3 * slack.later) << "); ratio "
          << fmt("%.2fx", bound.iterations / std::max(1.0, slack.iterations)) << "\n";
      return bound;
    };
    out << "capacity-bound world, " << o.synthetic_ai_firms << " AI firms x " << o.capacity_products << " products:\n";
    const WorldTiming fixed = pair(0.0, "  unit costs fixed: ");
    out << "    (with slack ceilings and fixed costs nothing moves: a warm period is solved before it starts; the "
        << o.synthetic_products << "-product world above, where some ceilings bind, takes " << fmt("%.0f", fast.iterations)
        << " passes: ratio " << fmt("%.2fx", fixed.iterations / std::max(1.0, fast.iterations)) << ")\n";
    if (o.capacity_learning_rate > 0)
      (void)pair(o.capacity_learning_rate,
                 ("  unit costs learning (" + fmt("%.2f", o.capacity_learning_rate) + " per doubling): ").c_str());
    out << "  (target: passes of the bound world <= 2x those of the slack one)\n";
  }

  // 3c. Memory of a whole run of the synthetic world: the peak resident set of the run alone
  // (the kernel's high-water mark is reset first), per-AI-firm series off (default) and on.
  if (o.memory_periods > 0) {
    auto peak_of_run = [&](bool per_firm) {
      Model big = synthetic_world(o.synthetic_ai_firms, o.synthetic_products, 20, 8, o.memory_periods, 42, "auto", "logit", 1.0);
      big.record_ai_firm_series = per_firm;
      { std::ofstream("/proc/self/clear_refs") << "5"; }  // reset VmHWM (Linux)
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 2);
      RunOptions opt;
      opt.seed = 1;
      const auto t0 = clock_type::now();
      (void)run_model(big, opt);
      const double secs = seconds_since(t0);
      std::ifstream status("/proc/self/status");
      double kb = 0;
      for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) kb = std::stod(line.substr(6));
      return std::pair<double, double>{kb / 1024.0, secs};
    };
    const auto [off, off_s] = peak_of_run(false);
    const auto [on, on_s] = peak_of_run(true);
    out << "memory of a whole run, synthetic world " << o.synthetic_ai_firms << " AI firms x " << o.synthetic_products
        << " products x " << o.memory_periods << " periods: peak RSS " << fmt("%.0f MB", off) << " (" << fmt("%.0f s", off_s)
        << "); with record_ai_firm_series: " << fmt("%.0f MB", on) << " (" << fmt("%.0f s", on_s) << ")\n";
  }

  // 4. Output writing vs raw disk speed of the same bytes.
  const auto T = static_cast<std::size_t>(100);
  auto width = static_cast<std::size_t>(o.write_megabytes * 1e6 / sizeof(double) / static_cast<double>(T));
  Model w;
  w.name = "write_bench";
  w.calendar = Calendar{{2030, 1}, Month::from_serial(Month{2030, 1}.serial() + static_cast<int>(T) - 1), 1};
  // Two label dimensions of modest size (rows x columns), as in real outputs.
  const std::size_t rows = 1000, cols = std::max<std::size_t>(1, width / rows);
  width = rows * cols;
  Series s;
  std::vector<std::string> row_labels, col_labels;
  for (std::size_t k = 0; k < rows; ++k) row_labels.push_back(std::to_string(k));
  for (std::size_t k = 0; k < cols; ++k) col_labels.push_back(std::to_string(k));
  s.add_dimension({"row", "row", row_labels});
  s.add_dimension({"col", "column", col_labels});
  s.define("values", "benchmark data", "1", {"row", "col"});
  std::vector<double> row(width);
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t k = 0; k < width; ++k) row[k] = static_cast<double>(t * width + k);
    s.append("values", row.data(), width);
    s.time_labels.push_back(w.calendar.label(static_cast<int>(t)));
    s.time_days.push_back(static_cast<double>(days_since_epoch(w.calendar.month_of(static_cast<int>(t)))));
  }
  const std::size_t bytes = T * width * sizeof(double);
  const std::string raw_path = (std::filesystem::path(o.scratch_dir) / "chipsim_bench_raw.bin").string();
  const std::string h5_path = (std::filesystem::path(o.scratch_dir) / "chipsim_bench.h5").string();
  std::vector<double> raw, h5;
  for (int k = 0; k < o.repeats; ++k) {
    raw.push_back(raw_write_rate(raw_path, s.variable("values").data));
    h5.push_back(hdf5_write_rate(h5_path, w, s, bytes));
  }
  std::filesystem::remove(raw_path);
  std::filesystem::remove(h5_path);
  out << "output writing (" << fmt("%.0f MB", bytes / 1e6) << ", uncompressed, with fsync): HDF5 " << fmt("%.0f MB/s", median(h5))
      << ", raw disk " << fmt("%.0f MB/s", median(raw)) << ", ratio " << fmt("%.2f", median(h5) / median(raw))
      << "  (target >= 0.5)\n";
}

}  // namespace chipsim
