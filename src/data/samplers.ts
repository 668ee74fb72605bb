import { z } from "zod";
import { Rng } from "../engine/random.js";
import type { Source } from "./types.js";

/**
 * How a batch mixes sources (METHOD.md section 4):
 * - "quota" (default): every batch takes an equal share of its slots from each source, so a small source
 *   is oversampled and cannot be drowned by a large one. Epoch: enough batches to see the largest source once.
 * - "proportional": batches are cut from one shuffled stream over all rows of all sources, so each source
 *   appears in proportion to its size (the largest dominates). Epoch: every row of every source once.
 * - "round-robin": each batch comes from a single source, the sources taking turns. Epoch: as many turns
 *   as the largest source needs to be seen once (every source gets the same number of batches).
 * `stepsPerEpoch` overrides the epoch length with a fixed number of batches.
 */
export type SamplingPolicy = "quota" | "proportional" | "round-robin";

/** One sampled sample: which source, which row of it. */
export interface SamplePick {
  readonly source: number;
  readonly row: number;
}

export interface SamplerOptions {
  readonly batchSize: number;
  readonly policy?: SamplingPolicy;
  /** Seed of the sampler's Rng (default 0); ignored when `rng` is given. */
  readonly seed?: number;
  /** Draw randomness from this generator instead (its stream is advanced). */
  readonly rng?: Rng;
  /** Fixed epoch length in batches, instead of the policy's own. */
  readonly stepsPerEpoch?: number;
}

/**
 * A shuffled pass over n items: the permutation is rebuilt from `seed`, so the state stays small
 * (no permutation is stored) and restores exactly.
 */
const streamStateSchema = z.strictObject({ seed: z.number().int(), position: z.number().int().nonnegative() });

export const samplerStateSchema = z.strictObject({
  format: z.literal("distmatch-sampler"),
  version: z.literal(1),
  policy: z.enum(["quota", "proportional", "round-robin"]),
  batchSize: z.number().int().positive(),
  sizes: z.array(z.number().int().positive()),
  stepsPerEpoch: z.number().int().positive(),
  step: z.number().int().nonnegative(),
  rng: z.number().int(),
  streams: z.array(streamStateSchema),
  /** Rotation of the extra quota slots (quota) or of the turn (round-robin). */
  turn: z.number().int().nonnegative(),
});
export type SamplerState = z.infer<typeof samplerStateSchema>;

class Stream {
  private order: number[];

  constructor(
    private readonly n: number,
    public seed: number,
    public position: number,
  ) {
    this.order = new Rng(seed).permutation(n);
  }

  take(rng: Rng): number {
    if (this.position >= this.n) {
      this.seed = rng.seed();
      this.order = new Rng(this.seed).permutation(this.n);
      this.position = 0;
    }
    return this.order[this.position++];
  }
}

/** Mixes sources into batches of picks; all randomness comes from one Rng; `state()` resumes mid-stream. */
export class SourceSampler {
  readonly policy: SamplingPolicy;
  readonly batchSize: number;
  readonly sizes: readonly number[];
  readonly stepsPerEpoch: number;
  private rng: Rng;
  private streams: Stream[];
  private step = 0;
  private turn = 0;
  /** Prefix sums of sizes, to map a position of the proportional stream to (source, row). */
  private readonly offsets: number[];

  constructor(sizes: readonly number[], options: SamplerOptions) {
    assertSizes(sizes, options.batchSize);
    this.policy = options.policy ?? "quota";
    this.batchSize = options.batchSize;
    this.sizes = [...sizes];
    this.offsets = prefixSums(sizes);
    this.stepsPerEpoch = options.stepsPerEpoch ?? defaultEpochSteps(this.policy, sizes, options.batchSize);
    if (!Number.isInteger(this.stepsPerEpoch) || this.stepsPerEpoch < 1) throw new Error(`stepsPerEpoch must be a positive integer, got ${this.stepsPerEpoch}`);
    this.rng = options.rng ?? new Rng(options.seed ?? 0);
    const lengths = this.policy === "proportional" ? [this.offsets[sizes.length]] : sizes;
    this.streams = lengths.map((n) => new Stream(n, this.rng.seed(), 0));
  }

  /** Batches drawn so far. */
  get steps(): number {
    return this.step;
  }

