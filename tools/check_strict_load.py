#!/usr/bin/env python3
"""Does a safetensors checkpoint written by sslsan load into the reference SSL-TIE AVENet with
`load_state_dict(strict=True)`, and does that model compute the same maps?

    python tools/check_strict_load.py CHECKPOINT.safetensors [--dump DUMP.safetensors] [--golden DIR] [--json]

1. Builds AVENet (tools/ssl_tie_ref.py: SSL-TIE's module names, so 257 state_dict keys) for the model
   configuration in the file's `sslsan.config` metadata (no metadata = full; sslsan's reduced presets
   keep the same names with fewer channels, stems/fc/vision_fc1 following the widths as sslsan's
   checkpoint layout does) and loads the file with strict=True: prints OK, or the missing and
   unexpected keys and the shape mismatches.
2. Eval forward. With `--dump` (written by `sslsan infer --dump`, or the golden vectors.safetensors,
   which use the same names): feeds its `image` and `logmel` to the reference and compares `img_feat`,
   `aud_emb` and `sim_map` (abs 2e-5, the golden README's end-to-end tolerance). Without it, and for
   a 224 px model: DIR/input.png + DIR/input.wav (golden folder) through the SSL-TIE test front end
   written here (PNG already resized+cropped; tile, STFT, HTK mel, dB), and, when DIR/vectors.safetensors
   is there and the checkpoint is DIR/model.safetensors, compares with it.
Exit status 0 only when the strict load succeeded and every comparison made passed.
Needs torch, safetensors and (without --dump) Pillow in the scratch environment; see tools/README.md.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ssl_tie_ref as ref  # noqa: E402

TOL = 2e-5
# Tensors AVENet holds but no output uses (SPEC §3.4): a loader may ignore them, strict=True may not.
UNUSED_TOP = ("vision_fc1", "conv3", "norm3")
UNUSED_IN_ENCODER = {"imgnet": ("conv1_a", "conv1_flow", "fc"), "audnet": ("conv1", "conv1_flow", "fc")}


def config_of(path):
    meta = ref.safetensors_metadata(path)
    raw = meta.get("sslsan.config")
    if raw is None:
        return ref.config_named("full"), "no sslsan.config metadata: full"
    c = json.loads(raw)
    return ref.finish_config(c), f"sslsan.config metadata: {c.get('name', '?')} widths {c['widths']}"


def strict_load(model, sd):
    """load_state_dict(strict=True); on failure lists missing/unexpected keys and shape mismatches."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in sd]
    unexpected = [k for k in sd if k not in expected]
    shapes = [f"{k}: file {list(sd[k].shape)} vs model {list(expected[k].shape)}"
              for k in expected if k in sd and sd[k].shape != expected[k].shape]
    dtypes = [f"{k}: file {sd[k].dtype} vs model {expected[k].dtype}"
              for k in expected if k in sd and sd[k].dtype != expected[k].dtype]
    error = None
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        error = str(e).splitlines()[0]
    return {"ok": error is None, "keys_in_file": len(sd), "keys_in_model": len(expected),
            "missing": missing, "unexpected": unexpected, "shape_mismatch": shapes, "dtype_note": dtypes,
            "error": error}


def compare(name, ours, theirs):
    d = float((ours - theirs).abs().max())
    return {"tensor": name, "max_abs_diff": d, "ok": d <= TOL}


