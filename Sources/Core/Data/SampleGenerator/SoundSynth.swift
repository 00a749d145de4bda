import Foundation

/// Procedural sounds of the synthetic benchmark: one characteristic sound per `SampleClass`, with
/// pitch, rhythm and timbre drawn from `rng` so that no two instances are alike. Pure functions.
public enum SoundSynth {
    /// A clip of `duration` seconds of class `cls`: RMS 0.05–0.2, plus a noise floor 30 dB below
    /// the signal, clipped to [-1, 1].
    public static func clip(_ cls: SampleClass, rng: inout Random, sampleRate: Int = 16000,
                            duration: Double = 3) -> AudioClip {
        let n = max(1, Int((duration * Double(sampleRate)).rounded()))
        let sr = Double(sampleRate)
        var x = raw(cls, n: n, sr: sr, rng: &rng)
        // Normalise to the target RMS, add the noise floor.
        let target = rng.uniform(0.05, 0.2)
        var ss = 0.0
        for v in x { ss += v * v }
        let rms = (ss / Double(n)).squareRoot()
        let g = rms > 1e-12 ? target / rms : 0
        let floorStd = target * pow(10, -30.0 / 20)
        var out = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let v = x[i] * g + floorStd * rng.normal()
            out[i] = Float(min(1, max(-1, v)))
        }
        x.removeAll()
        return AudioClip(samples: out, sampleRate: sampleRate)
    }

    // MARK: - the twelve designs

    static func raw(_ cls: SampleClass, n: Int, sr: Double, rng: inout Random) -> [Double] {
        switch cls {
        case .circle: return hum(n, sr, &rng)
        case .square: return whistle(n, sr, &rng)
        case .triangle: return beeper(n, sr, &rng)
        case .star: return chirps(n, sr, &rng, up: true)
        case .ring: return chirps(n, sr, &rng, up: false)
        case .cross: return rumble(n, sr, &rng)
        case .diamond: return hiss(n, sr, &rng)
        case .hexagon: return clicks(n, sr, &rng)
        case .ellipse: return tremolo(n, sr, &rng)
        case .crescent: return siren(n, sr, &rng)
        case .heart: return bell(n, sr, &rng)
        case .arrow: return warble(n, sr, &rng)
        }
    }

    /// Low harmonic hum: 100–180 Hz, 6–10 harmonics with a random roll-off, vibrato, slow swell.
    static func hum(_ n: Int, _ sr: Double, _ r: inout Random) -> [Double] {
        let f0 = r.uniform(100, 180), nh = r.int(6, 10), p = r.uniform(0.7, 1.5)
        let vr = r.uniform(4, 7), vd = r.uniform(0.005, 0.02), vph = r.uniform(0, 2 * .pi)
        let sw = r.uniform(0.2, 1), swd = r.uniform(0, 0.25), swph = r.uniform(0, 2 * .pi)
        var amps = [Double](), phs = [Double]()
        for k in 1...nh { amps.append(pow(Double(k), -p) * r.uniform(0.6, 1.4)); phs.append(r.uniform(0, 2 * .pi)) }
        let cph = phs.map(cos), sph = phs.map(sin)
        let kmax = min(nh, Int((sr / 2 - 1) / (f0 * (1 + vd))))
        var out = [Double](repeating: 0, count: n)
        var ph = 0.0
        for i in 0..<n {
            let t = Double(i) / sr
            ph += 2 * .pi * f0 * (1 + vd * sin(2 * .pi * vr * t + vph)) / sr
            // sin(k·ph + φk) = Im(e^{ik·ph} e^{iφk}); powers of e^{i·ph} by complex multiplication.
            let c1 = cos(ph), s1 = sin(ph)
            var cr = c1, ci = s1, v = 0.0
            for k in 0..<kmax {
                v += amps[k] * (ci * cph[k] + cr * sph[k])
                let nr = cr * c1 - ci * s1
                ci = cr * s1 + ci * c1; cr = nr
            }
            out[i] = v * (1 + swd * sin(2 * .pi * sw * t + swph))
        }
        return out
    }

    /// Whistle: 2–3 kHz with vibrato and a little second harmonic and breath noise.
    static func whistle(_ n: Int, _ sr: Double, _ r: inout Random) -> [Double] {
        let f = r.uniform(2000, 3000), vr = r.uniform(3, 7), vd = r.uniform(0.003, 0.015)
        let vph = r.uniform(0, 2 * .pi), h2 = r.uniform(0, 0.15), breath = r.uniform(0, 0.08)
        let drift = r.uniform(-0.05, 0.05)
        var bp = Biquad.bandPass(f: f, q: 4, sr: sr)
        var out = [Double](repeating: 0, count: n)
        var ph = r.uniform(0, 2 * .pi)
        let dur = Double(n) / sr
        for i in 0..<n {
            let t = Double(i) / sr
            ph += 2 * .pi * f * (1 + drift * t / dur + vd * sin(2 * .pi * vr * t + vph)) / sr
            out[i] = sin(ph) + h2 * sin(2 * ph) + breath * bp.process(r.normal())
        }
        return out
    }

    /// Beeper: 0.8–1.1 kHz tone (some odd harmonic) gated on and off at 2–4 Hz.
    static func beeper(_ n: Int, _ sr: Double, _ r: inout Random) -> [Double] {
        let f = r.uniform(800, 1100), rate = r.uniform(2, 4), duty = r.uniform(0.3, 0.6)
        let h3 = r.uniform(0, 0.4), off = r.uniform(0, 1), ramp = 0.005
        let period = 1 / rate
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let t = Double(i) / sr
            let pos = (t / period + off).truncatingRemainder(dividingBy: 1) * period
            let on = period * duty
            guard pos < on else { continue }
            let g = min(1, pos / ramp, (on - pos) / ramp)
            let ph = 2 * .pi * f * t
            out[i] = g * (sin(ph) + h3 * sin(3 * ph))
        }
        return out
    }

    /// Repeated exponential chirps, rising (0.3–0.7 → 1.5–3 kHz) or falling.
    static func chirps(_ n: Int, _ sr: Double, _ r: inout Random, up: Bool) -> [Double] {
        let lo = r.uniform(300, 700), hi = r.uniform(1500, 3000)
        let period = r.uniform(0.25, 0.6), frac = r.uniform(0.6, 0.9), off = r.uniform(0, 1)
        let h2 = r.uniform(0, 0.3), ramp = 0.005
        let len = period * frac
        let (f0, f1) = up ? (lo, hi) : (hi, lo)
        let k = log(f1 / f0) / len
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let t = Double(i) / sr
            let pos = (t / period + off).truncatingRemainder(dividingBy: 1) * period
            guard pos < len else { continue }
            let g = min(1, pos / ramp, (len - pos) / ramp)
            let ph = 2 * .pi * f0 * (exp(k * pos) - 1) / k
            out[i] = g * (sin(ph) + h2 * sin(2 * ph))
        }
        return out
    }

    /// Rumble: white noise low-passed twice below 200–350 Hz, slowly swelling.
    static func rumble(_ n: Int, _ sr: Double, _ r: inout Random) -> [Double] {
        let fc = r.uniform(200, 350)
        var a = Biquad.lowPass(f: fc, q: 0.707, sr: sr), b = Biquad.lowPass(f: fc, q: r.uniform(0.6, 1.2), sr: sr)
        let sw = r.uniform(0.2, 1.2), swd = r.uniform(0.1, 0.5), swph = r.uniform(0, 2 * .pi)
        var out = [Double](repeating: 0, count: n)
        for i in 0..<(n + 400) {
            let v = b.process(a.process(r.normal()))
            if i >= 400 {
                let t = Double(i - 400) / sr
                out[i - 400] = v * (1 + swd * sin(2 * .pi * sw * t + swph))
            }
        }
        return out
    }

    /// Hiss: white noise high-passed twice above 3.5–5 kHz.
    static func hiss(_ n: Int, _ sr: Double, _ r: inout Random) -> [Double] {
        let fc = r.uniform(3500, 5000)
        var a = Biquad.highPass(f: fc, q: 0.707, sr: sr), b = Biquad.highPass(f: fc, q: r.uniform(0.6, 1.2), sr: sr)
        let swd = r.uniform(0, 0.3), sw = r.uniform(0.3, 2), swph = r.uniform(0, 2 * .pi)
        var out = [Double](repeating: 0, count: n)
        for i in 0..<(n + 100) {
            let v = b.process(a.process(r.normal()))
            if i >= 100 {
                let t = Double(i - 100) / sr
                out[i - 100] = v * (1 + swd * sin(2 * .pi * sw * t + swph))
            }
        }
        return out
    }

    /// Clicks: short decaying noise bursts at 6–12 per second (jittered), band-passed around 1.5–3.5 kHz.
    static func clicks(_ n: Int, _ sr: Double, _ r: inout Random) -> [Double] {
        let rate = r.uniform(6, 12), tau = r.uniform(0.002, 0.006), fc = r.uniform(1500, 3500)
        var bp = Biquad.bandPass(f: fc, q: r.uniform(1, 3), sr: sr)
        var exc = [Double](repeating: 0, count: n)
        var t = r.uniform(0, 1 / rate)
        let len = Int(tau * 6 * sr)
        while t < Double(n) / sr {
            let start = Int(t * sr), amp = r.uniform(0.6, 1.0)
            for j in 0..<len where start + j < n {
                exc[start + j] += amp * exp(-Double(j) / (tau * sr)) * r.normal()
            }
            t += (1 / rate) * r.uniform(0.85, 1.15)
        }
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n { out[i] = bp.process(exc[i]) }
        return out
    }

    /// Tremolo: 300–600 Hz tone amplitude-modulated at 8–15 Hz.
    static func tremolo(_ n: Int, _ sr: Double, _ r: inout Random) -> [Double] {
        let f = r.uniform(300, 600), fm = r.uniform(8, 15), d = r.uniform(0.6, 1.0)
        let h2 = r.uniform(0, 0.3), ph0 = r.uniform(0, 2 * .pi), mph = r.uniform(0, 2 * .pi)
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let t = Double(i) / sr
            let env = 1 - d * (0.5 - 0.5 * sin(2 * .pi * fm * t + mph))
            let ph = 2 * .pi * f * t + ph0
            out[i] = env * (sin(ph) + h2 * sin(2 * ph))
        }
        return out
    }

    /// Two-tone siren: 0.6–0.9 kHz alternating with a tone 1.25–1.5× higher, 1–2.5 cycles per second.
    static func siren(_ n: Int, _ sr: Double, _ r: inout Random) -> [Double] {
        let f1 = r.uniform(600, 900), f2 = f1 * r.uniform(1.25, 1.5), rate = r.uniform(1, 2.5)
        let off = r.uniform(0, 1), h3 = r.uniform(0, 0.3), glide = 0.015
        let period = 1 / rate
        var out = [Double](repeating: 0, count: n)
        var ph = 0.0
        for i in 0..<n {
            let t = Double(i) / sr
            let pos = (t / period + off).truncatingRemainder(dividingBy: 1) * period
            let half = period / 2
            // Smooth glide at each switch.
            var w: Double
            if pos < half { w = min(1, pos / glide) } else { w = max(0, 1 - (pos - half) / glide) }
            w = w * w * (3 - 2 * w)
            ph += 2 * .pi * (f1 + (f2 - f1) * w) / sr
            out[i] = sin(ph) + h3 * sin(3 * ph)
        }
        return out
    }

    /// Bell: inharmonic partials (×1, 2.76, 5.40, 8.93 of 0.4–0.8 kHz), each decaying, struck every 0.4–0.9 s.
    static func bell(_ n: Int, _ sr: Double, _ r: inout Random) -> [Double] {
        let f0 = r.uniform(400, 800), interval = r.uniform(0.4, 0.9), tau = r.uniform(0.15, 0.4)
        let ratios = [1.0, 2.76, 5.40, 8.93].map { $0 * r.uniform(0.99, 1.01) }
        let amps = [1.0, 0.6, 0.35, 0.2].map { $0 * r.uniform(0.7, 1.3) }
        // Strikes: impulses into one two-pole resonator per partial (impulse response
        // r^n·sin((n+1)ω)/sin ω: a decaying partial).
        var exc = [Double](repeating: 0, count: n)
        var t0 = r.uniform(0, interval)
        while t0 < Double(n) / sr {
            exc[min(n - 1, Int(t0 * sr))] += r.uniform(0.7, 1.0)
            t0 += interval * r.uniform(0.9, 1.1)
        }
        var out = [Double](repeating: 0, count: n)
        for k in 0..<4 where ratios[k] * f0 < sr / 2 {
            let w = 2 * .pi * ratios[k] * f0 / sr
            let rad = exp(-1 / (tau / (1 + 0.5 * Double(k)) * sr))
            let a1 = 2 * rad * cos(w), a2 = -rad * rad, g = amps[k] * sin(w)
            var y1 = 0.0, y2 = 0.0
            for i in 0..<n {
                let y = exc[i] + a1 * y1 + a2 * y2
                y2 = y1; y1 = y
                out[i] += g * y
            }
        }
        return out
    }

    /// Warble: 1.2–1.6 kHz tone frequency-modulated at 5–9 Hz by 12–25 %.
    static func warble(_ n: Int, _ sr: Double, _ r: inout Random) -> [Double] {
        let fc = r.uniform(1200, 1600), fm = r.uniform(5, 9), dev = r.uniform(0.12, 0.25)
        let h2 = r.uniform(0, 0.2), mph = r.uniform(0, 2 * .pi)
        var out = [Double](repeating: 0, count: n)
        var ph = r.uniform(0, 2 * .pi)
        for i in 0..<n {
            let t = Double(i) / sr
            ph += 2 * .pi * fc * (1 + dev * sin(2 * .pi * fm * t + mph)) / sr
            out[i] = sin(ph) + h2 * sin(2 * ph)
        }
        return out
    }
}

