// Every panel of the checked-in trends dashboard (deploy/grafana/ipv6matrix-trends.json)
// runs on a store filled by two dated crawls of the lab's default scenario: its macros
// and variables expanded as the ClickHouse plugin and Grafana would, the variables'
// values taken from the variables' own queries. Each must return rows with the
// columns the panel reads; a few values are written by hand from the scenario
// (test/lab/scenarios/default.expected.yaml) for the TLDs that were in it before the
// others were appended. Needs the lab (root, under flock /run/v6m-lab.lock).

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dashboardFiles, renderDashboard } from "../../deploy/grafana/src/generate.js";
import { methodChangeSql, trendsSql } from "../../deploy/grafana/src/trends.js";
import type { Store } from "../../services/runtime/store.js";
import { openChdbStore } from "../../services/runtime/store-chdb.js";
import { type Lab, startLab } from "../lab/lab.js";
import { runCommand } from "../support/command.js";
import { expandMacros, type Variables } from "./grafana-macros.js";

const repo = join(import.meta.dirname, "../..");
const bin = join(repo, "bin/ipv6matrix.mjs");
const grafanaDir = join(repo, "deploy/grafana");

interface Panel {
  title: string;
  type: string;
  targets: { rawSql: string; format: number }[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string }[] };
  annotations: { list: { name: string; target?: { rawSql: string } }[] };
}

const trends = JSON.parse(readFileSync(join(grafanaDir, "ipv6matrix-trends.json"), "utf8")) as Dashboard;
const panelSql = (title: string) => {
  const panel = trends.panels.find((p) => p.title === title);
  assert.ok(panel, `no panel ${title}`);
  return panel.targets[0]!.rawSql;
};
/** Both crawls lie inside it: the dashboards' default range is the last two years. */
const range = { from: new Date("2026-09-01T00:00:00Z"), to: new Date("2026-12-31T23:59:59Z") };
// The TLDs of the scenario before other items appended theirs: the hand-written values hold for them.
const tlds = ["com", "org", "uk", "de", "jp"];

describe("deploy/grafana: the JSON is what the code generates", () => {
  it("every dashboard file is current (npm run dashboards)", () => {
    for (const [file, build] of Object.entries(dashboardFiles))
      assert.equal(readFileSync(join(grafanaDir, file), "utf8"), renderDashboard(build), `${file} is stale`);
  });
  it("the JSON's panels carry the SQL of trends.ts", () => {
    const sqls = trends.panels.map((p) => p.targets[0]!.rawSql);
    assert.deepEqual(
      sqls.sort(),
      Object.values(trendsSql)
        .map((s) => s.trim())
        .sort(),
    );
    assert.equal(trends.annotations.list[0]!.target!.rawSql, methodChangeSql.trim());
  });
});

