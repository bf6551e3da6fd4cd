// A small coverage-guided fuzzer on V8's own block coverage (node:inspector,
// Profiler.takePreciseCoverage): mutates inputs, keeps those that reach a block
// of services/ not reached before (or reach one a new order of magnitude more
// often), and stops at the first input a target rejects with anything but its
// typed error. Jazzer.js (its libFuzzer addon needs glibc 2.38; Debian 12 has
// 2.36) and jsfuzz (CommonJS require hooks only) do not run on this project.
// It does not minimise crashes or run several processes.

import { createHash } from "node:crypto";
import { Session } from "node:inspector";

export interface FuzzTarget {
  readonly name: string;
  /** What it reads, for the listing. */
  readonly about: string;
  /** Inputs to start from: well-formed examples of what the parser reads. */
  readonly seeds: () => Buffer[];
  /** Byte strings worth inserting: keywords, separators, lengths. */
  readonly dictionary?: readonly string[];
  /** Runs one input: throws only when a property does not hold (a typed rejection is not a throw). */
  readonly run: (data: Buffer) => void | Promise<void>;
}

export interface FuzzOptions {
  readonly runs?: number;
  readonly seconds?: number;
  readonly seed?: number;
  readonly maxLength?: number;
  readonly onProgress?: (stats: FuzzStats) => void;
}

export interface FuzzStats {
  executions: number;
  corpus: number;
  features: number;
  seconds: number;
  crash?: { input: Buffer; error: unknown };
}

/** xorshift32: the same seed gives the same run. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  return { below: (n: number) => Math.floor(next() * n), next };
}

type Random = ReturnType<typeof random>;

const interesting = [0, 1, 0x7f, 0x80, 0xff, 0x3f, 0x40, 0xc0, 0x0a, 0x0d, 0x00, 0x20, 0x2c, 0x22];
const interesting16 = [0, 1, 0x7fff, 0x8000, 0xffff, 0x00ff, 0x0100, 512, 1232, 4096];

function mutate(
  input: Buffer,
  corpus: readonly Buffer[],
  dictionary: readonly Buffer[],
  rng: Random,
  max: number,
) {
  let bytes = Buffer.from(input);
  const steps = 1 + rng.below(4);
  for (let step = 0; step < steps; step++) {
    const at = () => rng.below(bytes.length + 1);
    switch (rng.below(11)) {
      case 0: // flip a bit
        if (bytes.length) bytes[rng.below(bytes.length)]! ^= 1 << rng.below(8);
        break;
      case 1: // a random byte
        if (bytes.length) bytes[rng.below(bytes.length)] = rng.below(256);
        break;
      case 2: // an interesting byte
        if (bytes.length) bytes[rng.below(bytes.length)] = interesting[rng.below(interesting.length)]!;
        break;
      case 3: // an interesting 16-bit value, big-endian as on the wire
        if (bytes.length >= 2)
          bytes.writeUInt16BE(interesting16[rng.below(interesting16.length)]!, rng.below(bytes.length - 1));
        break;
      case 4: {
        // delete a run
        const from = rng.below(bytes.length + 1);
        bytes = Buffer.concat([bytes.subarray(0, from), bytes.subarray(from + 1 + rng.below(16))]);
        break;
      }
      case 5: {
        // insert random bytes
        const from = at();
        const extra = Buffer.from(Array.from({ length: 1 + rng.below(8) }, () => rng.below(256)));
        bytes = Buffer.concat([bytes.subarray(0, from), extra, bytes.subarray(from)]);
        break;
      }
      case 6: {
        // duplicate a run
        const from = rng.below(bytes.length + 1);
        const run = bytes.subarray(from, from + 1 + rng.below(32));
        const to = at();
        bytes = Buffer.concat([bytes.subarray(0, to), run, bytes.subarray(to)]);
        break;
      }
      case 7: {
        // a dictionary word
        if (dictionary.length === 0) break;
        const word = dictionary[rng.below(dictionary.length)]!;
        const to = at();
        const overwrite = rng.below(2) === 0;
        bytes = Buffer.concat([
          bytes.subarray(0, to),
          word,
          bytes.subarray(overwrite ? to + word.length : to),
        ]);
        break;
      }
      case 8: {
        // splice with another input of the corpus
        const other = corpus[rng.below(corpus.length)]!;
        const cut = rng.below(bytes.length + 1);
        bytes = Buffer.concat([bytes.subarray(0, cut), other.subarray(rng.below(other.length + 1))]);
        break;
      }
      case 9: // truncate
        bytes = bytes.subarray(0, rng.below(bytes.length + 1));
        break;
      default: {
        // add to or subtract from a byte: lengths and counts one off
        if (bytes.length) {
          const i = rng.below(bytes.length);
          bytes[i] = (bytes[i]! + (rng.below(2) ? 1 : 255) * (1 + rng.below(4))) & 0xff;
        }
      }
    }
  }
  return bytes.length > max ? bytes.subarray(0, max) : bytes;
}

interface ScriptCoverage {
  url: string;
  functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[];
}

/** Block coverage of the project's own sources since the last call: the set of (block, hit-count bucket). */
class Coverage {
  readonly #session = new Session();
  constructor(private readonly include: RegExp) {
    this.#session.connect();
    this.#post("Profiler.enable");
    this.#post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
  }

