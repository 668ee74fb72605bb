/** The studies behind the README's results, shared by scripts/readme-results.ts and scripts/derive-defaults.ts. */
import type { StudyConfigInput } from "../src/study/config.js";

export const TABULAR = ["soybean", "zoo", "penguins"] as const;

/**
 * METHOD.md's literal coupling, each extension switched on alone, and the coupling defaults before
 * this protocol (chosen on test results, kept as one more candidate). Study names: <dataset>-ext<index>.
 */
export const couplingSettings: readonly { readonly label: string; readonly config: Partial<StudyConfigInput> }[] = [
  { label: "`--preset paper` (METHOD.md literally)", config: { preset: "paper" } },
  { label: "paper + KL divergence", config: { preset: "paper", coupling: { divergence: "kl" } } },
  { label: "paper + stop-gradient", config: { preset: "paper", coupling: { stopGradient: true } } },
  { label: "paper + likelihood SCA rule", config: { preset: "paper", coupling: { scaMode: "likelihood" } } },
  { label: "paper + applyTo missing", config: { preset: "paper", coupling: { applyTo: "missing" } } },
  { label: "paper + λ = 0.1", config: { preset: "paper", coupling: { lambdaDm: 0.1, lambdaSca: 0.1 } } },
  {
    label: "previous defaults (λ = 0.1, KL, likelihood, stop-gradient, missing)",
    config: { coupling: { lambdaDm: 0.1, lambdaSca: 0.1, divergence: "kl", scaMode: "auto", stopGradient: true, applyTo: "missing" } },
  },
];