describe("the trends dashboard's SQL on two dated lab crawls", () => {
  let lab: Lab & AsyncDisposable;
  let dataDir: string;
  let store: Store;
  let variables: Record<string, string | string[]>;
  const crawlIds: string[] = [];

  // 64-bit integers come back as strings (ClickHouse's JSON); Grafana reads them as numbers.
  const run = async (sql: string, overrides: Variables = {}) =>
    (await store.query(expandMacros(sql, range, { ...variables, ...overrides }))).map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [k, typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v]),
      ),
    );

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "v6m-dashboards-"));
    lab = await startLab("default");
    for (const date of ["2026-10-01", "2026-11-01"]) {
      const crawl = await runCommand(
        "bash",
        [
          join(repo, "test/lab/in-netns.sh"),
          lab.vantage,
          process.execPath,
          bin,
          "crawl",
          "--quiet",
          "--config",
          lab.configPath,
          "--date",
          date,
          "--set",
          `store.data_dir=${dataDir}`,
          "--set",
          "publish.auto=true",
          lab.domainsFile,
        ],
        { cwd: repo },
      );
      assert.equal(crawl.code, 0, crawl.stdout + crawl.stderr);
    }
    store = await openChdbStore(dataDir);
    // The variables' values as Grafana would offer them: each variable's own query.
    variables = { service: ["WWW", "MX", "NS", "NTP"], domain: "alpha.com" };
    for (const variable of trends.templating.list.filter((v) => v.type === "query")) {
      const rows = await store.query(expandMacros(variable.query!, range, {}));
      variables[variable.name] = rows.map((row) => String(Object.values(row)[0]));
    }
    const crawls = variables["crawl_a"] as string[];
    crawlIds.push(...crawls);
    variables["crawl_a"] = crawls[0]!;
    variables["crawl_b"] = crawls[1]!;
  });
  after(async () => {
    await store?.close();
    await lab?.[Symbol.asyncDispose]();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("offers the two published crawls, the scenario's countries and TLDs as variable values", () => {
    assert.equal(crawlIds.length, 2);
    for (const tld of tlds) assert.ok((variables["tld"] as string[]).includes(tld), `tld ${tld}`);
    for (const country of ["DE", "GB", "JP", "US", "ZZ"])
      assert.ok((variables["country"] as string[]).includes(country), `country ${country}`);
  });

  it("every panel returns rows with the columns it reads", async () => {
    const columns: Record<string, string[]> = {
      "IPv6 penetration by country": ["time", "country", "penetration"],
      "IPv6 penetration by TLD": ["time", "tld", "penetration"],
      "Hosts with IPv6 by service": ["time", "service", "ipv6_hosts"],
      "Dual-stack and IPv6-only shares": ["time", "resolved", "dual_stack", "ipv6_only", "ipv4_only"],
      "Reachability over IPv4 and IPv6 by service (crawl B)": [
        "service",
        "v4_hosts",
        "v4_reached",
        "v4_reached_pct",
        "v6_hosts",
        "v6_reached",
        "v6_reached_pct",
      ],
      "RTT and hops, IPv4 vs IPv6 (crawl B)": [
        "service",
        "ping_hosts",
        "rtt4_ms",
        "rtt6_ms",
        "ipv6_faster_pct",
        "path_hosts",
        "hops4_avg",
        "hops6_avg",
        "ipv6_fewer_hops_pct",
      ],
      "IPv6 penetration by country (crawl B)": ["country", "domain_count", "penetration"],
      "Crawl A and crawl B side by side": [
        "country",
        "domains_a",
        "penetration_a",
        "domains_b",
        "penetration_b",
        "change",
      ],
      "History of $domain": [
        "date",
        "crawl_id",
        "country",
        "www_hosts",
        "www_hosts6",
        "ns_hosts",
        "ns_hosts6",
        "mx_hosts",
        "mx_hosts6",
        "ntp_hosts",
        "ntp_hosts6",
        "http4",
        "http6",
        "https4",
        "https6",
        "smtp4",
        "smtp6",
        "pingratio",
        "hopratio",
        "method",
      ],
      "IPv6-only readiness by TLD": ["time", "tld", "ipv6_only_ready"],
      "Readiness verdicts (crawl B)": ["verdict", "applicable", "yes", "yes_pct"],
    };
    assert.deepEqual(trends.panels.map((p) => p.title).sort(), Object.keys(columns).sort());
    for (const panel of trends.panels) {
      const rows = await run(panel.targets[0]!.rawSql);
      assert.ok(rows.length > 0, `${panel.title}: no rows`);
      assert.deepEqual(Object.keys(rows[0]!), columns[panel.title], panel.title);
    }
  });

  it("penetration: 2 of 2 .jp domains and 1 of 3 .org domains have IPv6, on both dates", async () => {
    const byTld = await run(panelSql("IPv6 penetration by TLD"), { tld: ["jp", "org"] });
    assert.deepEqual(
      byTld.map((r) => `${r["time"]} ${r["tld"]} ${r["penetration"]}`),
      [
        "2026-10-01 00:00:00 jp 100",
        "2026-10-01 00:00:00 org 33.33",
        "2026-11-01 00:00:00 jp 100",
        "2026-11-01 00:00:00 org 33.33",
      ],
    );
    const byCountry = await run(panelSql("IPv6 penetration by country"), {
      tld: tlds,
      country: ["ZZ", "JP"],
    });
    assert.deepEqual(
      byCountry.map((r) => `${r["time"]} ${r["country"]} ${r["penetration"]}`),
      [
        "2026-10-01 00:00:00 JP 100",
        "2026-10-01 00:00:00 ZZ 0",
        "2026-11-01 00:00:00 JP 100",
        "2026-11-01 00:00:00 ZZ 0",
      ],
    );
  });

  // .jp's hosts that resolve: WWW 2 (of the 2 domains x 5 prefixes tried), NTP 1 (of 2 x 2), MX 2, NS 3.
  it("hosts of .jp: NS 2 of 3 with IPv6, the rest all; 2 of 8 dual-stack, 5 IPv6-only, 1 IPv4-only", async () => {
    const byService = await run(panelSql("Hosts with IPv6 by service"), { tld: ["jp"] });
    assert.deepEqual(
      byService
        .filter((r) => String(r["time"]).startsWith("2026-11"))
        .map((r) => `${r["service"]} ${r["ipv6_hosts"]}`),
      ["MX 100", "NS 66.67", "NTP 100", "WWW 100"],
    );
    const shares = await run(panelSql("Dual-stack and IPv6-only shares"), { tld: ["jp"] });
    assert.deepEqual(
      shares.map((r) => [r["resolved"], r["dual_stack"], r["ipv6_only"], r["ipv4_only"]]),
      [
        [8, 25, 62.5, 12.5],
        [8, 25, 62.5, 12.5],
      ],
    );
  });

  it("reachability of .uk: HTTP and HTTPS 1 of 1 over IPv4, 2 of 2 over IPv6; SMTP 1 of 1 on both", async () => {
    const rows = await run(panelSql("Reachability over IPv4 and IPv6 by service (crawl B)"), { tld: ["uk"] });
    assert.deepEqual(
      rows.map(
        (r) => `${r["service"]} ${r["v4_reached"]}/${r["v4_hosts"]} ${r["v6_reached"]}/${r["v6_hosts"]}`,
      ),
      ["HTTP 1/1 2/2", "HTTPS 1/1 2/2", "SMTP 1/1 1/1"],
    );
  });

  it("hops of .jp: two hosts traced on both families, 4 hops over IPv4, 4.5 over IPv6 on average", async () => {
    const rows = await run(panelSql("RTT and hops, IPv4 vs IPv6 (crawl B)"), { tld: ["jp"] });
    const ns = rows.find((r) => r["service"] === "NS")!;
    const mx = rows.find((r) => r["service"] === "MX")!;
    assert.deepEqual([ns["path_hosts"], ns["hops4_avg"], ns["hops6_avg"]], [1, 4, 4]);
    assert.deepEqual([mx["path_hosts"], mx["hops4_avg"], mx["hops6_avg"]], [1, 4, 5]);
  });

  it("the map and the side-by-side table: JP 2 domains, 100% in both crawls, no change", async () => {
    const map = await run(panelSql("IPv6 penetration by country (crawl B)"), { tld: ["jp"] });
    assert.deepEqual(map, [{ country: "JP", domain_count: 2, penetration: 100 }]);
    const sideBySide = await run(panelSql("Crawl A and crawl B side by side"), {
      tld: tlds,
      country: ["JP"],
    });
    assert.deepEqual(sideBySide, [
      { country: "JP", domains_a: 2, penetration_a: 100, domains_b: 2, penetration_b: 100, change: 0 },
    ]);
  });

  it("alpha.com's history: one row per crawl, 2 of 2 WWW hosts with IPv6, NTP over IPv4 only", async () => {
    const rows = await run(panelSql("History of $domain"));
    assert.deepEqual(
      rows.map((r) => [
        r["date"],
        r["country"],
        r["www_hosts"],
        r["www_hosts6"],
        r["ntp_hosts"],
        r["ntp_hosts6"],
        r["http4"],
        r["http6"],
      ]),
      [
        ["2026-10-01", "US", 2, 2, 1, 0, 1, 2],
        ["2026-11-01", "US", 2, 2, 1, 0, 1, 2],
      ],
    );
  });

  // Issue 19 (be): oscar.be's mail fails (one of two MX hosts without AAAA), so it is not ready;
  // quebec.be's mail passes, and whatever its other verdicts say, it is not ready for sure only
  // when one fails: be has no ready domain in either crawl.
  it("readiness of .be: mail6 applies to 2 domains, 1 passes; no domain ready for IPv6 alone", async () => {
    const verdicts = await run(panelSql("Readiness verdicts (crawl B)"), { tld: ["be"] });
    assert.deepEqual(
      verdicts.map((r) => r["verdict"]),
      ["dns6", "web6", "web6_same", "mail6", "ntp6", "ipv6_only_ready"],
    );
    const mail6 = verdicts.find((r) => r["verdict"] === "mail6")!;
    assert.deepEqual([mail6["applicable"], mail6["yes"], mail6["yes_pct"]], [2, 1, 50]);
    const byTld = await run(panelSql("IPv6-only readiness by TLD"), { tld: ["be"] });
    assert.deepEqual(
      byTld.map((r) => `${r["time"]} ${r["tld"]} ${r["ipv6_only_ready"]}`),
      ["2026-10-01 00:00:00 be 0", "2026-11-01 00:00:00 be 0"],
    );
  });

  it("the method-change annotation runs and finds none: both crawls are this crawler's (method 2)", async () => {
    assert.deepEqual(await run(trends.annotations.list[0]!.target!.rawSql), []);
  });
});
