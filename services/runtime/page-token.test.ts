import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "./api-errors.js";
import { decodePageToken, encodePageToken, pageSize } from "./page-token.js";

describe("page tokens", () => {
  it("give back the key they were made of, for the call that made them only", () => {
    const token = encodePageToken("ListCrawls", ["2026-11-01 06:00:00.250", "c20261101-0b0b0b0b"]);
    assert.deepEqual(decodePageToken("ListCrawls", token, 2), [
      "2026-11-01 06:00:00.250",
      "c20261101-0b0b0b0b",
    ]);
    assert.equal(decodePageToken("ListCrawls", "", 2), undefined, "no token: the first page");
    assert.throws(() => decodePageToken("SearchDomains", token, 2), InvalidArgumentError);
    assert.throws(() => decodePageToken("ListCrawls", token, 1), InvalidArgumentError);
    for (const bad of ["%%%", "bm90IGpzb24", Buffer.from('["ListCrawls",1,2]').toString("base64url")])
      assert.throws(
        () => decodePageToken("ListCrawls", bad, 2),
        /page_token .*: not a page token of ListCrawls/,
      );
  });

  it("page sizes: unset is the default, the deprecated limit still counts, more than the maximum is the maximum", () => {
    const limits = { size: 50, max: 1000 };
    assert.equal(pageSize(undefined, 0, limits), 50);
    assert.equal(pageSize(undefined, 10, limits), 10);
    assert.equal(pageSize(7, 10, limits), 7, "page_size wins over limit");
    assert.equal(pageSize(5000, 0, limits), 1000);
    assert.throws(() => pageSize(0, 0, limits), /page_size 0: leave it unset/);
  });
});