def read_png(path):
    from PIL import Image
    import numpy as np
    a = np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)
    return torch.from_numpy(a.copy()).permute(2, 0, 1).unsqueeze(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("--dump", help="sslsan infer --dump output (or golden vectors.safetensors)")
    ap.add_argument("--golden", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "golden"),
                    help="golden folder with input.png / input.wav / vectors.safetensors (default ../shared/golden)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from safetensors.torch import load_file

    try:
        cfg, how = config_of(a.checkpoint)
        sd = load_file(a.checkpoint)
    except Exception as e:  # unreadable header or tensor data: one line, the file named
        sys.exit(f"{a.checkpoint}: cannot read as safetensors ({type(e).__name__}: {e})")
    model = ref.AVENet(cfg)
    rep = {"checkpoint": a.checkpoint, "config": cfg["name"], "config_source": how, "torch": torch.__version__}
    rep["strict_load"] = strict_load(model, sd)
    checks = []
    sl = rep["strict_load"]
    # Only never-used tensors missing (sslsan's trainer writer omits them): still compare the maps with
    # strict=False so a layout gap is not mistaken for wrong weights; the verdict stays NOT OK.
    only_unused_missing = (not sl["ok"] and not sl["unexpected"] and not sl["shape_mismatch"]
                           and all(k.split(".")[0] in UNUSED_TOP or k.split(".")[1] in UNUSED_IN_ENCODER.get(k.split(".")[0], ())
                                   for k in sl["missing"]))
    if only_unused_missing:
        model.load_state_dict(sd, strict=False)
        rep["forward_with_strict_false"] = "only never-used tensors are missing; maps below use strict=False"
    if sl["ok"] or only_unused_missing:
        model.eval()
        with torch.inference_mode():
            if a.dump:
                d = load_file(a.dump)
                v, au = model.encode_image(d["image"]), model.encode_audio(d["logmel"])
                s = ref.pair_map(v, au)
                checks = [compare("img_feat", v, d["img_feat"]), compare("aud_emb", au, d["aud_emb"]), compare("sim_map", s, d["sim_map"])]
                rep["source"] = a.dump
            elif cfg["imageSize"] == 224:
                g = os.path.normpath(a.golden)
                wave, sr = ref.read_wav(os.path.join(g, "input.wav"))
                if sr != cfg["sampleRate"]:
                    sys.exit(f"{g}/input.wav: {sr} Hz, the model wants {cfg['sampleRate']} Hz (no resampler here; use --dump)")
                image = ref.normalise_image_u8(read_png(os.path.join(g, "input.png")))
                logmel = ref.log_mel(wave, cfg)
                v, au = model.encode_image(image), model.encode_audio(logmel)
                s = ref.pair_map(v, au)
                rep["source"] = f"{g}/input.png + input.wav through this script's front end"
                vec = os.path.join(g, "vectors.safetensors")
                same_model = os.path.exists(vec) and os.path.samefile(a.checkpoint, os.path.join(g, "model.safetensors"))
                if same_model and cfg["name"] == "full":
                    d = load_file(vec)
                    lm = float((logmel - d["logmel"]).abs().max())
                    checks = [{"tensor": "image", "max_abs_diff": float((image - d["image"]).abs().max()),
                               "ok": bool((image - d["image"]).abs().max() <= 1e-6)},
                              {"tensor": "logmel (dB)", "max_abs_diff": lm, "ok": lm <= 0.05},
                              compare("sim_map", s, d["sim_map"]), compare("aud_emb", au, d["aud_emb"])]
                flat = s.flatten()
                i = int(flat.argmax())
                rep["sim_map"] = {"shape": list(s.shape), "max": float(flat.max()), "min": float(flat.min()),
                                  "argmax_xy": [i % s.shape[-1], i // s.shape[-1]]}
            else:
                rep["note"] = (f"the front-end path covers 224 px models only ({cfg['name']} uses {cfg['imageSize']} px); "
                               "pass --dump from `sslsan infer --dump` to compare maps")
    rep["checks"] = checks
    ok = rep["strict_load"]["ok"] and all(c["ok"] for c in checks)
    rep["ok"] = ok
    if a.json:
        print(json.dumps(rep, indent=2))
    else:
        sl = rep["strict_load"]
        print(f"{a.checkpoint}: {how}; {sl['keys_in_file']} keys in file, {sl['keys_in_model']} in the reference state_dict")
        if sl["ok"]:
            print("strict load: OK")
        else:
            print(f"strict load: FAILED ({sl['error']})")
            for title in ("missing", "unexpected", "shape_mismatch"):
                if sl[title]:
                    print(f"  {title} ({len(sl[title])}): " + ", ".join(sl[title]))
        for t in sl["dtype_note"]:
            print(f"  note: dtype {t}")
        if "forward_with_strict_false" in rep:
            print(f"  ({rep['forward_with_strict_false']})")
        if "source" in rep:
            print(f"eval forward on {rep['source']}")
        if "sim_map" in rep:
            m = rep["sim_map"]
            print(f"  sim_map {m['shape']} max {m['max']:.6f} at (x {m['argmax_xy'][0]}, y {m['argmax_xy'][1]}) min {m['min']:.6f}")
        for c in checks:
            print(f"  {c['tensor']}: max |diff| {c['max_abs_diff']:.3e} {'ok' if c['ok'] else 'FAIL'}")
        if "note" in rep:
            print(f"  {rep['note']}")
        print("OK" if ok else "NOT OK")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
