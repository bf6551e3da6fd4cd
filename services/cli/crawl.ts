// `ipv6matrix crawl <domains-file>`: the whole pipeline in one process, on the
// in-process transport and the configured store (chDB by default), with a
// live progress display. Prints the crawl id when done.

import { resolve } from "node:path";
import { computeSummaries } from "../aggregator/summaries.js";
import { crawlOptionsFrom, today } from "../api/crawl-options.js";
import { findResumable, runCrawl } from "../api/crawl-runner.js";
import { DomainFileError, newReport, readBlocklist, readDomainFile } from "../runtime/domain-file.js";
import { setLogLevel } from "../runtime/log.js";
import { migrate } from "../runtime/migrate.js";
import { ProgressRates } from "../runtime/progress.js";
import { openStore } from "../runtime/store-open.js";
import { InProcessTransport } from "../runtime/transport-inprocess.js";
import { type Command, commonUsage, configFrom, dateOption, UsageError } from "./command.js";
import { ProgressDisplay } from "./progress-display.js";
import { inProcessTopology, measuresOf, pipelineRoles, startRoles } from "./roles.js";

export const crawlCommand: Command = {
  summary: "crawl a list of domains with every service in this process",
  usage: `Usage: ipv6matrix crawl [options] <domains-file>

Reads one domain per line (blank lines and # comments skipped), finds each
domain's NS, MX, WWW and NTP hosts, resolves them over IPv4 and IPv6, stores
everything in the store and computes the summaries. Lines that are not domain
names are reported with their number and skipped.

Options:
  --date YYYY-MM-DD    the crawl's date label (default: today, UTC)
  --nameserver ADDR    name server to ask, addr or addr:port (repeatable; default: resolver.nameservers)
  --quiet              no progress display
  --progress-every S   when the output is not a terminal, a progress line every S seconds (default 5)
${commonUsage}`,
  options: {
    date: { type: "string" },
    nameserver: { type: "string", multiple: true },
    quiet: { type: "boolean" },
    "progress-every": { type: "string" },
  },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError("expected one domains file (see --help)");
    const file = positionals[0]!;
    const sets = [...((values["set"] as string[] | undefined) ?? [])];
    const nameservers = values["nameserver"] as string[] | undefined;
    if (nameservers?.length) sets.push(`resolver.nameservers=${nameservers.join(",")}`);
    const config = configFrom({ ...values, set: sets });
    setLogLevel(config.telemetry.log_level);
    const date = values["date"] === undefined ? today() : dateOption(String(values["date"]));
    const every = values["progress-every"] === undefined ? 5 : Number(values["progress-every"]);
    if (!(every >= 0))
      throw new UsageError(`--progress-every ${values["progress-every"]}: expected seconds, 0 or more`);
    const blocklist = await readBlocklist(config.domain.blocklist);
    const report = newReport();
    // Opened (and so checked) before anything is stored.
    const domains = readDomainFile(file, {
      blocklist,
      report,
      onReject: (rejected) => process.stderr.write(`${file}:${rejected.line}: skipped: ${rejected.reason}\n`),
    });
    const first = await domains.next();
    // A crawl of nothing would complete at once and become the latest crawl that export shows.
    if (first.done)
      throw new DomainFileError(
        `domain file ${file}: no domain to crawl (${report.lines} lines: ${report.rejectedCount} bad, ` +
          `${report.duplicates} duplicates, ${report.blocked} blocked, the rest blank or # comments)`,
      );
    async function* all() {
      if (!first.done) yield first.value;
      yield* domains;
    }

    const store = await openStore({
      url: config.store.url,
      dataDir: config.store.data_dir,
      maxMemoryMb: config.store.max_memory_mb,
    });
    const transport = new InProcessTransport({ topology: inProcessTopology(pipelineRoles) });
    const running = await startRoles(pipelineRoles, { config, transport, store });
    let stopped: Promise<void> | undefined;
    const stopRoles = () => (stopped ??= running.stop());
    const display = values["quiet"] ? undefined : new ProgressDisplay(process.stdout, every * 1000);
    const rates = new ProgressRates();
    try {
      await migrate(store);
      const options = crawlOptionsFrom(config, date);
      const source = resolve(file);
      // The same command after a crash or Ctrl-C goes on with the crawl it had started (as the original
      // did with its ips.db), sending only the domains without job rows.
      const resumed = await findResumable(store, source, options);
      if (resumed) process.stdout.write(`resuming crawl ${resumed.crawl_id} of ${resumed.started_at}\n`);
      const result = await runCrawl({
        store,
        transport,
        options,
        source,
        crawl: resumed,
        domains: all(),
        domainsAgain: () => readDomainFile(file, { blocklist }),
        report,
        measures: measuresOf(pipelineRoles),
        // Every stage has drained: the actors (the DNS thread, the prober's sockets, their
        // registries) are stopped first, so that what they hold is not held beside what the
        // summaries' queries need (issue 17: the crawl's peak memory is the summaries').
        summarise: async (crawlId) => {
          await stopRoles();
          await computeSummaries(store, crawlId);
        },
        autoPublish: config.publish.auto,
        onProgress: (stages) => display?.update(rates.add(stages, Date.now())),
      });
      const skipped = report.rejectedCount + report.duplicates + report.blocked;
      process.stdout.write(
        `crawl ${result.crawlId} completed: ${result.domains} domains` +
          (skipped > 0
            ? ` (${report.rejectedCount} bad lines, ${report.duplicates} duplicates, ${report.blocked} blocked skipped)`
            : "") +
          `\n`,
      );
      return 0;
    } finally {
      await stopRoles();
      await transport.close();
      await store.close();
    }
  },
};
