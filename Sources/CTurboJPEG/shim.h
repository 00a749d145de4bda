#ifndef SSLSAN_TURBOJPEG_SHIM
#define SSLSAN_TURBOJPEG_SHIM
#include <stddef.h>
#include <turbojpeg.h>
// The TJPF_* / TJCS_* / TJERR_* enums import as Int32-backed Swift enums or Int constants depending on
// the header; these give plain ints so the Swift side does not depend on which.
static inline int sslsan_tjpf_rgb(void) { return TJPF_RGB; }
static inline int sslsan_tjpf_gray(void) { return TJPF_GRAY; }
static inline int sslsan_tjpf_cmyk(void) { return TJPF_CMYK; }
static inline int sslsan_tjcs_cmyk(void) { return TJCS_CMYK; }
static inline int sslsan_tjcs_ycck(void) { return TJCS_YCCK; }
static inline int sslsan_tjcs_gray(void) { return TJCS_GRAY; }
static inline int sslsan_tjsamp_444(void) { return TJSAMP_444; }
static inline int sslsan_tjsamp_420(void) { return TJSAMP_420; }
static inline int sslsan_tjerr_warning(void) { return TJERR_WARNING; }
#endif
