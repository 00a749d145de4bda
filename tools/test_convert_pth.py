#!/usr/bin/env python3
"""Round trip sslsan <-> PyTorch through tools/convert_pth.py, checked with strict=True (issue 12 item 4).

    /work/torchenv/bin/python tools/test_convert_pth.py [--sslsan .build/release/sslsan] [--checkpoint samples/demo.safetensors]

1. sslsan -> PyTorch: CHECKPOINT -> demo.pth.tar (SSL-TIE container) and a DDP-style legacy file
   (keys 'module.*', torch < 1.6 format); each loads with torch.load(weights_only=True) into the
   reference AVENet with load_state_dict(strict=True).
2. PyTorch -> sslsan: demo.pth.tar -> back.safetensors; every tensor the checkpoint had is
   bit-identical, and the configuration metadata survives.
3. A PyTorch "training" step (one SGD step on the reference model, as a DDP job would produce)
   saved as {'epoch', 'model_state_dict' (module.*), 'optimizer'} comes into sslsan both ways.
4. With --sslsan: sslsan reads the .pth files itself: `inspect --dump` equals the converter's
   tensors, and `infer --dump` on the .pth.tar, the DDP legacy file and the original safetensors
   gives the same sim_map bit for bit; the trained file's map equals the reference model's forward
   within 2e-5 (the golden end-to-end tolerance).
Exit status 0 when every check passes.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import convert_pth as conv  # noqa: E402
import ssl_tie_ref as ref  # noqa: E402

FAILED = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        FAILED.append(what)


def run(*cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout + r.stderr)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sslsan", help="sslsan binary (adds the checks of step 4)")
    ap.add_argument("--checkpoint", default=os.path.join(HERE, "..", "samples", "demo.safetensors"))
    a = ap.parse_args()
    from safetensors.torch import load_file
    tmp = tempfile.mkdtemp(prefix="sslsan-convert-")
    src = a.checkpoint
    orig, meta = load_file(src), ref.safetensors_metadata(src)
    py = sys.executable
    script = os.path.join(HERE, "convert_pth.py")

    # 1. sslsan -> PyTorch
    pth = os.path.join(tmp, "demo.pth.tar")
    ddp = os.path.join(tmp, "demo_ddp_legacy.pth")
    check(run(py, script, src, pth).returncode == 0, "convert safetensors -> pth.tar")
    check(run(py, script, src, ddp, "--prefix", "module.", "--legacy").returncode == 0, "convert safetensors -> DDP legacy pth")
    cfg = conv.ref.finish_config(__import__("json").loads(meta["sslsan.config"])) if "sslsan.config" in meta else ref.config_named("full")
    for path, prefix in ((pth, ""), (ddp, "module.")):
        obj = torch.load(path, map_location="cpu", weights_only=True)
        sd = {k[len(prefix):]: v for k, v in obj["state_dict"].items()}
        check(all(k.startswith(prefix) for k in obj["state_dict"]), f"{os.path.basename(path)}: keys carry the prefix '{prefix}'")
        model = ref.AVENet(cfg)
        try:
            model.load_state_dict(sd, strict=True)
            check(True, f"{os.path.basename(path)}: load_state_dict(strict=True) into the reference AVENet ({len(sd)} keys)")
        except RuntimeError as e:
            check(False, f"{os.path.basename(path)}: strict load: {str(e).splitlines()[0]}")
        check(all(torch.equal(sd[k], v) for k, v in orig.items()), f"{os.path.basename(path)}: the {len(orig)} tensors of the original are bit-identical")
        check(obj["sslsan_metadata"].get("sslsan.config") == meta.get("sslsan.config"), f"{os.path.basename(path)}: sslsan.config carried")

    # 2. PyTorch -> sslsan
    back = os.path.join(tmp, "back.safetensors")
    check(run(py, script, pth, back).returncode == 0, "convert pth.tar -> safetensors")
    b, bmeta = load_file(back), ref.safetensors_metadata(back)
    check(all(torch.equal(b[k], v) for k, v in orig.items()), f"back.safetensors: the {len(orig)} original tensors are bit-identical")
    check(len(b) == len(ref.AVENet(cfg).state_dict()), f"back.safetensors: the full state_dict ({len(b)} keys)")
    check(bmeta.get("sslsan.config") == meta.get("sslsan.config"), "back.safetensors: sslsan.config survives the round trip")

    # 3. A model changed by PyTorch (one SGD step), saved the way LVS / DDP jobs save.
    model = ref.AVENet(cfg)
    model.load_state_dict(torch.load(pth, map_location="cpu", weights_only=True)["state_dict"])
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    torch.manual_seed(1)
    images = torch.randn(2, 3, cfg["imageSize"], cfg["imageSize"])
    spec = torch.randn(2, 1, cfg["nMels"], cfg["frames"])
    _, logits, _ = model(images, spec)
    torch.nn.functional.cross_entropy(logits, torch.zeros(2, dtype=torch.long)).backward()
    opt.step()
    trained = os.path.join(tmp, "trained_ddp.pth.tar")
    torch.save({"epoch": 1, "model_state_dict": {"module." + k: v for k, v in model.state_dict().items()},
                "optimizer": opt.state_dict(), "sslsan_metadata": {"sslsan.config": meta.get("sslsan.config", "")}}, trained)
    trained_st = os.path.join(tmp, "trained.safetensors")
    check(run(py, script, trained, trained_st).returncode == 0, "convert a PyTorch-trained DDP checkpoint -> safetensors")
    t = load_file(trained_st)
    check(all(torch.equal(t[k], v) for k, v in model.state_dict().items()), "trained.safetensors equals the trained model's state_dict")

    if a.sslsan:
        # 4. sslsan reads the .pth files directly.
        dump = os.path.join(tmp, "inspect.safetensors")
        r = run(a.sslsan, "inspect", pth, "--dump", dump)
        check(r.returncode == 0 and "family: SSL-TIE" in r.stdout and "problems: none" in r.stdout, "sslsan inspect demo.pth.tar: SSL-TIE, no problems")
        d = load_file(dump)
        sd = torch.load(pth, map_location="cpu", weights_only=True)["state_dict"]
        check(set(d) == set(sd) and all(torch.equal(d[k], sd[k]) for k in sd), "sslsan inspect --dump equals torch.load's state_dict")
        samples = os.path.join(HERE, "..", "samples")
        image = os.path.join(samples, "images", sorted(os.listdir(os.path.join(samples, "images")))[0])
        audio = os.path.join(samples, "audio", sorted(os.listdir(os.path.join(samples, "audio")))[0])
        maps = {}
        for name, ck in (("safetensors", src), ("pth.tar", pth), ("ddp legacy", ddp), ("trained", trained)):
            out = os.path.join(tmp, f"infer-{name.replace(' ', '_')}.safetensors")
            r = run(a.sslsan, "infer", "--checkpoint", ck, "--image", image, "--audio", audio, "--dump", out)
            check(r.returncode == 0, f"sslsan infer --checkpoint {os.path.basename(ck)}")
            if r.returncode == 0:
                maps[name] = load_file(out)
        if len(maps) == 4:
            check(torch.equal(maps["safetensors"]["sim_map"], maps["pth.tar"]["sim_map"]), "sim_map from .pth.tar == from .safetensors (bit for bit)")
            check(torch.equal(maps["safetensors"]["sim_map"], maps["ddp legacy"]["sim_map"]), "sim_map from the DDP legacy .pth == from .safetensors")
            model.eval()
            with torch.inference_mode():
                dd = maps["trained"]
                s = ref.pair_map(model.encode_image(dd["image"]), model.encode_audio(dd["logmel"]))
            diff = float((s - dd["sim_map"]).abs().max())
            check(diff <= 2e-5, f"trained .pth.tar: sslsan's sim_map vs the PyTorch model's, max |diff| {diff:.2e} (<= 2e-5)")
    print(f"{'OK' if not FAILED else 'NOT OK'} ({len(FAILED)} failed); files in {tmp}")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
