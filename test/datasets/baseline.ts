/**
 * Plain-JS baselines (no TensorFlow) to check that a built-in data set's tasks are learnable from its
 * inputs: softmax regression for a multi-class task, one logistic regression per label for a multi-label one.
 */

export interface Matrix {
  readonly data: Float32Array;
  readonly cols: number;
}

function row(x: Matrix, i: number): Float32Array {
  return x.data.subarray(i * x.cols, (i + 1) * x.cols);
}

/** Softmax regression by full-batch gradient descent; returns test accuracy. */
export function softmaxAccuracy(x: Matrix, labels: Int32Array, k: number, train: number[], test: number[], epochs = 300, lr = 0.5, l2 = 1e-3): number {
  const d = x.cols + 1;
  const w = new Float64Array(k * d);
  const rows = train.filter((i) => labels[i] >= 0);
  const p = new Float64Array(k);
  for (let e = 0; e < epochs; e++) {
    const grad = new Float64Array(k * d);
    for (const i of rows) {
      scores(w, row(x, i), k, d, p);
      for (let c = 0; c < k; c++) {
        const g = p[c] - (labels[i] === c ? 1 : 0);
        const xi = row(x, i);
        for (let j = 0; j < x.cols; j++) grad[c * d + j] += g * xi[j];
        grad[c * d + x.cols] += g;
      }
    }
    for (let t = 0; t < w.length; t++) w[t] -= lr * (grad[t] / rows.length + l2 * w[t]);
  }
  const evaluated = test.filter((i) => labels[i] >= 0);
  let correct = 0;
  for (const i of evaluated) {
    scores(w, row(x, i), k, d, p);
    if (argmax(p) === labels[i]) correct++;
  }
  return correct / evaluated.length;
}

function scores(w: Float64Array, xi: Float32Array, k: number, d: number, out: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    let s = w[c * d + xi.length];
    for (let j = 0; j < xi.length; j++) s += w[c * d + j] * xi[j];
    out[c] = s;
    max = Math.max(max, s);
  }
  let sum = 0;
  for (let c = 0; c < k; c++) sum += out[c] = Math.exp(out[c] - max);
  for (let c = 0; c < k; c++) out[c] /= sum;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Accuracy of always predicting the most frequent training class. */
export function majorityAccuracy(labels: Int32Array, k: number, train: number[], test: number[]): number {
  const counts = new Array<number>(k).fill(0);
  for (const i of train) if (labels[i] >= 0) counts[labels[i]]++;
  const best = argmax(counts);
  const evaluated = test.filter((i) => labels[i] >= 0);
  return evaluated.filter((i) => labels[i] === best).length / evaluated.length;
}

/** Per label: [model accuracy, majority accuracy] on the observed test cells, by logistic regression. */
export function perLabelAccuracy(x: Matrix, values: Float32Array, mask: Float32Array, m: number, train: number[], test: number[]): [number, number][] {
  return Array.from({ length: m }, (_, j) => {
    const labels = new Int32Array(values.length / m);
    for (let i = 0; i < labels.length; i++) labels[i] = mask[i * m + j] > 0 ? values[i * m + j] : -1;
    return [softmaxAccuracy(x, labels, 2, train, test), majorityAccuracy(labels, 2, train, test)] as [number, number];
  });
}
