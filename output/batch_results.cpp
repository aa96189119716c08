#include "output/batch_results.hpp"

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>
#include <tuple>
#include <sstream>

#include "output/hdf5_util.hpp"
#include "output/statistics.hpp"
#include "output/hdf5_writer.hpp"
#include "sim/core/build_info.hpp"

namespace chipsim {

using h5::Handle;

std::size_t BatchLayout::run_size() const {
  std::size_t n = 0;
  for (const Variable& v : variables) n += time_labels.size() * v.row_size;
  return n;
}

std::size_t BatchLayout::offset_of(const std::string& name) const {
  std::size_t off = 0;
  for (const Variable& v : variables) {
    if (v.name == name) return off;
    off += time_labels.size() * v.row_size;
  }
  throw std::logic_error("variable not kept in this batch: " + name);
}

const Variable& BatchLayout::variable(const std::string& name) const {
  for (const Variable& v : variables)
    if (v.name == name) return v;
  throw std::logic_error("variable not kept in this batch: " + name);
}

const Dimension& BatchLayout::dimension(const std::string& name) const {
  for (const Dimension& d : dimensions)
    if (d.name == name) return d;
  throw std::logic_error("unknown dimension: " + name);
}

namespace {

const std::vector<std::string>& kStatistics = summary_statistic_names();

// Memory for one block of runs (or of rows read back) while writing: ~16 MiB of doubles. Small
// enough that a block stays far below what the simulation itself needs; large enough that each
// HDF5 write covers many chunks.
constexpr std::size_t kBlockDoubles = std::size_t(2) << 20;

struct Writer5 {
  h5::Writer& w;
  hid_t file;
  std::map<std::string, Handle> scales;

  void attach(hid_t ds, const std::vector<std::string>& dims) {
    for (std::size_t k = 0; k < dims.size(); ++k)
      w.check(H5DSattach_scale(ds, scales.at(dims[k]), static_cast<unsigned>(k)), "attaching " + dims[k]);
  }
  void labels(const std::string& name, const std::string& long_name, const std::vector<std::string>& l) {
    scales.insert_or_assign(name, w.label_variable(file, name, long_name, l, false, true));
  }
  // An integer coordinate (run, point): int64, so that xarray and pandas index by integers.
  void index_scale(const std::string& name, const std::string& long_name, const std::vector<std::int64_t>& values) {
    Handle ds = w.typed_dataset(file, name, {values.size()}, values.data(), H5T_STD_I64LE, H5T_NATIVE_INT64, false);
    w.check(H5DSset_scale(ds, name.c_str()), "making " + name + " a dimension scale");
    w.text_attribute(ds, "long_name", long_name);
    scales.insert_or_assign(name, std::move(ds));
  }
  // A variable over `dims`; written whole from `data`, or created empty (data == nullptr) for
  // write_rows.
  Handle variable(const std::string& name, const std::vector<std::string>& dims, const std::vector<hsize_t>& shape,
                  const double* data, const std::string& units, const std::string& long_name) {
    Handle ds = w.numeric_dataset(file, name, shape, data, false);
    attach(ds, dims);
    w.text_attribute(ds, "units", units);
    w.text_attribute(ds, "long_name", long_name);
    std::string joined;
    for (const auto& d : dims) joined += (joined.empty() ? "" : " ") + d;
    w.text_attribute(ds, "dims", joined);
    return ds;
  }
  template <class T>
  void integers(const std::string& name, const std::vector<std::string>& dims, const std::vector<T>& v, hid_t ftype,
                hid_t mtype, const std::string& long_name) {
    Handle ds = w.typed_dataset(file, name, {v.size()}, v.data(), ftype, mtype, false);
    attach(ds, dims);
    w.text_attribute(ds, "units", "1");
    w.text_attribute(ds, "long_name", long_name);
  }
};

// Offsets and extents of the series the paired effects are computed from.
struct EffectShape {
  std::size_t T, F, C, K, Cd, rev, ss, cs;
  explicit EffectShape(const BatchLayout& L)
      : T(L.time_labels.size()), F(L.dimension("firm").labels.size()), C(L.dimension("country").labels.size()),
        K(L.dimension("kind").labels.size()), Cd(L.dimension("destination").labels.size()), rev(L.offset_of("revenue")),
        ss(L.offset_of("self_sufficiency_compute")), cs(L.offset_of("compute_stock")) {}
};

// Paired effects of a run against its baseline run: revenue loss (T x F, USD), self-sufficiency
// gain (T x K x C) and compute gap (T x C, H100e), written at row n of each buffer.
void paired_effects(const EffectShape& e, const std::vector<double>& own, const std::vector<double>& ref, std::size_t n,
                    std::vector<double>& loss, std::vector<double>& gain, std::vector<double>& gap) {
  const std::size_t T = e.T, F = e.F, C = e.C, KC = e.K * e.C;
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t f = 0; f < F; ++f) {
      double a = 0, z = 0;
      for (std::size_t c = 0; c < e.Cd; ++c) {
        a += own[e.rev + (t * F + f) * e.Cd + c];
        z += ref[e.rev + (t * F + f) * e.Cd + c];
      }
      loss[(n * T + t) * F + f] = z - a;
    }
    for (std::size_t q = 0; q < KC; ++q) gain[(n * T + t) * KC + q] = own[e.ss + t * KC + q] - ref[e.ss + t * KC + q];
    for (std::size_t c = 0; c < C; ++c) gap[(n * T + t) * C + c] = own[e.cs + t * C + c] - ref[e.cs + t * C + c];
  }
}

