#!/usr/bin/env bash
# Bad-input matrix: runs the release binary against the case classes of the "bad input" issue
# (bad checkpoint configurations, corrupt safetensors, non-finite weights, named pipes, devices,
# empty/truncated WAV/PNG/JPEG, bad manifests, output paths onto non-regular files) and counts
# what happened:
#
#   clean  the expected outcome: a failure with one "sslsan: FILE: problem" line (or a usage
#          error), or — for a dataset with some bad samples — success with the problems listed
#   crash  killed by a signal, or a runtime trap/stack dump on stderr
#   hang   still running after the time limit (timeout)
#   wrong  accepted what it should refuse, printed NaN, or failed without a clean line
#   lost   an existing output target (device node, pipe, folder, file) was replaced or destroyed
#
#   tools/badinput_matrix.sh [BINARY] [-v]       (default .build/release/sslsan; -v prints every case)
#
# Needs python3 (standard library only) to craft the files; runs in a scratch folder it deletes.
# Device targets are made with mknod inside that folder (as root), never /dev itself.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/.build/release/sslsan}
verbose=${2:-}
[[ -x "$bin" ]] || { echo "badinput_matrix: no binary at $bin (build first: scripts/build.sh)" >&2; exit 2; }
w=$(mktemp -d /tmp/sslsan-badinput.XXXXXX)
trap 'rm -rf "$w"' EXIT

ckpt=$root/samples/demo.safetensors
img=$root/samples/images/scene0000.png
wav=$root/samples/audio/scene0000_circle.wav

# ---------------------------------------------------------------------------------------------
# Files
python3 - "$ckpt" "$img" "$wav" "$w" <<'PY'
import json, struct, sys, os, zlib, random
ckpt, img, wav, w = sys.argv[1:5]
os.makedirs(w + "/ck", exist_ok=True); os.makedirs(w + "/in", exist_ok=True)
raw = open(ckpt, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n]); data = raw[8 + n:]
meta = header.get("__metadata__", {})
cfg = json.loads(meta.get("sslsan.config", "{}"))

