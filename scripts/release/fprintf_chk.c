/* Debian's LLVM libunwind.a is built against glibc with _FORTIFY_SOURCE; its only glibc-only
 * symbol is __fprintf_chk (error messages). musl lacks it, so the static musl build links
 * this forwarder (flag = fortify level, unused). */
#include <stdarg.h>
#include <stdio.h>

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...) {
  (void)flag;
  va_list ap;
  va_start(ap, fmt);
  int n = vfprintf(f, fmt, ap);
  va_end(ap);
  return n;
}