// Summaries across replicates for every (variant, point) group, computed from a per-run dataset
// already written (rows = runs in `order`), reading it back a block at a time: each group's
// members are read over as many periods as fit in the block memory, so memory stays bounded
// whatever the number of replicates. `cumulative` sums the per-run rows over time first.
void write_summary(Writer5& out, hid_t source, const std::vector<std::vector<std::size_t>>& members, std::size_t T,
                   std::size_t row, bool cumulative, const std::string& name, std::vector<std::string> dims,
                   std::vector<hsize_t> shape, const std::string& units, const std::string& what) {
  const std::size_t G = members.size(), S = kStatistics.size();
  const std::size_t E = cumulative ? row : T * row;  // summarised values per run
  dims.insert(dims.begin(), {"group", "statistic"});
  shape.insert(shape.begin(), {G, S});
  Handle ds = out.variable(name, dims, shape, nullptr, units, what + " across replicates");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> s(S * E, nan);
  for (std::size_t g = 0; g < G; ++g) {
    const std::vector<std::size_t>& m = members[g];
    std::fill(s.begin(), s.end(), nan);
    if (!m.empty()) {
      // Values of every member, (member x E); read in period slices that fit the block.
      std::vector<double> values(cumulative ? m.size() * E : 0, 0.0);
      const bool contiguous = m.back() - m.front() + 1 == m.size();
      const std::size_t per_t = std::max<std::size_t>(1, kBlockDoubles / std::max<std::size_t>(1, m.size() * row));
      for (std::size_t t0 = 0; t0 < T; t0 += per_t) {
        const std::size_t nt = std::min(per_t, T - t0);
        std::vector<double> slice;  // (member x nt x row)
        if (contiguous) {
          slice = h5::read_block(source, m.front(), m.size(), t0, nt, name);
        } else {
          slice.reserve(m.size() * nt * row);
          for (std::size_t n : m) {
            const auto one = h5::read_block(source, n, 1, t0, nt, name);
            slice.insert(slice.end(), one.begin(), one.end());
          }
        }
        if (cumulative) {
          for (std::size_t i = 0; i < m.size(); ++i)
            for (std::size_t t = 0; t < nt; ++t)
              for (std::size_t q = 0; q < row; ++q) values[i * E + q] += slice[(i * nt + t) * row + q];
        } else {
          std::vector<double> sample(m.size());
          for (std::size_t q = 0; q < nt * row; ++q) {
            for (std::size_t i = 0; i < m.size(); ++i) sample[i] = slice[i * nt * row + q];
            const auto st = summarise(sample);
            for (std::size_t k = 0; k < S; ++k) s[k * E + t0 * row + q] = st[k];
          }
        }
      }
      if (cumulative) {
        std::vector<double> sample(m.size());
        for (std::size_t q = 0; q < E; ++q) {
          for (std::size_t i = 0; i < m.size(); ++i) sample[i] = values[i * E + q];
          const auto st = summarise(sample);
          for (std::size_t k = 0; k < S; ++k) s[k * E + q] = st[k];
        }
      }
    }
    out.w.write_rows(ds, g, 1, s.data(), name);
  }
}

}  // namespace

