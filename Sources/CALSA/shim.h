#ifndef SSLSAN_ALSA_SHIM
#define SSLSAN_ALSA_SHIM
// ALSA PCM playback, the fallback when no PulseAudio/PipeWire server answers.
#include <alsa/asoundlib.h>

static void sslsan_alsa_quiet(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}
// alsa-lib prints its errors (no card, unknown PCM) to stderr, which would land on the
// explorer's screen; the explorer reports the failure in its own one line instead. The handler
// is variadic, so it is defined here in C.
static inline void sslsan_alsa_silence_errors(void) { snd_lib_error_set_handler(sslsan_alsa_quiet); }
static inline int sslsan_alsa_nonblock(void) { return SND_PCM_NONBLOCK; }
#endif
