// The OpenCV operations the server's vision pipeline uses, as plain loops over typed arrays, written
// to give the numbers OpenCV gives (vision/mtcnn_boxes.py, vision/alignment.py): the browser must
// read the same face the same way, or its scores would not agree with the server's.
//   rgbaToRgb      the canvas's RGBA → float RGB 0–255 (what the server's rgb.astype(float32) holds)
//   rgbaToGray     cv2.cvtColor(BGR2GRAY) on 8-bit pixels: OpenCV's fixed-point weights and rounding
//   resizeArea     cv2.resize(INTER_AREA) when shrinking: each output pixel the area-weighted mean
//   resizeLinear   cv2.resize(INTER_LINEAR): half-pixel centres, edges clamped
//   warpAffine     cv2.warpAffine(INTER_LINEAR) with the map's coordinates rounded to 1/32 pixel, as
//                  OpenCV's fixed-point remap does; BORDER_CONSTANT or BORDER_REPLICATE
// An image is { data, width, height, channels }, data a Float32Array (or Uint8ClampedArray for grey).

/** Round half to even, as OpenCV's cvRound (lrint) and Python's round() do. */
export function roundEven(v) {
  const r = Math.round(v);
  return (Math.abs(v % 1) === 0.5 && r % 2 !== 0) ? r - 1 : r;
}

export function rgbaToRgb(rgba, width, height) {
  const data = new Float32Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += 4) {
    data[i * 3] = rgba[j]; data[i * 3 + 1] = rgba[j + 1]; data[i * 3 + 2] = rgba[j + 2];
  }
  return { data, width, height, channels: 3 };
}

export function rgbaToGray(rgba, width, height) {
  const data = new Uint8ClampedArray(width * height);
  for (let i = 0, j = 0; i < width * height; i++, j += 4) {
    data[i] = (rgba[j] * 4899 + rgba[j + 1] * 9617 + rgba[j + 2] * 1868 + 8192) >> 14;
  }
  return { data, width, height, channels: 1 };
}

// OpenCV's computeResizeAreaTab: for each output index, the source indices and their weights.
function areaTable(srcSize, dstSize) {
  const scale = srcSize / dstSize;
  const table = [];
  for (let d = 0; d < dstSize; d++) {
    const fs1 = d * scale, fs2 = fs1 + scale;
    const cellWidth = Math.min(scale, srcSize - fs1);
    let s1 = Math.ceil(fs1), s2 = Math.floor(fs2);
    s2 = Math.min(s2, srcSize - 1);
    s1 = Math.min(s1, s2);
    const taps = [];
    if (s1 - fs1 > 1e-3) taps.push([s1 - 1, (s1 - fs1) / cellWidth]);
    for (let s = s1; s < s2; s++) taps.push([s, 1 / cellWidth]);
    if (fs2 - s2 > 1e-3) taps.push([s2, Math.min(Math.min(fs2 - s2, 1), cellWidth) / cellWidth]);
    table.push(taps);
  }
  return table;
}

/** cv2.resize(..., INTER_AREA) for a shrink; 8-bit images are rounded back to 8 bits. */
export function resizeArea(src, dstWidth, dstHeight) {
  const { width, height, channels } = src;
  const xs = areaTable(width, dstWidth), ys = areaTable(height, dstHeight);
  const integral = src.data instanceof Uint8ClampedArray;
  const out = integral ? new Uint8ClampedArray(dstWidth * dstHeight * channels) : new Float32Array(dstWidth * dstHeight * channels);
  const row = new Float64Array(dstWidth * channels);
  const acc = new Float64Array(dstWidth * channels);
  for (let dy = 0; dy < dstHeight; dy++) {
    acc.fill(0);
    for (const [sy, wy] of ys[dy]) {
      row.fill(0);
      const base = sy * width * channels;
      for (let dx = 0; dx < dstWidth; dx++) {
        for (const [sx, wx] of xs[dx]) {
          const p = base + sx * channels;
          for (let c = 0; c < channels; c++) row[dx * channels + c] += src.data[p + c] * wx;
        }
      }
      for (let k = 0; k < row.length; k++) acc[k] += row[k] * wy;
    }
    const o = dy * dstWidth * channels;
    for (let k = 0; k < acc.length; k++) out[o + k] = integral ? roundEven(acc[k]) : acc[k];
  }
  return { data: out, width: dstWidth, height: dstHeight, channels };
}

