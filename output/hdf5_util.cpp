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

bool has_attribute(hid_t obj, const char* name) { return H5Aexists(obj, name) > 0; }

std::string read_text_attribute(hid_t obj, const char* name, const std::string& path) {
  Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  if (!attr.ok()) throw IoError(path + ": missing attribute " + name);
  Handle type(H5Aget_type(attr), H5Tclose);
  const std::size_t size = H5Tget_size(type);
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
