// The module a worker thread starts with. Run from the bundle (bin/bundle.mjs, decision 019), the
// calling code sits in dist/<key>/ beside the bundle's own entry for that thread; run from the
// sources, the thread registers tsx and imports the TypeScript file (worker threads inherit
// neither `--import tsx` nor tsx registered by API, as bin/ipv6matrix.mjs may do).

/**
 * The URL to give `new Worker`: `bundled`.mjs beside `callerUrl` when the caller is bundled
 * (bin/bundle.mjs's ENTRIES names it), else a module that loads `source` (relative to
 * `callerUrl`) through tsx.
 */
export function threadEntry(callerUrl: string, source: string, bundled: string): URL {
  if (!callerUrl.endsWith(".ts")) return new URL(`./${bundled}.mjs`, callerUrl);
  const bootstrap = `
import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))};
register();
await import(${JSON.stringify(new URL(source, callerUrl).href)});
`;
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
}
