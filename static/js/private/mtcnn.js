// MTCNN in the browser: the server's detector (vision/mtcnn_numpy.py, vision/mtcnn_boxes.py) step for
// step, its three networks the very files the server builds (live/finders.py) run by ONNX Runtime
// Web. detect(image) → faces, most confident first; track(image, boxes) → the face near each box of
// the frame before, or null (O-Net alone on the square around it, two passes, no pyramid).
// A face: { box: [x1, y1, x2, y2], confidence, points: [[x, y] × 5] (the eyes left then right as the
// image shows them, nose, mouth left, mouth right), unclipped: [x1, y1, x2, y2] }.
import { resizeArea, warpAffine } from "./imaging.js";

const MID = 127.5;
const THRESHOLDS = [0.6, 0.7, 0.8];
const SCALE_FACTOR = 0.709, MIN_FACE_PIXELS = 20, MAX_PROPOSALS = 64;

function normalise(data) {
  for (let i = 0; i < data.length; i++) data[i] = (data[i] - MID) * (1 / 128);
  return data;
}

/** Indices kept, best first (mtcnn_boxes.nms: a stable sort on score, "union" or "min" overlap). */
export function nms(boxes, scores, threshold, method = "union") {
  let order = scores.map((s, i) => i).sort((a, b) => (scores[b] - scores[a]) || (a - b));
  const area = boxes.map(([x1, y1, x2, y2]) => (x2 - x1) * (y2 - y1));
  const keep = [];
  while (order.length) {
    const i = order[0];
    keep.push(i);
    const [ax1, ay1, ax2, ay2] = boxes[i];
    order = order.slice(1).filter((j) => {
      const [bx1, by1, bx2, by2] = boxes[j];
      const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
      const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
      const inter = iw * ih;
      const overlap = method === "min"
        ? inter / Math.max(Math.min(area[i], area[j]), 1e-9)
        : inter / Math.max(area[i] + area[j] - inter, 1e-9);
      return overlap <= threshold;
    });
  }
  return keep;
}

/** Each box [x1, y1, x2, y2, score] grown to a square about its centre. */
export function square(boxes) {
  return boxes.map(([x1, y1, x2, y2, score]) => {
    const w = x2 - x1, h = y2 - y1, side = Math.max(w, h);
    const nx = x1 + w * 0.5 - side * 0.5, ny = y1 + h * 0.5 - side * 0.5;
    return [nx, ny, nx + side, ny + side, score];
  });
}

/** Boxes moved by a network's regression offsets (fractions of the box's size, +1 as mtcnn has it). */
export function refine(boxes, offsets) {
  return boxes.map(([x1, y1, x2, y2, score], k) => {
    const w = x2 - x1 + 1, h = y2 - y1 + 1, o = offsets[k];
    return [x1 + o[0] * w, y1 + o[1] * h, x2 + o[2] * w, y2 + o[3] * h, score];
  });
}

/** Bilinear crops of `boxes` at size×size, normalised, NHWC in one Float32Array; outside reads mid-grey. */
export function crops(image, boxes, size) {
  const out = new Float32Array(boxes.length * size * size * 3);
  boxes.forEach(([x1, y1, x2, y2], k) => {
    const sx = (x2 - x1) / (size - 1), sy = (y2 - y1) / (size - 1);
    warpAffine(image, [sx, 0, x1, 0, sy, y1], size, size, { border: "constant", value: MID, out, offset: k * size * size * 3 });
  });
  return normalise(out);
}

function rows(tensor) {
  const [n, width] = [tensor.dims[0], tensor.dims[1]];
  const data = tensor.data, out = [];
  for (let i = 0; i < n; i++) out.push(Array.from(data.subarray(i * width, (i + 1) * width)));
  return out;
}

export class Mtcnn {
  /** `sessions`: { pnet, rnet, onet } ONNX Runtime Web sessions; `ort` the runtime (for its Tensor). */
  constructor({ ort, sessions, minFaceFraction = 0.15 }) {
    this.ort = ort;
    this.sessions = sessions;
    this.minFaceFraction = minFaceFraction;
  }

  minFace(height, width) {
    return Math.max(MIN_FACE_PIXELS, this.minFaceFraction * Math.min(height, width));
  }

  scales(height, width) {
    let scale = 12.0 / this.minFace(height, width);
    const scales = [];
    while (Math.min(height, width) * scale >= 12) { scales.push(scale); scale *= SCALE_FACTOR; }
    return scales;
  }

  async run(name, data, dims) {
    const session = this.sessions[name];
    const outputs = await session.run({ image: new this.ort.Tensor("float32", data, dims) });
    return outputs;
  }

  async detect(image) {
    const { width, height } = image;
    let boxes = await this.stagePnet(image, height, width);
    if (boxes.length) boxes = await this.stageRnet(image, boxes);
    if (!boxes.length) return [];
    return this.stageOnet(image, boxes, height, width);
  }

