/* Progress on stderr.  See progress.h. */
#include "config.h"
#include <stdio.h>
#include <unistd.h>
#include "progress.h"

#define LOG_EVERY_US (5 * G_USEC_PER_SEC)   /* without a terminal */
#define BAR_EVERY_US (G_USEC_PER_SEC / 5)   /* on a terminal */
#define BAR_WIDTH 28

struct ZcProgress {
  char *label;
  guint64 total, skipped, done;
  gboolean quiet, tty, drawn;
  gint64 start, last;
};

ZcProgress *zc_progress_new(const char *label, guint64 total, guint64 skipped, gboolean quiet) {
  ZcProgress *p = g_new0(ZcProgress, 1);
  p->label = g_strdup(label ? label : "scoring");
  p->total = total;
  p->skipped = p->done = skipped;
  p->quiet = quiet;
  p->tty = isatty(fileno(stderr));
  p->start = p->last = g_get_monotonic_time();
  return p;
}

char *zc_progress_format_seconds(double s) {
  if (!(s >= 0) || s > 1e8) return g_strdup("?");
  if (s < 60) return g_strdup_printf("%.1fs", s);
  long m = (long)(s / 60);
  if (m < 60) return g_strdup_printf("%ldm%02lds", m, (long)s % 60);
  return g_strdup_printf("%ldh%02ldm", m / 60, m % 60);
}

static void print(ZcProgress *p, gint64 now, gboolean final) {
  double secs = (double)(now - p->start) / G_USEC_PER_SEC;
  guint64 fresh = p->done - p->skipped;
  double rate = secs > 0 ? (double)fresh / secs : 0;
  char *eta = rate > 0 ? zc_progress_format_seconds((double)(p->total - p->done) / rate) : g_strdup("?");
  char *took = zc_progress_format_seconds(secs);
  char cached[64] = "";
  if (p->skipped) g_snprintf(cached, sizeof cached, ", %" G_GUINT64_FORMAT " cached", p->skipped);
  if (p->tty) {
    int fill = p->total ? (int)(BAR_WIDTH * p->done / p->total) : BAR_WIDTH;
    char bar[BAR_WIDTH + 1];
    for (int k = 0; k < BAR_WIDTH; k++) bar[k] = k < fill ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "\r\033[K%s [%s] %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " %.2f/s %s %s%s", p->label, bar,
            p->done, p->total, rate, final ? "in" : "ETA", final ? took : eta, cached);
    if (final) fputc('\n', stderr);
  } else {
    fprintf(stderr, "zcnas: %s: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " (%.2f/s, %s %s%s)\n", p->label, p->done,
            p->total, rate, final ? "took" : "ETA", final ? took : eta, cached);
  }
  fflush(stderr);
  g_free(eta);
  g_free(took);
  p->drawn = TRUE;
}

void zc_progress_update(ZcProgress *p, guint64 done) {
  if (!p) return;
  p->done = done;
  if (p->quiet) return;
  gint64 now = g_get_monotonic_time();
  if (now - p->last < (p->tty ? BAR_EVERY_US : LOG_EVERY_US)) return;
  p->last = now;
  print(p, now, FALSE);
}

void zc_progress_finish(ZcProgress *p) {
  if (!p) return;
  /* a final line only where something was drawn, or on a terminal after real work */
  if (!p->quiet && (p->drawn || (p->tty && p->done > p->skipped))) print(p, g_get_monotonic_time(), TRUE);
  g_free(p->label);
  g_free(p);
}
