// `lab.sh up <scenario>`: validates the scenario, builds the network, writes the DNS tree and
// the servers' configuration into the state directory, starts every daemon and waits until the
// resolver answers from the vantage. Writes state.json for lab.ts and demo.sh. Never tears down:
// lab.sh does that before (leftovers) and after (failure, Ctrl-C, `down`).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSelfSignedCertificate } from "../support/loopback-servers.js";
import { assertLabAddresses } from "./allowed-ranges.js";
import { digStatus, fileExists, startDaemon, startNode, waitFor } from "./daemons.js";
import { AUTH_LOOPBACK, nsdConfig, nsdInstances, rootHints, unboundConfig } from "./dns-config.js";
import type { HostdConfig, ListenerKind } from "./hostd.js";
import { buildNetwork } from "./netns.js";
import { loadScenario } from "./scenario.js";
import {
  RESOLVER,
  ROOT_SERVER,
  SITES,
  type Site,
  TLD_SERVER,
  topologyAddresses,
  VANTAGE,
} from "./topology.js";
import { buildZones } from "./zones.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
export const STATE_DIR = process.env.V6M_LAB_STATE ?? "/run/v6m-lab";
// Below unbound's first retransmission timeout (376 ms), so the answer arrives late but first time.
const SLOW_DELAY_MS = 300;

export interface LabState {
  scenario: string;
  scenarioFile: string;
  vantage: string;
  vantageIPv4: string;
  vantageIPv6: string;
  resolver: string;
  resolverIPv6: string;
  configPath: string;
  domainsFile: string;
  stateDir: string;
  expectedFile: string;
}

function scenarioPath(arg: string): string {
  if (arg.includes("/") || arg.endsWith(".yaml")) return resolve(arg);
  return join(here, "scenarios", `${arg}.yaml`);
}

function listenersOf(site: Site, scenario: ReturnType<typeof loadScenario>): HostdConfig["listeners"] {
  const out: HostdConfig["listeners"] = [];
  for (const a of scenario.addresses.filter((x) => x.site === site)) {
    const web = a.web ? { web: a.web } : {};
    if (a.tcp80 === "open") out.push({ address: a.ip, port: 80, kind: "http", name: a.host, ...web });
    if (a.tcp443 === "open") out.push({ address: a.ip, port: 443, kind: "https", name: a.host, ...web });
    const smtp: Partial<Record<typeof a.smtp, ListenerKind>> = {
      starttls: "smtp-starttls",
      plain: "smtp-plain",
      stall: "smtp-stall",
    };
    const kind = smtp[a.smtp];
    if (kind) out.push({ address: a.ip, port: 25, kind, name: a.host });
    if (a.ntp !== "closed")
      out.push({ address: a.ip, port: 123, kind: a.ntp === "kiss" ? "ntp-kiss" : "ntp", name: a.host });
  }
  return out;
}

