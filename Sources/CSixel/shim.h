#ifndef SSLSAN_SIXEL_SHIM
#define SSLSAN_SIXEL_SHIM
#include <sixel/sixel.h>
#include <stdlib.h>
#include <string.h>

// libsixel writes its output through a callback; this shim collects it into one malloc'd
// buffer so Swift makes a single call per image.

typedef struct { unsigned char *data; size_t length; size_t capacity; int failed; } sslsan_sixel_sink;

static int sslsan_sixel_write(char *data, int size, void *priv) {
    sslsan_sixel_sink *s = (sslsan_sixel_sink *)priv;
    if (s->failed) return 0;
    if (s->length + (size_t)size > s->capacity) {
        size_t cap = s->capacity ? s->capacity : 65536;
        while (cap < s->length + (size_t)size) cap *= 2;
        unsigned char *p = (unsigned char *)realloc(s->data, cap);
        if (!p) { s->failed = 1; return 0; }
        s->data = p; s->capacity = cap;
    }
    memcpy(s->data + s->length, data, (size_t)size);
    s->length += (size_t)size;
    return size;
}

/// Encodes 8-bit RGB pixels as one sixel DCS sequence with at most `colors` colour registers
/// (palette by libsixel's median cut, no error diffusion so an unchanged image encodes the
/// same). Returns a malloc'd buffer (free with `sslsan_sixel_free`) and its length, or NULL.
static inline unsigned char *sslsan_sixel_encode(const unsigned char *rgb, int width, int height, int colors,
                                                 int diffuse, size_t *out_length) {
    sslsan_sixel_sink sink = {0, 0, 0, 0};
    sixel_output_t *output = NULL;
    sixel_dither_t *dither = NULL;
    *out_length = 0;
    if (SIXEL_FAILED(sixel_output_new(&output, sslsan_sixel_write, &sink, NULL))) return NULL;
    sixel_output_set_encode_policy(output, SIXEL_ENCODEPOLICY_FAST);
    if (SIXEL_FAILED(sixel_dither_new(&dither, colors, NULL))) { sixel_output_unref(output); return NULL; }
    // libsixel takes a non-const pointer but does not write to the pixels for RGB888.
    unsigned char *px = (unsigned char *)rgb;
    if (SIXEL_FAILED(sixel_dither_initialize(dither, px, width, height, SIXEL_PIXELFORMAT_RGB888,
                                             SIXEL_LARGE_AUTO, SIXEL_REP_AUTO, SIXEL_QUALITY_AUTO))) {
        sixel_dither_unref(dither); sixel_output_unref(output); return NULL;
    }
    sixel_dither_set_diffusion_type(dither, diffuse ? SIXEL_DIFFUSE_FS : SIXEL_DIFFUSE_NONE);
    SIXELSTATUS st = sixel_encode(px, width, height, 3, dither, output);
    sixel_dither_unref(dither);
    sixel_output_unref(output);
    if (SIXEL_FAILED(st) || sink.failed) { free(sink.data); return NULL; }
    *out_length = sink.length;
    return sink.data;
}

static inline void sslsan_sixel_free(unsigned char *p) { free(p); }
#endif
