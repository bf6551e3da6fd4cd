import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, loadConfig, parseEndpoint } from "./config.js";

const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), "v6m-config-")), "config.yaml");
  writeFileSync(path, text);
  return path;
};

describe("configuration", () => {
  it("has the original's defaults", () => {
    const config = loadConfig({ env: {} });
    assert.deepEqual(config.WWW.prefixes, ["www", "www6", "ipv6", "www.ipv6", "six"]);
    assert.deepEqual(config.NTP.prefixes, ["ntp", "time"]);
    assert.equal(config.ping.count, 5);
    assert.equal(config.tcp.timeout, 2);
    assert.equal(config.tcp.smtpTimeout, 10);
    assert.equal(config.trace.max_ttl, 30);
    assert.equal(
      config.features.NS && config.features.MX && config.features.WWW && config.features.NTP,
      true,
    );
  });

  it("takes a file, then variables, then --set", () => {
    const path = file("trace:\n  max_ttl: 20\nping:\n  count: 3\n");
    const config = loadConfig({
      file: path,
      env: { IPV6MATRIX_PING_COUNT: "4", IPV6MATRIX_RESOLVER_NAMESERVERS: "192.0.2.1,[2001:db8::1]:5353" },
      sets: ["ping.count=2"],
    });
    assert.equal(config.trace.max_ttl, 20);
    assert.equal(config.ping.count, 2);
    assert.deepEqual(config.resolver.nameservers, [
      { host: "192.0.2.1", port: 53 },
      { host: "2001:db8::1", port: 5353 },
    ]);
  });

  it("names the file, line, key, value and what is allowed", () => {
    assert.throws(
      () => loadConfig({ file: file("trace:\n  max_ttl: 300\n"), env: {} }),
      (e: Error) =>
        e instanceof ConfigError &&
        /config\.yaml:2: trace\.max_ttl = 300 is not allowed: an integer from 1 to 255/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ file: file("trace:\n  maxttl: 3\n"), env: {} }),
      /config\.yaml:2: unknown key trace\.maxttl/,
    );
    assert.throws(() => loadConfig({ file: file("pings:\n  count: 3\n"), env: {} }), /unknown section pings/);
    assert.throws(
      () => loadConfig({ env: { IPV6MATRIX_RESOLVER_NAMESERVERS: "192.0.2.1:99999" } }),
      /environment IPV6MATRIX_RESOLVER_NAMESERVERS: resolver\.nameservers = "192\.0\.2\.1:99999" is not allowed/,
    );
    assert.throws(() => loadConfig({ env: { IPV6MATRIX_NOPE: "1" } }), /IPV6MATRIX_NOPE: unknown key/);
    // The command's own variables (bin/bundle.mjs's switch) are not settings.
    assert.doesNotThrow(() => loadConfig({ env: { IPV6MATRIX_BUNDLE: "0" } }));
    assert.throws(
      () => loadConfig({ file: "/nonexistent/x.yaml", env: {} }),
      /x\.yaml: cannot read it: no such file/,
    );
    assert.throws(() => loadConfig({ env: {}, sets: ["prober.allow_ranges=10.0.0.0/33"] }), /CIDR/);
    assert.throws(() => loadConfig({ env: { IPV6MATRIX_RESOLVER_VALID_RANGES: "2001:db8::/129" } }), /CIDR/);
    assert.deepEqual(
      loadConfig({ env: { IPV6MATRIX_RESOLVER_VALID_RANGES: "192.0.2.0/24,2001:db8::/32" } }).resolver
        .valid_ranges,
      ["192.0.2.0/24", "2001:db8::/32"],
    );
  });

  it("refuses a crawl with every feature off", () => {
    const sets = ["features.NS=false", "features.MX=false", "features.WWW=false", "features.NTP=false"];
    assert.throws(() => loadConfig({ env: {}, sets }), /every feature is off/);
  });

  it("parses endpoints of both families", () => {
    assert.deepEqual(parseEndpoint("192.0.2.1:5300", 53), { host: "192.0.2.1", port: 5300 });
    assert.deepEqual(parseEndpoint("2001:db8::53", 53), { host: "2001:db8::53", port: 53 });
    assert.deepEqual(parseEndpoint("[2001:db8::53]:5300", 53), { host: "2001:db8::53", port: 5300 });
    assert.equal(parseEndpoint("192.0.2.1:0", 53), null);
    assert.equal(parseEndpoint("192.0.2.1:port", 53), null);
  });
});
