import assert from "node:assert/strict";
import { test } from "node:test";
import { threadEntry } from "./thread-entry.js";

test("from the bundle, a thread starts with the bundle's own entry beside the calling code", () => {
  const url = threadEntry("file:///opt/v6m/dist/0123abcd/chunk-X7.mjs", "./dns-thread.ts", "dns-thread");
  assert.equal(url.href, "file:///opt/v6m/dist/0123abcd/dns-thread.mjs");
});

test("from the sources, a thread registers tsx, then imports the TypeScript source", () => {
  const url = threadEntry(
    "file:///opt/v6m/services/prober/smtp-threads.ts",
    "./smtp-thread.ts",
    "smtp-thread",
  );
  assert.equal(url.protocol, "data:");
  const code = decodeURIComponent(url.pathname.slice(url.pathname.indexOf(",") + 1));
  const register = code.indexOf("register()");
  const load = code.indexOf('import("file:///opt/v6m/services/prober/smtp-thread.ts")');
  assert.ok(register > 0 && load > register, code);
});
