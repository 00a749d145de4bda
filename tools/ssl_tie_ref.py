"""PyTorch reference of SSL-TIE's AVENet with the SSL-SaN loss terms, for tools/bench_torch.py and
tools/check_strict_load.py. Not used by the Swift package or its tests (they never need torch).

Written from SSL-TIE's models/model.py + networks/base_models.py (AVENet, ResNet-18 with layer4
stride 1) and utils/tf_equivariance_loss.py, following SPEC §3–§5 and the golden README. Module
and attribute names are SSL-TIE's, so `state_dict()` has the same 257 keys in the same order.
`widths` generalises the channel counts to sslsan's reduced presets the way sslsan's checkpoint
layout does (stems and fc follow widths[0] / widths[3]; fc keeps 1000 outputs; vision_fc1 is
2*w4 -> w4).
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

# sslsan's ModelConfig presets (Sources/Core/Model/ModelConfig.swift, ModelPresets.swift).
PRESETS = {
    "full": dict(widths=[64, 128, 256, 512], imageSize=224, sampleRate=16000, clipSeconds=10, nFFT=512, hop=239, nMels=257),
    "demo": dict(widths=[16, 32, 64, 128], imageSize=128, sampleRate=16000, clipSeconds=3, nFFT=512, hop=480, nMels=64),
    "demo224": dict(widths=[16, 32, 64, 128], imageSize=224, sampleRate=16000, clipSeconds=3, nFFT=512, hop=160, nMels=64),
}
HEAD = dict(epsilon=0.65, epsilon2=0.4, tau=0.03, temperature=0.07)


def config_named(name):
    cfg = dict(PRESETS[name], name=name, **HEAD)
    return finish_config(cfg)


def finish_config(cfg):
    """Adds the derived sizes sslsan computes (ModelConfig.windowSamples / frames / mapSize)."""
    cfg = dict(cfg)
    cfg["windowSamples"] = int(round(cfg["sampleRate"] * cfg["clipSeconds"]))
    cfg["frames"] = 1 + cfg["windowSamples"] // cfg["hop"]
    cfg["mapSize"] = cfg["imageSize"] // 16
    return cfg


# ---------------------------------------------------------------- network

def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(cout, cout)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """SSL-TIE's ResNet-18: three stems (only the modality's one is used), layer4 stride 1, unused fc."""

    def __init__(self, modal, widths=(64, 128, 256, 512)):
        super().__init__()
        self.modal = modal
        w0 = widths[0]
        self.conv1_a = nn.Conv2d(1, w0, 7, stride=2, padding=3, bias=False)
        self.conv1 = nn.Conv2d(3, w0, 7, stride=2, padding=3, bias=False)
        self.conv1_flow = nn.Conv2d(6, w0, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(w0)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.inplanes = w0
        self.layer1 = self._make_layer(widths[0], 1)
        self.layer2 = self._make_layer(widths[1], 2)
        self.layer3 = self._make_layer(widths[2], 2)
        self.layer4 = self._make_layer(widths[3], 1)   # SSL-TIE: stride 1 (14x14 map for 224 px)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))    # unused, holds no state
        self.fc = nn.Linear(widths[3], 1000)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, planes, stride):
        down = None
        if stride != 1 or self.inplanes != planes:
            down = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))
        blocks = [BasicBlock(self.inplanes, planes, stride, down), BasicBlock(planes, planes)]
        self.inplanes = planes
        return nn.Sequential(*blocks)

    def forward(self, x):
        x = self.conv1_a(x) if self.modal == "audio" else self.conv1(x)
        x = self.maxpool(self.relu(self.bn1(x)))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


class AVENet(nn.Module):
    """SSL-TIE AVENet (tri-map + hard negative head). `forward` returns (A, logits) like SSL-TIE's
    (A, logits, Pos, Neg, A0_ref) minus the parts no loss uses."""

    def __init__(self, cfg):
        super().__init__()
        w = cfg["widths"]
        self.cfg = cfg
        self.imgnet = ResNet("vision", w)
        self.audnet = ResNet("audio", w)
        self.avgpool = nn.AdaptiveMaxPool2d((1, 1))    # named avgpool in SSL-TIE, but a max pool
        self.vision_fc1 = nn.Conv2d(2 * w[3], w[3], 1)  # never called
        self.conv3 = nn.Conv2d(1, 1, 1)
        self.norm3 = nn.BatchNorm2d(1)                 # output discarded; running stats move in train mode
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.normal_(m.weight, mean=1, std=0.02)
                nn.init.constant_(m.bias, 0)

    def encode_image(self, image):
        return F.normalize(self.imgnet(image), dim=1)

    def encode_audio(self, spec):
        b = spec.shape[0]
        return F.normalize(self.avgpool(self.audnet(spec)).view(b, -1), dim=1)

    def logits(self, v, a):
        """SSL-TIE tri-map logits (B, B+2) from normalised visual maps v (B,C,h,w) and audio a (B,C)."""
        c = self.cfg
        b = v.shape[0]
        a0 = torch.einsum("nchw,kc->nkhw", v, a)
        A = torch.diagonal(a0, dim1=0, dim2=1).permute(2, 0, 1).unsqueeze(1)   # (B,1,h,w) = A0[n,n]
        pos = torch.sigmoid((A - c["epsilon"]) / c["tau"])
        neg = 1 - torch.sigmoid((A - c["epsilon2"]) / c["tau"])
        pos_all = torch.sigmoid((a0 - c["epsilon"]) / c["tau"])
        mask = 1 - 100 * torch.eye(b, dtype=v.dtype)
        easy = (pos_all * a0).flatten(2).sum(-1) / pos_all.flatten(2).sum(-1) * mask
        sim1 = (pos * A).flatten(2).sum(-1) / pos.flatten(2).sum(-1)
        sim2 = (neg * A).flatten(2).sum(-1) / neg.flatten(2).sum(-1)
        return A, torch.cat((sim1, easy, sim2), 1) / c["temperature"]

    def forward(self, image, spec):
        v, a = self.encode_image(image), self.encode_audio(spec)
        A, logits = self.logits(v, a)
        self.norm3(self.conv3(A))   # as AVENet.forward: computed, unused (moves norm3's running stats)
        return A, logits, v


def pair_map(v, a):
    """A[n] = <v[n,:,h,w], a[n]> -> (B,1,h,w)."""
    return torch.einsum("nchw,nc->nhw", v, a).unsqueeze(1)


def squared_map_loss(A):
    """SSL-SaN L_S / L_N: mean over the batch of the squared Frobenius norm of each map."""
    return A.pow(2).flatten(1).sum(1).mean()


# ---------------------------------------------------------------- equivariance transform (SSL-TIE T)

def rotation_matrices(angles_deg, scale, center):
    """kornia get_rotation_matrix2d: [[a, b, (1-a)cx - b cy], [-b, a, b cx + (1-a) cy]], a = s cos, b = s sin."""
    th = torch.tensor(angles_deg, dtype=torch.float32) * math.pi / 180
    a, b = scale * torch.cos(th), scale * torch.sin(th)
    cx = cy = float(center)
    return torch.stack([torch.stack([a, b, (1 - a) * cx - b * cy], -1),
                        torch.stack([-b, a, b * cx + (1 - a) * cy], -1)], 1)


class Equivariance:
    """SSL-TIE's TfEquivarianceLoss.transform with given parameters (T of SPEC §4.2)."""

    def __init__(self, angles_deg, scale, hflip, canvas=224):
        self.m = rotation_matrices(angles_deg, scale, canvas / 2)
        self.scale, self.hflip, self.canvas = scale, hflip, canvas
        # Sampling grid: dst pixel (u, v) reads src at M^-1 (u, v, 1), align_corners=True normalisation.
        full = torch.cat([self.m, torch.tensor([[[0.0, 0.0, 1.0]]]).expand(len(angles_deg), 1, 3)], 1)
        inv = torch.linalg.inv(full.double()).float()[:, :2]
        n = canvas
        ys, xs = torch.meshgrid(torch.arange(n, dtype=torch.float32), torch.arange(n, dtype=torch.float32), indexing="ij")
        pts = torch.stack([xs, ys, torch.ones_like(xs)], -1).view(1, -1, 3)
        src = pts @ inv.transpose(1, 2)
        self.grid = (src * 2 / (n - 1) - 1).view(-1, n, n, 2)

    @staticmethod
    def random(batch, max_angle=30, canvas=224, rng=None):
        import random as _random
        r = rng or _random
        scale = 1.0 if r.random() > 0.5 else 0.5
        angles = [r.randint(-max_angle, max_angle) for _ in range(batch)]
        return Equivariance(angles, scale, r.random() > 0.5, canvas)

    def __call__(self, x):
        h, w = x.shape[-2:]
        out = (int(h * self.scale), int(w * self.scale))
        if (h, w) != (self.canvas, self.canvas):
            x = F.interpolate(x, size=(self.canvas, self.canvas), mode="bilinear", align_corners=False)
        x = F.grid_sample(x, self.grid, mode="bilinear", padding_mode="zeros", align_corners=True)
        x = F.interpolate(x, size=out, mode="bilinear", align_corners=False)
        return x.flip(-1) if self.hflip else x


