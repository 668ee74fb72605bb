import type { MultiClassTask, MultiLabelTask } from "../tasks/types.js";
import { multiClassTask, multiLabelTask } from "../tasks/types.js";
import type { Relatedness } from "./types.js";

/**
 * Expression classes of {@link du2014}, in AffectNet's index order (0 neutral ... 6 anger), so
 * AffectNet-style 7-way labels can be used as they are.
 */
export const DU2014_EXPRESSIONS = ["neutral", "happiness", "sadness", "surprise", "fear", "disgust", "anger"] as const;

type Expression = (typeof DU2014_EXPRESSIONS)[number];

/** Per expression: prototypical AUs (weight 1) and observational AUs with their share of subjects. */
const TABLE: Readonly<Record<Expression, { prototypical: readonly number[]; observational: Readonly<Record<number, number>> }>> = {
  neutral: { prototypical: [], observational: {} },
  happiness: { prototypical: [12, 25], observational: { 6: 0.51 } },
  sadness: { prototypical: [4, 15], observational: { 1: 0.6, 6: 0.5, 11: 0.26, 17: 0.67 } },
  surprise: { prototypical: [1, 2, 25, 26], observational: { 5: 0.66 } },
  fear: { prototypical: [1, 4, 20, 25], observational: { 2: 0.57, 5: 0.63, 26: 0.33 } },
  disgust: { prototypical: [9, 10, 17], observational: { 4: 0.31, 24: 0.26 } },
  anger: { prototypical: [4, 7, 24], observational: { 10: 0.26, 17: 0.52, 23: 0.29 } },
};

/** The AUs that appear in the table, ascending: AU1, AU2, AU4, AU5, AU6, AU7, AU9, AU10, AU11, AU12, AU15, AU17, AU20, AU23, AU24, AU25, AU26. */
export const DU2014_AUS: readonly string[] = [
  ...new Set(
    Object.values(TABLE).flatMap((e) => [...e.prototypical, ...Object.keys(e.observational).map(Number)]),
  ),
]
  .sort((a, b) => a - b)
  .map((au) => `AU${au}`);

/**
 * Expression -> AU relatedness of Du, Tao & Martinez, "Compound facial expressions of emotion",
 * PNAS 2014 (Table 1), as used by FaceBehaviorNet (METHOD.md section 2): R[k][j] = P(AU_j | expression k).
 * Prototypical AUs (shown by over 70% of subjects) get 1, observational AUs the share of subjects
 * that showed them; neutral has no AU (all zeros).
 *
 * Rows: {@link DU2014_EXPRESSIONS} (neutral, happiness, sadness, surprise, fear, disgust, anger).
 * Columns: {@link DU2014_AUS}, named "AU1", "AU2", ... in ascending AU number. Tasks: "expression"
 * (multi-class) -> "au" (multi-label), see {@link du2014Tasks}.
 *
 * Caveat (as METHOD.md says): the AU sets are confirmed from two sources, but the observational
 * weights were read from one; check them against the PNAS table before publishing numbers made
 * with this prior.
 */
export function du2014(): Relatedness {
  const values = DU2014_EXPRESSIONS.map((expression) => {
    const { prototypical, observational } = TABLE[expression];
    return DU2014_AUS.map((name) => {
      const au = Number(name.slice(2));
      if (prototypical.includes(au)) return 1;
      return observational[au] ?? 0;
    });
  });
  return {
    from: "expression",
    to: "au",
    toKind: "multilabel",
    rows: [...DU2014_EXPRESSIONS],
    columns: [...DU2014_AUS],
    values,
    origin: "prior:du2014",
  };
}

/** The tasks {@link du2014} relates: multi-class "expression" and multi-label "au". */
export function du2014Tasks(): { expression: MultiClassTask; au: MultiLabelTask } {
  return {
    expression: multiClassTask("expression", DU2014_EXPRESSIONS),
    au: multiLabelTask("au", DU2014_AUS),
  };
}

/** Built-in domain-knowledge priors by name (for `--relatedness prior:<name>` and `relatedness show`). */
export const builtinPriors: Readonly<Record<string, () => Relatedness>> = {
  du2014,
};
