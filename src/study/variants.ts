import type { VariantRecord } from "./results.js";
import type { WeightingName } from "../weighting/types.js";

/** Which coupling terms a variant switches on (each multiplied by the study's lambda for it). */
export interface VariantTerms {
  readonly dm: boolean;
  readonly sca: boolean;
  readonly co: boolean;
}

export interface VariantDefinition extends VariantRecord {
  readonly terms: VariantTerms;
  /** A loss-weighting method (src/weighting) for the supervised terms; absent = equal weights (plain MT). */
  readonly weighting?: WeightingName;
}

const none: VariantTerms = { dm: false, sca: false, co: false };

/** The study's variants (METHOD.md section 5): ST per task, MT, MT + coupling, and its ablations. */
export const variantDefinitions: readonly VariantDefinition[] = [
  { id: "st", label: "ST", description: "one network per task, trained on the data that annotates it", singleTask: true, terms: none },
  { id: "mt", label: "MT", description: "one shared network, supervised losses only", singleTask: false, terms: none },
  {
    id: "mt+coupling",
    label: "MT + coupling",
    description: "MT plus distribution matching and soft co-annotation through the relatedness",
    singleTask: false,
    terms: { dm: true, sca: true, co: false },
  },
  { id: "dm", label: "MT + DM", description: "ablation: MT plus distribution matching only", singleTask: false, terms: { dm: true, sca: false, co: false } },
  { id: "sca", label: "MT + SCA", description: "ablation: MT plus soft co-annotation only", singleTask: false, terms: { dm: false, sca: true, co: false } },
  { id: "co", label: "MT + co-annotation", description: "ablation: MT plus co-annotation from labels only", singleTask: false, terms: { dm: false, sca: false, co: true } },
  ...weightingVariants(),
];

/** MT with a standard loss-weighting baseline, alone and with the coupling of mt+coupling. */
function weightingVariants(): VariantDefinition[] {
  const methods: { id: string; weighting: WeightingName; label: string; description: string }[] = [
    { id: "uw", weighting: "uncertainty", label: "UW", description: "uncertainty weighting (Kendall et al. 2018): learnable per-task log-variances" },
    { id: "gradnorm", weighting: "gradnorm", label: "GradNorm", description: "GradNorm (Chen et al. 2018): task weights that balance the gradient norms" },
    { id: "pcgrad", weighting: "pcgrad", label: "PCGrad", description: "PCGrad (Yu et al. 2020): conflicting task gradients projected apart" },
    { id: "aligned-mtl", weighting: "aligned-mtl", label: "Aligned-MTL", description: "Aligned-MTL (Senushkin et al. 2023): task gradients made orthogonal and equally long" },
  ];
  return methods.flatMap((m) => [
    { id: m.id, label: `MT (${m.label})`, description: `MT with ${m.description}`, singleTask: false, terms: none, weighting: m.weighting },
    {
      id: `${m.id}+coupling`,
      label: `MT (${m.label}) + coupling`,
      description: `MT + coupling with ${m.description}`,
      singleTask: false,
      terms: { dm: true, sca: true, co: false },
      weighting: m.weighting,
    },
  ]);
}

export const variantIds = variantDefinitions.map((v) => v.id) as [string, ...string[]];

export function getVariant(id: string): VariantDefinition {
  const found = variantDefinitions.find((v) => v.id === id);
  if (!found) throw new Error(`unknown variant "${id}"; expected one of ${variantIds.join(", ")}`);
  return found;
}

export function needsRelatedness(ids: readonly string[]): boolean {
  return ids.some((id) => {
    const t = getVariant(id).terms;
    return t.dm || t.sca || t.co;
  });
}