# ---------------------------------------------------------------- objectives (one train step's loss)

def loss_core(model, images, spec_pos, spec_sil, spec_noise, lam=1.0):
    """sslsan TrainObjective without the equivariance branch (golden `core`, `sslsan bench` training):
    imgnet once; audnet on positive, silence, noise (separate forwards, own BN batch statistics);
    L = L_cl + lam*(L_S + L_N)."""
    v = model.encode_image(images)
    _, logits = model.logits(v, model.encode_audio(spec_pos))
    target = torch.zeros(images.shape[0], dtype=torch.long)
    l_cl = F.cross_entropy(logits, target)
    l_s = squared_map_loss(pair_map(v, model.encode_audio(spec_sil)))
    l_n = squared_map_loss(pair_map(v, model.encode_audio(spec_noise)))
    return {"loss_total": l_cl + lam * (l_s + l_n), "loss_cl": l_cl, "loss_S": l_s, "loss_N": l_n}


def loss_full(model, images, spec_pos, spec_sil, spec_noise, tf, lam=1.0, eq_weight=1.0):
    """SSL-TIE train_one_epoch + SSL-SaN terms (golden `full`): AVENet.forward(I, S), AVENet.forward(T(I), S),
    silence and noise with the first forward's visual map; L = 0.5(L_cl + L_cl_ts) + eq*MSE(A_t, T(A)) + lam(L_S + L_N)."""
    target = torch.zeros(images.shape[0], dtype=torch.long)
    A, logits, v = model(images, spec_pos)
    A_t, logits_t, _ = model(tf(images), spec_pos)
    l_cl, l_cl_ts = F.cross_entropy(logits, target), F.cross_entropy(logits_t, target)
    l_eq = F.mse_loss(A_t, tf(A))
    l_s = squared_map_loss(pair_map(v, model.encode_audio(spec_sil)))
    l_n = squared_map_loss(pair_map(v, model.encode_audio(spec_noise)))
    total = 0.5 * (l_cl + l_cl_ts) + eq_weight * l_eq + lam * (l_s + l_n)
    return {"loss_total": total, "loss_cl": l_cl, "loss_cl_ts": l_cl_ts, "loss_equiv": l_eq, "loss_S": l_s, "loss_N": l_n}


