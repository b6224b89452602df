/* zcnas — umbrella header for plugins and programs built against libzcnas. */
#ifndef ZCNAS_H
#define ZCNAS_H
#include <zcnas/version.h>
#include <zcnas/error.h>
#include <zcnas/rng.h>
#include <zcnas/tensor.h>
#include <zcnas/net.h>
#endif
