/* libconfig 1.5 keeps an integer literal without an L suffix in a C int: 4294967296
 * reads as 0 and 99999999999999999999 as -1, silently.  We re-read the integer literals
 * of each file that settings came from and give the settings their 64-bit values; a
 * literal beyond 64 bits is an error.  Every integer literal of a file makes exactly one
 * integer setting, and a depth-first walk of the tree meets them in the file's order. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zcnas/error.h>
#include "pipeline_ints.h"

typedef struct {
  char *text;
  unsigned line;
} Literal;

void zc_setting_store_int(config_setting_t *s, gint64 x) {
  if (config_setting_type(s) == CONFIG_TYPE_INT && x >= G_MININT32 && x <= G_MAXINT32) {
    config_setting_set_int(s, (int)x);
    return;
  }
  /* config_setting_set_int64() on an int setting stores 0 when x needs more than
   * 32 bits; the setting struct is public, so widen it in place. */
  s->type = CONFIG_TYPE_INT64;
  s->value.llval = x;
}

char *zc_setting_path(const config_setting_t *s) {
  const config_setting_t *parent = config_setting_parent(s);
  if (!parent) return g_strdup("");
  char *up = zc_setting_path(parent);
  char *path;
  if (config_setting_name(s)) path = g_strdup_printf("%s%s%s", up, *up ? "." : "", config_setting_name(s));
  else path = g_strdup_printf("%s[%d]", up, config_setting_index(s));
  g_free(up);
  return path;
}

static void literal_free(gpointer p) {
  Literal *l = p;
  g_free(l->text);
  g_free(l);
}

static gboolean name_start(char c) { return g_ascii_isalpha(c) || c == '*'; }
static gboolean name_char(char c) { return g_ascii_isalnum(c) || c == '*' || c == '-' || c == '_'; }

/* libconfig's integer, integer64, hex and hex64 tokens; floats and the rest are not. */
static gboolean is_int_literal(const char *t) {
  const char *p = t;
  gboolean hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
  if (hex) p += 2;
  else if (*p == '+' || *p == '-') p++;
  const char *digits = p;
  while (hex ? g_ascii_isxdigit(*p) : g_ascii_isdigit(*p)) p++;
  if (p == digits) return FALSE;
  if (*p == 'L') p++;
  if (*p == 'L') p++;
  return *p == '\0';
}

/* The integer literals of a pipeline file, in order, skipping comments and strings. */
static GPtrArray *lex_ints(const char *text) {
  GPtrArray *out = g_ptr_array_new_with_free_func(literal_free);
  unsigned line = 1;
  const char *p = text;
  while (*p) {
    if (*p == '\n') {
      line++;
      p++;
    } else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
      while (*p && *p != '\n') p++;
    } else if (p[0] == '/' && p[1] == '*') {
      for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
        if (*p == '\n') line++;
      if (*p) p += 2;
    } else if (*p == '"') {
      for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1]) p++;
        if (*p == '\n') line++;
      }
      if (*p) p++;
    } else if (name_start(*p)) {
      while (name_char(*p)) p++;
    } else if (g_ascii_isdigit(*p) || ((*p == '-' || *p == '+' || *p == '.') && g_ascii_isdigit(p[1]))) {
      const char *start = p++;
      gboolean hex = start[0] == '0' && (*p == 'x' || *p == 'X');
      while (g_ascii_isalnum(*p) || *p == '.' ||
             ((*p == '-' || *p == '+') && (p[-1] == 'e' || p[-1] == 'E') && !hex))
        p++;
      char *t = g_strndup(start, (gsize)(p - start));
      if (is_int_literal(t)) {
        Literal *l = g_new(Literal, 1);
        l->text = t;
        l->line = line;
        g_ptr_array_add(out, l);
      } else {
        g_free(t);
      }
    } else {
      p++;
    }
  }
  return out;
}

/* The value of an integer literal, as libconfig means it; FALSE beyond 64 bits.
 * `wide`: whether libconfig 1.5 stores it right only in a 64-bit setting. */