/** cv2.resize(..., INTER_LINEAR). */
export function resizeLinear(src, dstWidth, dstHeight) {
  const { width, height, channels } = src;
  const integral = src.data instanceof Uint8ClampedArray;
  const out = integral ? new Uint8ClampedArray(dstWidth * dstHeight * channels) : new Float32Array(dstWidth * dstHeight * channels);
  const taps = (dst, srcSize, scale) => {
    let f = (dst + 0.5) * scale - 0.5;
    let s = Math.floor(f);
    f -= s;
    if (s < 0) { s = 0; f = 0; }
    if (s >= srcSize - 1) { s = srcSize - 1; f = 0; }
    return [s, Math.min(s + 1, srcSize - 1), f];
  };
  const sx = width / dstWidth, sy = height / dstHeight;
  for (let dy = 0; dy < dstHeight; dy++) {
    const [y0, y1, fy] = taps(dy, height, sy);
    for (let dx = 0; dx < dstWidth; dx++) {
      const [x0, x1, fx] = taps(dx, width, sx);
      for (let c = 0; c < channels; c++) {
        const a = src.data[(y0 * width + x0) * channels + c], b = src.data[(y0 * width + x1) * channels + c];
        const d = src.data[(y1 * width + x0) * channels + c], e = src.data[(y1 * width + x1) * channels + c];
        const v = (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy;
        out[(dy * dstWidth + dx) * channels + c] = integral ? roundEven(v) : v;
      }
    }
  }
  return { data: out, width: dstWidth, height: dstHeight, channels };
}

/** The inverse of a 2×3 affine map [a, b, c, d, e, f] (cv2.invertAffineTransform). */
export function invertAffine([m0, m1, m2, m3, m4, m5]) {
  let det = m0 * m4 - m1 * m3;
  det = det !== 0 ? 1 / det : 0;
  const a11 = m4 * det, a22 = m0 * det, a12 = -m1 * det, a21 = -m3 * det;
  return [a11, a12, -a11 * m2 - a12 * m5, a21, a22, -a21 * m2 - a22 * m5];
}

/**
 * cv2.warpAffine(src, M, (dstWidth, dstHeight), INTER_LINEAR | WARP_INVERSE_MAP): `toSource` maps an
 * output pixel to its source position. `border` is "constant" (pixels outside read as `value`) or
 * "replicate". Written into `out` at `offset` when given (a batch of crops in one tensor).
 */
export function warpAffine(src, toSource, dstWidth, dstHeight, { border = "constant", value = 0, out = null, offset = 0 } = {}) {
  const { width, height, channels, data } = src;
  const integral = data instanceof Uint8ClampedArray;
  const target = out || (integral ? new Uint8ClampedArray(dstWidth * dstHeight * channels) : new Float32Array(dstWidth * dstHeight * channels));
  const [m0, m1, m2, m3, m4, m5] = toSource;
  const adelta = new Int32Array(dstWidth), bdelta = new Int32Array(dstWidth);
  for (let x = 0; x < dstWidth; x++) { adelta[x] = roundEven(m0 * x * 1024); bdelta[x] = roundEven(m3 * x * 1024); }
  const replicate = border === "replicate";
  const fetch = (ix, iy, c) => {
    if (ix >= 0 && iy >= 0 && ix < width && iy < height) return data[(iy * width + ix) * channels + c];
    if (!replicate) return value;
    ix = Math.min(Math.max(ix, 0), width - 1); iy = Math.min(Math.max(iy, 0), height - 1);
    return data[(iy * width + ix) * channels + c];
  };
  for (let y = 0; y < dstHeight; y++) {
    const x0 = roundEven((m1 * y + m2) * 1024) + 16, y0 = roundEven((m4 * y + m5) * 1024) + 16;
    for (let x = 0; x < dstWidth; x++) {
      const X = (x0 + adelta[x]) >> 5, Y = (y0 + bdelta[x]) >> 5;
      const ix = X >> 5, iy = Y >> 5;
      const fx = (X & 31) / 32, fy = (Y & 31) / 32;
      const w00 = (1 - fy) * (1 - fx), w01 = (1 - fy) * fx, w10 = fy * (1 - fx), w11 = fy * fx;
      const o = offset + (y * dstWidth + x) * channels;
      for (let c = 0; c < channels; c++) {
        const v = fetch(ix, iy, c) * w00 + fetch(ix + 1, iy, c) * w01 + fetch(ix, iy + 1, c) * w10 + fetch(ix + 1, iy + 1, c) * w11;
        target[o + c] = integral ? roundEven(v) : v;
      }
    }
  }
  return { data: target, width: dstWidth, height: dstHeight, channels };
}
