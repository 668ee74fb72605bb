#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { StudyFlags } from "./study.js";
import { shortenLongRuns } from "../data/errors.js";
import { exitCodeFor, exitQuietlyOnClosedPipe } from "./usage.js";

// Each command loads its module when it runs: TensorFlow.js and the rest take most of a second to load,
// which `--help` should not wait for and a study's worker processes can start during (startStudy).

/** `distmatch study`: with several jobs, the worker processes start while this process loads the study code. */
async function startStudy(flags: StudyFlags, mode: "study" | "train"): Promise<void> {
  if (mode === "study") {
    const [{ prestartStudyWorkers }, { defaultJobs }] = await Promise.all([import("../study/parallel-runs.js"), import("../parallel/pool.js")]);
    prestartStudyWorkers(flags.jobs ?? defaultJobs());
  }
  const { runStudyCommand } = await import("./study.js");
  return runStudyCommand(flags, mode);
}

function list(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter(Boolean);
}

function integers(value: string): number[] {
  const out = list(value).map(Number);
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 0)) throw new InvalidArgumentError("expected comma-separated non-negative integers, e.g. 0,1,2");
  return out;
}

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError("expected a number");
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer, e.g. 2");
  return n;
}

function shardSpec(value: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const [i, n] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(n >= 1 && i >= 1 && i <= n)) throw new InvalidArgumentError("expected i/N with 1 <= i <= N, e.g. 1/2");
  return { index: i - 1, count: n };
}

function ratio(value: string): number[] {
  const out = value.split(":").map(Number);
  if (out.length < 2 || out.some((n) => !(n >= 0))) throw new InvalidArgumentError("expected sizes separated by ':', e.g. 1:10");
  return out;
}

function studyOptions(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "study config (JSON); flags override its fields")
    .option("-d, --dataset <name>", "a built-in data set (see `distmatch datasets`)")
    .option("--data <files>", "your own CSV/JSONL/ARFF files, comma-separated, one source each (needs --spec)", list)
    .option("--spec <file>", "column spec (JSON) for --data: inputs and task label columns")
    .option("--test <file>", "a test file annotated for every task (with --data)")
    .option("--name <name>", "study name; output goes to <out>/<name>/")
    .option("-o, --out <dir>", "output root directory", "runs")
    .option("--seeds <list>", "seeds, e.g. 0,1,2", integers)
    .option("--repeats <n>", "split repeats (default 3): every seed runs on each; ST and MT pair by split and seed", number)
    .option("--variants <list>", "variants: st,mt,mt+coupling,dm,sca,co; weighting baselines uw,gradnorm,pcgrad,aligned-mtl (each also <id>+coupling)", list)
    .option("--epochs <n>", "training epochs per run", number)
    .option("--batch-size <n>", "batch size", number)
    .option("--lr <rate>", "Adam learning rate", number)
    .addOption(new Option("--lr-schedule <name>", "learning rate over the epochs: constant, or cosine decay towards 0").choices(["constant", "cosine"]))
    .option("--head-hidden <sizes>", "hidden layer sizes inside every task's head, e.g. 32 or 64,32 (task-specific capacity)", integers)
    .option("--overlap <fraction>", "fraction of training samples that keep every task's labels", number)
    .option("--ratio <a:b>", "relative sizes of the task-only subsets, e.g. 1:10", ratio)
    .option("--representation <name>", "input representation of the data set (e.g. pixels, mobilenetv2)")
    .addOption(new Option("--relatedness <method>", "where R comes from").choices(["auto", "file", "prior", "overlap", "predictions"]))
    .option("--relatedness-file <files>", "relatedness matrix file (JSON or CSV); several, comma-separated, one per coupled pair", list)
    .option("--prior <name>", "a built-in relatedness prior, e.g. du2014")
    .option("--lambda-dm <w>", "weight of distribution matching", number)
    .option("--lambda-sca <w>", "weight of soft co-annotation", number)
    .addOption(new Option("--sca-mode <mode>", "soft co-annotation rule").choices(["auto", "product", "bernoulli", "likelihood"]))
    .addOption(new Option("--divergence <kind>", "how DM and SCA compare target and prediction").choices(["kl", "cross-entropy"]))
    .option("--stop-gradient", "stop the gradient through the implied distributions")
    .option("--no-stop-gradient", "let the coupling gradient flow into both heads (METHOD.md default)")
    .addOption(new Option("--dm-gradient <heads>", "which heads DM's gradient reaches (default: from --stop-gradient)").choices(["both", "matched", "implied"]))
    .addOption(new Option("--sca-gradient <heads>", "which heads SCA's gradient reaches (default: from --stop-gradient)").choices(["both", "matched", "implied"]))
    .addOption(new Option("--apply-to <samples>", "samples DM and SCA apply to").choices(["all", "missing"]))
    .option("--min-confidence <p>", "confidence gate (an extension): DM and SCA count only samples whose source head is at least this sure (0 = off)", number)
    .option("--no-trunk-gradient", "DM and SCA train the heads only, not the shared trunk (an extension; METHOD.md sends their gradient everywhere)")
    .addOption(new Option("--preset <name>", "paper: METHOD.md's literal coupling (λ = 1, cross-entropy, product rule, gradients into both heads, every sample)").choices(["paper"]))
    .option("--tune", "choose the coupling settings per split on the validation split only (the config's tuning.grid, else the default 11-candidate grid, coupling off among them)")
    .addOption(new Option("--tune-criterion <name>", "how --tune scores a candidate on validation: mean over tasks, or the worst task's gain over ST (implies --tune)").choices(["mean", "worst-task"]))
    .addOption(new Option("--backend <name>", "TensorFlow.js backend").choices(["wasm", "cpu", "tensorflow", "auto"]))
    .addOption(new Option("--engine <name>", "what trains: tfjs (default) or torch, the optional native engine (MLPs on features; other runs stay on tfjs)").choices(["tfjs", "torch"]))
    .option("--json", "print the results as JSON on stdout instead of a table")
    .option("--no-report", "do not write report.html")
    .option("-q, --quiet", "no progress output")
    .option("--shard <i/N>", "run only shard i of N (1-based) of the runs, for machines sharing one --out folder; each waits for the others and writes the same results", shardSpec)
    .option("-j, --jobs <n>", "runs trained at once, one process each (default: the core count); results equal one job's", positiveInteger)
}