# ---------------------------------------------------------------- audio front end (SPEC §1, golden README)

def read_wav(path):
    """PCM16 WAV (RIFF chunks walked, first channel) -> (float32 tensor, sample rate)."""
    data = open(path, "rb").read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a RIFF/WAVE file")
    pos, fmt, pcm = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif cid == b"data":
            pcm = body
        pos += 8 + size + (size & 1)
    if fmt is None or pcm is None or fmt[0] != 1 or fmt[5] != 16:
        raise ValueError(f"{path}: only 16-bit PCM WAV is read here")
    ch, sr = fmt[1], fmt[2]
    x = torch.frombuffer(bytearray(pcm[: len(pcm) // (2 * ch) * 2 * ch]), dtype=torch.int16).view(-1, ch)[:, 0]
    return x.float() / 32768, sr


def tile(x, n):
    """SSL-TIE: repeat the whole clip int(n/N)+1 times when shorter, keep the first n samples."""
    if x.numel() < n:
        x = x.repeat(n // x.numel() + 1)
    return x[:n]


def mel_fbank(n_freqs, n_mels, sample_rate, f_min=0.0, f_max=None):
    """torchaudio melscale_fbanks(norm=None, mel_scale='htk'), built in float32 like torchaudio."""
    f_max = sample_rate / 2 if f_max is None else f_max
    all_freqs = torch.linspace(0, sample_rate // 2, n_freqs)
    hz2mel = lambda f: 2595.0 * math.log10(1.0 + f / 700.0)
    m_pts = torch.linspace(hz2mel(f_min), hz2mel(f_max), n_mels + 2)
    f_pts = 700.0 * (10 ** (m_pts / 2595.0) - 1.0)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts.unsqueeze(0) - all_freqs.unsqueeze(1)
    down = -slopes[:, :-2] / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    return torch.clamp(torch.min(down, up), min=0)   # (n_freqs, n_mels)


def log_mel(wave, cfg):
    """(L,) waveform already at cfg's rate -> (1,1,n_mels,frames) log-mel dB, SSL-TIE's front end."""
    n_fft = cfg["nFFT"]
    x = tile(wave, cfg["windowSamples"])
    win = torch.hann_window(n_fft, periodic=True)
    spec = torch.stft(x, n_fft, hop_length=cfg["hop"], win_length=n_fft, window=win, center=True,
                      pad_mode="reflect", return_complex=True)
    power = spec.abs().pow(2) / win.pow(2).sum()
    fb = mel_fbank(n_fft // 2 + 1, cfg["nMels"], cfg["sampleRate"])
    mel = fb.T @ power
    return (10 * torch.log10(torch.clamp(mel, min=1e-10))).view(1, 1, cfg["nMels"], -1)


def normalise_image_u8(u8):
    """(B,3,H,W) uint8 -> ToTensor + ImageNet Normalize, float32."""
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return (u8.float() / 255 - mean) / std


def safetensors_metadata(path):
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        n = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
        if not 2 <= n <= size - 8:
            raise ValueError(f"header length {n} does not fit a {size}-byte file")
        header = json.loads(f.read(n))
    return header.get("__metadata__", {}) or {}
