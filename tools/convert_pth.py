#!/usr/bin/env python3
"""Convert SSL-TIE / SSL-SaN checkpoints between PyTorch (.pth/.pth.tar/.pt) and sslsan safetensors.

    python3 tools/convert_pth.py IN.pth.tar OUT.safetensors [--config NAME] [--no-strict]
    python3 tools/convert_pth.py IN.safetensors OUT.pth.tar [--prefix module.] [--legacy]

The direction follows the input's content (safetensors header or torch.save file).

PyTorch -> sslsan: torch.load(weights_only=True) (a checkpoint is untrusted input: nothing but
tensors is unpickled); the state dict is taken from 'state_dict' (SSL-TIE's main.py), 'model_state_dict'
or 'model', else the top level; 'module.' prefixes (DataParallel / DistributedDataParallel) are
stripped; the optimizer and other entries are dropped. sslsan reads .pth files itself (`sslsan inspect`,
`--checkpoint X.pth.tar`), so this direction is only needed to hand a file to safetensors tools.

sslsan -> PyTorch: writes SSL-TIE's container {'epoch', 'state_dict', 'sslsan_metadata'} (main.py's
layout; `--prefix module.` for code that expects a DDP-wrapped model's keys; `--legacy` for torch < 1.6's
format). 'sslsan_metadata' carries the model configuration (`sslsan.config`), so sslsan reads the
reduced presets back exactly.

Both ways the tensors go through the reference AVENet (tools/ssl_tie_ref.py, SSL-TIE's module names)
with load_state_dict(strict=True): every key and shape must be the reference's. A file without the
17 tensors AVENet holds but never uses (stems of the other modality, fc, vision_fc1, conv3, norm3;
older sslsan trainers omitted them) gets them from the reference's initialisation, with a note; they
do not change any output. `--no-strict` turns the remaining errors into warnings (pth -> safetensors only).
Written files are replaced atomically. Needs torch (scratch venv, see tools/README.md).
"""
import argparse
import json
import os
import struct
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ssl_tie_ref as ref  # noqa: E402

CONTAINER_KEYS = ("state_dict", "model_state_dict", "model")
METADATA_KEY = "sslsan_metadata"
UNUSED_TOP = ("vision_fc1.", "conv3.", "norm3.")
UNUSED_IN_ENCODER = {"imgnet": ("conv1_a.", "conv1_flow.", "fc."), "audnet": ("conv1.", "conv1_flow.", "fc.")}


def is_unused(key):
    head, _, rest = key.partition(".")
    return key.startswith(UNUSED_TOP) or rest.startswith(UNUSED_IN_ENCODER.get(head, ()))


def is_safetensors(path):
    with open(path, "rb") as f:
        head = f.read(9)
    return len(head) == 9 and head[8:9] == b"{"


# ------------------------------------------------------------------ reading

def read_pth(path):
    """(state_dict without prefix, metadata dict, description) of a torch.save file."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        sys.exit(f"{path}: cannot load with weights_only=True ({type(e).__name__}: {str(e).splitlines()[0]})")
    meta = {}
    where = "top level"
    if isinstance(obj, dict):
        if isinstance(obj.get(METADATA_KEY), dict):
            meta = {str(k): str(v) for k, v in obj[METADATA_KEY].items()}
        for key in CONTAINER_KEYS:
            if isinstance(obj.get(key), dict):
                obj, where = obj[key], f"'{key}'"
                break
    if not isinstance(obj, dict) or not any(torch.is_tensor(v) for v in obj.values()):
        sys.exit(f"{path}: no state dict found under {', '.join(CONTAINER_KEYS)} or at the top level")
    sd, prefixed = {}, False
    for k, v in obj.items():
        if not torch.is_tensor(v):
            continue
        if k.startswith("module."):
            k, prefixed = k[len("module."):], True
        sd[k] = v.detach()
    return sd, meta, f"tensors at {where}" + (", 'module.' stripped" if prefixed else "")


def read_safetensors(path):
    from safetensors.torch import load_file
    try:
        return load_file(path), ref.safetensors_metadata(path)
    except Exception as e:
        sys.exit(f"{path}: cannot read as safetensors ({type(e).__name__}: {e})")


def config_for(sd, meta, name, path):
    """Model configuration: --config, else the sslsan.config metadata, else the full model when the
    widths are the full ones (a PyTorch-trained SSL-TIE); other widths need --config."""
    if name:
        return ref.config_named(name), f"--config {name}"
    if "sslsan.config" in meta:
        c = json.loads(meta["sslsan.config"])
        return ref.finish_config(c), f"sslsan.config metadata ({c.get('name', '?')})"
    try:
        widths = [int(sd[f"imgnet.layer{i}.0.conv1.weight"].shape[0]) for i in range(1, 5)]
    except KeyError:
        sys.exit(f"{path}: not an SSL-TIE AVENet state dict (no imgnet.layer1..4 keys)")
    if widths != [64, 128, 256, 512]:
        sys.exit(f"{path}: widths {widths} are not the full model's and the file has no sslsan.config; "
                 f"give --config ({', '.join(ref.PRESETS)})")
    return ref.config_named("full"), "full (from the layer widths)"


def strict_load(sd, cfg, path, strict=True):
    """The reference AVENet with `sd` loaded by load_state_dict(strict=True). Never-used tensors the
    file lacks come from the reference's initialisation (note printed); anything else missing,
    unexpected or mis-shaped is an error (a warning with strict=False)."""
    torch.manual_seed(0)
    model = ref.AVENet(cfg)
    expected = model.state_dict()
    missing = [k for k in expected if k not in sd]
    unexpected = [k for k in sd if k not in expected]
    shapes = [f"{k} {list(sd[k].shape)} (reference {list(expected[k].shape)})" for k in expected if k in sd and sd[k].shape != expected[k].shape]
    filled = [k for k in missing if is_unused(k)]
    problems = []
    if [k for k in missing if not is_unused(k)]:
        problems.append("missing: " + ", ".join(k for k in missing if not is_unused(k)))
    if unexpected:
        problems.append("unexpected: " + ", ".join(unexpected))
    if shapes:
        problems.append("wrong shape: " + ", ".join(shapes))
    if problems:
        msg = f"{path}: does not fit SSL-TIE's AVENet ({cfg['name']}): " + "; ".join(problems)
        if strict:
            sys.exit(msg)
        sys.stderr.write("warning: " + msg + "\n")
    full = dict(expected)
    full.update({k: v.to(expected[k].dtype) for k, v in sd.items() if k in expected and v.shape == expected[k].shape})
    model.load_state_dict(full, strict=True)
    if filled:
        sys.stderr.write(f"note: {len(filled)} never-used tensors were absent and come from the reference initialisation: "
                         + ", ".join(filled) + "\n")
    return model, filled


# ------------------------------------------------------------------ writing

def config_json(cfg):
    """sslsan's ModelConfig as JSON (the `sslsan.config` metadata; absent means full)."""
    keys = ("name", "widths", "imageSize", "sampleRate", "clipSeconds", "nFFT", "hop", "nMels", "epsilon", "epsilon2", "tau", "temperature")
    return json.dumps({k: cfg[k] for k in keys} | {"negativesInDB": True}, sort_keys=True)


