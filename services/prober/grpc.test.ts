// ProberService.Probe is as safe as a crawl's probing: special-purpose ranges refused with the
// reason unless prober.allow_ranges allows them, a budget of calls per caller, bounded options.
// Loopback only: the one range a test may send to.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { CrawlOptions, PortState } from "../../gen/ipv6matrix/v1/common.js";
import { type ProbeResponse, ProberServiceClient } from "../../gen/ipv6matrix/v1/prober.js";
import { loadConfig } from "../runtime/config.js";
import { startGrpcServer } from "../runtime/grpc-server.js";
import { type ProbeAccess, proberGrpcService } from "./grpc.js";
import { Prober, proberOptionsFrom } from "./prober.js";

async function withProber(
  sets: string[],
  access: ProbeAccess,
  body: (
    call: (ip: string, options?: Partial<CrawlOptions>, token?: string) => Promise<ProbeResponse>,
  ) => Promise<void>,
  token = "",
): Promise<void> {
  const config = loadConfig({
    sets: ["metrics.ping=false", "metrics.path=false", "metrics.tcp25=false", ...sets],
  });
  const prober = new Prober({ ...proberOptionsFrom(config), confineTo: ["127.0.0.0/8", "::1/128"] });
  const server = await startGrpcServer({ host: "127.0.0.1", port: 0 }, [proberGrpcService(prober, access)], {
    token,
  });
  const client = new ProberServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  const call = (ip: string, options?: Partial<CrawlOptions>, bearer?: string) =>
    new Promise<ProbeResponse>((resolve, reject) => {
      const metadata = new Metadata();
      if (bearer) metadata.set("authorization", `Bearer ${bearer}`);
      client.probe(
        { ip, options: options ? CrawlOptions.fromPartial(options) : undefined },
        metadata,
        (error, response) => (error ? reject(error) : resolve(response)),
      );
    });
  try {
    await body(call);
  } finally {
    client.close();
    await server.stop();
    prober.close();
  }
}

const rejectsWith = async (promise: Promise<unknown>, code: status, details: RegExp) => {
  const error = await promise.then(
    () => assert.fail("expected a refusal"),
    (e: ServiceError) => e,
  );
  assert.equal(error.code, code, error.details);
  assert.match(error.details, details);
};

describe("ProberService.Probe", () => {
  it("refuses a special-purpose address with PERMISSION_DENIED and the range, and what is not an address", async () => {
    await withProber([], { callerBudget: 30, tokenRequired: false }, async (call) => {
      await rejectsWith(
        call("127.0.0.1"),
        status.PERMISSION_DENIED,
        /^probe 127.0.0.1: not probed: special-purpose range 127.0.0.0\/8 \(loopback: Loopback, RFC 1122.*\); allow it with prober.allow_ranges$/,
      );
      await rejectsWith(call("::1"), status.PERMISSION_DENIED, /special-purpose range ::1\/128 \(loopback/);
      await rejectsWith(call("::ffff:127.0.0.1"), status.PERMISSION_DENIED, /special-purpose range/);
      await rejectsWith(call("no.such.address"), status.INVALID_ARGUMENT, /not an IPv4 or IPv6 address/);
    });
  });

  it("probes a range prober.allow_ranges allows, as a crawl would", async () => {
    await withProber(
      ["prober.allow_ranges=127.0.0.0/8"],
      { callerBudget: 30, tokenRequired: false },
      async (call) => {
        const probed = await call("127.0.0.1");
        assert.equal(probed.result?.notProbedReason, "");
        assert.notEqual(probed.result?.tcp80, PortState.PORT_STATE_NOT_PROBED);
      },
    );
  });

  it("bounds the options a caller asks for by what the configuration accepts", async () => {
    await withProber(
      ["prober.allow_ranges=127.0.0.0/8"],
      { callerBudget: 30, tokenRequired: false },
      async (call) => {
        await rejectsWith(
          call("127.0.0.1", { pingCount: 1_000_000 }),
          status.INVALID_ARGUMENT,
          /options.pingCount = 1000000: at most 100/,
        );
        await rejectsWith(
          call("127.0.0.1", { traceMaxTtl: 256 }),
          status.INVALID_ARGUMENT,
          /options.traceMaxTtl = 256: at most 255/,
        );
      },
    );
  });

  it("gives each caller prober.caller_budget calls per minute, then RESOURCE_EXHAUSTED with the wait", async () => {
    let now = 1_000_000;
    await withProber(
      ["prober.allow_ranges=127.0.0.0/8"],
      { callerBudget: 2, tokenRequired: false, now: () => now },
      async (call) => {
        await call("127.0.0.1");
        await call("127.0.0.1");
        await rejectsWith(
          call("127.0.0.1"),
          status.RESOURCE_EXHAUSTED,
          /^probe 127.0.0.1: this caller has used its 2 Probe calls per minute \(prober.caller_budget\); the next in 30 s$/,
        );
        // Refused addresses spend nothing: the refusal comes first.
        await rejectsWith(call("10.0.0.1"), status.PERMISSION_DENIED, /private/);
        now += 30_000;
        await call("127.0.0.1");
        await rejectsWith(call("127.0.0.1"), status.RESOURCE_EXHAUSTED, /caller_budget/);
      },
    );
  });

  it("with a token required, the budget is the token's, not the address's", async () => {
    await withProber(
      ["prober.allow_ranges=127.0.0.0/8"],
      { callerBudget: 1, tokenRequired: true, now: () => 0 },
      async (call) => {
        await call("127.0.0.1", undefined, "t0ken");
        await rejectsWith(call("127.0.0.1", undefined, "t0ken"), status.RESOURCE_EXHAUSTED, /caller_budget/);
        await rejectsWith(call("127.0.0.1", undefined, "other"), status.UNAUTHENTICATED, /bearer token/);
      },
      "t0ken",
    );
  });

  it("prober.caller_budget = 0 turns Probe off", async () => {
    await withProber(
      ["prober.allow_ranges=127.0.0.0/8"],
      { callerBudget: 0, tokenRequired: false },
      async (call) => {
        await rejectsWith(
          call("127.0.0.1"),
          status.PERMISSION_DENIED,
          /Probe is turned off on this server \(prober.caller_budget = 0\)/,
        );
      },
    );
  });
});