void write_batch_file(const std::string& path, const BatchDesign& d, const BatchLayout& L, const std::string& shard,
                      const RunSource& source, int threads, const std::string& command_line) {
  // Runs held in this file, in index order.
  const std::vector<int> order = source.indices();
  const bool complete = static_cast<int>(order.size()) == d.n_runs();
  h5::write_atomically(path, [&](hid_t file, h5::Writer& writer) {
      Writer5 out{writer, file, {}};
      const BuildInfo& b = build_info();
      auto& w = out.w;
      w.text_attribute(file, "Conventions", "CF-1.8");
      w.text_attribute(file, "title", "chipsim batch: " + d.experiment_name);
      w.text_attribute(file, "experiment_name", d.experiment_name);
      w.text_attribute(file, "experiment_file", d.experiment_file);
      w.text_attribute(file, "experiment_text", d.experiment_text);
      w.text_attribute(file, "focus_country", d.focus_country);
      w.text_attribute(file, "shard", shard);
      w.number_attribute<std::uint64_t>(file, "master_seed", d.master_seed, H5T_NATIVE_UINT64);
      w.number_attribute<int>(file, "replicates", d.replicates, H5T_NATIVE_INT);
      w.number_attribute<int>(file, "runs_in_batch", d.n_runs(), H5T_NATIVE_INT);
      w.number_attribute<int>(file, "threads", threads, H5T_NATIVE_INT);
      w.text_attribute(file, "chipsim_version", b.version);
      w.text_attribute(file, "git_revision", b.git_revision);
      w.text_attribute(file, "build_type", b.build_type);
      w.text_attribute(file, "target_arch", b.arch);
      w.text_attribute(file, "compiler", b.compiler);
      w.text_attribute(file, "libraries", b.libraries);
      w.text_attribute(file, "runtime_libraries", b.runtime);
      w.text_attribute(file, "master_seed_text", std::to_string(d.master_seed));
      if (!d.period_length.empty()) w.text_attribute(file, "period_length", d.period_length);
      w.text_attribute(file, "written_utc", utc_now_iso8601());
      w.text_attribute(file, "command_line", command_line);
      for (std::size_t v = 0; v < d.variant_names.size(); ++v) {
        w.text_attribute(file, ("scenario_text_" + d.variant_names[v]).c_str(), d.variant_scenario_text[v]);
        if (v < d.variant_demand_model.size())
          w.text_attribute(file, ("demand_model_" + d.variant_names[v]).c_str(), d.variant_demand_model[v]);
      }

      std::vector<std::int64_t> run_index(order.begin(), order.end());
      const std::size_t R = order.size(), T = L.time_labels.size();
      out.index_scale("run", "run index in the batch", run_index);
      {
        Handle ds = w.numeric_dataset(file, "time", {T}, L.time_days.data(), false);
        w.check(H5DSset_scale(ds, "time"), "making time a dimension scale");
        w.text_attribute(ds, "units", "days since 1970-01-01 00:00:00");
        w.text_attribute(ds, "calendar", "proleptic_gregorian");
        w.text_attribute(ds, "long_name", "first day of the period");
        out.scales.insert_or_assign("time", std::move(ds));
      }
      for (const Dimension& dim : L.dimensions) out.labels(dim.name, dim.long_name, dim.labels);
      out.labels("variant", "policy variant", d.variant_names);
      std::vector<std::string> params = d.parameter_paths;
      if (params.empty()) params.push_back("none");
      out.labels("parameter", "swept scenario parameter", params);
      std::vector<std::int64_t> points(d.point_values.size());
      for (std::size_t p = 0; p < points.size(); ++p) points[p] = static_cast<std::int64_t>(p);
      out.index_scale("point", "sweep point", points);

      std::vector<int> rv, rp, rr;
      std::vector<std::uint64_t> rs;
      std::vector<double> rparams;
      for (int k : order) {
        const auto ku = static_cast<std::size_t>(k);
        rv.push_back(d.run_variant[ku]);
        rp.push_back(d.run_point[ku]);
        rr.push_back(d.run_replicate[ku]);
        rs.push_back(d.run_seed[ku]);
        const auto& pv = d.point_values[static_cast<std::size_t>(d.run_point[ku])];
        if (pv.empty()) rparams.push_back(std::numeric_limits<double>::quiet_NaN());
        for (double x : pv) rparams.push_back(x);
      }
      out.integers("run_variant", {"run"}, rv, H5T_STD_I32LE, H5T_NATIVE_INT, "variant index of the run");
      out.integers("run_point", {"run"}, rp, H5T_STD_I32LE, H5T_NATIVE_INT, "sweep point of the run");
      out.integers("run_replicate", {"run"}, rr, H5T_STD_I32LE, H5T_NATIVE_INT, "replicate of the run");
      out.integers("run_seed", {"run"}, rs, H5T_STD_U64LE, H5T_NATIVE_UINT64, "random seed of the run (common to a replicate)");
      {
        // The build that ran each run, written only when some run was made by another build
        // than this file's (a merge with --allow-mixed-builds); otherwise the root attributes say it.
        const std::string mine = build_identity(b);
        std::vector<std::string> builds;
        bool mixed = false;
        for (int k : order) {
          const auto ku = static_cast<std::size_t>(k);
          builds.push_back(ku < d.run_build.size() && !d.run_build[ku].empty() ? d.run_build[ku] : mine);
          mixed = mixed || builds.back() != mine;
        }
        if (mixed) {
          Handle ds = w.label_variable(file, "run_build", "build identity of the chipsim binary that ran the run", builds, true, false);
          out.attach(ds, {"run"});
        }
      }
      {
        // The seeds again as decimal strings: R's ncdf4 reads uint64 as double (losing digits)
        // and hdf5r clips values >= 2^63.
        std::vector<std::string> seed_text;
        for (std::uint64_t s : rs) seed_text.push_back(std::to_string(s));
        Handle ds = w.label_variable(file, "run_seed_text", "random seed of the run, as a decimal string (exact in every reader)",
                                     seed_text, true, false);
        out.attach(ds, {"run"});
      }
      {
        // Variant and baseline names per run: with the global `coordinates` attribute below,
        // xarray shows them as labelled coordinates of the run dimension.
        std::vector<std::string> names, bases;
        for (int k : order) {
          const auto v = static_cast<std::size_t>(d.run_variant[static_cast<std::size_t>(k)]);
          names.push_back(d.variant_names[v]);
          const int bv = d.variant_baseline[v];
          bases.push_back(bv >= 0 ? d.variant_names[static_cast<std::size_t>(bv)] : "");
        }
        Handle vn = w.label_variable(file, "run_variant_name", "policy variant of the run", names, true, false);
        out.attach(vn, {"run"});
        Handle bn = w.label_variable(file, "run_baseline_name", "variant the run is paired with (empty: none)", bases, true, false);
        out.attach(bn, {"run"});
      }
      out.integers("variant_baseline", {"variant"}, d.variant_baseline, H5T_STD_I32LE, H5T_NATIVE_INT,
                   "index of the variant each variant is paired with (-1: none)");
      out.variable("run_parameters", {"run", "parameter"}, {R, params.size()}, rparams.data(), "1", "swept parameter values of the run");
      std::vector<double> pv_flat;
      for (const auto& row : d.point_values) {
        if (row.empty()) pv_flat.push_back(std::numeric_limits<double>::quiet_NaN());
        for (double x : row) pv_flat.push_back(x);
      }
      out.variable("point_parameters", {"point", "parameter"}, {d.point_values.size(), params.size()}, pv_flat.data(), "1",
                   "swept parameter values of each sweep point");
      // Each swept key's values again as a coordinate of the point dimension, named by its key
      // path (xarray: ds["firm.Huawei.arrival_hazard_per_month"] is indexed by point).
      std::string coordinates = "run_variant_name run_baseline_name run_point run_replicate run_seed_text";
      for (std::size_t k = 0; k < d.parameter_paths.size(); ++k) {
        std::vector<double> column;
        for (const auto& row : d.point_values) column.push_back(row.at(k));
        out.variable(d.parameter_paths[k], {"point"}, {column.size()}, column.data(), "1",
                     "value of the swept key " + d.parameter_paths[k] + " at each sweep point");
        coordinates += " " + d.parameter_paths[k];
      }
      if (!d.draw_paths.empty()) {
        // Predictive uncertainty: each run's drawn parameter values (its replicate's draw).
        out.labels("drawn_parameter", "parameter drawn per replicate (the scenario keys it sets)", d.draw_paths);
        std::vector<double> drawn;
        for (int k : order) {
          const auto& row = d.replicate_draws.at(static_cast<std::size_t>(d.run_replicate[static_cast<std::size_t>(k)]));
          drawn.insert(drawn.end(), row.begin(), row.end());
        }
        out.variable("run_drawn_parameters", {"run", "drawn_parameter"}, {R, d.draw_paths.size()}, drawn.data(), "as the scenario key",
                     "parameter values drawn for the run's replicate (predictive uncertainty: the same for every variant and point)");
      }
      // CF auxiliary coordinates (read by xarray's decode_coords).
      w.text_attribute(file, "coordinates", coordinates);

      // The kept series of every run, and (complete batches) the paired effects, created empty
      // and filled a block of runs at a time.
      std::vector<Handle> series;
      for (const Variable& v : L.variables) {
        std::vector<std::string> dims{"run", "time"};
        std::vector<hsize_t> shape{R, T};
        for (const auto& dn : v.dims) {
          dims.push_back(dn);
          shape.push_back(L.dimension(dn).labels.size());
        }
        series.push_back(out.variable(v.name, dims, shape, nullptr, v.units, v.long_name));
      }
      std::optional<EffectShape> e;
      Handle loss_ds(-1, H5Dclose), gain_ds(-1, H5Dclose), gap_ds(-1, H5Dclose);
      if (complete) {
        e.emplace(L);
        loss_ds = out.variable("revenue_loss", {"run", "time", "firm"}, {R, T, e->F}, nullptr, "USD",
                               "revenue loss against the paired baseline run (baseline - this run); NaN without a baseline");
        gain_ds = out.variable("self_sufficiency_gain", {"run", "time", "kind", "country"}, {R, T, e->K, e->C}, nullptr, "1",
                               "self-sufficiency by compute (H100e; HBM: stacks) of this run minus its paired baseline run");
        gap_ds = out.variable("compute_gap", {"run", "time", "country"}, {R, T, e->C}, nullptr, "H100e",
                              "compute stock of this run minus its paired baseline run");
      }
      std::map<std::tuple<int, int, int>, int> index;  // (variant, point, replicate) -> run
      for (int k = 0; k < d.n_runs(); ++k) {
        const auto u = static_cast<std::size_t>(k);
        index[{d.run_variant[u], d.run_point[u], d.run_replicate[u]}] = k;
      }
      const std::size_t run_size = L.run_size();
      const std::size_t block = std::max<std::size_t>(1, kBlockDoubles / std::max<std::size_t>(1, run_size));
      const double nan = std::numeric_limits<double>::quiet_NaN();
      for (std::size_t first = 0; first < R; first += block) {
        const std::size_t nb = std::min(block, R - first);
        std::vector<std::vector<double>> runs(nb);
        for (std::size_t i = 0; i < nb; ++i) runs[i] = source.read(order[first + i]);
        for (std::size_t j = 0; j < L.variables.size(); ++j) {
          const Variable& v = L.variables[j];
          const std::size_t off = L.offset_of(v.name), n = T * v.row_size;
          std::vector<double> data(nb * n);
          for (std::size_t i = 0; i < nb; ++i)
            std::copy_n(runs[i].begin() + static_cast<long>(off), n, data.begin() + static_cast<long>(i * n));
          w.write_rows(series[j], first, nb, data.data(), v.name);
        }
        if (!complete) continue;
        std::vector<double> loss(nb * T * e->F, nan), gain(nb * T * e->K * e->C, nan), gap(nb * T * e->C, nan);
        for (std::size_t i = 0; i < nb; ++i) {
          const auto k = static_cast<std::size_t>(order[first + i]);
          const int bv = d.variant_baseline[static_cast<std::size_t>(d.run_variant[k])];
          if (bv < 0) continue;
          const auto it = index.find({bv, d.run_point[k], d.run_replicate[k]});
          if (it == index.end()) throw IoError("batch: the paired baseline run of variant " + std::to_string(bv) + " is missing");
          const auto base = static_cast<std::size_t>(it->second);  // complete: row == run index
          if (base >= first && base < first + nb) {
            paired_effects(*e, runs[i], runs[base - first], i, loss, gain, gap);
          } else {
            paired_effects(*e, runs[i], source.read(it->second), i, loss, gain, gap);
          }
        }
        w.write_rows(loss_ds, first, nb, loss.data(), "revenue_loss");
        w.write_rows(gain_ds, first, nb, gain.data(), "self_sufficiency_gain");
        w.write_rows(gap_ds, first, nb, gap.data(), "compute_gap");
      }
      // The blocks' buffers are freed; hand the heap they leave back to the system, so that the
      // summaries' reads below do not stack on top of it (glibc keeps freed heap otherwise).
      ::malloc_trim(0);
      if (!complete) return;

      // Groups: (variant, point), replicates pooled.
      const std::size_t V = d.variant_names.size(), P = d.point_values.size();
      std::vector<std::string> group_labels;
      for (std::size_t v = 0; v < V; ++v)
        for (std::size_t p = 0; p < P; ++p) group_labels.push_back(d.variant_names[v] + (P > 1 ? "@" + std::to_string(p) : ""));
      out.labels("group", "variant (and sweep point) whose replicates are summarised", group_labels);
      out.labels("statistic", "summary statistic across replicates", kStatistics);
      std::vector<std::vector<std::size_t>> members(group_labels.size());  // rows, ascending
      for (std::size_t n = 0; n < R; ++n) {
        const auto k = static_cast<std::size_t>(order[n]);
        members[static_cast<std::size_t>(d.run_variant[k]) * P + static_cast<std::size_t>(d.run_point[k])].push_back(n);
      }
      const std::size_t ss_series = static_cast<std::size_t>(
          std::find_if(L.variables.begin(), L.variables.end(), [](const Variable& v) { return v.name == "self_sufficiency_compute"; }) -
          L.variables.begin());
      const std::size_t F = e->F, K = e->K, C = e->C;
      write_summary(out, loss_ds, members, T, F, true, "summary_cumulative_revenue_loss", {"firm"}, {F}, "USD",
                    "revenue loss over the whole horizon");
      write_summary(out, loss_ds, members, T, F, false, "summary_revenue_loss", {"time", "firm"}, {T, F}, "USD",
                    "revenue loss per period");
      write_summary(out, gain_ds, members, T, K * C, false, "summary_self_sufficiency_gain", {"time", "kind", "country"},
                    {T, K, C}, "1", "self-sufficiency gain against the baseline");
      write_summary(out, gap_ds, members, T, C, false, "summary_compute_gap", {"time", "country"}, {T, C}, "H100e",
                    "compute gap against the baseline");
      write_summary(out, series[ss_series], members, T, K * C, false, "summary_self_sufficiency_compute",
                    {"time", "kind", "country"}, {T, K, C}, "1", "self-sufficiency by compute (H100e; HBM: stacks)");
  });
}