def write(path, hdr, body, delta=0):
    h = json.dumps(hdr, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    open(path, "wb").write(struct.pack("<Q", len(h) + delta) + h + body)

def with_config(label, **kv):
    c = dict(cfg); c.update(kv)
    hdr = dict(header); m = dict(meta); m["sslsan.config"] = json.dumps(c); hdr["__metadata__"] = m
    write(f"{w}/ck/cfg-{label}.safetensors", hdr, data)

for label, kv in {
    "hop0": dict(hop=0), "hop-neg": dict(hop=-160), "widths-neg": dict(widths=[-16, 32, 64, 128]),
    "widths-empty": dict(widths=[]), "widths-huge": dict(widths=[16, 32, 64, 1 << 40]), "widths-3": dict(widths=[16, 32, 64]),
    "widths-big": dict(widths=[4096, 4096, 4096, 4096]),
    "img-128neg": dict(imageSize=-128), "img0": dict(imageSize=0), "img1": dict(imageSize=1), "img15": dict(imageSize=15),
    "img-huge": dict(imageSize=1 << 20), "nfft-neg": dict(nFFT=-512), "nfft-huge": dict(nFFT=16777216), "nfft-odd": dict(nFFT=511),
    "nmels-neg": dict(nMels=-64), "nmels-1000": dict(nMels=1000), "sr-1e9": dict(sampleRate=1000000000), "sr0": dict(sampleRate=0),
    "clip0": dict(clipSeconds=0), "clip-huge": dict(clipSeconds=1e300), "clip-neghuge": dict(clipSeconds=-1e300),
    "tau0": dict(tau=0), "eps-big": dict(epsilon=5), "name-ctrl": dict(name="x\u001b[2J"),
}.items():
    with_config(label, **kv)
hdr = dict(header); m = dict(meta); m["sslsan.config"] = "{not json"; hdr["__metadata__"] = m
write(f"{w}/ck/cfg-notjson.safetensors", hdr, data)
c = dict(cfg); del c["nMels"]; hdr = dict(header); m = dict(meta); m["sslsan.config"] = json.dumps(c); hdr["__metadata__"] = m
write(f"{w}/ck/cfg-missing.safetensors", hdr, data)

# Structure.
hdr_only = {k: v for k, v in header.items()}
for d in (-1, 1, -8, 8):
    write(f"{w}/ck/st-hdrlen{d:+d}.safetensors", header, data, delta=d)
write(f"{w}/ck/st-trailing.safetensors", header, data + b"\0")
write(f"{w}/ck/st-cut1.safetensors", header, data[:-1])
write(f"{w}/ck/st-cut-half.safetensors", header, data[: len(data) // 2])
tensors = sorted(((k, v) for k, v in header.items() if k != "__metadata__"), key=lambda kv: kv[1]["data_offsets"][0])
first, second = tensors[0], tensors[1]
g = json.loads(json.dumps(header)); cut = first[1]["data_offsets"][1]
for k, v in g.items():
    if k != "__metadata__" and v["data_offsets"][0] >= cut: v["data_offsets"] = [v["data_offsets"][0] + 4, v["data_offsets"][1] + 4]
write(f"{w}/ck/st-gap.safetensors", g, data[:cut] + b"\0" * 4 + data[cut:])
o = json.loads(json.dumps(header)); a, b = o[second[0]]["data_offsets"]; o[second[0]]["data_offsets"] = [a - 4, b - 4]
write(f"{w}/ck/st-overlap.safetensors", o, data)
s = json.loads(json.dumps(header)); s[first[0]]["shape"] = s[first[0]]["shape"][:-1] + [s[first[0]]["shape"][-1] + 1]
write(f"{w}/ck/st-shape.safetensors", s, data)
s = json.loads(json.dumps(header)); s[first[0]]["shape"] = [1 << 40, 1 << 40]
write(f"{w}/ck/st-shape-overflow.safetensors", s, data)
s = json.loads(json.dumps(header)); s[first[0]]["data_offsets"] = [0, 1e300]
write(f"{w}/ck/st-offset-float.safetensors", s, data)
open(f"{w}/ck/st-empty.safetensors", "wb").close()
open(f"{w}/ck/st-7bytes.safetensors", "wb").write(b"\1" * 7)
open(f"{w}/ck/st-random.safetensors", "wb").write(random.Random(1).randbytes(4096))
open(f"{w}/ck/st-hdrlen-huge.safetensors", "wb").write(struct.pack("<Q", 1 << 63) + b"{}")
open(f"{w}/ck/st-notjson.safetensors", "wb").write(struct.pack("<Q", 8) + b"[1,2,3] " )
# Values.
def patched(name, tensor, value, index=1):
    off = header[tensor]["data_offsets"][0] + 4 * index
    d = bytearray(data); d[off:off + 4] = struct.pack("<f", value)
    write(f"{w}/ck/val-{name}.safetensors", header, bytes(d))
patched("nan-weight", "imgnet.layer2.0.conv1.weight", float("nan"))
patched("inf-running-var", "audnet.bn1.running_var", float("inf"))
patched("neg-running-var", "imgnet.layer3.1.bn2.running_var", -1.0)
patched("inf-running-mean", "imgnet.bn1.running_mean", float("-inf"))
# Finite values that overflow: the last BatchNorm's folded shift (bias - mean*scale = 6e38) is
# +Inf in float, so every map is Inf/Inf = NaN.
d = bytearray(data)
for t, v in (("imgnet.layer4.1.bn2.bias", 3e38), ("imgnet.layer4.1.bn2.running_mean", -3e38)):
    a, b = header[t]["data_offsets"]; d[a:b] = struct.pack("<f", v) * ((b - a) // 4)
write(f"{w}/ck/val-overflow.safetensors", header, bytes(d))

# Images.
png = open(img, "rb").read()
open(f"{w}/in/empty.png", "wb").close()
open(f"{w}/in/half.png", "wb").write(png[: len(png) // 2])
open(f"{w}/in/sig-only.png", "wb").write(png[:8])
open(f"{w}/in/random.png", "wb").write(random.Random(2).randbytes(2048))
open(f"{w}/in/text.jpg", "wb").write(b"hello, not a picture\n")
def chunk(t, b): return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
ihdr = struct.pack(">IIBBBBB", 65535, 65535, 8, 2, 0, 0, 0)
open(f"{w}/in/huge-dims.png", "wb").write(png[:8] + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))
ihdr0 = struct.pack(">IIBBBBB", 0, 10, 8, 2, 0, 0, 0)
open(f"{w}/in/zero-width.png", "wb").write(png[:8] + chunk(b"IHDR", ihdr0) + chunk(b"IEND", b""))
open(f"{w}/in/jpeg-header-only.jpg", "wb").write(bytes([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]) + b"JFIF\0" + bytes(9))
# Audio.
wv = open(wav, "rb").read()
open(f"{w}/in/empty.wav", "wb").close()
open(f"{w}/in/half.wav", "wb").write(wv[: len(wv) // 2])
open(f"{w}/in/header-only.wav", "wb").write(wv[:44])
open(f"{w}/in/random.wav", "wb").write(random.Random(3).randbytes(4096))
def wavfile(path, rate, ch, bits, frames, fmt=1, samples=None):
    bps = bits // 8
    body = samples if samples is not None else bytes(frames * ch * bps)
    hdr = b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVE" + b"fmt " + struct.pack("<IHHIIHH", 16, fmt, ch, rate, (rate * ch * bps) & 0xFFFFFFFF, ch * bps, bits)
    open(path, "wb").write(hdr + b"data" + struct.pack("<I", len(body)) + body)
wavfile(f"{w}/in/zero-channels.wav", 16000, 0, 16, 100)
wavfile(f"{w}/in/rate0.wav", 0, 1, 16, 100)
wavfile(f"{w}/in/rate-huge.wav", 4000000000, 1, 16, 100)
wavfile(f"{w}/in/nan.wav", 16000, 1, 32, 0, fmt=3, samples=struct.pack("<f", float("nan")) * 1000)
wavfile(f"{w}/in/one-sample.wav", 16000, 1, 16, 1)
b = bytearray(wv); b[40:44] = struct.pack("<I", 0x7FFFFFF0)
open(f"{w}/in/data-too-long.wav", "wb").write(bytes(b))
# A long file: 10 minutes of 48 kHz stereo (the model reads its first window only).
import array
fr = 48000 * 600; a = array.array("h", [0]) * (fr * 2)
for i in range(0, fr * 2, 97): a[i] = (i * 37) % 20000 - 10000
wavfile(f"{w}/in/long-48k-stereo.wav", 48000, 2, 16, 0, samples=a.tobytes())
PY
[[ $? -eq 0 ]] || { echo "badinput_matrix: could not craft the files" >&2; exit 2; }

# A JPEG cut in half, when ImageMagick is there to make one.
if command -v convert >/dev/null; then
  convert "$img" "$w/in/ok.jpg" && head -c "$(( $(stat -c %s "$w/in/ok.jpg") / 2 ))" "$w/in/ok.jpg" > "$w/in/half.jpg"
fi
mkfifo "$w/in/pipe.png" "$w/in/pipe.wav" "$w/ck/pipe.safetensors"

# Datasets: a small good one (3 samples of samples/), and variants with bad entries.
mkds() { # mkds NAME LINE...   manifest lines; paths relative to samples/ unless absolute
  local d="$w/ds/$1"; shift; mkdir -p "$d"
  printf '%s\n' "$@" > "$d/manifest.jsonl"
}
good() { local id=$1; echo "{\"id\": \"$id\", \"image\": \"$root/samples/images/${id%_*}.png\", \"audio\": \"$root/samples/audio/$id.wav\", \"label\": \"${id#*_}\", \"boxes\": [[0.1, 0.1, 0.5, 0.5]]}"; }
row() { echo "{\"id\": \"$1\", \"image\": \"$2\", \"audio\": \"$3\", \"label\": \"x\", \"boxes\": [[0.1, 0.1, 0.5, 0.5]]}"; }
ids=$(head -3 "$root/samples/manifest.jsonl" | sed 's/.*"id": "\([^"]*\)".*/\1/')
g=(); for i in $ids; do g+=("$(good "$i")"); done
mkds good "${g[@]}"
mkds one-pipe-audio "${g[@]}" "$(row bad "$img" "$w/in/pipe.wav")"
mkds one-pipe-image "${g[@]}" "$(row bad "$w/in/pipe.png" "$wav")"
mkds one-dev-audio "${g[@]}" "$(row bad "$img" /dev/zero)"
mkds one-empty-wav "${g[@]}" "$(row bad "$img" "$w/in/empty.wav")"
mkds one-half-wav "${g[@]}" "$(row bad "$img" "$w/in/half.wav")"
mkds one-half-png "${g[@]}" "$(row bad "$w/in/half.png" "$wav")"
mkds one-huge-png "${g[@]}" "$(row bad "$w/in/huge-dims.png" "$wav")"
mkds one-nan-wav "${g[@]}" "$(row bad "$img" "$w/in/nan.wav")"
mkds all-pipes "$(row a "$img" "$w/in/pipe.wav")" "$(row b "$w/in/pipe.png" "$wav")"
mkds all-empty-wav "$(row a "$img" "$w/in/empty.wav")" "$(row b "$img" "$w/in/empty.wav")"
mkds garbage "${g[@]}" "not json" '{"id": 5}' '[1,2]' '{"id": "q", "image": null}' "{\"id\": \"b\", \"image\": \"$img\", \"audio\": \"$wav\", \"label\": \"x\", \"boxes\": [[\"a\", 1, 2, 3]]}" "{\"id\": \"h\", \"image\": \"$img\", \"audio\": \"$wav\", \"label\": \"x\", \"boxes\": [[1e308, -1e308, 1e308, 2]]}"
mkds dup-ids "${g[@]}" "${g[0]}"
mkds only-garbage "not json" "{]"
mkds empty
mkdir -p "$w/ds/no-manifest" "$w/ds/dir-manifest/manifest.jsonl"
python3 -c "import sys; open(sys.argv[1], 'w').write('{\"id\": \"' + 'x' * 10000000 + '\"}\n')" "$w/ds/huge-line.jsonl"
mkfifo "$w/ds/pipe.jsonl"

# Output targets: a device node (as root), a pipe, a folder, a regular file to keep. Each run
# gets a fresh one, so every command that replaces its target is counted.
fresh() {
  rm -rf "$w/out/null" "$w/out/pipe" "$w/out/folder"
  mkdir -p "$w/out/folder"
  mkfifo "$w/out/pipe"
  mknod "$w/out/null" c 1 3 2>/dev/null || true
}
fresh
echo keep > "$w/out/existing.json"

# ---------------------------------------------------------------------------------------------
# Running
tried=0; clean=0; crashes=0; hangs=0; wrong=0; lost=0
crash_re='Fatal error|Segmentation fault|Stack dump|Illegal instruction|Aborted|Assertion failed|Floating point exception|Trace/breakpoint|Killed|Current stack trace|signal [0-9]'

# run CLASS NAME EXPECT LIMIT -- CMD...   EXPECT: err (clean failure) or ok (success)
run() {
  local cls=$1 name=$2 expect=$3 limit=$4; shift 5
  local rc verdict last
  timeout -k 5 "$limit" "$@" </dev/null >"$w/stdout" 2>"$w/stderr"; rc=$?
  tried=$((tried + 1))
  last=$(tr '\r' '\n' <"$w/stderr" | grep -v '^\s*$' | tail -1 | cut -c1-160)
  if ((rc == 124 || rc == 137)); then verdict=HANG; hangs=$((hangs + 1))
  elif ((rc >= 128)) || grep -qE "$crash_re" "$w/stderr"; then verdict=CRASH; crashes=$((crashes + 1))
  elif [[ $expect == err ]]; then
    if ((rc != 0)) && [[ "$last" =~ ^(sslsan:|Error:) ]]; then verdict=clean; clean=$((clean + 1)); else verdict=WRONG; wrong=$((wrong + 1)); fi
  else
    if ((rc == 0)) && ! grep -qiE '(^|[^a-z])-?nan([^a-z]|$)' "$w/stdout"; then verdict=clean; clean=$((clean + 1)); else verdict=WRONG; wrong=$((wrong + 1)); fi
  fi
  if ((rc == 0)) && [[ $expect == err ]] && grep -qiE '(^|[^a-z])-?nan([^a-z]|$)' "$w/stdout"; then last="printed NaN: $last"; fi
  if [[ -n "$verbose" || $verdict != clean ]]; then printf '%-5s %-9s %-34s rc=%-3d %s\n' "$verdict" "$cls" "$name" "$rc" "$last"; fi
}

# check_kept TARGET TYPE-BEFORE [CONTENT-BEFORE]: counts a target that was replaced or changed
check_kept() {
  local t=$1 type=$2 content=${3:-}
  if [[ "$(stat -c %F "$t" 2>/dev/null)" != "$type" ]] || { [[ -n "$content" ]] && [[ "$(cat "$t")" != "$content" ]]; }; then
    lost=$((lost + 1)); printf 'LOST  %s (was %s, now %s)\n' "$t" "$type" "$(stat -c %F "$t" 2>/dev/null || echo gone)"
  fi
}

S=$bin
I=(--image "$img"); A=(--audio "$wav")
# Bad configurations: infer, eval and explore (explore loads before opening the terminal).
for f in "$w"/ck/cfg-*.safetensors; do
  n=$(basename "$f" .safetensors)
  run config "infer $n" err 30 -- "$S" infer --checkpoint "$f" "${I[@]}" "${A[@]}"
  run config "eval $n" err 60 -- "$S" eval --data "$w/ds/good" --checkpoint "$f" --passes 2
  run config "explore $n" err 30 -- env TERM=xterm "$S" explore --data "$w/ds/good" --checkpoint "$f"
done
# Corrupt safetensors and bad values: infer and eval.
for f in "$w"/ck/st-*.safetensors "$w"/ck/val-*.safetensors "$w/ck/pipe.safetensors" /dev/zero "$w/ck"; do
  n=$(basename "$f" .safetensors)
  run safetens "infer $n" err 30 -- "$S" infer --checkpoint "$f" "${I[@]}" "${A[@]}"
  run safetens "eval $n" err 60 -- "$S" eval --data "$w/ds/good" --checkpoint "$f" --passes 2
done
# Images and audio given to infer.
for f in "$w"/in/*.png "$w"/in/*.jpg /dev/zero /dev/null "$w/in"; do
  [[ $f == */ok.jpg ]] && continue
  run image "infer $(basename "$f")" err 30 -- "$S" infer --checkpoint "$ckpt" --image "$f" "${A[@]}"
done
[[ -f "$w/in/ok.jpg" ]] && run image "infer ok.jpg (control)" ok 30 -- "$S" infer --checkpoint "$ckpt" --image "$w/in/ok.jpg" "${A[@]}"
for f in "$w"/in/*.wav /dev/zero /dev/null; do
  case $(basename "$f") in one-sample.wav|long-48k-stereo.wav) e=ok ;; *) e=err ;; esac
  run audio "infer $(basename "$f")" $e 60 -- "$S" infer --checkpoint "$ckpt" "${I[@]}" --audio "$f"
done
# Datasets.
for d in "$w"/ds/*; do
  n=$(basename "$d")
  case $n in good|one-*|garbage|dup-ids) e=ok ;; *) e=err ;; esac
  run dataset "eval $n" $e 120 -- "$S" eval --data "$d" --checkpoint "$ckpt" --passes 2
done
run dataset "eval --data /dev/zero" err 30 -- "$S" eval --data /dev/zero --checkpoint "$ckpt"
run dataset "explore --data pipe" err 30 -- env TERM=xterm "$S" explore --data "$w/ds/pipe.jsonl" --checkpoint "$ckpt"
# Output targets: --dump, eval --json/--csv.
for t in "$w/out/null" "$w/out/pipe" "$w/out/folder"; do
  [[ -e "$t" ]] || continue
  type=$(stat -c %F "$t")
  run output "infer --dump $(basename "$t")" err 30 -- "$S" infer --checkpoint "$ckpt" "${I[@]}" "${A[@]}" --dump "$t"
  check_kept "$t" "$type"; fresh
  run output "eval --json $(basename "$t")" err 60 -- "$S" eval --data "$w/ds/good" --checkpoint "$ckpt" --passes 2 --json "$t"
  check_kept "$t" "$type"; fresh
  run output "eval --csv $(basename "$t")" err 60 -- "$S" eval --data "$w/ds/good" --checkpoint "$ckpt" --passes 2 --csv "$t"
  check_kept "$t" "$type"; fresh
done
run output "infer --dump no/such/folder" err 30 -- "$S" infer --checkpoint "$ckpt" "${I[@]}" "${A[@]}" --dump "$w/out/no/such/x.safetensors"
run output "infer bad ckpt, --dump existing" err 30 -- "$S" infer --checkpoint "$w/ck/st-cut1.safetensors" "${I[@]}" "${A[@]}" --dump "$w/out/existing.json"
check_kept "$w/out/existing.json" "regular file" keep
leftovers=$(find "$w/out" -name '.*.tmp-*' | wc -l)
((leftovers > 0)) && { echo "LOST  $leftovers temporary files left in the output folder"; lost=$((lost + leftovers)); }

echo "bad-input matrix ($bin): $tried cases tried, $clean clean, $crashes crashes, $hangs hangs, $wrong wrong, $lost data lost"