def atomic_write(path, write):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".tmp-")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the permissions open() would
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_safetensors(path, sd, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in sd.items():
        t = t.detach().cpu().contiguous()
        if t.dtype == torch.int64:
            dtype, b = "I64", t.numpy().astype("<i8").tobytes()
        else:
            dtype, b = "F32", t.to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)

    def write(f):
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    atomic_write(path, write)


def write_pth(path, sd, metadata, prefix="", legacy=False, epoch=0):
    ckpt = {"epoch": epoch, "state_dict": {prefix + k: v.clone() for k, v in sd.items()}, METADATA_KEY: dict(metadata)}
    atomic_write(path, lambda f: torch.save(ckpt, f, _use_new_zipfile_serialization=not legacy))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", help=".pth / .pth.tar / .pt, or .safetensors")
    ap.add_argument("output", help=".safetensors, or .pth / .pth.tar / .pt")
    ap.add_argument("--config", help="sslsan model configuration when the file does not say (full, demo, demo224)")
    ap.add_argument("--no-strict", action="store_true", help="pth -> safetensors: warn instead of failing on missing/unexpected keys")
    ap.add_argument("--prefix", default="", help="safetensors -> pth: prefix for every key (module. = a DDP-wrapped model's keys)")
    ap.add_argument("--legacy", action="store_true", help="safetensors -> pth: torch < 1.6's non-zip format")
    args = ap.parse_args()
    if is_safetensors(args.input):
        sd, meta = read_safetensors(args.input)
        cfg, how = config_for(sd, meta, args.config, args.input)
        model, filled = strict_load(sd, cfg, args.input)
        keep = {k: v for k, v in meta.items() if k.startswith("sslsan.")}
        if "sslsan.config" not in keep and cfg["name"] != "full":
            keep["sslsan.config"] = config_json(cfg)
        keep["sslsan.source"] = os.path.basename(args.input)
        write_pth(args.output, model.state_dict(), keep, prefix=args.prefix, legacy=args.legacy)
        print(f"wrote {args.output}: {len(model.state_dict())} tensors in 'state_dict' ({how}; strict=True load OK"
              + (f", {len(filled)} never-used tensors filled" if filled else "") + ")")
    else:
        sd, meta, where = read_pth(args.input)
        cfg, how = config_for(sd, meta, args.config, args.input)
        model, filled = strict_load(sd, cfg, args.input, strict=not args.no_strict)
        out = {k: v for k, v in meta.items() if k.startswith("sslsan.")}
        if "sslsan.config" not in out and cfg["name"] != "full":
            out["sslsan.config"] = config_json(cfg)
        out["sslsan.source"] = os.path.basename(args.input)
        write_safetensors(args.output, model.state_dict(), out)
        print(f"wrote {args.output}: {len(model.state_dict())} tensors ({where}; {how}; strict=True load OK"
              + (f", {len(filled)} never-used tensors filled" if filled else "") + ")")


if __name__ == "__main__":
    main()
