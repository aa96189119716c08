#include "output/batch_results.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
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

struct Writer5 {
  h5::Writer& w;
  hid_t file;
  std::map<std::string, hid_t> scales;

  void attach(hid_t ds, const std::vector<std::string>& dims) {
    for (std::size_t k = 0; k < dims.size(); ++k)
      w.check(H5DSattach_scale(ds, scales.at(dims[k]), static_cast<unsigned>(k)), "attaching " + dims[k]);
  }
  void labels(const std::string& name, const std::string& long_name, const std::vector<std::string>& l) {
    scales[name] = w.label_variable(file, name, long_name, l, false, true);
  }
  void index_scale(const std::string& name, const std::string& long_name, const std::vector<double>& values, bool unlimited) {
    const hid_t ds = w.numeric_dataset(file, name, {values.size()}, values.data(), false);
    (void)unlimited;
    w.check(H5DSset_scale(ds, name.c_str()), "making " + name + " a dimension scale");
    w.text_attribute(ds, "long_name", long_name);
    scales[name] = ds;
  }
  void variable(const std::string& name, const std::vector<std::string>& dims, const std::vector<hsize_t>& shape,
                const double* data, const std::string& units, const std::string& long_name) {
    Handle ds(w.numeric_dataset(file, name, shape, data, false), H5Dclose);
    attach(ds, dims);
    w.text_attribute(ds, "units", units);
    w.text_attribute(ds, "long_name", long_name);
    std::string joined;
    for (const auto& d : dims) joined += (joined.empty() ? "" : " ") + d;
    w.text_attribute(ds, "dims", joined);
  }
  template <class T>
  void integers(const std::string& name, const std::vector<std::string>& dims, const std::vector<T>& v, hid_t ftype,
                hid_t mtype, const std::string& long_name) {
    Handle ds(w.typed_dataset(file, name, {v.size()}, v.data(), ftype, mtype, false), H5Dclose);
    attach(ds, dims);
    w.text_attribute(ds, "units", "1");
    w.text_attribute(ds, "long_name", long_name);
  }
};

