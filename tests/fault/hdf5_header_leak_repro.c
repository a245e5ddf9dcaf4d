/* Reproduction, in the plain HDF5 C API, of the one leak LeakSanitizer reports for cimsim on
 * damaged files (tests/lsan.supp; ReliabilityTest.DamagedFilesAreRefusedCleanly). It makes a
 * small file, overwrites 64 bytes of an object header, lists the root group the way
 * analysis/hdf5_read.cpp does and closes every identifier: H5Oopen fails on the damaged
 * header and libhdf5 1.10.8 (Debian 12) leaks the 424-byte H5O_t it allocated while loading
 * the header (H5O_protect -> H5AC_protect -> H5C_protect -> get_final_load_size ->
 * H5FL_reg_calloc). Fixed upstream in HDF5 1.14.5 (HDFGroup/hdf5 pull request 4445, "Fix for
 * github issue #3790"). Nothing outside libhdf5 holds that memory, so no caller can free it.
 *
 *   cc -g -fsanitize=address tests/fault/hdf5_header_leak_repro.c -I/usr/include/hdf5/serial \
 *      -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -o /tmp/repro && (cd /tmp && ./repro)
 *   -> "Direct leak of 424 byte(s) in 1 object(s) allocated from: ... H5FL_reg_calloc ...
 *       H5C_protect, H5AC_protect, H5O_protect, H5O__obj_class, ... H5Oopen"
 */
#include <hdf5.h>
#include <stdio.h>

static herr_t open_each(hid_t group, const char* name, const H5L_info_t* info, void* data) {
  (void)info;
  (void)data;
  const hid_t obj = H5Oopen(group, name, H5P_DEFAULT);
  if (obj >= 0) H5Oclose(obj);
  return 0;
}

int main(void) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  const char* path = "hdf5_header_leak_repro.h5";
  const hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  const hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  const hsize_t dims[2] = {4, 100}, chunk[2] = {1, 100};
  double values[400];
  for (int i = 0; i < 400; ++i) values[i] = i;
  for (int k = 0; k < 30; ++k) {  /* chunked datasets, as cimsim writes them */
    char name[32];
    snprintf(name, sizeof name, "variable_%02d", k);
    const hid_t space = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    const hid_t d = H5Dcreate2(f, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
  }
  H5Pclose(fcpl);
  H5Fclose(f);
  H5garbage_collect(); /* so that the leaked block is a fresh allocation, not a reused one */

  FILE* raw = fopen(path, "r+b");  /* damage bytes 500..563 (an object header) */
  unsigned char buf[64];
  fseek(raw, 500, SEEK_SET);
  const size_t n = fread(buf, 1, sizeof buf, raw);
  for (size_t i = 0; i < n; ++i) buf[i] ^= 0x5a;
  fseek(raw, 500, SEEK_SET);
  fwrite(buf, 1, n, raw);
  fclose(raw);

  const hid_t g = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (g < 0) return 1;
  hsize_t idx = 0;
  H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, open_each, NULL);
  printf("H5Fclose: %d (every identifier closed)\n", (int)H5Fclose(g));
  fflush(stdout);
  remove(path);
  return 0;
}
