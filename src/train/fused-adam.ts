import * as tf from "../engine/tf.js";
import { type AdamConstants, adamStep } from "../engine/kernels/adam.js";

/**
 * Adam with one fused update per variable instead of tfjs's ~14 kernels per variable (mul, add, square,
 * div, sqrt, ... each a dispatch, an allocation and a pass over memory). The update is one SIMD wasm
 * kernel (src/engine/kernels/wasm/adam.c) over the variable's values, written to new tensors, so clones
 * of the old weights (early stopping's best copy) stay intact.
 *
 * Bit-identical to tf.train.adam on the wasm and cpu backends: every operation is the same float32
 * operation in the same order (Math.fround after each step; +, -, *, / and sqrt computed in double and
 * rounded once to float32 equal the correctly rounded float32 result). It subclasses tfjs's AdamOptimizer,
 * so getWeights/setWeights, the moment names ("<var>/m", "<var>/v") and checkpoints are unchanged.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    super(learningRate, beta1, beta2, epsilon);
  }

  /** Changes the step size of the following updates (a learning-rate schedule). */
  setLearningRate(learningRate: number): void {
    (this as unknown as { learningRate: number }).learningRate = learningRate;
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer["applyGradients"]>[0]): void {
    const self = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const f = Math.fround;
    const accBeta1 = self.accBeta1.dataSync()[0];
    const accBeta2 = self.accBeta2.dataSync()[0];
    const c: AdamConstants = {
      beta1: f(self.beta1), oneMinusBeta1: f(1 - self.beta1), beta2: f(self.beta2), oneMinusBeta2: f(1 - self.beta2),
      oneMinusAccBeta1: f(1 - accBeta1), oneMinusAccBeta2: f(1 - accBeta2), epsilon: f(self.epsilon), negLearningRate: f(-self.learningRate),
    };
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      const m = self.accumulatedFirstMoment[i].variable;
      const v = self.accumulatedSecondMoment[i].variable;
      const out = adamStep(value.dataSync() as Float32Array, gradient.dataSync() as Float32Array, m.dataSync() as Float32Array, v.dataSync() as Float32Array, c);
      assignValues(m, out.m);
      assignValues(v, out.v);
      assignValues(value, out.w);
    });
    tf.tidy(() => {
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}

/** tfjs's Adam state that the fused update reads and writes (private or protected in its typings). */
interface AdamState {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly accBeta1: tf.Variable;
  readonly accBeta2: tf.Variable;
  readonly accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  readonly accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

function assignValues(variable: tf.Variable, values: Float32Array): void {
  const next = tf.tensor(values, variable.shape, "float32");
  variable.assign(next);
  next.dispose();
}

/** Adam as tf.train.adam(learningRate) builds it, with the fused update. */
export function fusedAdam(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number): FusedAdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}

/** Adam's state as plain arrays: per variable (in the order of `variables`) its moments, and the bias-correction powers. */
export interface AdamArrays {
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  readonly accBeta1: number;
  readonly accBeta2: number;
  readonly iterations: number;
}

/**
 * Reads the optimizer's moments for `variables` (the list its updates were given, in that order): zeros
 * for a variable it has not updated yet, as its first update would start from.
 */
export function readAdamState(optimizer: FusedAdamOptimizer, variables: readonly tf.Variable[]): AdamArrays {
  const self = optimizer as unknown as AdamState & { iterations: number };
  const moment = (list: AdamState["accumulatedFirstMoment"], i: number): Float32Array =>
    list[i] ? Float32Array.from(list[i].variable.dataSync()) : new Float32Array(variables[i].size);
  return {
    m: variables.map((_, i) => moment(self.accumulatedFirstMoment, i)),
    v: variables.map((_, i) => moment(self.accumulatedSecondMoment, i)),
    accBeta1: self.accBeta1.dataSync()[0],
    accBeta2: self.accBeta2.dataSync()[0],
    iterations: self.iterations,
  };
}

/** Writes {@link readAdamState}'s arrays back, so that tfjs's getWeights (and a checkpoint) hold them. */
export function writeAdamState(optimizer: FusedAdamOptimizer, variables: readonly tf.Variable[], state: AdamArrays): void {
  const self = optimizer as unknown as AdamState & { iterations_: number };
  variables.forEach((variable, i) => {
    const set = (list: AdamState["accumulatedFirstMoment"], suffix: string, values: Float32Array): void => {
      list[i] ??= { originalName: `${variable.name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(variable).variable(false)) };
      assignValues(list[i].variable, values);
    };
    set(self.accumulatedFirstMoment, "m", state.m[i]);
    set(self.accumulatedSecondMoment, "v", state.v[i]);
  });
  tf.tidy(() => {
    self.accBeta1.assign(tf.scalar(state.accBeta1));
    self.accBeta2.assign(tf.scalar(state.accBeta2));
  });
  self.iterations_ = state.iterations;
}
