/* Fault injection for the output path (LD_PRELOAD): writes to a cimsim temporary output file
 * ("*.h5.tmp-*") fail with ENOSPC once CIMSIM_FAIL_WRITE_AFTER writes to such files have
 * succeeded. With CIMSIM_COUNT_WRITES=FILE the number of such writes is appended to FILE at
 * exit instead (to learn how many there are). Other files (stdout, stderr) are untouched. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long g_writes = 0;

static int is_output(int fd) {
  char link[64], target[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = '\0';
  return strstr(target, ".h5.tmp-") != NULL;
}

/* 1: this write must fail. */
static int should_fail(int fd) {
  if (!is_output(fd)) return 0;
  const char* after = getenv("CIMSIM_FAIL_WRITE_AFTER");
  const long done = __atomic_fetch_add(&g_writes, 1, __ATOMIC_SEQ_CST);
  return after != NULL && done >= atol(after);
}

ssize_t write(int fd, const void* buf, size_t n) {
  static ssize_t (*real)(int, const void*, size_t) = NULL;
  if (real == NULL) real = (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
  if (should_fail(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  static ssize_t (*real)(int, const void*, size_t, off_t) = NULL;
  if (real == NULL) real = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
  if (should_fail(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off_t off) { return pwrite(fd, buf, n, off); }

__attribute__((destructor)) static void report(void) {
  const char* file = getenv("CIMSIM_COUNT_WRITES");
  if (file == NULL) return;
  FILE* f = fopen(file, "a");
  if (f == NULL) return;
  fprintf(f, "%ld\n", g_writes);
  fclose(f);
}