  async stagePnet(image, height, width) {
    let found = [];
    for (const scale of this.scales(height, width)) {
      const h = Math.ceil(height * scale), w = Math.ceil(width * scale);
      const level = resizeArea(image, w, h);
      normalise(level.data);
      const { regression, probability } = await this.run("pnet", level.data, [1, h, w, 3]);
      const [, oh, ow] = probability.dims;
      const reg = regression.data, prob = probability.data;
      const boxes = [], scores = [];
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          const score = prob[(y * ow + x) * 2 + 1];
          if (!(score > THRESHOLDS[0])) continue;
          const o = (y * ow + x) * 4;
          const x1 = x * 2.0, y1 = y * 2.0, x2 = x1 + 12.0, y2 = y1 + 12.0;
          boxes.push([
            (x1 + reg[o] * 12) / scale, (y1 + reg[o + 1] * 12) / scale,
            (x2 + reg[o + 2] * 12) / scale, (y2 + reg[o + 3] * 12) / scale,
          ]);
          scores.push(score);
        }
      }
      if (!boxes.length) continue;
      for (const k of nms(boxes, scores, 0.5)) found.push([...boxes[k], scores[k]]);
    }
    if (!found.length) return [];
    const kept = nms(found.map((b) => b.slice(0, 4)), found.map((b) => b[4]), 0.7).slice(0, MAX_PROPOSALS);
    found = kept.map((k) => found[k]);
    return square(found);
  }

  async stageRnet(image, boxes) {
    const { regression, probability } = await this.run("rnet", crops(image, boxes, 24), [boxes.length, 24, 24, 3]);
    const prob = rows(probability), reg = rows(regression);
    let refined = refine(boxes.map((b, k) => [b[0], b[1], b[2], b[3], prob[k][1]]), reg);
    refined = refined.filter((b) => b[4] > THRESHOLDS[1]);
    if (!refined.length) return refined;
    const kept = nms(refined.map((b) => b.slice(0, 4)), refined.map((b) => b[4]), 0.7);
    return square(kept.map((k) => refined[k]));
  }

  async stageOnet(image, boxes, height, width) {
    const faces = await this.onet(image, boxes, height, width);
    const keep = faces.map((f, i) => i).filter((i) => faces[i] !== null);
    if (!keep.length) return [];
    const kept = nms(keep.map((i) => faces[i].unclipped), keep.map((i) => faces[i].confidence), 0.7, "min");
    return kept.map((k) => faces[keep[k]]).filter(usable);
  }

  async onet(image, boxes, height, width) {
    const out = await this.run("onet", crops(image, boxes, 48), [boxes.length, 48, 48, 3]);
    return this.faces(boxes, rows(out.regression), rows(out.landmarks), rows(out.probability), height, width);
  }

  /** O-Net's answer for each input box (mtcnn_numpy._faces): the face, or null below the threshold. */
  faces(boxes, reg, marks, prob, height, width) {
    const refined = refine(boxes.map((b, k) => [b[0], b[1], b[2], b[3], prob[k][1]]), reg);
    return boxes.map((b, i) => {
      const r = refined[i];
      if (r[4] <= THRESHOLDS[2]) return null;
      const w = b[2] - b[0] + 1, h = b[3] - b[1] + 1;
      const points = [0, 1, 2, 3, 4].map((k) => [w * marks[i][k] + b[0] - 1, h * marks[i][k + 5] + b[1] - 1]);
      return {
        box: [Math.max(0, r[0]), Math.max(0, r[1]), Math.min(width, r[2]), Math.min(height, r[3])],
        confidence: r[4],
        points,
        unclipped: r.slice(0, 4),
      };
    });
  }

  /** The face near each of `boxes` ([x1, y1, x2, y2] in this frame), or null where it is lost. */
  async track(image, boxes, passes = 2) {
    const { width, height } = image;
    if (!boxes.length) return [];
    let squares = square(boxes.map((b) => [...b, 0]));
    let found = boxes.map(() => null);
    let alive = boxes.map((b, i) => i);
    for (let n = 0; n < passes; n++) {
      if (!readable(squares, width, height)) return found;
      const out = await this.run("onet", crops(image, squares, 48), [squares.length, 48, 48, 3]);
      const reg = rows(out.regression), marks = rows(out.landmarks), prob = rows(out.probability);
      if (n === passes - 1) {
        const faces = this.faces(squares, reg, marks, prob, height, width);
        alive.forEach((index, k) => { found[index] = faces[k] !== null && usable(faces[k]) ? faces[k] : null; });
        break;
      }
      const refined = refine(squares.map((b, k) => [b[0], b[1], b[2], b[3], prob[k][1]]), reg);
      const keep = prob.map((p, k) => k).filter((k) => prob[k][1] > THRESHOLDS[2]);
      squares = square(keep.map((k) => refined[k]));
      alive = keep.map((k) => alive[k]);
      if (!squares.length) return found;
    }
    const minSide = this.minFace(height, width) * 0.8;
    found = found.map((f) => (f !== null && Math.min(f.box[2] - f.box[0], f.box[3] - f.box[1]) < minSide ? null : f));
    // Two hints that converged on one face: the more confident keeps it.
    const present = found.map((f, i) => i).filter((i) => found[i] !== null);
    if (present.length > 1) {
      const kept = new Set(nms(present.map((i) => found[i].box), present.map((i) => found[i].confidence), 0.7, "min").map((k) => present[k]));
      found = found.map((f, i) => (kept.has(i) ? f : null));
    }
    return found;
  }
}

function usable(face) {
  return face.box[2] - face.box[0] >= 2 && face.box[3] - face.box[1] >= 2;
}

// mtcnn_boxes.around: whether the part of the frame the crops read is more than a sliver.
function readable(boxes, width, height) {
  const x0 = Math.max(0, Math.floor(Math.min(...boxes.map((b) => b[0]))) - 2);
  const y0 = Math.max(0, Math.floor(Math.min(...boxes.map((b) => b[1]))) - 2);
  const x1 = Math.min(width, Math.ceil(Math.max(...boxes.map((b) => b[2]))) + 3);
  const y1 = Math.min(height, Math.ceil(Math.max(...boxes.map((b) => b[3]))) + 3);
  return x1 - x0 >= 2 && y1 - y0 >= 2;
}
