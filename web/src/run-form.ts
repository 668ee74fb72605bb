/**
 * Section 4's settings: filled with the CLI's defaults (the study schema's), read back into a study
 * config that the core validates; each schema error is shown next to its field.
 */
import { parseStudyConfig, studyConfigSchema, type StudyConfig, type StudyConfigInput } from "../../src/study/config.js";
import { variantDefinitions } from "../../src/study/variants.js";
import { byId, h } from "./dom.js";

/** The CLI's defaults: the schema's, for a config that names a data set and nothing else. */
export const CLI_DEFAULTS: StudyConfig = studyConfigSchema.parse({ dataset: "defaults" });

const FIELDS: readonly { id: string; path: string; read: (value: string) => unknown; initial: (c: StudyConfig) => string }[] = [
  { id: "seeds", path: "seeds", read: numberList, initial: (c) => c.seeds.join(",") },
  { id: "repeats", path: "split.repeats", read: Number, initial: (c) => String(c.split.repeats) },
  { id: "epochs", path: "training.epochs", read: Number, initial: (c) => String(c.training.epochs) },
  { id: "batch-size", path: "training.batchSize", read: Number, initial: (c) => String(c.training.batchSize) },
  { id: "learning-rate", path: "training.learningRate", read: Number, initial: (c) => String(c.training.learningRate) },
  { id: "patience", path: "training.patience", read: Number, initial: (c) => String(c.training.patience) },
  { id: "hidden", path: "model.hidden", read: numberList, initial: (c) => c.model.hidden.join(",") },
  { id: "lambda-dm", path: "coupling.lambdaDm", read: Number, initial: (c) => String(c.coupling.lambdaDm) },
  { id: "lambda-sca", path: "coupling.lambdaSca", read: Number, initial: (c) => String(c.coupling.lambdaSca) },
];

function numberList(text: string): number[] {
  return text.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
}

export function fillRunForm(): void {
  for (const field of FIELDS) byId<HTMLInputElement>(field.id).value = field.initial(CLI_DEFAULTS);
  byId("variants").replaceChildren(
    ...variantDefinitions.map((v) => {
      const id = `variant-${v.id.replace(/[^a-z]+/g, "-")}`;
      const box = h("input", { type: "checkbox", id, value: v.id, checked: CLI_DEFAULTS.variants.includes(v.id) });
      return h("div", { class: "check" }, box, h("label", { for: id, title: v.description }, `${v.label} `, h("span", { class: "muted" }, v.id)));
    }),
  );
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let at = target;
  for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1]] = value;
}

/** The form's settings over `base`; throws with every field's problem shown next to it. */
export function readRunForm(base: StudyConfigInput): StudyConfigInput {
  const config = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  for (const field of FIELDS) setPath(config, field.path, field.read(byId<HTMLInputElement>(field.id).value));
  config.variants = [...document.querySelectorAll<HTMLInputElement>("#variants input:checked")].map((b) => b.value);
  for (const slot of document.querySelectorAll<HTMLElement>(".settings .field-error, #config-error")) slot.textContent = "";
  const result = studyConfigSchema.safeParse(config);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.join(".");
      const field = FIELDS.find((f) => path === f.path || path.startsWith(`${f.path}.`));
      showFieldError(field?.id, `${path || "(root)"}: ${issue.message}`);
    }
    throw new Error("the settings have problems (shown next to each field)");
  }
  parseStudyConfig(config);
  return config as StudyConfigInput;
}

function showFieldError(fieldId: string | undefined, message: string): void {
  const input = fieldId ? document.getElementById(fieldId) : null;
  let slot = input ? document.getElementById(`${fieldId}-error`) : null;
  if (input && !slot) {
    slot = h("p", { class: "field-error", id: `${fieldId}-error` });
    input.after(slot);
    input.setAttribute("aria-describedby", slot.id);
  }
  const target = slot ?? byId("config-error");
  target.textContent = target.textContent ? `${target.textContent}; ${message}` : message;
}
