#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <cmocka.h>
#include <zcnas/net.h>
#include "test_engine_util.h"
static void test_nothing(void **state) { assert_true(1); }
int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_nothing)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
