/* selection.json: a LIBRA selection with every number that led to it (zcnas/selection.h;
 * the format is in docs/libra.md).  NaN is written as null and read back as NaN. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include <zcnas/error.h>
#include <zcnas/selection.h>
#include <zcnas/version.h>

#define FORMAT_NAME "zcnas-selection"
#define FORMAT_VERSION 1

static const char *const scheme_names[] = {"width", "quantile", "sturges"};
static const char *const fallback_names[] = {"widen", "fewer"};

static void put_double(JsonBuilder *b, const char *name, double v) {
  json_builder_set_member_name(b, name);
  if (isfinite(v)) json_builder_add_double_value(b, v);
  else json_builder_add_null_value(b);   /* JSON has no NaN */
}

static void put_string(JsonBuilder *b, const char *name, const char *v) {
  json_builder_set_member_name(b, name);
  if (v) json_builder_add_string_value(b, v);
  else json_builder_add_null_value(b);
}

static void put_int(JsonBuilder *b, const char *name, gint64 v) {
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, v);
}

gboolean zc_selection_write_json(const ZcSelection *s, const char *path, GError **error) {
  g_return_val_if_fail(s && path, FALSE);
  const ZcSelectionParams *p = &s->params;
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  put_string(b, "format", FORMAT_NAME);
  put_int(b, "version", FORMAT_VERSION);
  put_string(b, "zcnas_version", ZC_VERSION_STRING);
  json_builder_set_member_name(b, "params");
  json_builder_begin_object(b);
  put_int(b, "bins", p->bins);
  put_string(b, "binning", (guint)p->scheme < 3 ? scheme_names[p->scheme] : "unknown");
  put_double(b, "log_base", p->log_base);
  put_double(b, "window", p->window);
  put_string(b, "fallback", (guint)p->fallback < 2 ? fallback_names[p->fallback] : "unknown");
  put_string(b, "combine", zc_combine_name(p->combine));
  json_builder_end_object(b);
  json_builder_set_member_name(b, "source");
  json_builder_begin_object(b);
  put_string(b, "path", s->source);
  put_string(b, "sha256", s->source_sha256);
  json_builder_end_object(b);
  put_string(b, "metric", s->metric);
  put_string(b, "bias_column", s->bias_column);
  put_int(b, "n_rows", (gint64)s->n_rows);
  put_double(b, "bias_metric", s->bias_metric);
  put_double(b, "h_y_given_z1", s->h_y_given_z1);
  put_double(b, "window_used", s->window_used);
  json_builder_set_member_name(b, "candidates");
  json_builder_begin_array(b);
  for (guint h = 0; s->candidates && h < s->candidates->len; h++) {
    const ZcSelectionCandidate *c = g_ptr_array_index(s->candidates, h);
    json_builder_begin_object(b);
    put_string(b, "name", c->name);
    put_int(b, "n", (gint64)c->n);
    put_double(b, "rho", c->rho);
    put_double(b, "bias", c->bias);
    json_builder_set_member_name(b, "in_window");
    json_builder_add_boolean_value(b, c->in_window);
    put_double(b, "ig", c->ig);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "selected");
  json_builder_begin_array(b);
  for (guint k = 0; k < s->n_selected && k < 3; k++) json_builder_add_string_value(b, s->selected[k]);
  json_builder_end_array(b);
  json_builder_end_object(b);

  JsonGenerator *gen = json_generator_new();
  JsonNode *root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  char *text = json_generator_to_data(gen, NULL);
  char *line = g_strconcat(text, "\n", NULL);
  GError *err = NULL;
  /* g_file_set_contents writes a temporary file and renames it: never a half file */
  gboolean ok = g_file_set_contents(path, line, -1, &err);
  if (!ok) {
    g_set_error(error, ZC_ERROR, ZC_ERROR_IO, "%s", err->message);
    g_error_free(err);
  }
  g_free(line);
  g_free(text);
  json_node_unref(root);
  g_object_unref(gen);
  g_object_unref(b);
  return ok;
}

/* ---- reading back ------------------------------------------------------------------- */

typedef struct {
  const char *file;
  GError **error;
  gboolean failed;
} Reader;

static void bad(Reader *r, const char *field, const char *what) {
  if (!r->failed) g_set_error(r->error, ZC_ERROR, ZC_ERROR_PARSE, "%s: field '%s': %s", r->file, field, what);
  r->failed = TRUE;
}

