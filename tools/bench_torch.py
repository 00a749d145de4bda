#!/usr/bin/env python3
"""PyTorch CPU reference timings for `sslsan bench`, to be run right after it on the same machine.

    python tools/bench_torch.py [--threads 2] [--batches 8] [--steps 5] [--config full] [--no-equivariance]
                                [--sections training,eval] [--eval-batches 1,16] [--eval-repeats 7]
                                [--golden ../shared/golden] [--out FILE] [--sslsan .build/release/sslsan]

With `--sslsan BIN` it first runs `BIN bench` for the same sections (training, engine for eval), config,
`--eval-batches`, `--eval-repeats` and `--threads` (sslsan's own bench, unchanged), then the PyTorch timings,
and adds `sslsan` (its JSON) and `ratios` (sslsan time / PyTorch time: training s/sample per batch, eval
medians and minima) to the report: one run, same machine.

Prints one JSON object (keys in the style of `sslsan bench`):
* `training`: seconds per sample of one train step at each batch, measured like sslsan's TrainingBench
  (Sources/Core/Bench/TrainingBench.swift): random inputs of the config's shapes (images N(0,1),
  positive log-mel N(-30, 20), silence constant -100, noise log-mel N(-10, 5)), train mode, the SSL-SaN
  objective without the equivariance branch (imgnet once; audnet on positive, silence and noise as three
  forwards; L = L_cl + L_S + L_N; golden `core`), backward, torch.optim.Adam(lr 1e-4, wd 1e-4); one
  warm-up step, then `--steps` timed steps (zero_grad + forward + backward + Adam) and their median
  (`s_per_sample`) and mean (`s_per_sample_mean`; sslsan reports the mean of its timed steps).
  `train.<config>_equiv.*` repeats it with SSL-TIE's equivariance branch as sslsan's trainer runs it
  by default (second AVENet forward on T(images) at scale 0.5 -> 112 px, fixed angles, flip; golden `full`).
* `eval`: eval-mode forward (torch.inference_mode) at each of `--eval-batches` (1) of the image encoder (224 px
  image -> L2-normalised 14x14 map), the audio encoder (1x257x670 log-mel -> max-pooled, L2-normalised), and the
  pair with the similarity map; 1 warm-up, then `--eval-repeats` (7) timed runs (half as many, at least 3, above
  batch 1); median and min reported, and with `--sslsan` both ratios.
* `environment`: torch version and build, threads, CPU capability, lscpu flags (avx2, avx512f, ...),
  OPENBLAS_*/MKL_*/OMP_* variables, threadpoolctl's view of the BLAS/OpenMP libraries, load average.
  The machine may be shared: `cpu_s` (process CPU time of a step) / threads is what the wall time
  would be without other load, if the threads were never descheduled.

`--golden DIR` first replays the golden train step (DIR/train_step.safetensors on DIR/model.safetensors)
and reports the losses next to the stored ones, so the timed computation is known to be the reference's.
Needs torch (2.x, CPU build), numpy and safetensors (only for --golden); see tools/README.md.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ssl_tie_ref as ref  # noqa: E402


def cpu_flags():
    """lscpu model name and whether the SIMD extensions that pick kernels are there."""
    info = {}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        out = open("/proc/cpuinfo").read()
    flags = set()
    for line in out.splitlines():
        key, _, val = line.partition(":")
        key, val = key.strip(), val.strip()
        if key in ("Model name", "model name"):
            info["model_name"] = val
        if key in ("Flags", "flags"):
            flags |= set(val.split())
    for f in ("avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile", "avx_vnni"):
        info[f] = f in flags
    return info


def environment(threads):
    env = {k: v for k, v in os.environ.items()
           if k.startswith(("OPENBLAS", "MKL", "OMP", "KMP", "GOTO", "DNNL", "ONEDNN", "ATEN"))}
    d = {
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "torch_threads": torch.get_num_threads(),
        "requested_threads": threads,
        "torch_interop_threads": torch.get_num_interop_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "mkl": torch.backends.mkl.is_available(),
        "blas_info": next((p.split("=")[1] for p in torch.__config__.show().replace(",", "\n").split() if p.startswith("BLAS_INFO=")), "?"),
        "cuda_available": torch.cuda.is_available(),
        "lscpu": cpu_flags(),
        "nproc": os.cpu_count(),
        "env": env,
        "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE", "unset"),
        "openblas_l2_size_env": os.environ.get("OPENBLAS_L2_SIZE", "unset"),
        "load_average_1m_start": os.getloadavg()[0],
    }
    try:
        import numpy  # noqa: F401 (loads numpy's BLAS so threadpoolctl lists it)
        from threadpoolctl import threadpool_info
        d["threadpools"] = [{k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "threading_layer")}
                            | {"library": os.path.basename(p.get("filepath", ""))} for p in threadpool_info()]
    except ImportError:
        d["threadpools"] = "threadpoolctl not installed"
    return d


def timed(fn, warmup, repeats):
    """Wall and process-CPU seconds per call, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def stats_ms(wall, cpu, flop=None):
    w = sorted(x * 1000 for x in wall)
    q = statistics.quantiles(w, n=4, method="inclusive") if len(w) > 1 else [w[0]] * 3
    d = {"median_ms": round(statistics.median(w), 3), "min_ms": round(w[0], 3), "max_ms": round(w[-1], 3),
         "iqr_ms": round(q[2] - q[0], 3), "runs": len(w), "cpu_ms_median": round(statistics.median(cpu) * 1000, 3)}
    if flop:
        d["gflop"] = round(flop / 1e9, 3)
        d["gflops"] = round(flop / (statistics.median(w) / 1000) / 1e9, 3)
    return d