  /** Index of the epoch the next batch belongs to. */
  get epoch(): number {
    return Math.floor(this.step / this.stepsPerEpoch);
  }

  /** The next batch of picks. */
  next(): SamplePick[] {
    const picks = this.policy === "quota" ? this.quotaBatch() : this.policy === "proportional" ? this.proportionalBatch() : this.roundRobinBatch();
    this.step++;
    return picks;
  }

  /** The batches of one epoch (continues the streams; call again for the next epoch). */
  *epochBatches(): Generator<SamplePick[]> {
    for (let i = 0; i < this.stepsPerEpoch; i++) yield this.next();
  }

  state(): SamplerState {
    return {
      format: "distmatch-sampler",
      version: 1,
      policy: this.policy,
      batchSize: this.batchSize,
      sizes: [...this.sizes],
      stepsPerEpoch: this.stepsPerEpoch,
      step: this.step,
      rng: this.rng.state(),
      streams: this.streams.map((s) => ({ seed: s.seed, position: s.position })),
      turn: this.turn,
    };
  }

  /** A sampler that continues exactly where the one that produced `state` stopped. */
  static restore(state: unknown): SourceSampler {
    const parsed = samplerStateSchema.parse(state);
    const sampler = new SourceSampler(parsed.sizes, { policy: parsed.policy, batchSize: parsed.batchSize, stepsPerEpoch: parsed.stepsPerEpoch });
    const lengths = parsed.policy === "proportional" ? [sampler.offsets[parsed.sizes.length]] : parsed.sizes;
    if (parsed.streams.length !== lengths.length) throw new Error(`sampler state: expected ${lengths.length} streams, found ${parsed.streams.length}`);
    sampler.streams = parsed.streams.map((s, i) => new Stream(lengths[i], s.seed, s.position));
    sampler.rng = Rng.restore(parsed.rng);
    sampler.step = parsed.step;
    sampler.turn = parsed.turn;
    return sampler;
  }

  /** Equal share per source; the B mod S leftover slots rotate over the sources batch by batch. */
  private quotaBatch(): SamplePick[] {
    const s = this.sizes.length;
    const base = Math.floor(this.batchSize / s);
    const extra = this.batchSize % s;
    const picks: SamplePick[] = [];
    for (let source = 0; source < s; source++) {
      const hasExtra = (source - this.turn + s) % s < extra;
      const count = base + (hasExtra ? 1 : 0);
      for (let i = 0; i < count; i++) picks.push({ source, row: this.streams[source].take(this.rng) });
    }
    this.turn = (this.turn + extra) % s;
    return picks;
  }

  private proportionalBatch(): SamplePick[] {
    const picks: SamplePick[] = [];
    for (let i = 0; i < this.batchSize; i++) picks.push(this.locate(this.streams[0].take(this.rng)));
    return picks;
  }

  private roundRobinBatch(): SamplePick[] {
    const source = this.turn;
    this.turn = (this.turn + 1) % this.sizes.length;
    return Array.from({ length: this.batchSize }, () => ({ source, row: this.streams[source].take(this.rng) }));
  }

  private locate(position: number): SamplePick {
    let source = 0;
    while (position >= this.offsets[source + 1]) source++;
    return { source, row: position - this.offsets[source] };
  }
}

/** A sampler over sources (only their sizes matter). */
export function createSampler(sources: readonly Source[], options: SamplerOptions): SourceSampler {
  return new SourceSampler(
    sources.map((s) => s.n),
    options,
  );
}

function defaultEpochSteps(policy: SamplingPolicy, sizes: readonly number[], batchSize: number): number {
  const largest = Math.max(...sizes);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (policy === "proportional") return Math.ceil(total / batchSize);
  if (policy === "round-robin") return sizes.length * Math.ceil(largest / batchSize);
  return Math.ceil((largest * sizes.length) / batchSize);
}

function prefixSums(sizes: readonly number[]): number[] {
  const out = [0];
  for (const n of sizes) out.push(out[out.length - 1] + n);
  return out;
}

function assertSizes(sizes: readonly number[], batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  if (sizes.length === 0) throw new Error("a sampler needs at least one source");
  sizes.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 1) throw new Error(`source ${i} has ${n} rows; every source needs at least one row`);
  });
}
