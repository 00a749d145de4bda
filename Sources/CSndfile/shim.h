#include <sndfile.h>
// SFM_* / SF_FORMAT_* import as Int; these give Int32 values directly.
static inline int sslsan_sfm_read(void) { return SFM_READ; }
static inline int sslsan_sfm_write(void) { return SFM_WRITE; }
static inline int sslsan_sf_format_wav_pcm16(void) { return SF_FORMAT_WAV | SF_FORMAT_PCM_16; }
static inline int sslsan_sf_format_wav_float(void) { return SF_FORMAT_WAV | SF_FORMAT_FLOAT; }
