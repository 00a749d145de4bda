#ifndef SSLSAN_PNG_SHIM
#define SSLSAN_PNG_SHIM
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// libpng's simplified-API macros are composite and do not import into Swift.
static inline unsigned int sslsan_png_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline unsigned int sslsan_png_format_rgba(void) { return PNG_FORMAT_RGBA; }
static inline unsigned int sslsan_png_format_gray(void) { return PNG_FORMAT_GRAY; }
static inline unsigned int sslsan_png_format_linear_y(void) { return PNG_FORMAT_LINEAR_Y; }
static inline unsigned int sslsan_png_image_version(void) { return PNG_IMAGE_VERSION; }
static inline int sslsan_png_image_failed(png_imagep image) { return PNG_IMAGE_FAILED(*image); }

// ---------------------------------------------------------------------------------------------
// Low-level libpng read/write with setjmp error handling.
//
// libpng reports errors by longjmp, which Swift cannot catch, so the whole read and the whole
// write live here in C. We use the low-level API instead of the simplified png_image_* API
// because the simplified API applies gAMA/sRGB colour management and composites alpha in linear
// light; the reference pipeline (Pillow `convert('RGB')`) does neither: it keeps the stored
// 8-bit values, keeps the high byte of 16-bit samples, expands palettes and drops alpha/tRNS.

typedef struct {
    jmp_buf jump;
    char message[200];
} sslsan_png_error_state;

static void sslsan_png_on_error(png_structp png, png_const_charp msg) {
    sslsan_png_error_state *st = (sslsan_png_error_state *)png_get_error_ptr(png);
    snprintf(st->message, sizeof st->message, "%s", msg ? msg : "libpng error");
    longjmp(st->jump, 1);
}

static void sslsan_png_on_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

/// Decodes the PNG at `path` to 8-bit RGB (3 bytes per pixel, rows top to bottom).
/// Returns a malloc'd buffer (free with `sslsan_png_free`) or NULL with `message` filled.
/// `*source_is_color` is 1 when the file stores colour (RGB, RGBA or palette), 0 for gray / gray+alpha.
static inline unsigned char *sslsan_png_read_rgb8(const char *path, int *width, int *height,
                                                   int *source_is_color, char *message, int message_len) {
    sslsan_png_error_state st;
    st.message[0] = 0;
    FILE *volatile fp = NULL;
    png_structp volatile png = NULL;
    png_infop volatile info = NULL;
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;

    fp = fopen(path, "rb");
    if (!fp) { snprintf(message, message_len, "cannot open the file"); return NULL; }
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, sslsan_png_on_error, sslsan_png_on_warning);
    if (!png) { fclose(fp); snprintf(message, message_len, "out of memory"); return NULL; }
    info = png_create_info_struct(png);
    if (!info || setjmp(st.jump)) {
        png_structp p = png; png_infop i = info;
        png_destroy_read_struct(&p, i ? &i : NULL, NULL);
        fclose(fp);
        free(rows);
        free(pixels);
        snprintf(message, message_len, "corrupt or truncated PNG (%s)", st.message[0] ? st.message : "no info struct");
        return NULL;
    }
    png_init_io(png, fp);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (w == 0 || h == 0 || (unsigned long long)w * h > (1ull << 28)) {
        snprintf(st.message, sizeof st.message, "unsupported size %ux%u", (unsigned)w, (unsigned)h);
        longjmp(st.jump, 1);
    }
    *source_is_color = (color_type & PNG_COLOR_MASK_COLOR) ? 1 : 0;
    if (bit_depth == 16) png_set_strip_16(png);                 // keep the high byte, as Pillow does
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);  // tRNS is ignored unless expanded: dropped too
    if (!(color_type & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    // Palette expansion may still turn tRNS into an alpha channel: accept 4 channels and drop
    // the alpha after decoding.
    int channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (png_get_bit_depth(png, info) != 8 || (channels != 3 && channels != 4) || rowbytes != (size_t)w * channels) {
        snprintf(st.message, sizeof st.message, "unexpected layout after conversion (%d channels, %zu bytes per row)", channels, rowbytes);
        longjmp(st.jump, 1);
    }
    pixels = (unsigned char *)malloc((size_t)w * h * channels);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * h);
    if (!pixels || !rows) { snprintf(st.message, sizeof st.message, "out of memory"); longjmp(st.jump, 1); }
    for (png_uint_32 y = 0; y < h; y++) rows[y] = pixels + (size_t)y * w * channels;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    if (channels == 4) {
        unsigned char *px = pixels;
        for (size_t i = 0; i < (size_t)w * h; i++) { px[3 * i] = px[4 * i]; px[3 * i + 1] = px[4 * i + 1]; px[3 * i + 2] = px[4 * i + 2]; }
    }
    png_structp p = png; png_infop i = info;
    png_destroy_read_struct(&p, &i, NULL);
    fclose(fp);
    free(rows);
    *width = (int)w; *height = (int)h;
    return pixels;
}