namespace {
// Runs held in memory.
class MemoryRuns final : public RunSource {
 public:
  explicit MemoryRuns(const std::map<int, std::vector<double>>& runs) : runs_(runs) {}
  std::vector<int> indices() const override {
    std::vector<int> out;
    for (const auto& [k, data] : runs_) out.push_back(k);
    return out;
  }
  std::vector<double> read(int index) const override { return runs_.at(index); }

 private:
  const std::map<int, std::vector<double>>& runs_;
};
}  // namespace

void write_batch_file(const std::string& path, const BatchResults& r, int threads, const std::string& command_line) {
  write_batch_file(path, r.design, r.layout, r.shard, MemoryRuns(r.runs), threads, command_line);
}

BatchResults read_batch_file(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Handle file = h5::open_for_reading(path);
  BatchResults r;
  BatchDesign& d = r.design;
  d.experiment_name = h5::read_text_attribute(file, "experiment_name", path);
  d.experiment_file = h5::read_text_attribute(file, "experiment_file", path);
  d.experiment_text = h5::read_text_attribute(file, "experiment_text", path);
  d.focus_country = h5::read_text_attribute(file, "focus_country", path);
  r.shard = h5::read_text_attribute(file, "shard", path);
  {
    Handle a(H5Aopen(file, "master_seed", H5P_DEFAULT), H5Aclose);
    H5Aread(a, H5T_NATIVE_UINT64, &d.master_seed);
    Handle b(H5Aopen(file, "replicates", H5P_DEFAULT), H5Aclose);
    H5Aread(b, H5T_NATIVE_INT, &d.replicates);
  }
  int n_runs = 0;
  {
    Handle a(H5Aopen(file, "runs_in_batch", H5P_DEFAULT), H5Aclose);
    if (!a.ok() || H5Aread(a, H5T_NATIVE_INT, &n_runs) < 0) throw IoError(path + ": not a chipsim batch file");
  }
  d.variant_names = h5::read_strings(file, "variant", path);
  d.variant_baseline = h5::read_all<int>(file, "variant_baseline", H5T_NATIVE_INT, path);
  for (const auto& v : d.variant_names) {
    d.variant_scenario_text.push_back(h5::read_text_attribute(file, ("scenario_text_" + v).c_str(), path));
    const std::string dm = "demand_model_" + v;
    if (h5::has_attribute(file, dm.c_str())) d.variant_demand_model.push_back(h5::read_text_attribute(file, dm.c_str(), path));
  }
  if (h5::has_attribute(file, "period_length")) d.period_length = h5::read_text_attribute(file, "period_length", path);
  d.parameter_paths = h5::read_strings(file, "parameter", path);
  const bool no_sweep = d.parameter_paths.size() == 1 && d.parameter_paths[0] == "none";
  if (no_sweep) d.parameter_paths.clear();
  const auto pp = h5::read_all<double>(file, "point_parameters", H5T_NATIVE_DOUBLE, path);
  const std::size_t np = no_sweep ? 1 : d.parameter_paths.size();
  for (std::size_t p = 0; p < pp.size() / np; ++p)
    d.point_values.push_back(no_sweep ? std::vector<double>{} : std::vector<double>(pp.begin() + static_cast<long>(p * np), pp.begin() + static_cast<long>((p + 1) * np)));

  if (H5Lexists(file, "drawn_parameter", H5P_DEFAULT) > 0) d.draw_paths = h5::read_strings(file, "drawn_parameter", path);

  // The design of every run of the batch is a pure function of (variant, point, replicate).
  const auto index = h5::read_all<double>(file, "run", H5T_NATIVE_DOUBLE, path);
  const auto rv = h5::read_all<int>(file, "run_variant", H5T_NATIVE_INT, path);
  const auto rp = h5::read_all<int>(file, "run_point", H5T_NATIVE_INT, path);
  const auto rr = h5::read_all<int>(file, "run_replicate", H5T_NATIVE_INT, path);
  const auto rs = h5::read_all<std::uint64_t>(file, "run_seed", H5T_NATIVE_UINT64, path);
  // Each run's build: stored per run; files without it were made by the build their attributes name.
  std::vector<std::string> rb;
  if (H5Lexists(file, "run_build", H5P_DEFAULT) > 0) rb = h5::read_strings(file, "run_build", path);
  BuildInfo stored{};
  std::string attrs[6];
  const char* attribute_names[6] = {"chipsim_version", "git_revision", "build_type", "target_arch", "compiler", "libraries"};
  for (int k = 0; k < 6; ++k)
    attrs[k] = h5::has_attribute(file, attribute_names[k]) ? h5::read_text_attribute(file, attribute_names[k], path) : "?";
  const std::string runtime = h5::has_attribute(file, "runtime_libraries") ? h5::read_text_attribute(file, "runtime_libraries", path) : "?";
  stored = BuildInfo{attrs[0].c_str(), attrs[1].c_str(), attrs[2].c_str(), attrs[3].c_str(), attrs[4].c_str(), attrs[5].c_str(), runtime.c_str()};
  const std::string file_build = build_identity(stored);
  d.run_variant.assign(static_cast<std::size_t>(n_runs), -1);
  d.run_point.assign(static_cast<std::size_t>(n_runs), -1);
  d.run_replicate.assign(static_cast<std::size_t>(n_runs), -1);
  d.run_seed.assign(static_cast<std::size_t>(n_runs), 0);
  d.run_build.assign(static_cast<std::size_t>(n_runs), std::string());
  std::vector<char> seen(static_cast<std::size_t>(std::max(n_runs, 0)), 0);
  for (std::size_t i = 0; i < index.size(); ++i) {
    if (!(index[i] >= 0 && index[i] < n_runs) || seen[static_cast<std::size_t>(index[i])]++)
      throw IoError(path + ": run " + std::to_string(index[i]) + " is outside the batch's " + std::to_string(n_runs) +
                    " runs or held twice (a damaged file?)");
    const auto k = static_cast<std::size_t>(index[i]);
    d.run_variant[k] = rv[i];
    d.run_point[k] = rp[i];
    d.run_replicate[k] = rr[i];
    d.run_seed[k] = rs[i];
    d.run_build[k] = i < rb.size() && !rb[i].empty() ? rb[i] : file_build;
  }
  if (!d.draw_paths.empty()) {
    // Each replicate's draw, from any of its runs (a shard holds some of them: the others stay
    // NaN until the merge brings them).
    const std::size_t D = d.draw_paths.size();
    const auto drawn = h5::read_all<double>(file, "run_drawn_parameters", H5T_NATIVE_DOUBLE, path);
    if (drawn.size() != index.size() * D) throw IoError(path + ": run_drawn_parameters does not match the runs (a damaged file?)");
    d.replicate_draws.assign(static_cast<std::size_t>(d.replicates), std::vector<double>(D, std::numeric_limits<double>::quiet_NaN()));
    for (std::size_t i = 0; i < index.size(); ++i)
      if (rr[i] >= 0 && rr[i] < d.replicates)
        std::copy(drawn.begin() + static_cast<long>(i * D), drawn.begin() + static_cast<long>((i + 1) * D),
                  d.replicate_draws[static_cast<std::size_t>(rr[i])].begin());
  }

  BatchLayout& L = r.layout;
  L.time_days = h5::read_all<double>(file, "time", H5T_NATIVE_DOUBLE, path);
  // Kept variables: datasets whose "dims" attribute starts with "run time", in creation order.
  std::vector<std::string> names;
  H5Literate(file, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr,
             [](hid_t, const char* name, const H5L_info_t*, void* op) -> herr_t {
               static_cast<std::vector<std::string>*>(op)->push_back(name);
               return 0;
             },
             &names);
  const std::set<std::string> derived = {"revenue_loss", "self_sufficiency_gain", "compute_gap", "run_parameters"};
  std::set<std::string> dims_used;
  for (const std::string& name : names) {
    Handle ds(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!ds.ok() || !h5::has_attribute(ds, "dims")) continue;
    const std::string dims = h5::read_text_attribute(ds, "dims", path);
    if (dims.rfind("run time", 0) != 0 || derived.count(name)) continue;
    Variable v;
    v.name = name;
    v.units = h5::read_text_attribute(ds, "units", path);
    v.long_name = h5::read_text_attribute(ds, "long_name", path);
    std::istringstream is(dims.substr(8));
    for (std::string dn; is >> dn;) v.dims.push_back(dn);
    L.variables.push_back(v);
    for (const auto& dn : v.dims) dims_used.insert(dn);
  }
  for (const std::string& dn : names)
    if (dims_used.count(dn)) {
      Handle ds(H5Dopen2(file, dn.c_str(), H5P_DEFAULT), H5Dclose);
      L.dimensions.push_back({dn, h5::read_text_attribute(ds, "long_name", path), h5::read_strings(file, dn, path)});
    }
  for (Variable& v : L.variables) {
    v.row_size = 1;
    for (const auto& dn : v.dims) v.row_size *= L.dimension(dn).labels.size();
  }
  for (double day : L.time_days) {
    const auto days = static_cast<long>(day);
    // Recover "YYYY-MM" labels from CF day numbers (first of the month).
    long y = 1970 + days / 365;
    while (days_since_epoch(Month{static_cast<int>(y), 1}) > days) --y;
    while (days_since_epoch(Month{static_cast<int>(y) + 1, 1}) <= days) ++y;
    int m = 1;
    while (m < 12 && days_since_epoch(Month{static_cast<int>(y), m + 1}) <= days) ++m;
    L.time_labels.push_back(Month{static_cast<int>(y), m}.to_string());
  }
  const std::size_t T = L.time_labels.size(), size = L.run_size();
  for (std::size_t i = 0; i < index.size(); ++i) r.runs[static_cast<int>(index[i])].resize(size);
  for (const Variable& v : L.variables) {
    const auto all = h5::read_all<double>(file, v.name, H5T_NATIVE_DOUBLE, path);
    const std::size_t off = L.offset_of(v.name), n = T * v.row_size;
    for (std::size_t i = 0; i < index.size(); ++i)
      std::copy_n(all.begin() + static_cast<long>(i * n), n, r.runs[static_cast<int>(index[i])].begin() + static_cast<long>(off));
  }
  return r;
}

}  // namespace chipsim