  features(): string[] {
    const { result } = this.#post("Profiler.takePreciseCoverage") as { result: ScriptCoverage[] };
    const out: string[] = [];
    for (const script of result) {
      if (!this.include.test(script.url)) continue;
      // libFuzzer's idea: a block run 1, 2, 3, 4-7, 8-15, ... times are different features.
      for (const fn of script.functions)
        for (const range of fn.ranges)
          if (range.count > 0)
            out.push(
              `${script.url}:${range.startOffset}:${Math.min(8, Math.ceil(Math.log2(range.count + 1)))}`,
            );
    }
    return out;
  }

  close(): void {
    this.#post("Profiler.stopPreciseCoverage");
    this.#session.disconnect();
  }

  /** Same-thread inspector calls answer before post returns. */
  #post(method: string, params?: object): unknown {
    let answer: unknown;
    let failure: Error | null = null;
    this.#session.post(method, params ?? {}, (error, result) => {
      failure = error;
      answer = result;
    });
    if (failure) throw failure;
    return answer;
  }
}

/** Fuzzes `target` until runs or seconds are used up, or the first crash. */
export async function fuzz(target: FuzzTarget, options: FuzzOptions = {}): Promise<FuzzStats> {
  const rng = random(options.seed ?? Date.now());
  const max = options.maxLength ?? 4096;
  const dictionary = (target.dictionary ?? []).map((word) => Buffer.from(word, "latin1"));
  // The project's sources, and the two libraries that parse outside bytes for it.
  const coverage = new Coverage(/\/services\/.*\.ts$|\/node_modules\/(dns-packet|yaml)\//);
  const seen = new Set<string>();
  const corpus: Buffer[] = [];
  const started = performance.now();
  const stats: FuzzStats = { executions: 0, corpus: 0, features: 0, seconds: 0 };
  const deadline =
    options.seconds === undefined ? Number.POSITIVE_INFINITY : started + options.seconds * 1000;
  const runs = options.runs ?? (options.seconds === undefined ? 10_000 : Number.POSITIVE_INFINITY);
  let lastReport = started;
  coverage.features(); // what loading did is no input's doing

  const attempt = async (input: Buffer): Promise<boolean> => {
    stats.executions++;
    try {
      await target.run(input);
    } catch (error) {
      stats.crash = { input, error };
      return false;
    }
    let fresh = false;
    for (const feature of coverage.features())
      if (!seen.has(feature)) {
        seen.add(feature);
        fresh = true;
      }
    if (fresh) corpus.push(input);
    return true;
  };

  try {
    for (const seed of target.seeds()) if (!(await attempt(seed))) return finish();
    if (corpus.length === 0) corpus.push(Buffer.alloc(0));
    while (stats.executions < runs && performance.now() < deadline) {
      // Newer corpus entries found more: picked a little more often.
      const pick = corpus[Math.max(rng.below(corpus.length), rng.below(corpus.length))]!;
      if (!(await attempt(mutate(pick, corpus, dictionary, rng, max)))) break;
      if (options.onProgress && performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        options.onProgress(snapshot());
      }
    }
    return finish();
  } finally {
    coverage.close();
  }

  function snapshot(): FuzzStats {
    stats.corpus = corpus.length;
    stats.features = seen.size;
    stats.seconds = (performance.now() - started) / 1000;
    return stats;
  }
  function finish(): FuzzStats {
    return snapshot();
  }
}

export function crashName(target: FuzzTarget, input: Buffer): string {
  return `${target.name}-${createHash("sha1").update(input).digest("hex").slice(0, 12)}`;
}