static inline void sslsan_png_free(unsigned char *p) { free(p); }

/// Writes 8-bit pixels (`channels` = 1 gray or 3 RGB) to `path`. Returns 0, or -1 with `message`.
static inline int sslsan_png_write8(const char *path, int width, int height, int channels,
                                    const unsigned char *pixels, char *message, int message_len) {
    sslsan_png_error_state st;
    st.message[0] = 0;
    FILE *volatile fp = NULL;
    png_structp volatile png = NULL;
    png_infop volatile info = NULL;
    png_bytep *volatile rows = NULL;

    fp = fopen(path, "wb");
    if (!fp) { snprintf(message, message_len, "cannot open the file for writing"); return -1; }
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st, sslsan_png_on_error, sslsan_png_on_warning);
    if (!png) { fclose(fp); snprintf(message, message_len, "out of memory"); return -1; }
    info = png_create_info_struct(png);
    if (!info || setjmp(st.jump)) {
        png_structp p = png; png_infop i = info;
        png_destroy_write_struct(&p, i ? &i : NULL);
        fclose(fp);
        free(rows);
        snprintf(message, message_len, "PNG write failed (%s)", st.message[0] ? st.message : "no info struct");
        return -1;
    }
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
                 channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) { snprintf(st.message, sizeof st.message, "out of memory"); longjmp(st.jump, 1); }
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * width * channels);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_structp p = png; png_infop i = info;
    png_destroy_write_struct(&p, &i);
    free(rows);
    if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
        fclose(fp);
        snprintf(message, message_len, "flushing the PNG failed");
        return -1;
    }
    if (fclose(fp) != 0) { snprintf(message, message_len, "closing the PNG failed"); return -1; }
    return 0;
}
// ---------------------------------------------------------------------------------------------
// In-memory PNG encoding (the kitty graphics protocol sends PNG bytes).

typedef struct { unsigned char *data; size_t length; size_t capacity; int failed; } sslsan_png_sink;

static void sslsan_png_mem_write(png_structp png, png_bytep data, png_size_t size) {
    sslsan_png_sink *s = (sslsan_png_sink *)png_get_io_ptr(png);
    if (s->failed) return;
    if (s->length + size > s->capacity) {
        size_t cap = s->capacity ? s->capacity : 65536;
        while (cap < s->length + size) cap *= 2;
        unsigned char *p = (unsigned char *)realloc(s->data, cap);
        if (!p) { s->failed = 1; return; }
        s->data = p; s->capacity = cap;
    }
    memcpy(s->data + s->length, data, size);
    s->length += size;
}

static void sslsan_png_mem_flush(png_structp png) { (void)png; }

/// Encodes 8-bit RGB pixels as PNG in memory at zlib `level` (0–9; 1 is fast). Returns a
/// malloc'd buffer (free with `sslsan_png_free`) and its length, or NULL.
static inline unsigned char *sslsan_png_encode_rgb8(int width, int height, const unsigned char *pixels, int level,
                                                    size_t *out_length) {
    sslsan_png_error_state st;
    st.message[0] = 0;
    sslsan_png_sink sink = {0, 0, 0, 0};
    png_structp volatile png = NULL;
    png_infop volatile info = NULL;
    png_bytep *volatile rows = NULL;
    *out_length = 0;
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st, sslsan_png_on_error, sslsan_png_on_warning);
    if (!png) return NULL;
    info = png_create_info_struct(png);
    if (!info || setjmp(st.jump)) {
        png_structp p = png; png_infop i = info;
        png_destroy_write_struct(&p, i ? &i : NULL);
        free(rows); free(sink.data);
        return NULL;
    }
    png_set_write_fn(png, &sink, sslsan_png_mem_write, sslsan_png_mem_flush);
    png_set_compression_level(png, level);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) longjmp(st.jump, 1);
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * width * 3);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_structp p = png; png_infop i = info;
    png_destroy_write_struct(&p, &i);
    free(rows);
    if (sink.failed) { free(sink.data); return NULL; }
    *out_length = sink.length;
    return sink.data;
}
#endif
