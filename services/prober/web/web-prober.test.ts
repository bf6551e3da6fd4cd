import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PageFetch } from "./parity.js";
import { type Fetcher, type WebOptions, WebProber } from "./web-prober.js";

const options: WebOptions = {
  connectTimeoutMs: 1000,
  timeoutMs: 1000,
  bodyCapBytes: 1024,
  maxRedirects: 3,
  concurrency: 2,
  similarityThreshold: 90,
};

const answered = (scheme: string): PageFetch => ({
  status: 200,
  finalUrl: `${scheme}://www.x.se/`,
  bytes: 4,
  body: "page",
  cert: scheme === "https" ? "c" : "",
  ttfbMs: 1,
  downloadMs: 1,
  error: "",
  offSiteLocation: "",
});

const task = (ip4: string, ip6: string, schemes: string[] = []) => ({
  crawlId: "c1",
  host: "www.x.se",
  ip4,
  ip6,
  options: undefined,
  schemes,
});

describe("WebProber", () => {
  it("never connects to an address the prober may not probe", async () => {
    const asked: string[] = [];
    const fetcher: Fetcher = async (ip, scheme) => {
      asked.push(ip);
      return answered(scheme);
    };
    const refusal = (ip: string) => (ip === "10.0.0.1" ? "private" : undefined);
    const rows = await new WebProber(options, refusal, fetcher).measure(task("10.0.0.1", "2001:db8::1"));
    assert.deepEqual(asked, ["2001:db8::1", "2001:db8::1"]);
    assert.deepEqual(
      rows.map((row) => [row.scheme, row.error4, row.status6, row.same]),
      [
        ["http", "not_probed", 200, false],
        ["https", "not_probed", 200, false],
      ],
    );
  });

  it("gives one row a scheme, the same site when both families agree", async () => {
    const rows = await new WebProber(
      options,
      () => undefined,
      async (_ip, scheme) => answered(scheme),
    ).measure(task("192.0.2.1", "2001:db8::1"));
    assert.deepEqual(
      rows.map((row) => [row.scheme, row.similarity, row.differences, row.same]),
      [
        ["http", 100, [], true],
        ["https", 100, [], true],
      ],
    );
  });

  it("fetches only the schemes a resumed task names", async () => {
    const rows = await new WebProber(
      options,
      () => undefined,
      async (_ip, scheme) => answered(scheme),
    ).measure(task("192.0.2.1", "2001:db8::1", ["https"]));
    assert.deepEqual(
      rows.map((row) => row.scheme),
      ["https"],
    );
  });

  it("holds at most `concurrency` fetches at once", async () => {
    let now = 0;
    let most = 0;
    const fetcher: Fetcher = async (_ip, scheme) => {
      most = Math.max(most, ++now);
      await new Promise((resolve) => setImmediate(resolve));
      now--;
      return answered(scheme);
    };
    const prober = new WebProber(options, () => undefined, fetcher);
    await Promise.all([1, 2, 3].map(() => prober.measure(task("192.0.2.1", "2001:db8::1"))));
    assert.equal(most, 2);
  });
});
