// The released contracts in proto-baseline/ are what clients were built on:
// editing them to make `buf breaking` pass would hide a break. Their digests,
// taken when each was released, must hold.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";

const released: Record<string, Record<string, string>> = {
  // proto/ at commit 45db273.
  "v0.1.0": {
    "common.proto": "1e3f7519f77d92a8c03a560e3c22724fb683a5bd05d73a2462d8329ab9d04a6b",
    "crawl.proto": "92a37a08a7210d6fb4a74a702e7a4f9896a876867dae1e60fe568287d9a1fa02",
    "lookup.proto": "b9e59ba23e3df52af73b14a7b76e6d6dedc9f24e3dbe9464ca7d68bbd0c53090",
    "query.proto": "9a6f788fc52ebfe5579ea436cc3065ed1b9a8250f5dff715b772022b5e2da94b",
    "work.proto": "1f16ada85da44b480fbba09acf035e9190fe25068f053f6c14b79d55f20d5368",
  },
};

it("the released protos are as they were released", () => {
  for (const [version, files] of Object.entries(released))
    for (const [file, digest] of Object.entries(files)) {
      const path = join(import.meta.dirname, "../../proto-baseline", version, "ipv6matrix/v1", file);
      assert.equal(
        createHash("sha256").update(readFileSync(path)).digest("hex"),
        digest,
        `${version}/${file}`,
      );
    }
});
