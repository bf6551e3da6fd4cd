// Peak RSS and CPU time of processes by pid, read from /proc while a benchmark runs: VmHWM (the
// kernel's own high-water mark, so a short peak between samples is not missed) and utime+stime.
// The highest figures sampled before a process exits are kept. Linux only; it does not follow child processes.
import { readFileSync } from "node:fs";

export interface ProcessFigures {
  peakRssMb: number;
  cpuSeconds: number;
}

const TICKS = 100; // USER_HZ, 100 on every Linux ABI Node runs on

export function readProc(pid: number): ProcessFigures | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const hwm = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    // Fields after the command name (which may hold spaces): utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
    return { peakRssMb: hwm / 1024, cpuSeconds: cpu };
  } catch {
    return undefined;
  }
}

/** Samples `pids` (name -> pid, which may grow) every `ms` until stop() returns the last figures. */
export function sampleProcesses(pids: () => Record<string, number>, ms = 200) {
  const last = new Map<string, ProcessFigures>();
  const tick = () => {
    for (const [name, pid] of Object.entries(pids())) {
      const f = readProc(pid);
      // A process read as it exits shows no VmHWM (0): keep the highest figures seen.
      const before = last.get(name);
      if (f)
        last.set(name, {
          peakRssMb: Math.max(f.peakRssMb, before?.peakRssMb ?? 0),
          cpuSeconds: Math.max(f.cpuSeconds, before?.cpuSeconds ?? 0),
        });
    }
  };
  tick();
  const timer = setInterval(tick, ms);
  return {
    stop(): Record<string, ProcessFigures> {
      clearInterval(timer);
      tick();
      return Object.fromEntries(last);
    },
  };
}