def conv_flop(module, x):
    """2 * multiply-adds of every Conv2d a forward of `module` on x runs (what sslsan's bench counts)."""
    total = [0]

    def hook(m, inp, out):
        total[0] += 2 * out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
    hs = [m.register_forward_hook(hook) for m in module.modules() if isinstance(m, nn.Conv2d)]
    with torch.inference_mode():
        module(x)
    for h in hs:
        h.remove()
    return total[0]


def bench_eval(cfg, repeats, batches=(1,)):
    torch.manual_seed(0)
    model = ref.AVENet(cfg).eval()
    g = torch.Generator().manual_seed(1)
    s = cfg["imageSize"]
    cases = {}
    for b in batches:
        # Larger batches use half as many timed runs (at least 3), as sslsan's EngineBench does.
        reps = repeats if b == 1 else max(3, repeats // 2)
        img = torch.randn(b, 3, s, s, generator=g)
        spec = torch.randn(b, 1, cfg["nMels"], cfg["frames"], generator=g) * 20 - 40
        fi, fa = conv_flop(model.imgnet, img), conv_flop(model.audnet, spec)
        with torch.inference_mode():
            cases[f"image_encoder_b{b}"] = stats_ms(*timed(lambda: model.encode_image(img), 1, reps), fi)
            cases[f"audio_encoder_b{b}"] = stats_ms(*timed(lambda: model.encode_audio(spec), 1, reps), fa)
            cases[f"full_pair_b{b}"] = stats_ms(*timed(lambda: ref.pair_map(model.encode_image(img), model.encode_audio(spec)), 1, reps), fi + fa)
    return {"config": cfg["name"], "image_input": [s, s], "audio_input": [cfg["nMels"], cfg["frames"]], "cases": cases}


def train_inputs(cfg, b, seed=7):
    g = torch.Generator().manual_seed(seed)
    s = cfg["imageSize"]
    shape = (b, 1, cfg["nMels"], cfg["frames"])
    return (torch.randn(b, 3, s, s, generator=g),
            torch.randn(*shape, generator=g) * 20 - 30,
            torch.full(shape, -100.0),
            torch.randn(*shape, generator=g) * 5 - 10)


def bench_train(cfg, b, steps, equivariance):
    torch.manual_seed(1)
    model = ref.AVENet(cfg).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4, weight_decay=1e-4)
    images, pos, sil, noise = train_inputs(cfg, b)
    s = cfg["imageSize"]
    # Fixed transform (scale 0.5 as in the golden step) so every timed step costs the same.
    tf = ref.Equivariance(([-20.0, 10.0, 30.0, -5.0] * b)[:b], 0.5, True, canvas=s) if equivariance else None

    def step():
        opt.zero_grad(set_to_none=True)
        parts = ref.loss_full(model, images, pos, sil, noise, tf) if tf else ref.loss_core(model, images, pos, sil, noise)
        parts["loss_total"].backward()
        opt.step()
        step.loss = parts["loss_total"].item()

    wall, cpu = timed(step, 1, steps)
    name = cfg["name"] + ("_equiv" if equivariance else "")
    k = f"train.{name}.b{b}"
    med = statistics.median(wall) / b
    return {f"{k}.s_per_sample": round(med, 4), f"{k}.samples_per_s": round(1 / med, 4),
            f"{k}.s_per_sample_mean": round(statistics.mean(wall) / b, 4),
            f"{k}.s_per_step": [round(x, 3) for x in wall],
            f"{k}.cpu_s_per_step_median": round(statistics.median(cpu), 3),
            f"{k}.last_loss": step.loss}


