// The aggregator's writes are idempotent: a message delivered twice (a crash
// between the insert and the acknowledgement redelivers it) leaves one row.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DnsOutcome, Family, Feature } from "../../gen/ipv6matrix/v1/common.js";
import { CrawlResult } from "../../gen/ipv6matrix/v1/work.js";
import { aggregatorActors } from "../../services/aggregator/actors.js";
import { exportRows } from "../../services/aggregator/export.js";
import { startActor } from "../../services/runtime/actor.js";
import { loadConfig } from "../../services/runtime/config.js";
import { saveCrawl } from "../../services/runtime/crawls.js";
import { migrate } from "../../services/runtime/migrate.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";
import { pipelineTopology, Subjects } from "../../services/runtime/topology.js";
import { InProcessTransport } from "../../services/runtime/transport-inprocess.js";

describe("aggregator ingest", () => {
  it("stores a message delivered twice as one row", async () => {
    const dir = mkdtempSync(join(tmpdir(), "v6m-ingest-"));
    const store = await openChdbStore(join(dir, "data"));
    const transport = new InProcessTransport({ topology: pipelineTopology });
    try {
      await migrate(store);
      await saveCrawl(store, {
        crawl_id: "c1",
        date: "2026-11-01",
        state: "running",
        options: "{}",
        source: "test",
        domains: 1,
        rejected: 0,
        started_at: "2026-11-01 00:00:00",
        finished_at: null,
        published: 0,
        error: "",
      });
      const aggregator = aggregatorActors(loadConfig({ env: {} }), store);
      const running = await Promise.all(aggregator.actors.map((actor) => startActor(transport, actor)));
      const domain = CrawlResult.encode({
        result: {
          $case: "domain",
          value: {
            crawlId: "c1",
            domain: "example.com",
            tld: "com",
            jobs: [
              {
                type: Feature.FEATURE_WWW,
                domain: "example.com",
                host: "www.example.com",
                priority: 0,
                outcome: DnsOutcome.DNS_OUTCOME_OK,
                rcode: 0,
              },
              {
                type: Feature.FEATURE_MX,
                domain: "example.com",
                host: "",
                priority: 0,
                outcome: DnsOutcome.DNS_OUTCOME_NXDOMAIN,
                rcode: 0,
              },
            ],
            soa: undefined,
            dns6: {
              ready: false,
              reason: "one_ipv6_nameserver",
              brokenZone: "example.com",
              minServers: 1,
              zoneServers: 1,
              cuts: [".", "com", "example.com"],
              cutServers: [13, 13, 1],
              parentChildAgree: true,
              queries: 3,
            },
          },
        },
      }).finish();
      const host = CrawlResult.encode({
        result: {
          $case: "host",
          value: {
            crawlId: "c1",
            host: "www.example.com",
            aOutcome: DnsOutcome.DNS_OUTCOME_OK,
            aaaaOutcome: DnsOutcome.DNS_OUTCOME_OK,
            aRcode: 0,
            aaaaRcode: 0,
            addresses: [
              {
                ip: "192.0.2.1",
                family: Family.FAMILY_IPV4,
                ip6Type: "",
                eui64: false,
                prefixId: "",
                prefixName: "",
                invalid: false,
              },
              {
                ip: "2001:db8::1",
                family: Family.FAMILY_IPV6,
                ip6Type: "documentation",
                eui64: false,
                prefixId: "",
                prefixName: "",
                invalid: false,
              },
            ],
            cnameChain: [],
          },
        },
      }).finish();
      // Different keys, as after a redelivery that the bus cannot de-duplicate.
      for (const attempt of [1, 2]) {
        await transport.publish(Subjects.results, domain, `domain:${attempt}`);
        await transport.publish(Subjects.results, host, `host:${attempt}`);
      }
      for (let i = 0; i < 100 && (await transport.pending(Subjects.results)) > 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      for (const actor of running) await actor.stop();
      await aggregator.flush();
      const [counts] = await store.query<{ jobs: number; hosts: number; addresses: number }>(
        `SELECT (SELECT count() FROM jobs FINAL WHERE crawl_id = 'c1') AS jobs,
                (SELECT count() FROM hosts FINAL WHERE crawl_id = 'c1') AS hosts,
                (SELECT length(ipv6) FROM hosts FINAL WHERE crawl_id = 'c1') AS addresses`,
      );
      assert.deepEqual(counts, { jobs: 2, hosts: 1, addresses: 1 });
      const outcomes = await store.query(
        "SELECT type, host, outcome FROM jobs FINAL WHERE crawl_id = 'c1' ORDER BY type",
      );
      assert.deepEqual(outcomes, [
        { type: "MX", host: "", outcome: "NXDOMAIN" },
        { type: "WWW", host: "www.example.com", outcome: "OK" },
      ]);
      // The dns6 chain walk's row (migration 011), once, as the export gives it.
      assert.deepEqual(await exportRows(store, "dns6_chains", "c1", false), [
        {
          date: "2026-11-01",
          crawl_id: "c1",
          domain: "example.com",
          ready: 0,
          reason: "one_ipv6_nameserver",
          broken_zone: "example.com",
          min_servers: 1,
          zone_servers: 1,
          cuts: ". com example.com",
          cut_servers: "13 13 1",
          parent_child_agree: 1,
          queries: 3,
        },
      ]);
    } finally {
      await transport.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
