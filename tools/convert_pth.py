#!/usr/bin/env python3
"""Convert a PyTorch SSL-TIE / SSL-SaN checkpoint (.pth/.pt) to the sslsan safetensors layout.

Accepts {"state_dict": {...}} (as SSL-TIE's main.py saves it), {"model": {...}} or a bare
state_dict; strips "module." prefixes (nn.DataParallel). Writes every tensor in the file's key
order as float32 (num_batches_tracked stays int64). The model configuration is inferred from the
tensor shapes and stored under the `sslsan.config` metadata key when it is not the full model.

    python3 tools/convert_pth.py checkpoint.pth.tar out.safetensors [--keep-unknown]

Needs torch (imported only when run) and, optionally, the `safetensors` package; without it the
file is written by a small built-in writer.
"""
import argparse
import json
import os
import struct
import sys
import tempfile

EXPECTED_PREFIXES = ("imgnet.", "audnet.", "vision_fc1.", "conv3.", "norm3.")


def load_state_dict(path):
    import torch  # noqa: only needed when converting

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # older checkpoints may hold argparse Namespace objects
        obj = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(obj, dict):
        for key in ("state_dict", "model", "model_state_dict"):
            if key in obj and isinstance(obj[key], dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj:
        sys.exit(f"{path}: no state_dict found (keys: {list(obj)[:10] if isinstance(obj, dict) else type(obj).__name__})")
    out = {}
    for k, v in obj.items():
        if not hasattr(v, "dtype"):
            continue
        while k.startswith("module."):
            k = k[len("module."):]
        out[k] = v
    return out


def infer_config(sd):
    """Widths from layer1..4 conv weights; None means the full network (no metadata needed)."""
    try:
        widths = [int(sd[f"imgnet.layer{i}.0.conv1.weight"].shape[0]) for i in range(1, 5)]
    except KeyError:
        return None
    return None if widths == [64, 128, 256, 512] else widths


def to_bytes(t):
    import torch

    t = t.detach().cpu().contiguous()
    if t.dtype == torch.int64:
        return "I64", t.numpy().astype("<i8").tobytes()
    return "F32", t.to(torch.float32).numpy().astype("<f4").tobytes()


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        dtype, b = to_bytes(t)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(h)))
            f.write(h)
            for b in blobs:
                f.write(b)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", help="PyTorch .pth / .pt / .pth.tar")
    ap.add_argument("output", help="output .safetensors")
    ap.add_argument("--keep-unknown", action="store_true", help="also copy keys outside AVENet's state_dict")
    args = ap.parse_args()
    sd = load_state_dict(args.input)
    if not args.keep_unknown:
        sd = {k: v for k, v in sd.items() if k.startswith(EXPECTED_PREFIXES)}
    if not any(k.startswith("imgnet.") for k in sd) or not any(k.startswith("audnet.") for k in sd):
        sys.exit(f"{args.input}: not an SSL-TIE AVENet checkpoint (no imgnet.* / audnet.* keys)")
    metadata = {"sslsan.source": os.path.basename(args.input)}
    widths = infer_config(sd)
    if widths is not None:
        sys.stderr.write(f"note: widths {widths} differ from the full model; writing a 'converted' configuration.\n"
                         "      Check image size / clip length in the metadata before use.\n")
        metadata["sslsan.config"] = json.dumps({
            "name": "converted", "widths": widths, "imageSize": 224, "sampleRate": 16000, "clipSeconds": 10.0,
            "nFFT": 512, "hop": 239, "nMels": 257, "epsilon": 0.65, "epsilon2": 0.4, "tau": 0.03,
            "temperature": 0.07, "negativesInDB": True}, sort_keys=True)
    write_safetensors(args.output, sd, metadata)
    print(f"wrote {args.output}: {len(sd)} tensors")


if __name__ == "__main__":
    main()
