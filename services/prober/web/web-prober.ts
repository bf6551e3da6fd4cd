// The same-site parity of one WWW host (issue 19): GET / over http and https on its first valid
// IPv4 and IPv6 addresses, at most `concurrency` fetches at once over the whole prober, each
// scheme's pair compared (parity.ts) into a web_parity row. An address the prober may not probe
// (its allow_ranges and validity checks, Prober.refusal) is never connected to: its side says
// `not_probed`. Knows nothing of subjects (actors.ts).

import type { WebParity, WebTask } from "../../../gen/ipv6matrix/v1/work.js";
import type { Config } from "../../runtime/config.js";
import { type FetchLimits, fetchPage } from "./fetch-page.js";
import { compareFetches, type PageFetch } from "./parity.js";

/** Recorded in every row: how the parity was measured. */
export const WEB_VERSION =
  "web/1 get=/ redirects=same-host similarity=token-lcs(myers) normalise=nonce,csrf,viewstate,time";

export interface WebOptions extends FetchLimits {
  readonly concurrency: number;
  readonly similarityThreshold: number;
}

export function webOptionsFrom(config: Config): WebOptions {
  return {
    connectTimeoutMs: config.web.connect_timeout * 1000,
    timeoutMs: config.web.timeout * 1000,
    bodyCapBytes: config.web.body_cap_bytes,
    maxRedirects: config.web.max_redirects,
    concurrency: config.web.concurrency,
    similarityThreshold: config.web.similarity_threshold,
  };
}

export type Fetcher = typeof fetchPage;

/** A counting semaphore: at most `limit` holders at once, the others wait in order. */
class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.used >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.used++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.used--;
    }
  }
}

// Not a network failure: this prober may not send to the address (its reason is in the log of the
// address's own row, not_probed_reason).
const notProbed: PageFetch = {
  status: 0,
  finalUrl: "",
  bytes: 0,
  body: "",
  cert: "",
  ttfbMs: 0,
  downloadMs: 0,
  error: "not_probed",
  offSiteLocation: "",
};

export class WebProber {
  private readonly slots: Slots;

  constructor(
    private readonly options: WebOptions,
    /** Why `ip` may not be probed, or undefined (Prober.refusal). */
    private readonly refusal: (ip: string) => string | undefined,
    private readonly fetcher: Fetcher = fetchPage,
  ) {
    this.slots = new Slots(options.concurrency);
  }

  private fetch(ip: string, scheme: "http" | "https", host: string): Promise<PageFetch> {
    if (this.refusal(ip) !== undefined) return Promise.resolve(notProbed);
    return this.slots.run(() => this.fetcher(ip, scheme, host, this.options));
  }

  /** The rows of one task: http and https, or the schemes it names. */
  async measure(task: WebTask): Promise<WebParity[]> {
    const schemes = (["http", "https"] as const).filter(
      (scheme) => task.schemes.length === 0 || task.schemes.includes(scheme),
    );
    const pairs = await Promise.all(
      schemes.map(async (scheme) => {
        const [v4, v6] = await Promise.all([
          task.ip4 === "" ? Promise.resolve(undefined) : this.fetch(task.ip4, scheme, task.host),
          this.fetch(task.ip6, scheme, task.host),
        ]);
        return { scheme, v4, v6 };
      }),
    );
    return pairs.map(({ scheme, v4, v6 }) => {
      const parity = compareFetches(v4, v6, this.options.similarityThreshold);
      return {
        crawlId: task.crawlId,
        host: task.host,
        scheme,
        ip4: task.ip4,
        ip6: task.ip6,
        status4: v4?.status ?? 0,
        status6: v6.status,
        finalUrl4: v4?.finalUrl ?? "",
        finalUrl6: v6.finalUrl,
        bytes4: v4?.bytes ?? 0,
        bytes6: v6.bytes,
        cert4: v4?.cert ?? "",
        cert6: v6.cert,
        ttfb4Ms: v4?.ttfbMs ?? 0,
        ttfb6Ms: v6.ttfbMs,
        download4Ms: v4?.downloadMs ?? 0,
        download6Ms: v6.downloadMs,
        error4: v4?.error ?? "",
        error6: v6.error,
        similarity: parity.similarity,
        differences: parity.differences,
        same: parity.same,
        proberVersion: WEB_VERSION,
      };
    });
  }
}
