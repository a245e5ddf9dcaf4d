/* Reproduction, in the plain HDF5 C API, of the leak LeakSanitizer reports for cimsim after a
 * failed write (tests/sanitizers/lsan.supp; ReliabilityTest.FailingWritesLeaveNoFileAndKeepTheOldOne).
 * cimsim writes each run's series as a hyperslab of a chunked dataset with the chunk cache
 * off (analysis/hdf5_sink.cpp). For a slab that covers part of a chunk, libhdf5 1.10.8 (Debian
 * 12) allocates a buffer for the chunk (H5FL_blk_malloc, chunk size + 8 bytes) inside
 * H5Dwrite -> H5D__write; when writing the chunk to the file fails (here: every pwrite/write
 * after the flag is set fails with ENOSPC, as on a full disk), H5Dwrite returns an error and the
 * buffer is never freed, although every identifier is closed (after the write, with room on the
 * disk again) and H5close runs. Nothing outside
 * libhdf5 holds that memory, so no caller can free it.
 *
 *   cc -g -fsanitize=address tests/fault/hdf5_failed_write_leak_repro.c -I/usr/include/hdf5/serial \
 *      -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -ldl -o /tmp/repro && \
 *   (cd /tmp && ASAN_OPTIONS=fast_unwind_on_malloc=0 ./repro)
 *   -> "H5Dwrite: -1 (failed, as the disk is full)", "H5Fclose: 0", then "Direct leak of 808
 *      byte(s) in 1 object(s) allocated from: ... H5FL_blk_malloc ... H5D__write ... H5Dwrite ...
 *      main" (the chunk: 100 doubles and 8 bytes of free-list header)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <unistd.h>

static int g_full = 0; /* 1: the disk is full */

ssize_t pwrite(int fd, const void* buf, size_t n, off_t at) {
  static ssize_t (*real)(int, const void*, size_t, off_t) = NULL;
  if (g_full) {
    errno = ENOSPC;
    return -1;
  }
  if (real == NULL) real = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
  return real(fd, buf, n, at);
}

ssize_t write(int fd, const void* buf, size_t n) {
  static ssize_t (*real)(int, const void*, size_t) = NULL;
  if (g_full && fd > 2) {
    errno = ENOSPC;
    return -1;
  }
  if (real == NULL) real = (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
  return real(fd, buf, n);
}

int main(void) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  const char* path = "hdf5_failed_write_leak_repro.h5";
  const hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t dims[2] = {2, 100}, chunk[2] = {1, 100};
  const hid_t space = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE),
              dapl = H5Pcreate(H5P_DATASET_ACCESS);
  const double nan = 0.0 / 0.0;
  H5Pset_chunk(dcpl, 2, chunk);
  H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan);
  H5Pset_chunk_cache(dapl, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0, H5D_CHUNK_CACHE_W0_DEFAULT);
  const hid_t d = H5Dcreate2(f, "series", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, dapl);
  H5Fflush(f, H5F_SCOPE_GLOBAL);
  double values[25];
  for (int i = 0; i < 25; ++i) values[i] = i;
  const hsize_t start[2] = {0, 0}, count[2] = {1, 25}, n = 25;
  H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
  const hid_t mem = H5Screate_simple(1, &n, NULL);
  g_full = 1;
  printf("H5Dwrite: %d (failed, as the disk is full)\n", (int)H5Dwrite(d, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, values));
  fflush(stdout);
  g_full = 0; /* room again: every identifier closes normally */
  H5Sclose(mem);
  H5Dclose(d);
  H5Pclose(dapl);
  H5Pclose(dcpl);
  H5Sclose(space);
  printf("H5Fclose: %d (every identifier closed)\n", (int)H5Fclose(f));
  fflush(stdout);
  H5close();
  remove(path);
  return 0;
}
