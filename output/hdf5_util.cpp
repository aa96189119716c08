#include "output/hdf5_util.hpp"

namespace chipsim::h5 {

std::vector<std::string> read_strings(hid_t file, const std::string& name, const std::string& path) {
  Handle ds(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) throw IoError(path + ": no dataset " + name + " (not a chipsim file?)");
  Handle space(H5Dget_space(ds), H5Sclose);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  std::vector<char*> raw(n, nullptr);
  if (n > 0 && H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0) throw IoError(path + ": cannot read " + name);
  std::vector<std::string> out;
  for (char* p : raw) out.emplace_back(p ? p : "");
  if (n > 0) H5Dvlen_reclaim(type, space, H5P_DEFAULT, raw.data());
  return out;
}

std::vector<double> read_block(hid_t ds, hsize_t first, hsize_t count, hsize_t first2, hsize_t count2, const std::string& what) {
  Handle file_space(H5Dget_space(ds), H5Sclose);
  if (!file_space.ok()) throw IoError(what + ": cannot read");
  const int rank = H5Sget_simple_extent_ndims(file_space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 2))), start(dims.size(), 0);
  H5Sget_simple_extent_dims(file_space, dims.data(), nullptr);
  start[0] = first;
  start[1] = first2;
  dims[0] = count;
  dims[1] = count2;
  std::size_t n = 1;
  for (hsize_t d : dims) n *= static_cast<std::size_t>(d);
  std::vector<double> out(n);
  if (n == 0) return out;
  Handle memory_space(H5Screate_simple(rank, dims.data(), nullptr), H5Sclose);
  if (H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, dims.data(), nullptr) < 0 ||
      H5Dread(ds, H5T_NATIVE_DOUBLE, memory_space, file_space, H5P_DEFAULT, out.data()) < 0)
    throw IoError(what + ": cannot read");
  return out;
}

namespace {
// The innermost error on HDF5's current error stack (its most specific reason), or "".
std::string innermost_hdf5_error() {
  std::string reason;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD,
           [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
             auto& s = *static_cast<std::string*>(out);
             if (s.empty() && e->desc && *e->desc) s = e->desc;
             return 0;
           },
           &reason);
  return reason;
}
}  // namespace

Handle open_for_reading(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (file.ok()) return file;
  const std::string reason = innermost_hdf5_error();
  std::string message = path + ": cannot open as an HDF5 file";
  if (!reason.empty()) message += " (HDF5: " + reason + ")";
  if (reason.find("lock") != std::string::npos)
    message += "; another process holds a lock on it, or the file system does not support HDF5's locks: on a shared "
               "file system set HDF5_USE_FILE_LOCKING=FALSE";
  throw IoError(message);
}

bool has_attribute(hid_t obj, const char* name) { return H5Aexists(obj, name) > 0; }

std::string read_text_attribute(hid_t obj, const char* name, const std::string& path) {
  Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  if (!attr.ok()) throw IoError(path + ": missing attribute " + name);
  Handle type(H5Aget_type(attr), H5Tclose);
  // One byte more than stored, for the terminating NUL: a string written null-padded (h5py's
  // fixed-length strings) has no room for it and would lose its last character.
  const std::size_t size = H5Tget_size(type) + 1;
  std::string value(size, '\0');
  Handle memtype(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(memtype, size);
  H5Tset_cset(memtype, H5Tget_cset(type));
  H5Tset_strpad(memtype, H5T_STR_NULLTERM);
  if (H5Aread(attr, memtype, value.data()) < 0) throw IoError(path + ": cannot read attribute " + name);
  value.resize(std::min(value.size(), value.find('\0')));
  return value;
}

}  // namespace chipsim::h5
