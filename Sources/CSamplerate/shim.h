#ifndef SSLSAN_SAMPLERATE_SHIM
#define SSLSAN_SAMPLERATE_SHIM
#include <samplerate.h>
// The converter enum imports as Int; this gives the Int32 value src_simple takes.
static inline int sslsan_src_sinc_best_quality(void) { return SRC_SINC_BEST_QUALITY; }
#endif
