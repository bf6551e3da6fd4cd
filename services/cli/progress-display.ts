// The crawl's live progress for a person: per stage done/total, rate and ETA.
// On a terminal the lines are redrawn in place; otherwise a plain line is
// printed every few seconds, so logs and CI output stay readable.

import type { StageCount } from "../runtime/progress.js";

interface Sample {
  readonly at: number;
  readonly done: number;
}

/** Rate over the last samples (per second) and the seconds left at that rate. */
export function rateAndEta(
  samples: readonly Sample[],
  total: number,
): { rate: number; eta: number | undefined } {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || last.at <= first.at) return { rate: 0, eta: undefined };
  const rate = ((last.done - first.done) * 1000) / (last.at - first.at);
  const left = Math.max(0, total - last.done);
  return { rate, eta: rate > 0 ? left / rate : left === 0 ? 0 : undefined };
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "--";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export class ProgressDisplay {
  private readonly samples = new Map<string, Sample[]>();
  private drawn = 0;
  private lastPlain = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly plainEveryMs = 5000,
  ) {}

  update(stages: readonly StageCount[], force = false): void {
    const now = Date.now();
    const lines = stages.map((stage) => {
      const samples = this.samples.get(stage.stage) ?? [];
      samples.push({ at: now, done: stage.done + stage.failed });
      while (samples.length > 10) samples.shift();
      this.samples.set(stage.stage, samples);
      const { rate, eta } = rateAndEta(samples, stage.total);
      const failed = stage.failed > 0 ? ` (${stage.failed} failed)` : "";
      return `${stage.stage.padEnd(10)} ${String(stage.done).padStart(9)}/${String(stage.total).padEnd(9)}${failed} ${rate.toFixed(1).padStart(9)}/s  ETA ${formatDuration(eta)}`;
    });
    if (this.out.isTTY) {
      if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A`);
      for (const line of lines) this.out.write(`\x1b[2K${line}\n`);
      this.drawn = lines.length;
    } else if (force || now - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = now;
      this.out.write(`${lines.join(" | ").replace(/ +/g, " ")}\n`);
    }
  }
}