// Paired effects of every run against the run of its baseline variant with the same sweep
// point and replicate, and summaries across replicates for every (variant, point) group.
void write_effects_and_summaries(Writer5& out, const BatchResults& r, const std::vector<int>& order) {
  const BatchDesign& d = r.design;
  const BatchLayout& L = r.layout;
  const std::size_t T = L.time_labels.size();
  const std::size_t F = L.dimension("firm").labels.size(), C = L.dimension("country").labels.size();
  const std::size_t K = L.dimension("kind").labels.size();
  const std::size_t R = order.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::size_t rev = L.offset_of("revenue"), ss = L.offset_of("self_sufficiency_compute"), cs = L.offset_of("compute_stock");
  const std::size_t Cd = L.dimension("destination").labels.size();

  // Index of each (variant, point, replicate) run.
  std::map<std::tuple<int, int, int>, int> index;
  for (int k = 0; k < d.n_runs(); ++k) {
    const auto u = static_cast<std::size_t>(k);
    index[{d.run_variant[u], d.run_point[u], d.run_replicate[u]}] = k;
  }
  auto run_of = [&](int variant, int point, int replicate) {
    const auto it = index.find({variant, point, replicate});
    if (it == index.end()) throw IoError("batch: the paired baseline run of variant " + std::to_string(variant) + " is missing");
    return it->second;
  };
  std::vector<double> loss(R * T * F, nan), gain(R * T * K * C, nan), gap(R * T * C, nan);
  for (std::size_t n = 0; n < R; ++n) {
    const int k = order[n];
    const int b = d.variant_baseline[static_cast<std::size_t>(d.run_variant[static_cast<std::size_t>(k)])];
    if (b < 0) continue;
    const int base = run_of(b, d.run_point[static_cast<std::size_t>(k)], d.run_replicate[static_cast<std::size_t>(k)]);
    const auto& own = r.runs.at(k);
    const auto& ref = r.runs.at(base);
    for (std::size_t t = 0; t < T; ++t) {
      for (std::size_t f = 0; f < F; ++f) {
        double a = 0, z = 0;
        for (std::size_t c = 0; c < Cd; ++c) {
          a += own[rev + (t * F + f) * Cd + c];
          z += ref[rev + (t * F + f) * Cd + c];
        }
        loss[(n * T + t) * F + f] = z - a;
      }
      for (std::size_t q = 0; q < K * C; ++q) gain[(n * T + t) * K * C + q] = own[ss + t * K * C + q] - ref[ss + t * K * C + q];
      for (std::size_t c = 0; c < C; ++c) gap[(n * T + t) * C + c] = own[cs + t * C + c] - ref[cs + t * C + c];
    }
  }
  out.variable("revenue_loss", {"run", "time", "firm"}, {R, T, F}, loss.data(), "USD",
               "revenue loss against the paired baseline run (baseline - this run); NaN without a baseline");
  out.variable("self_sufficiency_gain", {"run", "time", "kind", "country"}, {R, T, K, C}, gain.data(), "1",
               "self-sufficiency by compute (H100e; HBM: stacks) of this run minus its paired baseline run");
  out.variable("compute_gap", {"run", "time", "country"}, {R, T, C}, gap.data(), "H100e",
               "compute stock of this run minus its paired baseline run");

  // Groups: (variant, point), replicates pooled.
  const std::size_t V = d.variant_names.size(), P = d.point_values.size(), S = kStatistics.size();
  std::vector<std::string> group_labels;
  for (std::size_t v = 0; v < V; ++v)
    for (std::size_t p = 0; p < P; ++p) group_labels.push_back(d.variant_names[v] + (P > 1 ? "@" + std::to_string(p) : ""));
  const std::size_t G = group_labels.size();
  out.labels("group", "variant (and sweep point) whose replicates are summarised", group_labels);
  out.labels("statistic", "summary statistic across replicates", kStatistics);
  std::vector<std::vector<std::size_t>> members(G);  // positions in `order`
  for (std::size_t n = 0; n < R; ++n) {
    const int k = order[n];
    members[static_cast<std::size_t>(d.run_variant[static_cast<std::size_t>(k)]) * P + static_cast<std::size_t>(d.run_point[static_cast<std::size_t>(k)])].push_back(n);
  }
  auto summary = [&](const std::vector<double>& per_run, std::size_t per_run_size, const std::string& name,
                     std::vector<std::string> dims, std::vector<hsize_t> shape, const std::string& units, const std::string& what) {
    std::vector<double> s(G * S * per_run_size, nan);
    for (std::size_t g = 0; g < G; ++g)
      for (std::size_t e = 0; e < per_run_size; ++e) {
        std::vector<double> sample;
        for (std::size_t n : members[g]) sample.push_back(per_run[n * per_run_size + e]);
        const auto st = summarise(sample);
        for (std::size_t q = 0; q < S; ++q) s[(g * S + q) * per_run_size + e] = st[q];
      }
    dims.insert(dims.begin(), {"group", "statistic"});
    shape.insert(shape.begin(), {G, S});
    out.variable(name, dims, shape, s.data(), units, what + " across replicates");
  };
  // Cumulative revenue loss over the horizon per firm.
  std::vector<double> cumulative(R * F, 0.0);
  for (std::size_t n = 0; n < R; ++n)
    for (std::size_t f = 0; f < F; ++f)
      for (std::size_t t = 0; t < T; ++t) cumulative[n * F + f] += loss[(n * T + t) * F + f];
  summary(cumulative, F, "summary_cumulative_revenue_loss", {"firm"}, {F}, "USD", "revenue loss over the whole horizon");
  summary(loss, T * F, "summary_revenue_loss", {"time", "firm"}, {T, F}, "USD", "revenue loss per period");
  summary(gain, T * K * C, "summary_self_sufficiency_gain", {"time", "kind", "country"}, {T, K, C}, "1",
          "self-sufficiency gain against the baseline");
  summary(gap, T * C, "summary_compute_gap", {"time", "country"}, {T, C}, "H100e", "compute gap against the baseline");
  std::vector<double> ss_runs(R * T * K * C);
  for (std::size_t n = 0; n < R; ++n)
    std::copy_n(r.runs.at(order[n]).begin() + static_cast<long>(ss), T * K * C, ss_runs.begin() + static_cast<long>(n * T * K * C));
  summary(ss_runs, T * K * C, "summary_self_sufficiency_compute", {"time", "kind", "country"}, {T, K, C}, "1",
          "self-sufficiency by compute (H100e; HBM: stacks)");
}

}  // namespace

