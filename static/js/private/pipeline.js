// The server's vision pipeline (vision/pipeline.py) in the browser: one frame's RGBA pixels in, its faces
// and their seven emotion scores out. Locate (MTCNN: tracked from the last faces, or the full detector),
// keep the largest VISION_MAX_FACES, align each (eyes level, VISION_FACE_MARGIN × the box, an
// area-averaging shrink to the model's input size: vision/alignment.py), classify them in one call of
// the emotion model the server serves. When to track and when to search the whole frame is
// vision/tracking.py's rule, kept here per stream (Tracking).
import { invertAffine, resizeArea, resizeLinear, rgbaToGray, rgbaToRgb, roundEven, warpAffine } from "./imaging.js";

export const FULL = "full", TRACKED = "tracked";

/** vision.tracking.TrackingHints: which frames are tracked from the last faces, which get the full detector. */
export class Tracking {
  constructor({ enabled = true, redetectFrames = 6, redetectS = 2.0, clock = () => performance.now() / 1000 } = {}) {
    Object.assign(this, { enabled, redetectFrames: Math.max(1, redetectFrames), redetectS, clock });
    this.reset();
  }

  reset() { this.boxes = []; this.sinceFull = 0; this.fullAt = null; }

  hint() {
    if (!this.enabled || !this.boxes.length || this.fullAt === null) return null;
    if (this.sinceFull >= this.redetectFrames || this.clock() - this.fullAt >= this.redetectS) return null;
    return this.boxes;
  }

  observe(result, sentAt) {
    this.boxes = result.faces.map((f) => f.box);
    if (result.detection === FULL) { this.sinceFull = 1; this.fullAt = sentAt; } else this.sinceFull += 1;
  }
}

// vision.detection._region: MTCNN's float box as whole pixels (x, y, w, h), the eyes as whole pixels.
function region(face) {
  const [x1, y1, x2, y2] = face.box;
  const point = ([x, y]) => [roundEven(x), roundEven(y)];
  return {
    x: roundEven(x1), y: roundEven(y1), w: roundEven(x2 - x1), h: roundEven(y2 - y1),
    confidence: face.confidence, imageLeftEye: point(face.points[0]), imageRightEye: point(face.points[1]),
  };
}

/** vision.alignment.align_face: a size×size grey crop, eyes level, `margin` × the box's longer side. */
export function alignFace(gray, r, margin, size) {
  const side = Math.max(2, roundEven(Math.max(r.w, r.h) * margin));
  const cx = r.x + r.w / 2, cy = r.y + r.h / 2;
  const [lx, ly] = r.imageLeftEye, [rx, ry] = r.imageRightEye;
  const angle = (rx !== lx || ry !== ly) ? Math.atan2(ry - ly, rx - lx) * 180 / Math.PI : 0;
  // cv2.getRotationMatrix2D((cx, cy), angle, 1), then centred on a side×side crop.
  const rad = angle * Math.PI / 180, a = Math.cos(rad), b = Math.sin(rad);
  const toCrop = [a, b, (1 - a) * cx - b * cy + (side / 2 - cx), -b, a, b * cx + (1 - a) * cy + (side / 2 - cy)];
  const crop = warpAffine(gray, invertAffine(toCrop), side, side, { border: "replicate" });
  if (side === size) return crop;
  return side > size ? resizeArea(crop, size, size) : resizeLinear(crop, size, size);
}

export class Pipeline {
  /** `mtcnn` (mtcnn.js), `emotion` an ONNX Runtime Web session, `config` the server's settings (worker.js). */
  constructor({ ort, mtcnn, emotion, emotions, config }) {
    Object.assign(this, { ort, mtcnn, emotion, emotions, config });
    this.inputName = emotion.inputNames[0];
    this.outputName = emotion.outputNames[0];
    this.inputSize = config.inputSize;
  }

  /** vision.pipeline.locate_faces: { faces, detection, fallback }. */
  async locate(image, hint) {
    let fallback = null;
    if (hint && hint.length) {
      const found = await this.mtcnn.track(image, hint.map(([x, y, w, h]) => [x, y, x + w, y + h]));
      if (found.some((f) => f === null)) fallback = "lost";
      else if (Math.min(...found.map((f) => f.confidence)) < this.config.trackMinConfidence) fallback = "unsure";
      else return { faces: found, detection: TRACKED, fallback };
    }
    return { faces: await this.mtcnn.detect(image), detection: FULL, fallback };
  }

  /** One frame: { faces: [{ box: [x, y, w, h], confidence, emotions }], detection, fallback, timings }. */
  async analyse(rgba, width, height, hint = null) {
    const timings = {};
    let started = performance.now();
    const image = rgbaToRgb(rgba, width, height);
    let { faces, detection, fallback } = await this.locate(image, hint);
    // Largest first (the primary face is the nearest), as many as the server keeps.
    let regions = faces.map(region).filter((r) => r.w > 1 && r.h > 1);
    regions.sort((p, q) => q.w * q.h - p.w * p.h);
    regions = regions.slice(0, this.config.maxFaces);
    timings.detect = performance.now() - started;

    started = performance.now();
    const size = this.inputSize;
    const input = new Float32Array(regions.length * size * size);
    if (regions.length) {
      const gray = rgbaToGray(rgba, width, height);
      regions.forEach((r, i) => {
        const crop = alignFace(gray, r, this.config.faceMargin, size).data;
        for (let k = 0; k < crop.length; k++) input[i * size * size + k] = Math.fround(crop[k] * (1 / 127.5)) - 1.0;
      });
    }
    timings.align = performance.now() - started;

    started = performance.now();
    let probabilities = [];
    if (regions.length) {
      const outputs = await this.emotion.run({ [this.inputName]: new this.ort.Tensor("float32", input, [regions.length, 1, size, size]) });
      const data = outputs[this.outputName].data, n = this.emotions.length;
      probabilities = regions.map((r, i) => Array.from(data.subarray(i * n, (i + 1) * n)));
    }
    timings.classify = performance.now() - started;
    return {
      faces: regions.map((r, i) => ({
        box: [r.x, r.y, r.w, r.h],
        confidence: r.confidence,
        emotions: Object.fromEntries(this.emotions.map((e, k) => [e, probabilities[i][k]])),
      })),
      detection, fallback, timings,
    };
  }
}
