#ifndef SSLSAN_NCURSES_SHIM
#define SSLSAN_NCURSES_SHIM
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <termios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <fcntl.h>
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
static inline int sslsan_lines(void) { return LINES; }
static inline int sslsan_cols(void) { return COLS; }

/// Draws one wide character with attributes and a colour pair of any number (through the
/// `opts` pointer of setcchar, so pairs above 255 survive).
static inline void sslsan_put(int y, int x, wchar_t ch, attr_t attrs, int pair) {
    cchar_t cc;
    wchar_t s[2] = { ch, 0 };
    setcchar(&cc, s, attrs, (short)(pair > 32767 ? 0 : pair), &pair);
    mvadd_wch(y, x, &cc);
}

/// Mouse: clicks only (press + release), xterm SGR reporting through ncurses.
static inline int sslsan_mouse_on(void) {
    mmask_t old = 0;
    return (int)mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, &old);
}
/// Reads a pending mouse event: returns 1 and fills x, y, kind (1 = click, 4 = wheel up, 5 = wheel down).
static inline int sslsan_get_mouse(int *x, int *y, int *kind) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return 0;
    *x = ev.x; *y = ev.y;
    if (ev.bstate & BUTTON4_PRESSED) *kind = 4;
#ifdef BUTTON5_PRESSED
    else if (ev.bstate & BUTTON5_PRESSED) *kind = 5;
#endif
    else *kind = 1;
    return 1;
}

static inline int sslsan_codeset_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/// The terminal modes before curses started, for restoring from a signal handler, and the wake
/// pipe. Function-local statics: file-scope statics of a header are not emitted for Swift.
/// Everything that touches them is reached from sslsan_install_signal_handlers (one caller).
static inline struct termios *sslsan_termios_slot(int **have, int **wake) {
    static struct termios t;
    static int h = 0;
    static int w = -1;
    *have = &h; *wake = &w;
    return &t;
}

/// Async-signal-safe terminal restore: leave the alternate screen, show the cursor, reset
/// colours, stop mouse reporting, leave application cursor-key and keypad mode (curses'
/// `keypad` turned them on: left on, the shell's arrow keys would send ESC O A), put the tty
/// modes back.
static inline void sslsan_emergency_restore(void) {
    static const char seq[] = "\033[0m\033[?1000l\033[?1002l\033[?1006l\033[?1l\033>\033[?25h\033[?1049l\r\n";
    ssize_t r = write(STDOUT_FILENO, seq, sizeof(seq) - 1);
    (void)r;
    int *have, *wake;
    struct termios *t = sslsan_termios_slot(&have, &wake);
    if (*have) tcsetattr(STDIN_FILENO, TCSANOW, t);
}

static void sslsan_crash_handler(int sig) {
    sslsan_emergency_restore();
    static const char msg[] = "sslsan: internal error (the explorer crashed); terminal restored\n";
    ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)r;
    signal(sig, SIG_DFL);
    raise(sig);
}

/// SIGINT / SIGTERM / SIGHUP: ask the UI loop to quit through its wake pipe (byte 'q').
static void sslsan_quit_handler(int sig) {
    (void)sig;
    int *have, *wake;
    sslsan_termios_slot(&have, &wake);
    if (*wake >= 0) { char c = 'Q'; ssize_t r = write(*wake, &c, 1); (void)r; }
    else { sslsan_emergency_restore(); _exit(130); }
}

/// Call once, before curses changes the tty modes: saves them for emergency restores.
static inline void sslsan_install_signal_handlers(int wake_fd) {
    int *have, *wake;
    struct termios *t = sslsan_termios_slot(&have, &wake);
    if (tcgetattr(STDIN_FILENO, t) == 0) *have = 1;
    *wake = wake_fd;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sslsan_quit_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    struct sigaction cr;
    memset(&cr, 0, sizeof cr);
    cr.sa_handler = sslsan_crash_handler;
    sigemptyset(&cr.sa_mask);
    sigaction(SIGSEGV, &cr, NULL);
    sigaction(SIGBUS, &cr, NULL);
    sigaction(SIGILL, &cr, NULL);
    sigaction(SIGTRAP, &cr, NULL);
    sigaction(SIGABRT, &cr, NULL);
    sigaction(SIGFPE, &cr, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static inline void sslsan_reset_signal_handlers(void) {
    int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
}

/// poll() on two descriptors (stdin and the wake pipe). Returns a bit mask: 1 = first readable,
/// 2 = second readable; 0 on timeout.
static inline int sslsan_poll2(int fd0, int fd1, int timeout_ms) {
    struct pollfd p[2];
    p[0].fd = fd0; p[0].events = POLLIN; p[0].revents = 0;
    p[1].fd = fd1; p[1].events = POLLIN; p[1].revents = 0;
    int n = poll(p, 2, timeout_ms);
    if (n <= 0) return 0;
    int m = 0;
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) m |= 1;
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) m |= 2;
    return m;
}
/// The tty's size in cells and, when the terminal reports them, in pixels (TIOCGWINSZ
/// ws_xpixel/ws_ypixel; 0 when unknown). Returns 0, or -1 when `fd` is not a terminal.
static inline int sslsan_winsize(int fd, int *cols, int *rows, int *xpixel, int *ypixel) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -1;
    *cols = ws.ws_col; *rows = ws.ws_row; *xpixel = ws.ws_xpixel; *ypixel = ws.ws_ypixel;
    return 0;
}
/// A pseudo-terminal pair (for tests of terminal I/O): returns 0 with both descriptors, or -1.
static inline int sslsan_open_pty(int *master, int *slave) {
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY);
    if (m < 0) return -1;
    int unlock = 0, n = -1;
    if (ioctl(m, TIOCSPTLCK, &unlock) != 0 || ioctl(m, TIOCGPTN, &n) != 0) { close(m); return -1; }
    char name[64];
    snprintf(name, sizeof name, "/dev/pts/%d", n);
    int s = open(name, O_RDWR | O_NOCTTY);
    if (s < 0) { close(m); return -1; }
    *master = m; *slave = s;
    return 0;
}
#endif
