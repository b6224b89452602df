/* Shared pieces of the libFuzzer harnesses: a private temp directory per process and
 * writing the fuzz input (or part of it) to a file there, so that each reader is
 * exercised through its normal path-based entry point. */
#ifndef ZC_FUZZ_UTIL_H
#define ZC_FUZZ_UTIL_H
#include <glib.h>
#include <glib/gstdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char *fuzz_dir;   /* removed at exit */

/* A GLib critical (g_return_if_fail) reached from input is a bug: make it a crash that
 * libFuzzer records (abort(), not the SIGTRAP of a fatal GLib log level). */
static void fuzz_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer user) {
  g_log_default_handler(domain, level, message, user);
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) abort();
}
__attribute__((constructor)) static void fuzz_fatal_criticals(void) {
  g_log_set_default_handler(fuzz_log, NULL);
}

G_GNUC_UNUSED static void fuzz_dir_remove(void) {
  GDir *d = g_dir_open(fuzz_dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    char *p = g_build_filename(fuzz_dir, name, NULL);
    g_remove(p);
    g_free(p);
  }
  if (d) g_dir_close(d);
  g_rmdir(fuzz_dir);
  g_free(fuzz_dir);
}

/* Create the temp directory once; returns it. */
G_GNUC_UNUSED static const char *fuzz_tmpdir(void) {
  if (!fuzz_dir) {
    GError *err = NULL;
    fuzz_dir = g_dir_make_tmp("zcfuzz-XXXXXX", &err);
    if (!fuzz_dir) {
      fprintf(stderr, "fuzz harness: %s\n", err->message);
      abort();
    }
    atexit(fuzz_dir_remove);
  }
  return fuzz_dir;
}

/* Write bytes to NAME in the temp directory; returns the path (g_free() it).  Plain
 * stdio: g_file_set_contents() fsyncs, which would cost more than the code under test. */
G_GNUC_UNUSED static char *fuzz_write(const char *name, const void *bytes, size_t size) {
  char *path = g_build_filename(fuzz_tmpdir(), name, NULL);
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(bytes, 1, size, f) != size) || fclose(f)) {
    fprintf(stderr, "fuzz harness: cannot write %s\n", path);
    abort();
  }
  return path;
}

/* A harness-level failure (not a crash of the code under test, but a broken
 * invariant): print and abort so that libFuzzer records the input. */
#define FUZZ_ASSERT(cond, ...)                              \
  do {                                                      \
    if (!(cond)) {                                          \
      fprintf(stderr, "fuzz assertion failed: " __VA_ARGS__); \
      fputc('\n', stderr);                                  \
      abort();                                              \
    }                                                       \
  } while (0)

#endif
