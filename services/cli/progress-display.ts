// The crawl's live progress for a person: per stage done/total, rate and ETA.
// On a terminal the lines are redrawn in place; otherwise a plain line is
// printed every few seconds, so logs and CI output stay readable. It shows the
// rate and ETA it is given (runtime/progress.ts computes them), never its own.

import type { StageProgress } from "../runtime/progress.js";

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "--";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export class ProgressDisplay {
  private drawn = 0;
  private lastPlain = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly plainEveryMs = 5000,
  ) {}

  update(stages: readonly StageProgress[], force = false): void {
    const now = Date.now();
    const lines = stages.map((stage) => {
      const failed = stage.failed > 0 ? ` (${stage.failed} failed)` : "";
      return `${stage.stage.padEnd(10)} ${String(stage.done).padStart(9)}/${String(stage.total).padEnd(9)}${failed} ${stage.ratePerSecond.toFixed(1).padStart(9)}/s  ETA ${formatDuration(stage.etaSeconds)}`;
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
