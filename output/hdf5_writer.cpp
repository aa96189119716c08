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

#include "sim/build_info.hpp"
#include "sim/error.hpp"

namespace chipsim {

namespace {

constexpr std::size_t kTargetChunkBytes = 1 << 20;  // ~1 MiB chunks

// Closes an HDF5 handle when it goes out of scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  operator hid_t() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

class Writer {
 public:
  explicit Writer(std::string path) : path_(std::move(path)) {}

  void check(herr_t status, const std::string& what) const {
    if (status < 0) throw IoError(path_ + ": HDF5 error while " + what + " (is the disk full or the path writable?)");
  }
  void check(const Handle& h, const std::string& what) const {
    if (!h.ok()) throw IoError(path_ + ": HDF5 error while " + what + " (is the disk full or the path writable?)");
  }

  void text_attribute(hid_t obj, const char* name, const std::string& value) const {
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    check(type, "creating a string type");
    check(H5Tset_size(type, std::max<std::size_t>(1, value.size())), "sizing a string attribute");
    check(H5Tset_strpad(type, H5T_STR_NULLTERM), "setting string padding");
    check(H5Tset_cset(type, H5T_CSET_UTF8), "setting UTF-8");
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle attr(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    check(attr, std::string("creating attribute ") + name);
    const std::string padded = value.empty() ? std::string(1, '\0') : value;
    check(H5Awrite(attr, type, padded.data()), std::string("writing attribute ") + name);
  }

  template <class T>
  void number_attribute(hid_t obj, const char* name, T value, hid_t type) const {
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle attr(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    check(attr, std::string("creating attribute ") + name);
    check(H5Awrite(attr, type, &value), std::string("writing attribute ") + name);
  }

  // A 1-D variable of UTF-8 labels (variable-length strings); a coordinate variable (dimension
  // scale) when make_scale is set.
  hid_t label_variable(hid_t file, const std::string& name, const std::string& long_name,
                       const std::vector<std::string>& labels, bool unlimited, bool make_scale) {
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    check(H5Tset_size(type, H5T_VARIABLE), "creating a label type");
    check(H5Tset_cset(type, H5T_CSET_UTF8), "setting UTF-8");
    hsize_t dims[1] = {labels.size()};
    hsize_t maxdims[1] = {unlimited ? H5S_UNLIMITED : labels.size()};
    Handle space(H5Screate_simple(1, dims, maxdims), H5Sclose);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (unlimited) {
      hsize_t chunk[1] = {std::max<hsize_t>(1, std::min<hsize_t>(labels.size(), 4096))};
      check(H5Pset_chunk(dcpl, 1, chunk), "chunking a label dimension");
    }
    const hid_t ds = H5Dcreate2(file, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (ds < 0) check(-1, "creating dimension " + name);
    std::vector<const char*> ptrs;
    for (const auto& l : labels) ptrs.push_back(l.c_str());
    if (!ptrs.empty()) check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "writing labels of " + name);
    if (make_scale) check(H5DSset_scale(ds, name.c_str()), "making " + name + " a dimension scale");
    text_attribute(ds, "long_name", long_name);
    return ds;
  }

  hid_t numeric_dataset(hid_t file, const std::string& name, const std::vector<hsize_t>& dims,
                        const double* data, bool compress) {
    const int rank = static_cast<int>(dims.size());
    std::vector<hsize_t> maxdims = dims;
    maxdims[0] = H5S_UNLIMITED;
    Handle space(H5Screate_simple(rank, dims.data(), maxdims.data()), H5Sclose);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    std::size_t row_bytes = sizeof(double);
    for (int d = 1; d < rank; ++d) row_bytes *= dims[d];
    std::vector<hsize_t> chunk = dims;
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(std::max<hsize_t>(dims[0], 1), kTargetChunkBytes / row_bytes));
    for (int d = 1; d < rank; ++d) chunk[d] = std::max<hsize_t>(1, chunk[d]);
    check(H5Pset_chunk(dcpl, rank, chunk.data()), "chunking " + name);
    const double fill = std::numeric_limits<double>::quiet_NaN();
    check(H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill), "setting the fill value of " + name);
    if (compress) {
      check(H5Pset_shuffle(dcpl), "enabling shuffle on " + name);
      check(H5Pset_deflate(dcpl, 1), "enabling compression on " + name);
    }
    const hid_t ds = H5Dcreate2(file, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (ds < 0) check(-1, "creating dataset " + name);
    if (dims[0] > 0) check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "writing " + name);
    return ds;
  }

 private:
  std::string path_;
};

std::string temp_path_for(const std::string& path) {
  return path + ".tmp-" + std::to_string(static_cast<long>(::getpid()));
}

}  // namespace

std::string utc_now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_run_file(const std::string& path, const Model& model, const Series& series, const RunMetadata& meta) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported as IoError instead
  const std::string tmp = temp_path_for(path);
  Writer w(tmp);
  try {
    {
      Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
      w.check(H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "setting link order");
      // Dense attribute storage on the root group: the resolved scenario text can exceed the
      // 64 KiB limit of compact attributes (needs the HDF5 1.8 file format, as netCDF-4 uses).
      w.check(H5Pset_attr_phase_change(fcpl, 0, 0), "enabling dense attributes");
      Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
      w.check(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST), "setting the file format version");
      Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl, fapl), H5Fclose);
      if (!file.ok())
        throw IoError(path + ": cannot create output file (does the directory exist and is it writable?)");

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
        scales.try_emplace(d.name, w.label_variable(file, d.name, d.long_name, d.labels, false, true), H5Dclose);

      // Period labels ("2022-01") as an auxiliary variable over time.
      {
        Handle labels(w.label_variable(file, "period_label", "period as YYYY-MM", series.time_labels, true, false),
                      H5Dclose);
        w.check(H5DSattach_scale(labels, scales.at("time"), 0), "attaching time to period_label");
      }

      for (const Variable& v : series.variables()) {
        std::vector<hsize_t> dims{T};
        for (const auto& d : v.dims) dims.push_back(series.dimension(d).labels.size());
        Handle ds(w.numeric_dataset(file, v.name, dims, v.data.data(), meta.compress), H5Dclose);
        w.check(H5DSattach_scale(ds, scales.at("time"), 0), "attaching time to " + v.name);
        for (std::size_t k = 0; k < v.dims.size(); ++k)
          w.check(H5DSattach_scale(ds, scales.at(v.dims[k]), static_cast<unsigned>(k + 1)),
                  "attaching " + v.dims[k] + " to " + v.name);
        w.text_attribute(ds, "units", v.units);
        w.text_attribute(ds, "long_name", v.long_name);
      }
      w.check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flushing the file");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw IoError(path + ": cannot move the finished output into place: " + ec.message());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

}  // namespace chipsim
