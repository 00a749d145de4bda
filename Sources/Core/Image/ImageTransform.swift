import Foundation

/// The image front ends (SPEC §2.2): 8-bit RGB → normalised float tensor (1, 3, S, S).
///
/// Two test transforms exist in the reference code and they differ for non-square images:
/// - `evalTensor`: vssl_eval's, which produced the SSL-SaN numbers. ToTensor, then a squash to
///   S×S with torch's float bicubic (no antialias, no clamp), then ImageNet normalisation.
///   Ground-truth boxes are normalised to the full frame, so the squash keeps them aligned.
/// - `tieTestTensor`: SSL-TIE's original. Pillow antialiased bicubic of the shorter side to S on
///   uint8, centre crop S×S, then ToTensor + normalisation. The golden `image` was made this way.
public enum ImageTransform {
    /// ImageNet statistics, float32 as torchvision's `Normalize` holds them.
    public static let mean: [Float] = [0.485, 0.456, 0.406]
    public static let std: [Float] = [0.229, 0.224, 0.225]

    /// The per-channel statistics a family normalises with: ImageNet (SSL-TIE, LVS, EZ-VSL, …)
    /// or CLIP's (RCGrad, whose image encoder was trained on CLIP-normalised frames).
    public enum Normalisation: String, Sendable {
        case imagenet, clip
        public var mean: [Float] { self == .imagenet ? ImageTransform.mean : [0.48145466, 0.4578275, 0.40821073] }
        public var std: [Float] { self == .imagenet ? ImageTransform.std : [0.26862954, 0.26130258, 0.27577711] }
    }

    /// RCGrad's `eval_utils.preprocess`: Pillow `Resize((S, S), BICUBIC)` on the 8-bit image (an
    /// antialiased squash; a same-size image is copied), ToTensor, CLIP normalisation.
    public static func pillowSquashTensor(_ image: RGBImage, size: Int, statistics: Normalisation = .clip) -> Tensor {
        let resized = image.width == size && image.height == size ? image : PillowResize.bicubic(image, width: size, height: size)
        let t = toTensor(resized)
        normalise(t, statistics: statistics)
        return t
    }

    /// vssl_eval's test transform (see above). Same-size input skips the resize, as torchvision does.
    public static func evalTensor(_ image: RGBImage, size: Int) -> Tensor {
        precondition(size > 0, "evalTensor: size \(size)")
        if image.width == size && image.height == size { let t = toTensor(image); normalise(t); return t }
        let out = Tensor(shape: [1, 3, size, size])
        TorchBicubic.resize(image, into: out.data, outH: size, outW: size)
        normalise(out)
        return out
    }

    /// SSL-TIE's original test transform (see above).
    public static func tieTestTensor(_ image: RGBImage, size: Int) -> Tensor {
        let t = toTensor(tieTestImage(image, size: size))
        normalise(t)
        return t
    }

    /// The 8-bit image of SSL-TIE's test transform before ToTensor: torchvision 0.8 `Resize(size)`
    /// (shorter side to `size`, longer side int(size·long/short), Pillow bicubic) then
    /// `CenterCrop(size)` with top = round((H − size)/2) (Python's round, half to even).
    public static func tieTestImage(_ image: RGBImage, size: Int) -> RGBImage {
        precondition(size > 0, "tieTestImage: size \(size)")
        let w = image.width, h = image.height
        var resized = image
        if !((w <= h && w == size) || (h <= w && h == size)) {
            let (ow, oh) = w < h ? (size, Int(Double(size * h) / Double(w))) : (Int(Double(size * w) / Double(h)), size)
            resized = PillowResize.bicubic(image, width: ow, height: oh)
        }
        return centreCrop(resized, size: size)
    }

