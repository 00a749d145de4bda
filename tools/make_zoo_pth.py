#!/usr/bin/env python3
"""Writes one checkpoint per zoo family in the container its authors released, filled with the
golden sets' deterministic weights (zoo_weights.fill), so a user's first run can be tried without
downloading anything:

    /work/torchenv/bin/python tools/make_zoo_pth.py ../shared/golden/zoo OUT_DIR
    sslsan inspect OUT_DIR/ezvsl_best.pth
    sslsan eval --checkpoint OUT_DIR/ezvsl_best.pth --data samples --passes 1
    sslsan explore --checkpoint OUT_DIR/lvs.pth.tar

Containers follow each family's keys.txt header (the released save/load code cited there):
LVS `model_state_dict` with `module.` keys; SSL-Align `model_state_dict` without a prefix; EZ-VSL and
SLAVC `model` (DDP, `module.`) + optimizer + epoch + best scores; FNAC `model` without a prefix;
RCGrad a flat dict. Needs PyTorch (a scratch venv); the project's tests never run this.
"""
import collections, math, os, sys
import numpy as np
import torch

zoo_dir, out = sys.argv[1], sys.argv[2]
sys.path.insert(0, zoo_dir)
import zoo_weights  # noqa: E402

os.makedirs(out, exist_ok=True)


def state_dict(family):
    """OrderedDict of the family's keys as stored in its released file, filled like the golden set."""
    sd = collections.OrderedDict()
    for line in open(os.path.join(zoo_dir, family, "keys.txt")):
        if line.startswith("#") or not line.strip():
            continue
        cols = line.rstrip("\n").split("\t")
        key, shape, dtype = cols[0], tuple(int(s) for s in cols[1].strip("[]").split(",") if s.strip()), cols[2]
        stored = cols[3] if len(cols) > 3 and cols[3] else key
        if dtype.lower() in ("i64", "int64"):
            sd[stored] = torch.zeros(shape, dtype=torch.int64)
            continue
        owner = key.rsplit(".", 1)[0]
        is_bn = key.endswith(("running_mean", "running_var")) or (key.endswith(".weight") and len(shape) == 1)
        v = zoo_weights.values(key, shape, is_bn, 0)
        sd[stored] = torch.from_numpy(v) if v is not None else torch.zeros(shape)
    return sd


def prefixed(sd, prefix):
    return collections.OrderedDict((k if k.startswith(prefix) else prefix + k, v) for k, v in sd.items())


def unprefixed(sd, prefix):
    return collections.OrderedDict((k[len(prefix):] if k.startswith(prefix) else k, v) for k, v in sd.items())


def optimizer(sd):
    n = sum(1 for v in sd.values() if v.is_floating_point())
    return {"state": {}, "param_groups": [{"lr": 1e-4, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0,
                                           "amsgrad": False, "params": list(range(n))}]}


files = {
    "lvs.pth.tar": {"model_state_dict": prefixed(unprefixed(state_dict("lvs"), "module."), "module.")},
    "sslalign.pth.tar": {"model_state_dict": unprefixed(state_dict("sslalign"), "module.")},
    "ezvsl_best.pth": (lambda sd: {"model": prefixed(sd, "module."), "optimizer": optimizer(sd), "epoch": 20,
                                   "best_cIoU": 0.38, "best_Auc": 0.39})(unprefixed(state_dict("ezvsl"), "module.")),
    "fnac_best.pth": (lambda sd: {"model": sd, "optimizer": optimizer(sd), "epoch": 20,
                                  "best_cIoU": 0.39, "best_Auc": 0.40})(unprefixed(state_dict("fnac"), "module.")),
    "slavc_best.pth": (lambda sd: {"model": prefixed(sd, "module."), "optimizer": optimizer(sd), "epoch": 20,
                                   "best_Precision": 0.4, "best_AP": 0.5, "best_F1": 0.45})(unprefixed(state_dict("slavc"), "module.")),
    "rc_grad.pt": state_dict("rcgrad"),
}
for name, obj in files.items():
    torch.save(obj, os.path.join(out, name))
    print(name, os.path.getsize(os.path.join(out, name)))
# The legacy (pre-1.6) format too, for one of them.
torch.save(files["lvs.pth.tar"], os.path.join(out, "lvs_legacy.pth.tar"), _use_new_zipfile_serialization=False)
print("lvs_legacy.pth.tar", os.path.getsize(os.path.join(out, "lvs_legacy.pth.tar")))
