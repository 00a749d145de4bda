#ifndef SSLSAN_PULSE_SHIM
#define SSLSAN_PULSE_SHIM
// PulseAudio's simple API (PipeWire serves it too): one blocking playback stream with a small
// target buffer (pa_buffer_attr.tlength), flush, and the reported latency.
#include <pulse/simple.h>
#include <pulse/error.h>
#endif