    /// A ground-truth mask as the ALIGN code loads it (SPEC §6.2, A7): Pillow bicubic resize of the
    /// 8-bit gray mask to size×size (a squash, like the boxes' normalisation to the full frame),
    /// then 1 where the value is ≥ 128, else 0. Row-major, size·size bytes of 0/1.
    /// (Pillow would use nearest-neighbour for a 1-bit or palette file; `PNGFile.readGray` has
    /// already turned those into 0/255 luminance, where bicubic + threshold gives the same mask
    /// away from the edges.)
    public static func binaryMask(width: Int, height: Int, pixels: [UInt8], size: Int) -> [UInt8] {
        precondition(pixels.count == width * height, "binaryMask: \(pixels.count) bytes for \(width)×\(height)")
        var rgb = [UInt8](repeating: 0, count: pixels.count * 3)
        for i in 0..<pixels.count { rgb[3 * i] = pixels[i]; rgb[3 * i + 1] = pixels[i]; rgb[3 * i + 2] = pixels[i] }
        let r = PillowResize.bicubic(RGBImage(width: width, height: height, pixels: rgb), width: size, height: size)
        return (0..<(size * size)).map { r.pixels[3 * $0] >= 128 ? 1 : 0 }
    }

    /// torchvision `CenterCrop` on an image at least `size` in both sides.
    public static func centreCrop(_ image: RGBImage, size: Int) -> RGBImage {
        let top = Int((Double(image.height - size) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(image.width - size) / 2).rounded(.toNearestOrEven))
        if top == 0 && left == 0 && image.width == size && image.height == size { return image }
        precondition(top >= 0 && left >= 0, "centreCrop: \(image.width)×\(image.height) is smaller than \(size)")
        var out = [UInt8](repeating: 0, count: size * size * 3)
        for y in 0..<size {
            let s = ((top + y) * image.width + left) * 3
            out.replaceSubrange((y * size * 3)..<((y + 1) * size * 3), with: image.pixels[s..<(s + size * 3)])
        }
        return RGBImage(width: size, height: size, pixels: out)
    }

    /// torchvision `ToTensor`: (1, 3, H, W) float32 with x/255 (a float32 division, as torch does).
    public static func toTensor(_ image: RGBImage) -> Tensor {
        let n = image.width * image.height
        let t = Tensor(shape: [1, 3, image.height, image.width])
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<n {
                t.data[i] = Float(p[3 * i]) / 255
                t.data[n + i] = Float(p[3 * i + 1]) / 255
                t.data[2 * n + i] = Float(p[3 * i + 2]) / 255
            }
        }
        return t
    }

    /// torchvision `Normalize` in place on (B, 3, H, W): (x − mean)/std, a float32 subtraction then a
    /// float32 division (not a multiplication by 1/std: that would differ in the last bit).
    public static func normalise(_ t: Tensor, statistics: Normalisation = .imagenet) {
        let mean = statistics.mean, std = statistics.std
        precondition(t.rank == 4 && t.shape[1] == 3, "normalise expects (B, 3, H, W), got \(t.shape)")
        let plane = t.shape[2] * t.shape[3]
        for b in 0..<t.shape[0] {
            for c in 0..<3 {
                let p = t.data + (b * 3 + c) * plane
                let m = mean[c], s = std[c]
                for i in 0..<plane { p[i] = (p[i] - m) / s }
            }
        }
    }

    /// The inverse of `normalise` back to 8 bits (clamped, rounded), for showing a tensor that has
    /// been transformed (augmentations, warps) as an image. `index` selects the batch item.
    public static func image(fromNormalised t: Tensor, index: Int = 0) -> RGBImage {
        precondition(t.rank == 4 && t.shape[1] == 3, "image(fromNormalised:) expects (B, 3, H, W), got \(t.shape)")
        let h = t.shape[2], w = t.shape[3], plane = h * w
        var px = [UInt8](repeating: 0, count: plane * 3)
        for c in 0..<3 {
            let p = t.data + (index * 3 + c) * plane
            for i in 0..<plane {
                let v = (p[i] * std[c] + mean[c]) * 255
                px[3 * i + c] = UInt8(max(0, min(255, v.rounded())))
            }
        }
        return RGBImage(width: w, height: h, pixels: px)
    }
}
