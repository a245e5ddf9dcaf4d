/* Reproduction, in the plain HDF5 C API, of a crash in libhdf5 1.10.8 (Debian 12) on damaged
 * files, which analysis/hdf5_read.cpp now avoids (dataset_names lists links in native order).
 * It makes a file whose root group holds 30 chunked datasets (dense link storage, creation
 * order tracked and indexed, as cimsim writes it), then, for each 64-byte block of the file in
 * turn, damages that block and lists the root group with H5Literate in increasing order. When
 * the damage hits the link storage ("incorrect metadata checksum"), H5G__dense_build_table
 * fails and H5G__link_release_table -> H5O_msg_reset -> H5MM_xfree frees pointers of link
 * messages that were never decoded, and the process dies: "free(): invalid pointer" (abort)
 * with plain glibc, SIGSEGV with MALLOC_PERTURB_=190, SIGBUS under ASan (which fills new memory
 * with 0xbe). Inside cimsim, where the memory is often recycled zeroed, it showed only under
 * ASan and MALLOC_PERTURB_. Listing in native order (H5_ITER_NATIVE) builds no table and
 * refuses the same blocks cleanly.
 *
 *   cc -g tests/fault/hdf5_link_table_crash_repro.c -I/usr/include/hdf5/serial \
 *      -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -o /tmp/repro
 *   (cd /tmp && ./repro inc)     -> "block at 31040 ... free(): invalid pointer", exit 134
 *   (cd /tmp && ./repro native)  -> "all blocks listed or refused cleanly (32 refused)"
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static herr_t count_link(hid_t group, const char* name, const H5L_info_t* info, void* data) {
  (void)group;
  (void)name;
  (void)info;
  ++*(int*)data;
  return 0;
}

int main(int argc, char** argv) {
  const int native = argc > 1 && strcmp(argv[1], "native") == 0;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  const char* good_path = "hdf5_link_table_good.h5";
  const char* bad_path = "hdf5_link_table_bad.h5";
  const hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  const hid_t f = H5Fcreate(good_path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  const hsize_t dims[2] = {4, 100}, chunk[2] = {1, 100};
  double values[400];
  for (int i = 0; i < 400; ++i) values[i] = i;
  for (int k = 0; k < 30; ++k) {
    char name[32];
    snprintf(name, sizeof name, "variable_%02d", k);
    const hid_t space = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    const hid_t d = H5Dcreate2(f, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
  }
  H5Pclose(fcpl);
  H5Fclose(f);

  FILE* in = fopen(good_path, "rb");
  fseek(in, 0, SEEK_END);
  const long size = ftell(in);
  unsigned char* good = malloc((size_t)size);
  fseek(in, 0, SEEK_SET);
  if (fread(good, 1, (size_t)size, in) != (size_t)size) return 1;
  fclose(in);
  int refused = 0;
  for (long at = 0; at + 64 <= size; at += 64) {
    FILE* out = fopen(bad_path, "wb");
    for (long i = 0; i < size; ++i) fputc(i >= at && i < at + 64 ? good[i] ^ 0x5a : good[i], out);
    fclose(out);
    const hid_t g = H5Fopen(bad_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (g < 0) continue;
    printf("block at %ld ... ", at);
    fflush(stdout);
    hsize_t idx = 0;
    int n = 0;
    const herr_t rc = native ? H5Literate(g, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, count_link, &n)
                             : H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, count_link, &n);
    if (rc < 0) ++refused;
    printf("%s (%d links)\n", rc < 0 ? "refused" : "listed", n);
    H5Fclose(g);
  }
  printf("all blocks listed or refused cleanly (%d refused)\n", refused);
  remove(good_path);
  remove(bad_path);
  free(good);
  return 0;
}