/// RBJ audio-EQ-cookbook biquad (direct form I, Double state).
struct Biquad {
    var b0 = 0.0, b1 = 0.0, b2 = 0.0, a1 = 0.0, a2 = 0.0
    var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0

    static func make(_ b0: Double, _ b1: Double, _ b2: Double, _ a0: Double, _ a1: Double, _ a2: Double) -> Biquad {
        Biquad(b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0)
    }

    static func lowPass(f: Double, q: Double, sr: Double) -> Biquad {
        let w = 2 * .pi * f / sr, al = sin(w) / (2 * q), c = cos(w)
        return make((1 - c) / 2, 1 - c, (1 - c) / 2, 1 + al, -2 * c, 1 - al)
    }

    static func highPass(f: Double, q: Double, sr: Double) -> Biquad {
        let w = 2 * .pi * f / sr, al = sin(w) / (2 * q), c = cos(w)
        return make((1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + al, -2 * c, 1 - al)
    }

    /// Band-pass with 0 dB peak gain.
    static func bandPass(f: Double, q: Double, sr: Double) -> Biquad {
        let w = 2 * .pi * f / sr, al = sin(w) / (2 * q), c = cos(w)
        return make(al, 0, -al, 1 + al, -2 * c, 1 - al)
    }

    @inline(__always)
    mutating func process(_ x: Double) -> Double {
        let y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x2 = x1; x1 = x; y2 = y1; y1 = y
        return y
    }
}