export function buildProgram(): Command {
  const program = new Command("distmatch")
    .description("Multi-task learning of classification tasks with barely overlapping annotations")
    .version("0.1.0")
    .showHelpAfterError()
    // Throw instead of exiting, so main() decides the exit code (2 for usage errors); subcommands inherit it.
    .exitOverride();

  studyOptions(program.command("study").description("run a study: ST vs MT vs MT + coupling over split repeats x seeds, with paired 95% intervals and negative-transfer verdicts"))
    .action(async (flags: StudyFlags) => startStudy(flags, "study"));

  studyOptions(program.command("train").description("train one variant and save the model (TensorFlow.js format)"))
    .option("--variant <id>", "variant to train", "mt+coupling")
    .option("--seed <n>", "seed", number)
    .action(async (flags: StudyFlags) => startStudy(flags, "train"));

  program
    .command("evaluate")
    .description("evaluate a saved model on a labelled file (CSV/JSONL/ARFF with the training columns)")
    .requiredOption("-m, --model <dir>", "model directory written by `distmatch train`")
    .requiredOption("--data <file>", "labelled data file")
    .option("--spec <file>", "column spec (default: the one the model was trained with)")
    .option("--json", "print JSON")
    .action(async (flags: Parameters<typeof import("./predict.js").evaluateCommand>[0]) => (await import("./predict.js")).evaluateCommand(flags));

  program
    .command("predict")
    .description("predict with a saved model; writes one JSON line per input row")
    .requiredOption("-m, --model <dir>", "model directory written by `distmatch train`")
    .requiredOption("--data <file>", "data file with the model's input columns")
    .option("-o, --output <file>", "write JSON lines here instead of stdout")
    .action(async (flags: Parameters<typeof import("./predict.js").predictCommand>[0]) => (await import("./predict.js")).predictCommand(flags));

  const rel = program.command("relatedness").description("inspect and estimate task relatedness matrices");
  rel
    .command("show")
    .description("print a relatedness matrix from a file or a built-in prior")
    .argument("[file]", "JSON or CSV relatedness file")
    .option("--prior <name>", "a built-in prior, e.g. du2014")
    .option("--json", "print JSON")
    .action(async (file: string | undefined, flags: { prior?: string; json?: boolean }) => (await import("./relatedness.js")).relatednessShowCommand(file, flags));
  rel
    .command("estimate")
    .description("estimate R = P(B | A) from samples annotated for both tasks")
    .requiredOption("--data <files>", "data files, comma-separated", list)
    .requiredOption("--spec <file>", "column spec (JSON)")
    .requiredOption("--from <task>", "task A (multi-class)")
    .requiredOption("--to <task>", "task B")
    .option("--alpha <n>", "Laplace smoothing", number, 1)
    .option("-o, --output <file>", "save the matrix (JSON or CSV by extension)")
    .action(async (flags: Parameters<typeof import("./relatedness.js").relatednessEstimateCommand>[0]) => (await import("./relatedness.js")).relatednessEstimateCommand(flags));

  program.command("datasets").description("list the built-in data sets").option("--json", "print JSON").action(async (flags: { json?: boolean }) => (await import("./datasets.js")).datasetsCommand(flags));

  program
    .command("export")
    .description("write a study's tables for other tools: runs.csv (every run, task and metric) and summary.csv")
    .argument("<runDir>", "study output directory, e.g. runs/soybean")
    .option("--csv", "CSV files (the only format for now)")
    .option("-o, --out <dir>", "where to write them (default: the study directory)")
    .action(async (runDir: string, flags: { csv?: boolean; out?: string }) => (await import("./export.js")).exportCommand(runDir, flags));

  program
    .command("report")
    .description("rebuild report.html of a study from its results.json")
    .argument("<runDir>", "study output directory, e.g. runs/soybean")
    .action(async (runDir: string) => (await import("./report.js")).reportCommand(runDir));
  return program;
}

async function main(): Promise<void> {
  exitQuietlyOnClosedPipe(process.stdout);
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    const code = exitCodeFor(err);
    // commander has already printed its own usage messages (and the help or version).
    if (!(err instanceof CommanderError)) process.stderr.write(`distmatch: ${shortenLongRuns((err as Error).message)}\n`);
    if (process.env.DISTMATCH_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    process.exitCode = code;
  }
}

await main();
