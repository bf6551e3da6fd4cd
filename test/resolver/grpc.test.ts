// ResolverService.Resolve on the runtime's gRPC server, on loopback, asking
// names NSD serves: the full outcome of one question, and bad input refused
// with the reason.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import { DnsOutcome } from "../../gen/ipv6matrix/v1/common.js";
import {
  type ResolveRequest,
  type ResolveResponse,
  ResolverServiceClient,
} from "../../gen/ipv6matrix/v1/resolver.js";
import { resolverActors } from "../../services/resolver/actors.js";
import { resolverGrpcService } from "../../services/resolver/grpc.js";
import { loadConfig } from "../../services/runtime/config.js";
import { type RunningGrpcServer, startGrpcServer } from "../../services/runtime/grpc-server.js";
import { type Nsd, startNsd } from "../support/nsd.js";
import { zones } from "./zones.js";

describe("ResolverService.Resolve over gRPC", () => {
  let nsd: Nsd;
  let server: RunningGrpcServer;
  let client: ResolverServiceClient;
  let close: () => void;

  const resolve = (request: Partial<ResolveRequest>) =>
    new Promise<ResolveResponse>((done, fail) =>
      client.resolve(
        { name: "", type: "A", nameserver: "", ...request },
        { deadline: Date.now() + 5000 } as never,
        (error: ServiceError | null, response: ResolveResponse) => (error ? fail(error) : done(response)),
      ),
    );

  before(async () => {
    nsd = await startNsd(zones);
    const config = loadConfig({
      env: {},
      sets: [`resolver.nameservers=${nsd.endpoint}`, "resolver.timeout=1", "resolver.retries=0"],
    });
    const resolver = resolverActors(config, () => []);
    close = resolver.close;
    server = await startGrpcServer({ host: "127.0.0.1", port: 0 }, [
      resolverGrpcService(resolver.context, config),
    ]);
    client = new ResolverServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await server?.stop();
    close?.();
    await nsd?.stop();
  });

  it("answers one question with the configured name servers", async () => {
    const response = await resolve({ name: "www.r.example", type: "aaaa" });
    assert.equal(response.outcome, DnsOutcome.DNS_OUTCOME_OK);
    assert.equal(response.rcode, 0);
    assert.deepEqual(response.answers, ["2001:db8::1"]);
    assert.equal(response.nameserver, nsd.endpoint);
    assert.ok(response.rttMs > 0);
  });

  it("shows the CNAME chain, the TCP retry, and each failure's outcome", async () => {
    const chain = await resolve({ name: "c1.r.example" });
    assert.deepEqual(chain.cnameChain, ["c2.r.example", "www.o.example"]);
    assert.deepEqual(chain.answers, ["192.0.2.9"]);
    const big = await resolve({ name: "big.r.example", type: "AAAA" });
    assert.equal(big.truncatedRetriedOverTcp, true);
    assert.equal(big.answers.length, 60);
    assert.equal((await resolve({ name: "missing.r.example" })).outcome, DnsOutcome.DNS_OUTCOME_NXDOMAIN);
    assert.equal(
      (await resolve({ name: "www.r.example", type: "MX" })).outcome,
      DnsOutcome.DNS_OUTCOME_NODATA,
    );
    const soa = await resolve({ name: "r.example", type: "SOA" });
    assert.deepEqual(soa.answers, ["ns1.r.example hostmaster.r.example 7 3600 600 86400 300"]);
  });

  it("asks the name server the request names", async () => {
    const response = await resolve({ name: "www.o.example", nameserver: nsd.endpoint });
    assert.deepEqual(response.answers, ["192.0.2.9"]);
  });

  it("refuses a name server the configuration does not name, with PERMISSION_DENIED, before asking it", async () => {
    for (const nameserver of ["127.0.0.1:1", "192.0.2.53", "[2001:db8::53]:5353"]) {
      await assert.rejects(resolve({ name: "www.r.example", nameserver }), (error: ServiceError) => {
        assert.equal(error.code, status.PERMISSION_DENIED);
        assert.match(
          error.details,
          /^nameserver \S+: not one of resolver.nameservers nor inside resolver.allow_nameservers$/,
        );
        return true;
      });
    }
  });

  it("asks a name server inside resolver.allow_nameservers", async () => {
    const config = loadConfig({
      env: {},
      sets: ["resolver.allow_nameservers=127.0.0.0/8", "resolver.timeout=1", "resolver.retries=0"],
    });
    const resolver = resolverActors(config, () => []);
    const allowing = await startGrpcServer({ host: "127.0.0.1", port: 0 }, [
      resolverGrpcService(resolver.context, config),
    ]);
    const other = new ResolverServiceClient(`127.0.0.1:${allowing.port}`, credentials.createInsecure());
    try {
      const response = await new Promise<ResolveResponse>((done, fail) =>
        other.resolve(
          { name: "www.o.example", type: "A", nameserver: nsd.endpoint },
          (error: ServiceError | null, reply: ResolveResponse) => (error ? fail(error) : done(reply)),
        ),
      );
      assert.deepEqual(response.answers, ["192.0.2.9"]);
    } finally {
      other.close();
      await allowing.stop();
      resolver.close();
    }
  });

  it("refuses bad input with INVALID_ARGUMENT and the reason", async () => {
    const refused = async (request: Partial<ResolveRequest>, reason: RegExp) => {
      await assert.rejects(resolve(request), (error: ServiceError) => {
        assert.equal(error.code, status.INVALID_ARGUMENT);
        assert.match(error.details, reason);
        return true;
      });
    };
    await refused({ name: `${"a".repeat(64)}.example` }, /longer than 63/);
    await refused({ name: "a..example" }, /empty label/);
    await refused({ name: "www.r.example", type: "ANY" }, /expected one of/);
    await refused({ name: "www.r.example", nameserver: "ns.example.com" }, /nameserver/);
  });
});
