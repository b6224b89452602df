/* zcnas — umbrella header for plugins and programs built against libzcnas. */
#ifndef ZCNAS_H
#define ZCNAS_H
#include <zcnas/version.h>
#include <zcnas/error.h>
#include <zcnas/rng.h>
#include <zcnas/tensor.h>
#include <zcnas/net.h>
#include <zcnas/options.h>
#include <zcnas/plugin.h>
#include <zcnas/space.h>
#include <zcnas/proxy.h>
#include <zcnas/eval.h>
#include <zcnas/searcher.h>
#include <zcnas/fitness.h>
#include <zcnas/data.h>
#include <zcnas/stats.h>
#include <zcnas/layersum.h>
#include <zcnas/linalg.h>
#endif
