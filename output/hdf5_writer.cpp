#include "output/hdf5_writer.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>

#include "sim/core/build_info.hpp"
#include "output/hdf5_util.hpp"
#include "sim/core/error.hpp"

namespace chipsim {

namespace {
using h5::Handle;
using h5::Writer;
using h5::temp_path_for;

}  // namespace

std::string utc_now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void init_hdf5_library() {
  H5dont_atexit();
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

void write_run_file(const std::string& path, const Model& model, const Series& series, const RunMetadata& meta) {
  h5::write_atomically(path, [&](hid_t file, Writer& w) {
      // Provenance and global CF attributes.
      const BuildInfo& b = build_info();
      w.text_attribute(file, "Conventions", "CF-1.8");
      w.text_attribute(file, "title", "chipsim run: " + model.name);
      w.text_attribute(file, "scenario_name", model.name);
      w.text_attribute(file, "scenario_description", model.description);
      w.text_attribute(file, "scenario_file", model.scenario_file);
      w.text_attribute(file, "scenario_text", model.scenario_text);
      w.text_attribute(file, "demand_model", model.demand_model);
      w.number_attribute<std::uint64_t>(file, "seed", meta.seed, H5T_NATIVE_UINT64);
      w.number_attribute<std::uint64_t>(file, "run", meta.run, H5T_NATIVE_UINT64);
      w.number_attribute<int>(file, "threads", meta.threads, H5T_NATIVE_INT);
      w.text_attribute(file, "chipsim_version", b.version);
      w.text_attribute(file, "git_revision", b.git_revision);
      w.text_attribute(file, "build_type", b.build_type);
      w.text_attribute(file, "target_arch", b.arch);
      w.text_attribute(file, "compiler", b.compiler);
      w.text_attribute(file, "libraries", b.libraries);
      w.text_attribute(file, "runtime_libraries", b.runtime);
      w.text_attribute(file, "seed_text", std::to_string(meta.seed));  // exact in every reader (R's ncdf4 reads uint64 as double)
      w.text_attribute(file, "started_utc", meta.started_utc);
      w.text_attribute(file, "finished_utc", meta.finished_utc);
      w.text_attribute(file, "command_line", meta.command_line);
      w.text_attribute(file, "period_length", model.calendar.months_per_period == 1 ? "month" : "quarter");
      for (const auto& [key, value] : meta.extra_attributes) w.text_attribute(file, key.c_str(), value);

      // Dimensions: time (unlimited) and the label dimensions.
      std::map<std::string, Handle> scales;
      const std::size_t T = series.n_periods();
      {
        hsize_t dims[1] = {T};
        hsize_t maxdims[1] = {H5S_UNLIMITED};
        Handle space(H5Screate_simple(1, dims, maxdims), H5Sclose);
        Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        hsize_t chunk[1] = {std::max<hsize_t>(1, std::min<hsize_t>(T, 4096))};
        w.check(H5Pset_chunk(dcpl, 1, chunk), "chunking time");
        const hid_t ds = H5Dcreate2(file, "time", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (ds < 0) w.check(-1, "creating time");
        scales.try_emplace("time", ds, H5Dclose);
        if (T > 0)
          w.check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, series.time_days.data()), "writing time");
        w.check(H5DSset_scale(ds, "time"), "making time a dimension scale");
        w.text_attribute(ds, "units", "days since 1970-01-01 00:00:00");
        w.text_attribute(ds, "calendar", "proleptic_gregorian");
        w.text_attribute(ds, "long_name", "first day of the period");
        w.text_attribute(ds, "axis", "T");
      }
      for (const Dimension& d : series.dimensions())
        scales.try_emplace(d.name, w.label_variable(file, d.name, d.long_name, d.labels, false, true));

      // Period labels ("2022-01") as an auxiliary variable over time.
      {
        Handle labels = w.label_variable(file, "period_label", "period as YYYY-MM", series.time_labels, true, false);
        w.check(H5DSattach_scale(labels, scales.at("time"), 0), "attaching time to period_label");
      }

      for (const Variable& v : series.variables()) {
        std::vector<hsize_t> dims{T};
        for (const auto& d : v.dims) dims.push_back(series.dimension(d).labels.size());
        Handle ds = w.numeric_dataset(file, v.name, dims, v.data.data(), meta.compress);
        w.check(H5DSattach_scale(ds, scales.at("time"), 0), "attaching time to " + v.name);
        for (std::size_t k = 0; k < v.dims.size(); ++k)
          w.check(H5DSattach_scale(ds, scales.at(v.dims[k]), static_cast<unsigned>(k + 1)),
                  "attaching " + v.dims[k] + " to " + v.name);
        w.text_attribute(ds, "units", v.units);
        w.text_attribute(ds, "long_name", v.long_name);
      }
  });
}

}  // namespace chipsim