async function up(arg: string): Promise<LabState> {
  const started = Date.now();
  const file = scenarioPath(arg);
  const scenario = loadScenario(file);
  assertLabAddresses(topologyAddresses(), "lab topology");
  const zones = buildZones(scenario);

  mkdirSync(STATE_DIR, { recursive: true });
  const infrastructure: Record<Site, string[]> = {
    near: [],
    far: [],
    dns: [ROOT_SERVER.ipv4, ROOT_SERVER.ipv6, TLD_SERVER.ipv4, TLD_SERVER.ipv6],
  };
  buildNetwork(scenario.addresses, infrastructure);

  const tlsDir = join(STATE_DIR, "tls");
  mkdirSync(tlsDir, { recursive: true });
  writeSelfSignedCertificate({ key: join(tlsDir, "key.pem"), cert: join(tlsDir, "cert.pem") }, "lab host", 7);
  // Issue 19: the other certificate, served over IPv6 only by the "another certificate" case.
  writeSelfSignedCertificate(
    { key: join(tlsDir, "other-key.pem"), cert: join(tlsDir, "other-cert.pem") },
    "other lab host",
    7,
  );

  const auth = scenario.addresses.filter((a) => a.dns === "auth").map((a) => a.ip);
  for (const nsd of nsdInstances(zones, auth)) {
    const dir = join(STATE_DIR, nsd.name);
    mkdirSync(dir, { recursive: true });
    for (const z of nsd.zones) writeFileSync(join(dir, z.file), z.text);
    writeFileSync(join(dir, "nsd.conf"), nsdConfig(dir, nsd.addresses, nsd.zones, nsd.extra));
    startDaemon(STATE_DIR, nsd.name, "dns", ["nsd", "-d", "-c", join(dir, "nsd.conf")]);
  }
  const slow = scenario.addresses.filter((a) => a.dns === "slow").map((a) => a.ip);
  if (slow.length > 0) {
    const ready = join(STATE_DIR, "dns-delay.ready");
    const args = [String(SLOW_DELAY_MS), AUTH_LOOPBACK.address, String(AUTH_LOOPBACK.port), ready, ...slow];
    startNode(STATE_DIR, "dns-delay", "dns", join(here, "dns-delay.ts"), args, repo);
  }
  for (const site of SITES) {
    const listeners = listenersOf(site, scenario);
    if (listeners.length === 0) continue;
    const config: HostdConfig = {
      tlsKey: join(tlsDir, "key.pem"),
      tlsCert: join(tlsDir, "cert.pem"),
      otherTlsKey: join(tlsDir, "other-key.pem"),
      otherTlsCert: join(tlsDir, "other-cert.pem"),
      readyFile: join(STATE_DIR, `hostd-${site}.ready`),
      listeners,
    };
    const path = join(STATE_DIR, `hostd-${site}.json`);
    writeFileSync(path, JSON.stringify(config, null, 2));
    startNode(STATE_DIR, `hostd-${site}`, site, join(here, "hostd.ts"), [path], repo);
  }
  const unboundDir = join(STATE_DIR, "unbound");
  mkdirSync(unboundDir, { recursive: true });
  writeFileSync(join(unboundDir, "root.hints"), rootHints());
  writeFileSync(join(unboundDir, "unbound.conf"), unboundConfig(unboundDir));
  startDaemon(STATE_DIR, "unbound", "resolver", ["unbound", "-d", "-c", join(unboundDir, "unbound.conf")]);

  await waitFor("root NSD", 10_000, () => digStatus("dns", ROOT_SERVER.ipv4, ".", "SOA"));
  await waitFor("TLD NSD", 10_000, () => digStatus("dns", TLD_SERVER.ipv4, "net", "SOA"));
  if (auth[0]) await waitFor("domains NSD", 10_000, () => digStatus("dns", auth[0]!, "dnsprov.net", "SOA"));
  for (const site of SITES) {
    if (listenersOf(site, scenario).length > 0) {
      await waitFor(`hostd in ${site}`, 15_000, fileExists(join(STATE_DIR, `hostd-${site}.ready`)));
    }
  }
  if (slow.length > 0)
    await waitFor("slow DNS proxy", 15_000, fileExists(join(STATE_DIR, "dns-delay.ready")));
  await waitFor("unbound", 10_000, () => digStatus("vantage", RESOLVER.ipv4, "dnsprov.net", "SOA", true));

  const domainsFile = join(STATE_DIR, "domains.txt");
  writeFileSync(domainsFile, `# domains of scenario ${scenario.name}\n${scenario.domains.join("\n")}\n`);
  const state: LabState = {
    scenario: scenario.name,
    scenarioFile: file,
    vantage: VANTAGE.ns,
    vantageIPv4: VANTAGE.ipv4,
    vantageIPv6: VANTAGE.ipv6,
    resolver: RESOLVER.ipv4,
    resolverIPv6: RESOLVER.ipv6,
    configPath: file.replace(/\.ya?ml$/, ".config.yaml"),
    domainsFile,
    stateDir: STATE_DIR,
    expectedFile: file.replace(/\.ya?ml$/, ".expected.yaml"),
  };
  writeFileSync(join(STATE_DIR, "state.json"), JSON.stringify(state, null, 2));
  process.stdout.write(
    `lab ${scenario.name} up in ${Date.now() - started} ms: vantage ${VANTAGE.ns}, resolver ${RESOLVER.ipv4}\n`,
  );
  return state;
}

up(process.argv[2] ?? "default").catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