void write_batch_file(const std::string& path, const BatchResults& r, int threads, const std::string& command_line) {
  h5::write_atomically(path, [&](hid_t file, h5::Writer& writer) {
      Writer5 out{writer, file, {}};
      const BatchDesign& d = r.design;
      const BatchLayout& L = r.layout;
      const BuildInfo& b = build_info();
      auto& w = out.w;
      w.text_attribute(file, "Conventions", "CF-1.8");
      w.text_attribute(file, "title", "chipsim batch: " + d.experiment_name);
      w.text_attribute(file, "experiment_name", d.experiment_name);
      w.text_attribute(file, "experiment_file", d.experiment_file);
      w.text_attribute(file, "experiment_text", d.experiment_text);
      w.text_attribute(file, "focus_country", d.focus_country);
      w.text_attribute(file, "shard", r.shard);
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
      w.text_attribute(file, "written_utc", utc_now_iso8601());
      w.text_attribute(file, "command_line", command_line);
      for (std::size_t v = 0; v < d.variant_names.size(); ++v)
        w.text_attribute(file, ("scenario_text_" + d.variant_names[v]).c_str(), d.variant_scenario_text[v]);

      // Runs held in this file, in index order.
      std::vector<int> order;
      for (const auto& [k, data] : r.runs) order.push_back(k);
      std::vector<double> run_index(order.begin(), order.end());
      const std::size_t R = order.size(), T = L.time_labels.size();
      out.index_scale("run", "run index in the batch", run_index, true);
      {
        const hid_t ds = w.numeric_dataset(file, "time", {T}, L.time_days.data(), false);
        w.check(H5DSset_scale(ds, "time"), "making time a dimension scale");
        w.text_attribute(ds, "units", "days since 1970-01-01 00:00:00");
        w.text_attribute(ds, "calendar", "proleptic_gregorian");
        w.text_attribute(ds, "long_name", "first day of the period");
        out.scales["time"] = ds;
      }
      for (const Dimension& dim : L.dimensions) out.labels(dim.name, dim.long_name, dim.labels);
      out.labels("variant", "policy variant", d.variant_names);
      std::vector<std::string> params = d.parameter_paths;
      if (params.empty()) params.push_back("none");
      out.labels("parameter", "swept scenario parameter", params);
      std::vector<double> points(d.point_values.size());
      for (std::size_t p = 0; p < points.size(); ++p) points[p] = static_cast<double>(p);
      out.index_scale("point", "sweep point", points, false);

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

      for (const Variable& v : L.variables) {
        const std::size_t off = L.offset_of(v.name), n = T * v.row_size;
        std::vector<double> data(R * n);
        for (std::size_t i = 0; i < R; ++i)
          std::copy_n(r.runs.at(order[i]).begin() + static_cast<long>(off), n, data.begin() + static_cast<long>(i * n));
        std::vector<std::string> dims{"run", "time"};
        std::vector<hsize_t> shape{R, T};
        for (const auto& dn : v.dims) {
          dims.push_back(dn);
          shape.push_back(L.dimension(dn).labels.size());
        }
        out.variable(v.name, dims, shape, data.data(), v.units, v.long_name);
      }
      if (r.complete()) write_effects_and_summaries(out, r, order);
      for (auto& [name, id] : out.scales) H5Dclose(id);
  });
}

BatchResults read_batch_file(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) throw IoError(path + ": cannot open (missing, or not an HDF5 file)");
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
  for (const auto& v : d.variant_names) d.variant_scenario_text.push_back(h5::read_text_attribute(file, ("scenario_text_" + v).c_str(), path));
  d.parameter_paths = h5::read_strings(file, "parameter", path);
  const bool no_sweep = d.parameter_paths.size() == 1 && d.parameter_paths[0] == "none";
  if (no_sweep) d.parameter_paths.clear();
  const auto pp = h5::read_all<double>(file, "point_parameters", H5T_NATIVE_DOUBLE, path);
  const std::size_t np = no_sweep ? 1 : d.parameter_paths.size();
  for (std::size_t p = 0; p < pp.size() / np; ++p)
    d.point_values.push_back(no_sweep ? std::vector<double>{} : std::vector<double>(pp.begin() + static_cast<long>(p * np), pp.begin() + static_cast<long>((p + 1) * np)));

  // The design of every run of the batch is a pure function of (variant, point, replicate).
  const auto index = h5::read_all<double>(file, "run", H5T_NATIVE_DOUBLE, path);
  const auto rv = h5::read_all<int>(file, "run_variant", H5T_NATIVE_INT, path);
  const auto rp = h5::read_all<int>(file, "run_point", H5T_NATIVE_INT, path);
  const auto rr = h5::read_all<int>(file, "run_replicate", H5T_NATIVE_INT, path);
  const auto rs = h5::read_all<std::uint64_t>(file, "run_seed", H5T_NATIVE_UINT64, path);
  d.run_variant.assign(static_cast<std::size_t>(n_runs), -1);
  d.run_point.assign(static_cast<std::size_t>(n_runs), -1);
  d.run_replicate.assign(static_cast<std::size_t>(n_runs), -1);
  d.run_seed.assign(static_cast<std::size_t>(n_runs), 0);
  for (std::size_t i = 0; i < index.size(); ++i) {
    const auto k = static_cast<std::size_t>(index[i]);
    d.run_variant[k] = rv[i];
    d.run_point[k] = rp[i];
    d.run_replicate[k] = rr[i];
    d.run_seed[k] = rs[i];
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
