// Internal to analysis/: RAII ownership of HDF5 identifiers and the HDF5 error text, shared
// by the sink and the reader. Not part of the public interface (it includes hdf5.h).
#pragma once

#include <hdf5.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <utility>

namespace cimsim::h5detail {

// Owns one HDF5 identifier and closes it with the matching H5?close function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() noexcept = default;
  Handle(hid_t id, Closer closer) noexcept : id_(id), closer_(closer) {}
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const noexcept { return id_; }
  // Gives up the identifier without closing it (see Hdf5Sink's discard()).
  void release() noexcept { id_ = H5I_INVALID_HID; }
  // Closes, ignoring errors (for cleanup paths).
  void reset() noexcept { (void)close(); }
  // Closes; false if HDF5 reported an error. Either way the identifier is given up: after a
  // failed close HDF5 1.10 has already freed part of the object (a file whose closing flush
  // failed), and any further call on it, another close included, would use freed memory.
  bool close() noexcept {
    if (id_ < 0 || closer_ == nullptr) return true;
    const herr_t rc = closer_(std::exchange(id_, H5I_INVALID_HID));
    return rc >= 0;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Points the descriptor of an open file (default sec2 driver) at an anonymous in-memory file,
// so that a file being thrown away after one of its writes failed can still be closed. HDF5
// 1.10 cannot tear down a file whose closing flush fails: H5Fclose then frees part of the
// file's structures but keeps its identifier (a later call on it, or H5close at exit,
// dereferences freed memory), and what it did not free leaks. With the descriptor redirected
// the closing flush succeeds and HDF5 releases everything. The file on disk is not written
// again (the caller removes it). Call it before the first close of any identifier in the file.
// False where the file has no plain descriptor or no memory file can be made: the caller must
// then leave the file open.
inline bool redirect_to_memory(hid_t file) noexcept {
  const hid_t fapl = H5Fget_access_plist(file);
  if (fapl < 0) return false;
  const hid_t driver = H5Pget_driver(fapl);
  (void)H5Pclose(fapl);
  if (driver < 0 || driver != H5FD_SEC2) return false;
  void* handle = nullptr;
  if (H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || handle == nullptr) return false;
  const int fd = *static_cast<const int*>(handle);
  const int mem = ::memfd_create("cimsim-discarded-hdf5", MFD_CLOEXEC);
  if (mem < 0) return false;
  const bool ok = ::dup2(mem, fd) == fd && ::fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
  ::close(mem);
  return ok;
}

// The most specific message on the current thread's HDF5 error stack.
inline std::string hdf5_detail() {
  std::string out;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
        if (n == 0 && e != nullptr && e->desc != nullptr) *static_cast<std::string*>(data) = e->desc;
        return 0;
      },
      &out);
  return out;
}

}  // namespace cimsim::h5detail