def golden_check(golden):
    """Replays the golden batch-4 train step (core and full) and returns our losses next to the stored ones."""
    from safetensors.torch import load_file
    cfg = ref.config_named("full")
    sd = load_file(os.path.join(golden, "model.safetensors"))
    ts = load_file(os.path.join(golden, "train_step.safetensors"))
    images = ref.normalise_image_u8(ts["images_u8"])
    pos, noise = ts["spec_pos"], ts["spec_noise"]
    sil = torch.full_like(pos, float(ts["spec_silence_value"][0]))
    out = {}
    for variant in ("core", "full"):
        model = ref.AVENet(cfg)
        model.load_state_dict(sd, strict=True)
        model.train()
        if variant == "core":
            parts = ref.loss_core(model, images, pos, sil, noise)
        else:
            tf = ref.Equivariance([-20.0, 10.0, 30.0, -5.0], 0.5, True)
            parts = ref.loss_full(model, images, pos, sil, noise, tf)
        parts["loss_total"].backward()
        g = dict(model.named_parameters())
        rel = {}
        for name in ("imgnet.layer4.1.bn2.weight", "audnet.bn1.bias", "imgnet.conv1.weight"):
            ref_g = ts[f"{variant}/grad/{name}"]
            rel[name] = float((g[name].grad - ref_g).norm() / ref_g.norm())
        worst = 0.0
        for k, v in parts.items():
            stored = float(ts[f"{variant}/{k}"][0])
            worst = max(worst, abs(v.item() - stored) / abs(stored))
        out[variant] = {"losses": {k: [v.item(), float(ts[f"{variant}/{k}"][0])] for k, v in parts.items()},
                        "max_rel_loss_diff": worst, "grad_rel_l2": rel,
                        "ok": worst <= (1e-5 if variant == "core" else 1e-4)}
    return out


