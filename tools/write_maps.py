#!/usr/bin/env python3
"""Write similarity maps computed by PyTorch code (any model, e.g. ACL) in the layout `sslsan eval --maps` and `sslsan explore --maps` read.

    python3 tools/write_maps.py MAPS.pt OUT.safetensors        # MAPS.pt: torch.save({'heatmap': ..., ...})
    python3 tools/write_maps.py MAPS.npz OUT.safetensors       # the same names in a numpy .npz
    python3 tools/write_maps.py --check GOLDEN/metrics_inputs.safetensors --sslsan .build/release/sslsan

or from Python, at the end of an evaluation loop:

    sys.path.insert(0, "tools"); from write_maps import write_maps
    write_maps("acl.safetensors", heatmap=pos, silence=sil, noise=noi, offscreen=off, bboxes=boxes, names=ids, family="ACL")

then score and browse them (names joined with a dataset by id or file stem for the images and audio):

    sslsan eval --maps acl.safetensors
    sslsan explore --maps acl.safetensors --data vggss --compare ezvsl.pth   # side by side with a live model

The layout (Sources/Core/Metrics/MapsFile.swift; the golden `metrics_inputs.safetensors` uses it):

| tensor | shape | dtype | content |
|---|---|---|---|
| `heatmap` | (N, 1, h, w) | F32 | each sample's map with its own audio, at the model's native resolution (14x14, 7x7, ...) before upsampling |
| `heatmap_silence` | (N, 1, h, w) | F32 | optional: the map with silence |
| `heatmap_noise`, `heatmap_offscreen` | (N, 1, h, w) or (P, N, 1, h, w) | F32 | optional: one or P passes (noise seeds / off-screen draws) |
| `bboxes` | (N, K, 4) | I32 or I64 | ground-truth boxes [x0, y0, x1, y1] in 224-pixel units; all-zero rows pad samples with fewer boxes |
| `masks` | (N, 224, 224) | U8 | ground-truth masks (0/1) instead of `bboxes` |
| `visual_embedding`, `audio_embedding` | (N, C), (N, D) | F32 | optional: pooled visual and audio embeddings (alignment, magnitude) |
| `retrieval` | (N, N) | F32 | optional: score(image n, audio k) (retrieval) |

Metadata (optional): `names`, `labels`, `scenes`: JSON lists of N strings (sample ids, class labels,
scene ids; without `scenes`, scenes for iIoU/object accuracy follow vssl_eval: the id without its last
`_token`); `family`: the model the maps come from (free text, e.g. "ACL"; shown by the explorer, and an
sslsan family name also picks its post-processing, below); `offscreen_sources`: JSON list of N lists of P names (whose audio each off-screen pass played; the
explorer plays it).

Joining with a dataset: the file holds no pixels or audio. `sslsan explore --maps F --data DIR` finds
each name in DIR (any format sslsan reads): the sample with that id, else the id of the name's file
stem (`clip_0001.jpg` → `clip_0001`), else the one sample whose image file has that stem. Found
samples show their image and play their audio (the positive, and the off-screen clip named in
`offscreen_sources`; the silence and noise behind the maps are not recorded); the rest are drawn on a
neutral background, listed in one summary line.
The ground truth is always the file's. So write `names` as the dataset's sample ids (or file names).

A maps file of a real model, to try the explorer (and the round trip eval → maps → eval --maps,
which prints the same table):

    sslsan eval --data samples --checkpoint samples/demo.safetensors --write-maps demo-maps.safetensors
    sslsan eval --maps demo-maps.safetensors
    sslsan explore --maps demo-maps.safetensors --data samples

Maps are stored as float32 raw values at native resolution: give them on the scale the model's
threshold applies to. sslsan scores them exactly like a model run (same metric code).

How sslsan turns them into the thresholded 224x224 maps (MapsFile.postProcessing), from the metadata:
  `post_processing`  "upsampler,scale,comparison": upsampler of the positive map `cv2Linear` | `alignCorners`
                     | `alignCornersExceptVGGSS` (negatives always cv2), scale `raw` | `halfCosine` (values used
                     as they are) | `gradCAM` (grad-cam's min-max around cv2, RCGrad), comparison `float64` |
                     `float32` (how a map value meets a threshold, strict >);
  `family`           else an sslsan family name (`sslsan models`: ssl-tie, lvs, ssl-align, ez-vsl, fnac, slavc,
                     rcgrad): that family's vssl_eval post-processing; any other name (e.g. ACL) counts as none;
  `testset`          "vggss" resolves LVS / SSL-Align's positive upsampler to cv2 (align-corners otherwise).
Without them every map goes through cv2 bilinear on its raw values with a float64 comparison (SSL-TIE's
vssl_eval path), as files written before these keys existed.
`--check` rewrites the golden metrics_inputs file through write_maps and checks that `sslsan eval --maps`
prints the same table for both. Needs numpy; torch only for .pt input; no other package.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

MAPS = ("heatmap", "heatmap_silence", "heatmap_noise", "heatmap_offscreen")


def _array(x):
    if x is None:
        return None
    if hasattr(x, "detach"):  # torch tensor
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def write_maps(path, heatmap, silence=None, noise=None, offscreen=None, bboxes=None, masks=None, names=None, labels=None,
               scenes=None, family=None, visual_embedding=None, audio_embedding=None, retrieval=None, offscreen_sources=None,
               post_processing=None, testset=None):
    """Checks the shapes and writes the safetensors file atomically. Maps: (N, 1, h, w) or (N, h, w)
    (a channel axis is added); noise/offscreen may be (P, N, 1, h, w). `family`, `post_processing`,
    `testset`: the post-processing metadata (see the module documentation)."""
    hm = _array(heatmap).astype("<f4")
    if hm.ndim == 3:
        hm = hm[:, None]
    if hm.ndim != 4 or hm.shape[1] != 1:
        raise ValueError(f"heatmap must be (N, 1, h, w) or (N, h, w), got {hm.shape}")
    n, _, h, w = hm.shape
    tensors = {"heatmap": ("F32", hm)}
    for name, x in (("heatmap_silence", silence), ("heatmap_noise", noise), ("heatmap_offscreen", offscreen)):
        a = _array(x)
        if a is None:
            continue
        a = a.astype("<f4")
        if a.ndim == 3 or (a.ndim == 4 and a.shape[1] != 1):
            a = a[..., None, :, :] if a.ndim == 3 else a[:, :, None]
        ok = (a.ndim == 4 and a.shape == (n, 1, h, w)) or (a.ndim == 5 and a.shape[1:] == (n, 1, h, w) and name != "heatmap_silence")
        if not ok:
            raise ValueError(f"{name} must be (N={n}, 1, {h}, {w})" + ("" if name == "heatmap_silence" else " or (P, N, 1, h, w)") + f", got {a.shape}")
        tensors[name] = ("F32", a)
    for name, (_, a) in tensors.items():
        if not np.isfinite(a).all():
            raise ValueError(f"{name} holds NaN or infinite values")
    if bboxes is not None and masks is not None:
        raise ValueError("give bboxes or masks, not both")
    if bboxes is not None:
        if isinstance(bboxes, (list, tuple)) and bboxes and not hasattr(bboxes[0], "shape") and isinstance(bboxes[0], (list, tuple)) \
                and bboxes[0] and isinstance(bboxes[0][0], (list, tuple)):
            k = max(1, max(len(b) for b in bboxes))  # ragged list of per-sample box lists: pad with zeros
            bboxes = [list(b) + [[0, 0, 0, 0]] * (k - len(b)) for b in bboxes]
        b = _array(bboxes).astype("<i4")
        if b.ndim != 3 or b.shape[0] != n or b.shape[2] != 4:
            raise ValueError(f"bboxes must be (N={n}, K, 4), got {b.shape}")
        tensors["bboxes"] = ("I32", b)
    if masks is not None:
        m = (_array(masks) >= 1).astype("u1") if _array(masks).dtype != np.uint8 else _array(masks)
        if m.shape != (n, 224, 224):
            raise ValueError(f"masks must be (N={n}, 224, 224), got {m.shape}")
        tensors["masks"] = ("U8", m)
    for name, x in (("visual_embedding", visual_embedding), ("audio_embedding", audio_embedding), ("retrieval", retrieval)):
        a = _array(x)
        if a is None:
            continue
        a = a.astype("<f4")
        if a.ndim != 2 or a.shape[0] != n or (name == "retrieval" and a.shape[1] != n):
            raise ValueError(f"{name} must be (N={n}, {'N' if name == 'retrieval' else 'D'}), got {a.shape}")
        tensors[name] = ("F32", a)
    meta = {}
    if family:
        meta["family"] = str(family)
    for key, v in (("names", names), ("labels", labels), ("scenes", scenes)):
        if v is not None:
            v = [str(s) for s in v]
            if len(v) != n:
                raise ValueError(f"{key} must list {n} strings, got {len(v)}")
            meta[key] = json.dumps(v)
    if offscreen_sources is not None:
        p = tensors["heatmap_offscreen"][1].shape[0] if "heatmap_offscreen" in tensors and tensors["heatmap_offscreen"][1].ndim == 5 else 1
        src = [[str(s) for s in row] for row in offscreen_sources]
        if "heatmap_offscreen" not in tensors or len(src) != n or any(len(row) != p for row in src):
            raise ValueError(f"offscreen_sources must list, for each of the {n} samples, the {p} names its off-screen passes played")
        meta["offscreen_sources"] = json.dumps(src)
    if post_processing is not None and len(str(post_processing).split(",")) != 3:
        raise ValueError(f"post_processing must be 'upsampler,scale,comparison', got {post_processing!r}")
    for key, v in (("post_processing", post_processing), ("testset", testset)):
        if v is not None:
            meta[key] = str(v)
    header, blobs, offset = ({"__metadata__": meta} if meta else {}), [], 0
    for name, (dtype, a) in tensors.items():
        b = np.ascontiguousarray(a).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(hb)))
            f.write(hb)
            for b in blobs:
                f.write(b)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return n, (h, w), sorted(tensors)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    types = {"F32": "<f4", "I32": "<i4", "I64": "<i8", "U8": "u1"}
    out = {}
    for k, v in header.items():
        if k == "__metadata__" or v["dtype"] not in types:
            continue
        a, b = v["data_offsets"]
        out[k] = np.frombuffer(data[a:b], dtype=types[v["dtype"]]).reshape(v["shape"])
    return out, header.get("__metadata__", {})


def load_input(path):
    if path.endswith(".npz"):
        z = np.load(path, allow_pickle=False)
        return {k: z[k] for k in z.files}, {}
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    import torch
    obj = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(obj, dict):
        sys.exit(f"{path}: expected a dict of tensors, got {type(obj).__name__}")
    return obj, {}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", nargs="?", help=".pt (torch.save dict) or .npz with heatmap, heatmap_silence, ...")
    ap.add_argument("output", nargs="?", help="output .safetensors")
    ap.add_argument("--check", help="a maps file (e.g. golden metrics_inputs.safetensors) to rewrite and compare")
    ap.add_argument("--sslsan", help="sslsan binary for --check")
    ap.add_argument("--family", help="the maps' sslsan family (its vssl_eval post-processing), e.g. ez-vsl")
    ap.add_argument("--post-processing", help="'upsampler,scale,comparison', e.g. alignCorners,halfCosine,float32")
    ap.add_argument("--testset", help="'vggss' for LVS / SSL-Align maps of VGG-SS")
    a = ap.parse_args()
    if a.check:
        if not a.sslsan:
            sys.exit("--check needs --sslsan")
        d, meta = read_safetensors(a.check)
        out = os.path.join(tempfile.mkdtemp(prefix="sslsan-maps-"), "rewritten.safetensors")
        lists = {k: json.loads(meta[k]) for k in ("names", "labels", "scenes", "offscreen_sources") if k in meta}
        write_maps(out, d["heatmap"], d.get("heatmap_silence"), d.get("heatmap_noise"), d.get("heatmap_offscreen"),
                   bboxes=d.get("bboxes"), masks=d.get("masks"), family=meta.get("family"),
                   post_processing=meta.get("post_processing"), testset=meta.get("testset"),
                   visual_embedding=d.get("visual_embedding"), audio_embedding=d.get("audio_embedding"), retrieval=d.get("retrieval"), **lists)
        runs = [subprocess.run([a.sslsan, "eval", "--maps", p], capture_output=True, text=True) for p in (a.check, out)]
        same = all(r.returncode == 0 for r in runs) and runs[0].stdout == runs[1].stdout
        print(runs[1].stdout if same else "".join(r.stdout + r.stderr for r in runs))
        print("OK: sslsan eval --maps prints the same table for both files" if same else "NOT OK: the tables differ")
        sys.exit(0 if same else 1)
    if not (a.input and a.output):
        ap.error("give INPUT and OUTPUT, or --check")
    d, meta = load_input(a.input)
    if "heatmap" not in d:
        sys.exit(f"{a.input}: no 'heatmap' (expected {', '.join(MAPS)}, bboxes or masks, names, labels, scenes, family)")
    try:
        extra = {k: d.get(k) for k in ("names", "labels", "scenes", "family", "visual_embedding", "audio_embedding", "retrieval", "offscreen_sources")}
        if a.family is not None:
            extra["family"] = a.family
        n, hw, names = write_maps(a.output, d["heatmap"], d.get("heatmap_silence"), d.get("heatmap_noise"), d.get("heatmap_offscreen"),
                                  bboxes=d.get("bboxes"), masks=d.get("masks"), post_processing=a.post_processing, testset=a.testset,
                                  **extra)
    except ValueError as e:
        sys.exit(f"{a.input}: {e}")
    print(f"wrote {a.output}: {n} samples, maps {hw[0]}x{hw[1]}, {', '.join(names)}")


if __name__ == "__main__":
    main()
