#ifndef SSLSAN_SNDFILE_SHIM
#define SSLSAN_SNDFILE_SHIM
#include <sndfile.h>
// SFM_* / SF_FORMAT_* import as Int; these give Int32 values directly.
static inline int sslsan_sfm_read(void) { return SFM_READ; }
static inline int sslsan_sfm_write(void) { return SFM_WRITE; }
static inline int sslsan_sf_format_wav_pcm16(void) { return SF_FORMAT_WAV | SF_FORMAT_PCM_16; }
static inline int sslsan_sf_format_wav_float(void) { return SF_FORMAT_WAV | SF_FORMAT_FLOAT; }
static inline int sslsan_sf_format_flac_pcm16(void) { return SF_FORMAT_FLAC | SF_FORMAT_PCM_16; }
static inline int sslsan_sf_format_ogg_vorbis(void) { return SF_FORMAT_OGG | SF_FORMAT_VORBIS; }
static inline int sslsan_sf_format_typemask(void) { return SF_FORMAT_TYPEMASK; }
static inline int sslsan_sf_format_mpeg(void) { return SF_FORMAT_MPEG; }
static inline int sslsan_sf_format_submask(void) { return SF_FORMAT_SUBMASK; }
static inline int sslsan_sfc_set_clipping(void) { return SFC_SET_CLIPPING; }
#endif
