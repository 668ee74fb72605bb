import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as tf from "../../src/engine/tf.js";
import { useBackend } from "../../src/engine/backend.js";
import { buildObjective, type CouplingSpec } from "../../src/coupling/objective.js";
import { MultiTaskModel } from "../../src/models/multitask.js";
import { Rng } from "../../src/engine/random.js";
import { multiClassTask, multiLabelTask } from "../../src/tasks/types.js";

/*
 * trunkGradient: false (an extension): the coupling terms read the heads applied to the shared features
 * with the gradient stopped, so they train the heads only. With no label in the batch the supervised
 * terms are exactly 0 with zero gradients, so every gradient below comes from the coupling terms.
 */
const a = multiClassTask("a", ["x", "y", "z"]);
const b = multiLabelTask("b", ["p", "q"]);
const R = [[1, 0], [0, 1], [0.5, 0.5]];

function coupling(trunkGradient?: boolean): CouplingSpec {
  return {
    relatedness: { from: "a", to: "b", toKind: "multilabel", rows: a.classes, columns: b.labels, values: R },
    lambdas: { dm: 1, sca: 1, co: 0 },
    ...(trunkGradient === undefined ? {} : { trunkGradient }),
  };
}

/** Per variable, the largest absolute gradient of the objective on an unlabelled batch, and the objective's total. */
function gradients(trunkGradient: boolean | undefined): { total: number; byVariable: Map<string, number>; model: MultiTaskModel } {
  const model = new MultiTaskModel({ inputShape: [5], tasks: [a, b], trunk: { hidden: [4], dropout: 0 }, seed: 7 });
  const objective = buildObjective([a, b], [coupling(trunkGradient)]);
  const x = tf.tensor2d(Array.from({ length: 6 * 5 }, (_, i) => Math.sin(i + 1)), [6, 5]);
  const targets = {
    a: { kind: "multiclass" as const, oneHot: tf.zeros([6, 3]) as tf.Tensor2D, mask: tf.zeros([6]) as tf.Tensor1D },
    b: { kind: "multilabel" as const, values: tf.zeros([6, 2]) as tf.Tensor2D, mask: tf.zeros([6, 2]) as tf.Tensor2D },
  };
  let total = 0;
  const { grads } = tf.variableGrads(() => {
    const { logits, headsOnly } = model.forwardWithHeadsOnly(x, true, new Rng(1));
    const out = objective(logits, targets, objective.headsOnlyCoupling ? headsOnly : undefined);
    total = out.total.dataSync()[0];
    return out.total;
  }, model.trainableVariables);
  const byVariable = new Map(model.trainableVariables.map((v) => [v.name, Math.max(...Array.from(grads[v.name].dataSync(), Math.abs))]));
  tf.dispose([x, ...Object.values(grads), targets.a.oneHot, targets.a.mask, targets.b.values, targets.b.mask]);
  objective.dispose();
  return { total, byVariable, model };
}

describe("coupling without trunk gradient (trunkGradient: false)", () => {
  before(async () => {
    await useBackend("cpu");
  });

  it("has the same value, sends nothing into the trunk and still trains the heads", () => {
    const usual = gradients(undefined);
    const headsOnly = gradients(false);
    assert.ok(usual.total > 0, "the coupling terms are not zero");
    assert.ok(Math.abs(usual.total - headsOnly.total) < 1e-6, `same value: ${usual.total} vs ${headsOnly.total}`);
    const shared = new Set(headsOnly.model.sharedVariables.map((v) => v.name));
    for (const [name, g] of headsOnly.byVariable) {
      if (shared.has(name)) assert.equal(g, 0, `trunk variable ${name} gets no gradient`);
      else if (/kernel/.test(name)) assert.ok(g > 0, `head variable ${name} gets a gradient`);
    }
    const usualShared = new Set(usual.model.sharedVariables.map((v) => v.name));
    assert.ok([...usual.byVariable].some(([name, g]) => usualShared.has(name) && g > 0), "with the default, the trunk gets a gradient");
    usual.model.dispose();
    headsOnly.model.dispose();
  });

  it("is asked for by the objective only when a coupling sets it", () => {
    assert.equal(buildObjective([a, b], [coupling(false)]).headsOnlyCoupling, true);
    assert.equal(buildObjective([a, b], [coupling(true)]).headsOnlyCoupling, false);
    assert.equal(buildObjective([a, b], []).headsOnlyCoupling, false);
  });
});
