// The geo actor on the in-process transport with the lab's test databases: AddressTasks in on
// crawl.ips, GeoResults out on crawl.results (checked by hand), each distinct address once,
// bad input dead-lettered, and a City database replaced on disk during a run picked up.

import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Family } from "../../gen/ipv6matrix/v1/common.js";
import { AddressTask, CrawlResult, DeadLetter, type GeoResult } from "../../gen/ipv6matrix/v1/work.js";
import { geoActors } from "../../services/geo/actors.js";
import { GeoDatabaseError } from "../../services/geo/mmdb-file.js";
import { type RunningActor, startActor } from "../../services/runtime/actor.js";
import { loadConfig } from "../../services/runtime/config.js";
import { Subjects } from "../../services/runtime/topology.js";
import { InProcessTransport } from "../../services/runtime/transport-inprocess.js";
import { firstEpoch, geoip2, geoip2CityNext, nextEpoch } from "./lab-databases.js";

const config = (citydb: string, asndb: string) =>
  loadConfig({ sets: [`geoip.citydb=${citydb}`, `geoip.asndb=${asndb}`], env: {} });

/** The geo role on a real in-process transport, with what it publishes collected. */
async function startGeo(citydb: string, asndb: string) {
  const transport = new InProcessTransport({
    topology: {
      [Subjects.ips]: ["geo"],
      [Subjects.results]: ["aggregator"],
      [Subjects.deadLetters]: ["aggregator"],
    },
  });
  const geo = geoActors(config(citydb, asndb), { settleMs: 20, pollMs: 100 });
  const actors: RunningActor[] = [];
  for (const actor of geo.actors) actors.push(await startActor(transport, actor));
  const results: { key: string; geo: GeoResult }[] = [];
  const letters: DeadLetter[] = [];
  await transport.consume(Subjects.results, { group: "aggregator", maxInFlight: 100 }, (delivery) => {
    const result = CrawlResult.decode(delivery.data).result;
    if (result?.$case === "geo") results.push({ key: delivery.key, geo: result.value });
    delivery.ack();
  });
  await transport.consume(Subjects.deadLetters, { group: "aggregator", maxInFlight: 100 }, (delivery) => {
    letters.push(DeadLetter.decode(delivery.data));
    delivery.ack();
  });
  const send = (crawlId: string, ip: string, metrics = ["geoip", "ping"]) =>
    transport.publish(
      Subjects.ips,
      AddressTask.encode({
        crawlId,
        ip,
        family: ip.includes(":") ? Family.FAMILY_IPV6 : Family.FAMILY_IPV4,
        options: {
          features: [],
          metrics,
          wwwPrefixes: [],
          ntpPrefixes: [],
          date: "2026-01-01",
          nameservers: [],
          pingCount: 0,
          tcpTimeoutSeconds: 0,
          smtpTimeoutSeconds: 0,
          traceMaxTtl: 0,
          traceTimeoutSeconds: 0,
          typedMetrics: [],
        },
        missing: [],
      }).finish(),
      `${crawlId}:${ip}`,
    );
  const waitFor = async (what: string, done: () => boolean, timeoutMs = 5000) => {
    const until = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  /** Sends one address and waits for its result. */
  const locate = async (crawlId: string, ip: string, metrics?: string[]) => {
    await send(crawlId, ip, metrics);
    await waitFor(`the result for ${ip}`, () => results.some((r) => r.key === `geo:${crawlId}:${ip}`));
    return results.find((r) => r.key === `geo:${crawlId}:${ip}`)!.geo;
  };
  return {
    results,
    letters,
    send,
    locate,
    waitFor,
    async [Symbol.asyncDispose]() {
      for (const actor of actors) await actor.stop();
      geo.close();
      await transport.close();
    },
  };
}

const lab = `City:${firstEpoch} ASN:${firstEpoch}`;

describe("geo actor", () => {
  it("publishes a GeoResult for lab addresses of both families (values by hand, lat/long not swapped)", async () => {
    await using geo = await startGeo(geoip2.citydb, geoip2.asndb);
    assert.deepEqual(await geo.locate("c1", "203.0.113.80"), {
      crawlId: "c1",
      ip: "203.0.113.80",
      country: "US",
      city: "Ashburn",
      region: "VA",
      latitude: 39.0438,
      longitude: -77.4874,
      asn: 64496,
      asOrg: "Lab Hosting US",
      dbVersion: lab,
    });
    assert.deepEqual(await geo.locate("c1", "2001:db8:a::70"), {
      crawlId: "c1",
      ip: "2001:db8:a::70",
      country: "JP",
      city: "Tokyo",
      region: "13",
      latitude: 35.6895,
      longitude: 139.6917,
      asn: 64499,
      asOrg: "Lab Hosting JP",
      dbVersion: lab,
    });
    // An address the database does not know is an answer, not an error (ZZ in the summaries).
    const unknown = await geo.locate("c1", "203.0.113.1");
    assert.equal(unknown.country, "");
    assert.equal(unknown.dbVersion, lab);
    assert.deepEqual(geo.letters, []);
  });

  it("enriches each distinct address of a crawl once, and again in another crawl", async () => {
    await using geo = await startGeo(geoip2.citydb, geoip2.asndb);
    await geo.send("c1", "203.0.113.55");
    await geo.send("c1", "203.0.113.55");
    await geo.locate("c1", "2001:db8:a::55");
    await geo.locate("c2", "203.0.113.55");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(geo.results.map((r) => r.key).sort(), [
      "geo:c1:2001:db8:a::55",
      "geo:c1:203.0.113.55",
      "geo:c2:203.0.113.55",
    ]);
  });

  it("writes no row when the crawl did not ask for geoip", async () => {
    await using geo = await startGeo(geoip2.citydb, geoip2.asndb);
    await geo.send("c1", "203.0.113.25", ["ping"]);
    // Handled in order: once the next address's row is in, the first was handled and wrote none.
    await geo.locate("c1", "203.0.113.26");
    assert.deepEqual(
      geo.results.map((r) => r.key),
      ["geo:c1:203.0.113.26"],
    );
  });

  it("dead-letters a task whose address is not an address", async () => {
    await using geo = await startGeo(geoip2.citydb, geoip2.asndb);
    await geo.send("c1", "www.example.com");
    await geo.waitFor("the dead letter", () => geo.letters.length === 1);
    assert.match(geo.letters[0]!.reason, /"www.example.com" is not an IPv4 or IPv6 address/);
    assert.equal(geo.letters[0]!.attempts, 1);
  });

  it("refuses to start on a missing City database, naming it", () => {
    assert.throws(
      () => geoActors(config("/nonexistent/GeoLite2-City.mmdb", "")),
      (error: unknown) =>
        error instanceof GeoDatabaseError &&
        /geo database \/nonexistent\/GeoLite2-City.mmdb: cannot read it: no such file/.test(error.message),
    );
  });

  it("picks up a City database replaced during a run, and keeps it when a bad file follows", {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "geo-actor-"));
    try {
      const citydb = join(dir, "GeoLite2-City.mmdb");
      copyFileSync(geoip2.citydb, citydb);
      await using geo = await startGeo(citydb, geoip2.asndb);

      const before = await geo.locate("run1", "192.0.2.7");
      assert.equal(before.country, "");
      assert.equal(before.dbVersion, `City:${firstEpoch} ASN:${firstEpoch}`);

      // Replaced the way geoipupdate does it: written beside, renamed over.
      copyFileSync(geoip2CityNext, join(dir, "GeoLite2-City.mmdb.new"));
      renameSync(join(dir, "GeoLite2-City.mmdb.new"), citydb);
      // Until the replacement is seen (an event, however long the machine takes to tell it;
      // the test's own timeout bounds it).
      let after: GeoResult | undefined;
      for (let n = 0; after?.dbVersion !== `City:${nextEpoch} ASN:${firstEpoch}`; n++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        after = await geo.locate(`run1-${n}`, "192.0.2.7");
        assert.ok(
          [`City:${firstEpoch} ASN:${firstEpoch}`, `City:${nextEpoch} ASN:${firstEpoch}`].includes(
            after.dbVersion,
          ),
          `neither the old nor the new database: ${after.dbVersion}`,
        );
      }
      assert.deepEqual(after, {
        crawlId: after.crawlId,
        ip: "192.0.2.7",
        country: "FR",
        city: "Paris",
        region: "IDF",
        latitude: 48.8566,
        longitude: 2.3522,
        asn: 0,
        asOrg: "",
        dbVersion: `City:${nextEpoch} ASN:${firstEpoch}`,
      });

      // A truncated replacement: the edition in use stays, look-ups go on.
      const bytes = readFileSync(geoip2.citydb);
      writeFileSync(citydb, bytes.subarray(0, 1000));
      await new Promise((resolve) => setTimeout(resolve, 400));
      const still = await geo.locate("run2", "192.0.2.7");
      assert.equal(still.country, "FR");
      assert.equal(still.dbVersion, `City:${nextEpoch} ASN:${firstEpoch}`);
      assert.deepEqual(geo.letters, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
