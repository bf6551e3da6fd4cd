import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type DomainFileReport, newReport, readDomainLines } from "./domain-file.js";

async function read(lines: string[], options: { maxDomains?: number; blocklist?: Set<string> } = {}) {
  const report: DomainFileReport = newReport();
  const domains: string[] = [];
  for await (const line of readDomainLines(lines, "list", { ...options, report })) domains.push(line.domain);
  return { domains, report };
}

describe("domain lists (SPEC 1)", () => {
  it("reads a plain list: comments, blanks, duplicates, block list, bad lines", async () => {
    const { domains, report } = await read(
      ["# top", "", "Example.com.", "bad..name", "example.com", "blocked.org", "b.de"],
      {
        blocklist: new Set(["blocked.org"]),
      },
    );
    assert.deepEqual(domains, ["example.com", "b.de"]);
    assert.equal(report.duplicates, 1);
    assert.equal(report.blocked, 1);
    assert.deepEqual(
      report.rejected.map((r) => r.line),
      [4],
    );
  });
  it("finds the domain column of a Majestic Million CSV by its header", async () => {
    const { domains } = await read([
      "GlobalRank,TldRank,Domain,TLD,RefSubNets,RefIPs,IDN_Domain,IDN_TLD,PrevGlobalRank,PrevTldRank,PrevRefSubNets,PrevRefIPs",
      "1,1,google.com,com,1,1,google.com,com,1,1,1,1",
      "2,2,facebook.com,com,1,1,facebook.com,com,2,2,1,1",
    ]);
    assert.deepEqual(domains, ["google.com", "facebook.com"]);
  });
  it("reads a headerless Tranco rank,domain CSV", async () => {
    const { domains } = await read(["1,example.com", "2,example.org"]);
    assert.deepEqual(domains, ["example.com", "example.org"]);
  });
  it("stops at the operator's limit with a clear error", async () => {
    await assert.rejects(read(["a.com", "b.com", "c.com"], { maxDomains: 2 }), /list:3: more than 2 domains/);
  });
  // Issue 16: ".lead.com" was "two dots in a row", and "exa\u200Bmple.com" quietly became example.com.
  it("rejects a leading dot and an invisible character with the line and the reason", async () => {
    const { domains, report } = await read([".lead.com", "exa\u200bmple.com", "example.com"]);
    assert.deepEqual(domains, ["example.com"]);
    assert.deepEqual(
      report.rejected.map((r) => [r.line, r.reason]),
      [
        [1, "starts with a dot (an empty first label)"],
        [2, "has an invalid character U+200B at position 4"],
      ],
    );
  });
});
