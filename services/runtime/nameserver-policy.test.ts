import assert from "node:assert/strict";
import { test } from "node:test";
import { NameserverPolicy } from "./nameserver-policy.js";

test("NameserverPolicy: the configured servers (address and port) and the allowed ranges, nothing else", () => {
  const policy = new NameserverPolicy(
    [{ host: "192.0.2.53", port: 53 }],
    ["2001:db8::/32", "198.51.100.0/24"],
  );
  assert.equal(policy.refusal({ host: "192.0.2.53", port: 53 }), undefined);
  assert.match(
    policy.refusal({ host: "192.0.2.53", port: 5353 }) ?? "",
    /^nameserver 192.0.2.53:5353: not one of/,
  );
  assert.equal(policy.refusal({ host: "198.51.100.7", port: 5353 }), undefined);
  assert.equal(policy.refusal({ host: "2001:db8::1", port: 53 }), undefined);
  assert.match(policy.refusal({ host: "2001:db9::1", port: 53 }) ?? "", /^nameserver \[2001:db9::1\]:53/);
  assert.match(policy.refusal({ host: "127.0.0.1", port: 53 }) ?? "", /resolver.allow_nameservers$/);
  assert.ok(new NameserverPolicy([], []).refusal({ host: "8.8.8.8", port: 53 }));
});