/* The member `name` of obj; field is its full name in messages ("candidates[2].rho"). */
static JsonNode *member(Reader *r, JsonObject *obj, const char *name, const char *field) {
  JsonNode *n = obj && !r->failed ? json_object_get_member(obj, name) : NULL;
  if (!n && obj && !r->failed) bad(r, field, "missing");
  return n;
}

static JsonObject *get_object(Reader *r, JsonObject *obj, const char *name, const char *field) {
  JsonNode *n = member(r, obj, name, field);
  if (n && !JSON_NODE_HOLDS_OBJECT(n)) bad(r, field, "expected an object");
  return n && !r->failed ? json_node_get_object(n) : NULL;
}

static JsonArray *get_array(Reader *r, JsonObject *obj, const char *name, const char *field) {
  JsonNode *n = member(r, obj, name, field);
  if (n && !JSON_NODE_HOLDS_ARRAY(n)) bad(r, field, "expected an array");
  return n && !r->failed ? json_node_get_array(n) : NULL;
}

/* A string, or NULL for null when nullable. */
static char *get_string(Reader *r, JsonObject *obj, const char *name, const char *field, gboolean nullable) {
  JsonNode *n = member(r, obj, name, field);
  if (!n || r->failed) return NULL;
  if (nullable && JSON_NODE_HOLDS_NULL(n)) return NULL;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
    bad(r, field, "expected a string");
    return NULL;
  }
  return g_strdup(json_node_get_string(n));
}

/* A finite number; null reads as NaN (what the writer writes for one).  A literal too
 * large for a double (1e999) is refused rather than read as infinity. */
static double get_double(Reader *r, JsonObject *obj, const char *name, const char *field) {
  JsonNode *n = member(r, obj, name, field);
  if (!n || r->failed) return NAN;
  if (JSON_NODE_HOLDS_NULL(n)) return NAN;
  GType t = JSON_NODE_HOLDS_VALUE(n) ? json_node_get_value_type(n) : G_TYPE_INVALID;
  if (t != G_TYPE_DOUBLE && t != G_TYPE_INT64) {
    bad(r, field, "expected a number or null");
    return NAN;
  }
  double v = json_node_get_double(n);
  if (!isfinite(v)) {
    bad(r, field, "the number is out of range");
    return NAN;
  }
  return v;
}

static gint64 get_count(Reader *r, JsonObject *obj, const char *name, const char *field) {
  JsonNode *n = member(r, obj, name, field);
  if (!n || r->failed) return 0;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 || json_node_get_int(n) < 0) {
    bad(r, field, "expected a non-negative integer");
    return 0;
  }
  return json_node_get_int(n);
}

static gboolean get_bool(Reader *r, JsonObject *obj, const char *name, const char *field) {
  JsonNode *n = member(r, obj, name, field);
  if (!n || r->failed) return FALSE;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN) {
    bad(r, field, "expected true or false");
    return FALSE;
  }
  return json_node_get_boolean(n);
}

/* One of names[0..n-1]: its index. */
static guint get_choice(Reader *r, JsonObject *obj, const char *name, const char *field, const char *const *names,
                        guint n) {
  char *v = get_string(r, obj, name, field, FALSE);
  guint k = 0;
  while (v && k < n && strcmp(v, names[k])) k++;
  if (v && k == n) {
    char *known = g_strjoinv(", ", (char **)names);
    char *what = g_strdup_printf("'%s' is not one of %s", v, known);
    bad(r, field, what);
    g_free(what);
    g_free(known);
  }
  g_free(v);
  return k < n ? k : 0;
}

static void read_candidate(Reader *r, ZcSelection *s, JsonArray *arr, guint h) {
  char *where = g_strdup_printf("candidates[%u]", h);
  JsonNode *n = json_array_get_element(arr, h);
  if (!JSON_NODE_HOLDS_OBJECT(n)) bad(r, where, "expected an object");
  JsonObject *o = r->failed ? NULL : json_node_get_object(n);
  ZcSelectionCandidate *c = g_new0(ZcSelectionCandidate, 1);
  char *f;
#define FIELD(name) (g_free(f), f = g_strdup_printf("%s.%s", where, name))
  f = NULL;
  c->name = get_string(r, o, "name", FIELD("name"), FALSE);
  c->n = (gsize)get_count(r, o, "n", FIELD("n"));
  c->rho = get_double(r, o, "rho", FIELD("rho"));
  c->bias = get_double(r, o, "bias", FIELD("bias"));
  c->in_window = get_bool(r, o, "in_window", FIELD("in_window"));
  c->ig = get_double(r, o, "ig", FIELD("ig"));
#undef FIELD
  g_free(f);
  g_free(where);
  g_ptr_array_add(s->candidates, c);
}

