#include <png.h>
// libpng's simplified-API macros are composite and do not import into Swift.
static inline unsigned int sslsan_png_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline unsigned int sslsan_png_format_rgba(void) { return PNG_FORMAT_RGBA; }
static inline unsigned int sslsan_png_format_gray(void) { return PNG_FORMAT_GRAY; }
static inline unsigned int sslsan_png_format_linear_y(void) { return PNG_FORMAT_LINEAR_Y; }
static inline unsigned int sslsan_png_image_version(void) { return PNG_IMAGE_VERSION; }
static inline int sslsan_png_image_failed(png_imagep image) { return PNG_IMAGE_FAILED(*image); }
