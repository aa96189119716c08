#pragma once
// Internal helpers of output/: RAII handles and checked writers for the HDF5 C API (NetCDF-4
// compatible layout). HDF5 is used from one thread only.
#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "output/temp_files.hpp"
#include "sim/core/error.hpp"

namespace chipsim::h5 {

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
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  // Wrapping a temporary Handle's id would close it when the temporary dies: move it instead.
  Handle(Handle&&, herr_t (*)(hid_t)) = delete;
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      if (id_ >= 0) close_(id_);
      id_ = o.id_;
      close_ = o.close_;
      o.id_ = -1;
    }
    return *this;
  }
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
    if (status < 0) fail(what);
  }
  void check(const Handle& h, const std::string& what) const {
    if (!h.ok()) fail(what);
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw IoError(path_ + ": cannot write the file: HDF5 error while " + what +
                  " (is the disk full or the path unwritable?); a file already there is left as it was");
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
  Handle label_variable(hid_t file, const std::string& name, const std::string& long_name,
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
    Handle ds(H5Dcreate2(file, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
    check(ds, "creating dimension " + name);
    std::vector<const char*> ptrs;
    for (const auto& l : labels) ptrs.push_back(l.c_str());
    if (!ptrs.empty()) check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "writing labels of " + name);
    if (make_scale) check(H5DSset_scale(ds, name.c_str()), "making " + name + " a dimension scale");
    text_attribute(ds, "long_name", long_name);
    return ds;
  }

  // A chunked dataset with an unlimited first axis (NaN fill), written in one call.
  Handle numeric_dataset(hid_t file, const std::string& name, const std::vector<hsize_t>& dims,
                        const double* data, bool compress) {
    return typed_dataset(file, name, dims, data, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, compress);
  }
  Handle typed_dataset(hid_t file, const std::string& name, const std::vector<hsize_t>& dims, const void* data,
                      hid_t file_type, hid_t memory_type, bool compress) {
    const int rank = static_cast<int>(dims.size());
    std::vector<hsize_t> maxdims = dims;
    maxdims[0] = H5S_UNLIMITED;
    Handle space(H5Screate_simple(rank, dims.data(), maxdims.data()), H5Sclose);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    std::size_t row_bytes = H5Tget_size(memory_type);
    for (int d = 1; d < rank; ++d) row_bytes *= dims[d];
    std::vector<hsize_t> chunk = dims;
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(std::max<hsize_t>(dims[0], 1), kTargetChunkBytes / row_bytes));
    for (int d = 1; d < rank; ++d) chunk[d] = std::max<hsize_t>(1, chunk[d]);
    check(H5Pset_chunk(dcpl, rank, chunk.data()), "chunking " + name);
    if (memory_type == H5T_NATIVE_DOUBLE) {
      const double fill = std::numeric_limits<double>::quiet_NaN();
      check(H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill), "setting the fill value of " + name);
    }
    if (compress) {
      check(H5Pset_shuffle(dcpl), "enabling shuffle on " + name);
      check(H5Pset_deflate(dcpl, 1), "enabling compression on " + name);
    }
    Handle ds(H5Dcreate2(file, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
    check(ds, "creating dataset " + name);
    if (data != nullptr && dims[0] > 0) check(H5Dwrite(ds, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "writing " + name);
    return ds;
  }

  // Writes `count` consecutive rows (first axis) starting at `first`, all of the other axes, from
  // `data` (count x the trailing extent, row-major) into a dataset created with data == nullptr.
  void write_rows(hid_t ds, hsize_t first, hsize_t count, const double* data, const std::string& name) const {
    if (count == 0) return;
    Handle file_space(H5Dget_space(ds), H5Sclose);
    check(file_space, "selecting rows of " + name);
    const int rank = H5Sget_simple_extent_ndims(file_space);
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank)), start(dims.size(), 0);
    H5Sget_simple_extent_dims(file_space, dims.data(), nullptr);
    start[0] = first;
    dims[0] = count;
    check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, dims.data(), nullptr), "selecting rows of " + name);
    Handle memory_space(H5Screate_simple(rank, dims.data(), nullptr), H5Sclose);
    check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, memory_space, file_space, H5P_DEFAULT, data), "writing " + name);
  }

 private:
  std::string path_;
};

inline std::string temp_path_for(const std::string& path) {
  return path + ".tmp-" + std::to_string(static_cast<long>(::getpid()));
}


// Writes an HDF5 file atomically: fill(file, writer) writes into a temporary file beside `path`
// (NetCDF-4-compatible: tracked link order; dense attributes so that texts such as the resolved
// scenario may exceed 64 KiB; the HDF5 1.8 format), which is flushed, closed and only then
// renamed into place. On any error the temporary file is removed and an existing file at
// `path` is left untouched; so it is on SIGINT/SIGTERM (see temp_files.hpp), and a later write
// removes the temporary files of killed writers. Every HDF5 object is held by an RAII Handle
// and the file is opened with H5F_CLOSE_STRONG. Throws IoError naming the path.
template <class Fill>
void write_atomically(const std::string& path, Fill&& fill) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported as IoError instead
  const std::string tmp = temp_path_for(path);
  remove_stale_temp_files(path);       // leftovers of a killed writer of this output
  TempFileRegistration interruptible(tmp);  // removed by the SIGINT/SIGTERM handler
  try {
    {
      Writer w(path);  // errors name the output, not its temporary name
      Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
      w.check(H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), "setting link order");
      w.check(H5Pset_attr_phase_change(fcpl, 0, 0), "enabling dense attributes");
      Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
      w.check(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST), "setting the file format version");
      // Closing the file closes every object still open in it, on error paths too.
      w.check(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG), "setting the close degree");
      Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl, fapl), H5Fclose);
      if (!file.ok()) throw IoError(path + ": cannot create output file (does the directory exist and is it writable?)");
      fill(static_cast<hid_t>(file), w);
      w.check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flushing the file");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw IoError(path + ": cannot move the finished file into place: " + ec.message());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

// Reads a whole dataset of doubles (or ints/uint64 via memory_type) into a vector.
template <class T>
std::vector<T> read_all(hid_t file, const std::string& name, hid_t memory_type, const std::string& path) {
  Handle ds(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) throw IoError(path + ": no dataset " + name + " (not a chipsim file?)");
  Handle space(H5Dget_space(ds), H5Sclose);
  std::vector<T> out(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  if (!out.empty() && H5Dread(ds, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    throw IoError(path + ": cannot read " + name);
  return out;
}

// Reads rows [first, first + count) and, on the second axis, [first2, first2 + count2) — all of
// the further axes — of a dataset of doubles of rank >= 2, row-major. Throws IoError.
std::vector<double> read_block(hid_t ds, hsize_t first, hsize_t count, hsize_t first2, hsize_t count2, const std::string& what);

std::vector<std::string> read_strings(hid_t file, const std::string& name, const std::string& path);

// Opens an HDF5 file read-only. Throws IoError naming the path and HDF5's own reason (a missing
// file, not an HDF5 file, a file lock held by another process — with the hint for shared file
// systems: HDF5_USE_FILE_LOCKING=FALSE).
Handle open_for_reading(const std::string& path);
std::string read_text_attribute(hid_t obj, const char* name, const std::string& path);
bool has_attribute(hid_t obj, const char* name);

}  // namespace chipsim::h5
