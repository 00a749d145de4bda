#ifndef SSLSAN_NCURSES_SHIM
#define SSLSAN_NCURSES_SHIM
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <ncursesw/curses.h>
// Function-like and composite macros that do not import into Swift.
static inline int sslsan_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int sslsan_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline attr_t sslsan_a_bold(void) { return A_BOLD; }
static inline attr_t sslsan_a_dim(void) { return A_DIM; }
static inline attr_t sslsan_a_reverse(void) { return A_REVERSE; }
static inline attr_t sslsan_a_underline(void) { return A_UNDERLINE; }
static inline int sslsan_key_resize(void) { return KEY_RESIZE; }
static inline int sslsan_key_mouse(void) { return KEY_MOUSE; }
static inline WINDOW *sslsan_stdscr(void) { return stdscr; }
static inline int sslsan_colors(void) { return COLORS; }
static inline int sslsan_color_pairs(void) { return COLOR_PAIRS; }
#endif
