#!/usr/bin/env bash
# Installs the Debian packages sslsan builds and runs with, only those that are missing.
#
#   scripts/setup.sh               build and run-time packages (what scripts/explore.sh needs)
#   scripts/setup.sh --test-tools  also the tools the test suite drives (scripts/test.sh passes it)
#
# When another apt/dpkg process holds the package lock (unattended-upgrades on a fresh machine,
# a second terminal), this waits for it — saying who holds it — instead of failing at once.
set -euo pipefail

# Build: compilers' system libraries (module maps in Sources/C*) and pkg-config to find them.
# libpulse/libasound: the explorer's sound output; libsixel/libchafa: its pixel graphics.
pkgs=(pkg-config libopenblas-dev libsndfile1-dev libsamplerate0-dev libpng-dev libturbojpeg0-dev zlib1g-dev
      libncurses-dev libpulse-dev libasound2-dev libsixel-dev libchafa-dev)
# Run time: terminfo entries, tmux (the README's walk-through), pactl/paplay for the sound check.
pkgs+=(ncurses-term tmux pulseaudio-utils)
if [[ "${1:-}" == "--test-tools" ]]; then
  # Test only: a headless sound server, an X server with a real terminal emulator (pixel
  # protocols), image comparison and synthetic key presses.
  pkgs+=(pulseaudio xvfb xterm imagemagick xdotool)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# The pid and command holding any of apt's or dpkg's locks, read from /proc/locks (no fuser needed).
lock_holder() {
  local f ino pid
  for f in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock; do
    [[ -e "$f" ]] || continue
    ino=$(stat -c %i "$f")
    pid=$(awk -v ino="$ino" '$2 != "->" { n = split($6, a, ":"); if (a[n] == ino) { print $5; exit } }' /proc/locks 2>/dev/null || true)
    if [[ -n "$pid" ]]; then echo "$pid ($(tr '\0' ' ' < /proc/"$pid"/cmdline 2>/dev/null | cut -c1-60 || echo '?'))"; return 0; fi
  done
  return 1
}

# Waits (up to 10 minutes) while another process holds the lock; one line when the wait starts,
# one every 30 s while it lasts.
wait_for_lock() {
  local holder start=$SECONDS said=-30
  while holder=$(lock_holder); do
    if (( SECONDS - said >= 30 )); then
      echo "sslsan: waiting for another package manager to finish: pid $holder ($((SECONDS - start)) s so far)" >&2
      said=$SECONDS
    fi
    if (( SECONDS - start > 600 )); then
      echo "sslsan: gave up after 10 minutes waiting for the package lock held by pid $holder" >&2
      return 1
    fi
    sleep 2
  done
}

# apt-get with the lock wait; DPkg::Lock::Timeout covers the moment between our check and apt's
# own locking, and a lock error that slips through anyway (apt-get update's lists lock) is retried.
apt_run() {
  local attempt err
  for attempt in 1 2 3; do
    wait_for_lock
    err=$(mktemp)
    if DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 "$@" 2>"$err"; then
      rm -f "$err"; return 0
    fi
    if grep -q "Could not get lock\|Unable to acquire" "$err" && (( attempt < 3 )); then
      echo "sslsan: the package lock was taken just now; waiting again" >&2
      rm -f "$err"; sleep 5; continue
    fi
    cat "$err" >&2; rm -f "$err"; return 1
  done
}

if ((${#missing[@]})); then
  start=$SECONDS
  echo "sslsan: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  apt_run update -qq
  apt_run install -y -qq "${missing[@]}" >/dev/null
  echo "sslsan: packages installed in $((SECONDS - start)) s" >&2
fi
command -v swift >/dev/null || { echo "sslsan: Swift 6 is required (swift not on PATH)" >&2; exit 1; }
