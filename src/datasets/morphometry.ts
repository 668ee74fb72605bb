/**
 * Morphometric measurements of a handwritten digit, in the manner of Morpho-MNIST (Castro et al.,
 * "Morpho-MNIST: Quantitative Assessment and Diagnostics for Representation Learning", JMLR 2019):
 * computed from the pixels of a binarised 28x28 image. They are measurements, not human annotations.
 */
export interface Morphometry {
  /** Foreground pixels. */
  readonly area: number;
  /** Pixels of the one-pixel-wide skeleton (Zhang-Suen thinning): the stroke length. */
  readonly length: number;
  /** Mean stroke thickness, 2 * area / length as in Morpho-MNIST (a stroke of length L and width w covers about L * w pixels; the factor follows the paper). */
  readonly thickness: number;
  /** Horizontal shear of the digit from second-order moments, -atan(mu11 / mu02) in radians; positive leans right. */
  readonly slant: number;
  /** Bounding-box width and height in pixels. */
  readonly width: number;
  readonly height: number;
}

export const FOREGROUND_THRESHOLD = 128;

/** Binarises 8-bit grey levels: 1 where the ink is at least FOREGROUND_THRESHOLD. */
export function binarise(pixels: ArrayLike<number>, threshold = FOREGROUND_THRESHOLD): Uint8Array {
  return Uint8Array.from(pixels as ArrayLike<number>, (v) => (v >= threshold ? 1 : 0));
}

export function measureDigit(pixels: ArrayLike<number>, size = 28): Morphometry {
  const fg = binarise(pixels);
  const area = fg.reduce((a, v) => a + v, 0);
  const skeleton = thin(fg, size);
  const length = skeleton.reduce((a, v) => a + v, 0);
  const box = boundingBox(fg, size);
  return {
    area,
    length,
    thickness: length > 0 ? (2 * area) / length : 0,
    slant: slantOf(fg, size),
    width: box.width,
    height: box.height,
  };
}

function boundingBox(fg: Uint8Array, size: number): { width: number; height: number } {
  let top = size, bottom = -1, left = size, right = -1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!fg[y * size + x]) continue;
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }
  return bottom < 0 ? { width: 0, height: 0 } : { width: right - left + 1, height: bottom - top + 1 };
}

/** -atan(mu11 / mu02): how far x moves per row of y; y grows downwards, so the sign makes "/" positive. */
function slantOf(fg: Uint8Array, size: number): number {
  let n = 0, sx = 0, sy = 0;
  for (let i = 0; i < fg.length; i++) {
    if (!fg[i]) continue;
    n++;
    sx += i % size;
    sy += Math.floor(i / size);
  }
  if (n === 0) return 0;
  const cx = sx / n, cy = sy / n;
  let mu11 = 0, mu02 = 0;
  for (let i = 0; i < fg.length; i++) {
    if (!fg[i]) continue;
    const dx = (i % size) - cx, dy = Math.floor(i / size) - cy;
    mu11 += dx * dy;
    mu02 += dy * dy;
  }
  return mu02 === 0 ? 0 : -Math.atan(mu11 / mu02);
}

/** Zhang-Suen thinning (Zhang & Suen, CACM 1984) to a one-pixel-wide skeleton. */
export function thin(fg: Uint8Array, size: number): Uint8Array {
  const img = Uint8Array.from(fg);
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= size || y >= size ? 0 : img[y * size + x]);
  let changed = true;
  while (changed) {
    changed = false;
    for (const pass of [0, 1]) {
      const remove: number[] = [];
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          if (!img[y * size + x]) continue;
          // neighbours P2..P9, clockwise from north
          const p = [at(x, y - 1), at(x + 1, y - 1), at(x + 1, y), at(x + 1, y + 1), at(x, y + 1), at(x - 1, y + 1), at(x - 1, y), at(x - 1, y - 1)];
          const b = p.reduce((a, v) => a + v, 0);
          if (b < 2 || b > 6) continue;
          let transitions = 0;
          for (let i = 0; i < 8; i++) if (p[i] === 0 && p[(i + 1) % 8] === 1) transitions++;
          if (transitions !== 1) continue;
          const [p2, , p4, , p6, , p8] = p;
          const ok = pass === 0 ? p2 * p4 * p6 === 0 && p4 * p6 * p8 === 0 : p2 * p4 * p8 === 0 && p2 * p6 * p8 === 0;
          if (ok) remove.push(y * size + x);
        }
      }
      for (const i of remove) img[i] = 0;
      if (remove.length > 0) changed = true;
    }
  }
  return img;
}