def ratios(report):
    """sslsan time / PyTorch time for every case both sides measured (> 1: sslsan slower)."""
    r = {}
    st, tt = report["sslsan"].get("training", {}), report.get("training", {})
    for k, v in tt.items():
        if k.endswith(".s_per_sample") and k in st:
            r[k] = round(st[k] / v, 3)
    sc = report["sslsan"].get("engine", {}).get("cases", {})
    for k, v in report.get("eval", {}).get("cases", {}).items():
        if k in sc:
            r[f"eval.{k}.median_ms"] = round(sc[k]["median_ms"] / v["median_ms"], 3)
            r[f"eval.{k}.min_ms"] = round(sc[k]["min_ms"] / v["min_ms"], 3)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (intra-op); default 2 = this machine's cores")
    ap.add_argument("--config", default="full", choices=sorted(ref.PRESETS))
    ap.add_argument("--batches", default="8", help="comma-separated training batch sizes (sslsan's bench also runs 32)")
    ap.add_argument("--steps", type=int, default=5, help="timed training steps after one warm-up (median reported)")
    ap.add_argument("--eval-repeats", type=int, default=7)
    ap.add_argument("--eval-batches", default="1", help="comma-separated eval batch sizes (e.g. 1,16)")
    ap.add_argument("--no-equivariance", action="store_true", help="skip the SSL-TIE equivariance-branch variant")
    ap.add_argument("--sections", default="training,eval", help="training, eval (comma-separated)")
    ap.add_argument("--golden", help="golden folder: replay its train step first and report the losses")
    ap.add_argument("--out", help="also write the JSON here")
    ap.add_argument("--sslsan", help="sslsan binary: run its bench first (same config) and report sslsan/PyTorch ratios")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    cfg = ref.config_named(a.config)
    sections = {s.strip() for s in a.sections.split(",")}
    report = {"environment": environment(a.threads), "config": cfg["name"]}
    if a.sslsan:
        # sslsan's bench for the same sections, shapes and repeats as the PyTorch timings below.
        wanted = [x for x, y in (("training", "training"), ("engine", "eval")) if y in sections]
        cmd = [a.sslsan, "bench", "--sections", ",".join(wanted), "--train-configs", cfg["name"],
               "--config", cfg["name"], "--batch", a.eval_batches, "--repeats", str(a.eval_repeats),
               "--threads", str(a.threads), "--json"]
        t0 = time.time()
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"{a.sslsan}: bench failed (status {out.returncode}): {out.stderr.strip()[-500:]}")
        report["sslsan"] = json.loads(out.stdout)
        report["sslsan_command"] = " ".join(cmd)
        report["sslsan_wall_s"] = round(time.time() - t0, 1)
        report["environment"]["load_average_1m_after_sslsan"] = os.getloadavg()[0]
    if a.golden:
        report["golden_check"] = golden_check(a.golden)
    if "training" in sections:
        tr = {"train.threads": torch.get_num_threads(), "train.optimizer": "torch.optim.Adam(lr=1e-4, weight_decay=1e-4)",
              "train.warmup_steps": 1, "train.timed_steps": a.steps}
        for b in [int(x) for x in a.batches.split(",") if x.strip()]:
            tr |= bench_train(cfg, b, a.steps, equivariance=False)
            if not a.no_equivariance:
                tr |= bench_train(cfg, b, a.steps, equivariance=True)
        report["training"] = tr
    if "eval" in sections:
        report["eval"] = bench_eval(cfg, a.eval_repeats, [int(x) for x in a.eval_batches.split(",") if x.strip()])
    report["environment"]["load_average_1m_end"] = os.getloadavg()[0]
    # libgomp threads spin while waiting; with other load on the cores one descheduled thread stalls the
    # rest (measured here: demo image encoder 6.8 ms with 1 thread, 640 ms with 2 under load ~3).
    busy = max(report["environment"]["load_average_1m_start"], report["environment"]["load_average_1m_end"]) > 0.5
    report["environment"]["machine_busy_warning"] = (
        "load average > 0.5 while timing: the numbers are not an idle-machine comparison"
        + ("" if os.environ.get("OMP_WAIT_POLICY") else "; PyTorch's OpenMP spin-waiting is hit hardest (try OMP_WAIT_POLICY=PASSIVE)")
    ) if busy else None
    if a.sslsan:
        report["ratios"] = ratios(report)
    text = json.dumps(report, indent=2, sort_keys=True)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
