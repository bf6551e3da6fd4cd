// Preload (`NODE_OPTIONS=--import .../cpu-profile.mjs`, with V6M_CPU_PROFILE_DIR set) that profiles
// the main thread of every Node process it reaches and writes <dir>/<pid>.cpuprofile at exit: Node 20
// refuses --cpu-prof in NODE_OPTIONS, and crawl.ts --profile in NATS mode must reach the processes
// crawl-nats.ts starts. Worker threads are not profiled; a process killed by a signal writes nothing.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.V6M_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.start");
  // On the main thread post() answers before it returns, so this works in an exit handler.
  process.once("exit", () => {
    session.post("Profiler.stop", (error, result) => {
      if (!error) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
