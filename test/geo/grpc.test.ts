// GeoService.Lookup over a real gRPC server on loopback, with the lab's test databases: a batch
// of both families in request order, unknown addresses as unknown, bad input refused by index.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { GeoServiceClient, type LookupResponse } from "../../gen/ipv6matrix/v1/geo.js";
import { geoActors } from "../../services/geo/actors.js";
import { maxLookupBatch } from "../../services/geo/grpc.js";
import { loadConfig } from "../../services/runtime/config.js";
import { type RunningGrpcServer, startGrpcServer } from "../../services/runtime/grpc-server.js";
import { firstEpoch, ipLocationDb } from "./lab-databases.js";

describe("GeoService.Lookup", () => {
  let server: RunningGrpcServer;
  let client: GeoServiceClient;
  let close: () => void;

  before(async () => {
    // The @ip-location-db folders here; the GeoIP2 files are covered by the actor's tests.
    const config = loadConfig({
      sets: [`geoip.citydb=${ipLocationDb.citydb}`, `geoip.asndb=${ipLocationDb.asndb}`],
      env: {},
    });
    const geo = geoActors(config);
    close = () => geo.close();
    server = await startGrpcServer({ host: "127.0.0.1", port: 0 }, [geo.grpc]);
    client = new GeoServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.stop();
    close();
  });

  const lookup = (ips: string[]) =>
    new Promise<LookupResponse>((resolve, reject) =>
      client.lookup({ ips }, new Metadata(), { deadline: Date.now() + 5000 }, (error, response) =>
        error ? reject(error) : resolve(response),
      ),
    );

  it("answers a batch of both families in request order", async () => {
    const version = `City:${firstEpoch} ASN:${firstEpoch}`;
    const response = await lookup(["2001:db8:b::50", "203.0.113.40", "2001:db8:ffff::1"]);
    assert.deepEqual(response.results, [
      {
        crawlId: "",
        ip: "2001:db8:b::50",
        country: "GB",
        city: "London",
        region: "ENG",
        latitude: 51.5072,
        longitude: -0.1276,
        asn: 64498,
        asOrg: "Lab Hosting GB",
        dbVersion: version,
      },
      {
        crawlId: "",
        ip: "203.0.113.40",
        country: "DE",
        city: "Frankfurt am Main",
        region: "HE",
        latitude: 50.1109,
        longitude: 8.6821,
        asn: 64497,
        asOrg: "Lab Hosting DE",
        dbVersion: version,
      },
      {
        crawlId: "",
        ip: "2001:db8:ffff::1",
        country: "",
        city: "",
        region: "",
        latitude: 0,
        longitude: 0,
        asn: 0,
        asOrg: "",
        dbVersion: version,
      },
    ]);
  });

  it("answers an empty batch with no results", async () => {
    assert.deepEqual((await lookup([])).results, []);
  });

  it("refuses a batch with a non-address, naming its index", async () => {
    await assert.rejects(lookup(["203.0.113.40", "203.0.113.400"]), (error: ServiceError) => {
      assert.equal(error.code, status.INVALID_ARGUMENT);
      assert.match(error.details, /ips\[1\]: "203.0.113.400" is not an IPv4 or IPv6 address/);
      return true;
    });
  });

  it("refuses a batch larger than the limit", async () => {
    const ips = Array.from({ length: maxLookupBatch + 1 }, () => "203.0.113.40");
    await assert.rejects(lookup(ips), (error: ServiceError) => {
      assert.equal(error.code, status.INVALID_ARGUMENT);
      assert.match(error.details, /at most 10000 per call/);
      return true;
    });
  });
});