ZcSelection *zc_selection_load_json(const char *path, GError **error) {
  g_return_val_if_fail(path, NULL);
  JsonParser *parser = json_parser_new();
  GError *err = NULL;
  if (!json_parser_load_from_file(parser, path, &err)) {
    g_set_error(error, ZC_ERROR, err->domain == G_FILE_ERROR ? ZC_ERROR_IO : ZC_ERROR_PARSE, "%s: %s", path,
                err->message);
    g_error_free(err);
    g_object_unref(parser);
    return NULL;
  }
  Reader r = {path, error, FALSE};
  JsonNode *root = json_parser_get_root(parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) bad(&r, "(top)", "expected an object");
  JsonObject *top = r.failed ? NULL : json_node_get_object(root);
  char *format = get_string(&r, top, "format", "format", FALSE);
  if (format && strcmp(format, FORMAT_NAME)) bad(&r, "format", "not \"" FORMAT_NAME "\"");
  g_free(format);
  if (!r.failed && get_count(&r, top, "version", "version") != FORMAT_VERSION && !r.failed)
    bad(&r, "version", "this zcnas reads version 1");

  ZcSelection *s = g_new0(ZcSelection, 1);
  s->candidates = g_ptr_array_new();
  zc_selection_params_init(&s->params);
  JsonObject *p = get_object(&r, top, "params", "params");
  s->params.bins = (guint)get_count(&r, p, "bins", "params.bins");
  s->params.scheme = (ZcBinScheme)get_choice(&r, p, "binning", "params.binning", scheme_names, 3);
  s->params.log_base = get_double(&r, p, "log_base", "params.log_base");
  s->params.window = get_double(&r, p, "window", "params.window");
  s->params.fallback = (ZcWindowFallback)get_choice(&r, p, "fallback", "params.fallback", fallback_names, 2);
  char *combine = get_string(&r, p, "combine", "params.combine", FALSE);
  if (combine && !zc_combine_parse(combine, &s->params.combine)) bad(&r, "params.combine", "not logrank, ranksum or zsum");
  g_free(combine);
  JsonObject *src = get_object(&r, top, "source", "source");
  s->source = get_string(&r, src, "path", "source.path", TRUE);
  s->source_sha256 = get_string(&r, src, "sha256", "source.sha256", TRUE);
  s->metric = get_string(&r, top, "metric", "metric", FALSE);
  s->bias_column = get_string(&r, top, "bias_column", "bias_column", FALSE);
  s->n_rows = (gsize)get_count(&r, top, "n_rows", "n_rows");
  s->bias_metric = get_double(&r, top, "bias_metric", "bias_metric");
  s->h_y_given_z1 = get_double(&r, top, "h_y_given_z1", "h_y_given_z1");
  s->window_used = get_double(&r, top, "window_used", "window_used");
  JsonArray *cands = get_array(&r, top, "candidates", "candidates");
  for (guint h = 0; cands && !r.failed && h < json_array_get_length(cands); h++) read_candidate(&r, s, cands, h);
  JsonArray *sel = get_array(&r, top, "selected", "selected");
  guint ns = sel ? json_array_get_length(sel) : 0;
  if (sel && !r.failed && (ns < 1 || ns > 3)) bad(&r, "selected", "expected 1 to 3 proxy names");
  for (guint k = 0; sel && !r.failed && k < ns; k++) {
    JsonNode *n = json_array_get_element(sel, k);
    char *field = g_strdup_printf("selected[%u]", k);
    gboolean known = FALSE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
      bad(&r, field, "expected a string");
    } else {
      for (guint h = 0; h < s->candidates->len && !known; h++)
        known = !g_strcmp0(((ZcSelectionCandidate *)g_ptr_array_index(s->candidates, h))->name, json_node_get_string(n));
      if (!known) bad(&r, field, "not one of the candidates");
      s->selected[s->n_selected++] = g_strdup(json_node_get_string(n));
    }
    g_free(field);
  }
  g_object_unref(parser);
  if (r.failed) {
    zc_selection_free(s);
    return NULL;
  }
  return s;
}