static gboolean literal_value(const char *t, gint64 *x, gboolean *wide) {
  char *digits = g_strdup(t);
  char *l = strchr(digits, 'L');
  gboolean suffix = l != NULL;
  if (l) *l = '\0';
  errno = 0;
  gboolean ok;
  if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    guint64 u = g_ascii_strtoull(digits + 2, NULL, 16);
    ok = errno == 0;
    *x = (gint64)u;
    /* a hex literal of up to 32 bits is a bit pattern of an int, as libconfig reads it */
    *wide = suffix || u > G_MAXUINT32;
    if (!*wide) *x = (gint32)(guint32)u;
  } else {
    *x = g_ascii_strtoll(digits, NULL, 10);
    ok = errno == 0;
    *wide = suffix || *x < G_MININT32 || *x > G_MAXINT32;
  }
  g_free(digits);
  return ok;
}

static void collect(config_setting_t *s, GHashTable *by_file, GPtrArray *files) {
  int t = config_setting_type(s);
  if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
    const char *file = config_setting_source_file(s);
    if (!file) return;
    GPtrArray *a = g_hash_table_lookup(by_file, file);
    if (!a) {
      g_hash_table_insert(by_file, (gpointer)file, a = g_ptr_array_new());
      g_ptr_array_add(files, (gpointer)file);
    }
    g_ptr_array_add(a, s);
  } else if (t == CONFIG_TYPE_GROUP || t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
    for (int k = 0; k < config_setting_length(s); k++) collect(config_setting_get_elem(s, (unsigned)k), by_file, files);
  }
}

static gboolean fix_file(const char *file, const char *read_path, GPtrArray *settings, GError **error) {
  char *text = NULL;
  if (!g_file_get_contents(read_path, &text, NULL, NULL)) return TRUE;   /* libconfig read it; nothing to add */
  GPtrArray *lits = lex_ints(text);
  g_free(text);
  /* the same file @included twice makes its settings twice */
  gboolean matched = lits->len && settings->len % lits->len == 0;
  for (guint k = 0; matched && k < settings->len; k++) {
    const Literal *l = g_ptr_array_index(lits, k % lits->len);
    gint64 x;
    gboolean wide;
    if (literal_value(l->text, &x, &wide) && !wide &&
        config_setting_get_int64(g_ptr_array_index(settings, k)) != x)
      matched = FALSE;   /* not the pairing we assume: leave the values as libconfig read them */
  }
  gboolean ok = TRUE;
  for (guint k = 0; ok && k < (matched ? settings->len : lits->len); k++) {
    const Literal *l = g_ptr_array_index(lits, k % lits->len);
    config_setting_t *s = matched ? g_ptr_array_index(settings, k) : NULL;
    gint64 x;
    gboolean wide;
    if (!literal_value(l->text, &x, &wide)) {
      char *path = s ? zc_setting_path(s) : NULL;
      g_set_error(error, ZC_ERROR, ZC_ERROR_CONFIG, "%s:%u: %s%s%s%s is out of range of a 64-bit integer", file,
                  l->line, path ? "'" : "", path ? path : "", path ? "': " : "", l->text);
      g_free(path);
      ok = FALSE;
    } else if (s && wide) {
      zc_setting_store_int(s, x);
    }
  }
  g_ptr_array_free(lits, TRUE);
  return ok;
}

gboolean zc_pipeline_fix_ints(config_t *cfg, GError **error) {
  GHashTable *by_file = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
  GPtrArray *files = g_ptr_array_new();   /* in the order first met, for one stable message */
  collect(config_root_setting(cfg), by_file, files);
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < files->len; i++) {
    const char *file = g_ptr_array_index(files, i);
    /* libconfig names an @included file as written and opens it in the include directory */
    const char *dir = config_get_include_dir(cfg);
    gboolean main_file = !g_strcmp0(file, config_setting_source_file(config_root_setting(cfg)));
    char *path = main_file || !dir || g_path_is_absolute(file) ? g_strdup(file) : g_build_filename(dir, file, NULL);
    ok = fix_file(file, path, g_hash_table_lookup(by_file, file), error);
    g_free(path);
  }
  g_ptr_array_free(files, TRUE);
  g_hash_table_unref(by_file);
  return ok;
}
