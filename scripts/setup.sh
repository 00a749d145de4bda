#!/usr/bin/env bash
# Installs the Debian packages sslsan builds and runs with, only those that are missing.
set -euo pipefail
pkgs=(pkg-config libopenblas-dev libsndfile1-dev libsamplerate0-dev libpng-dev libturbojpeg0-dev zlib1g-dev
      libncurses-dev ncurses-term tmux)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "sslsan: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "sslsan: Swift 6 is required (swift not on PATH)" >&2; exit 1; }
