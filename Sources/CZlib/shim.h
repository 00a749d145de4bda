#ifndef SSLSAN_ZLIB_SHIM
#define SSLSAN_ZLIB_SHIM
#include <zlib.h>

// inflateInit2 is a macro (it passes the version and struct size) and does not import into Swift.
static inline int sslsan_inflate_init_raw(z_streamp strm) { return inflateInit2(strm, -MAX_WBITS); }
#endif
