// Internal to analysis/: RAII ownership of HDF5 identifiers and the HDF5 error text, shared
// by the sink and the reader. Not part of the public interface (it includes hdf5.h).
#pragma once

#include <hdf5.h>

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
  // Closes; false if HDF5 reported an error. An identifier that HDF5 could not close (a file
  // whose last flush failed) stays owned, so that the owner can retry after fixing the cause.
  bool close() noexcept {
    if (id_ < 0 || closer_ == nullptr) return true;
    const herr_t rc = closer_(id_);
    if (rc < 0) {
      const hid_t stack = H5Eget_current_stack();  // H5Iis_valid would clear the error's stack
      const bool still_open = H5Iis_valid(id_) > 0;
      if (stack >= 0) H5Eset_current_stack(stack);
      if (still_open) return false;
    }
    id_ = H5I_INVALID_HID;
    return rc >= 0;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

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
