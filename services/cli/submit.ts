// `ipv6matrix submit <domains-file>`: streams a domain list to the api's
// CrawlService (or names a source the server reads) and prints the crawl id.

import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { ServiceError } from "@grpc/grpc-js";
import type { SubmitCrawlResponse } from "../../gen/ipv6matrix/v1/crawl.js";
import { DomainFileError } from "../runtime/domain-file.js";
import { crawlClient } from "./api-client.js";
import { type Command, commonUsage, configFrom, dateOption, UsageError } from "./command.js";

export const submitCommand: Command = {
  summary: "submit a crawl to the api service and print its id",
  usage: `Usage: ipv6matrix submit [options] <domains-file>
       ipv6matrix submit [options] --source PATH|URL

Streams the domain file to the api (which checks every line), or lets the
server read a path or an http(s) URL (a plain list, a Majestic Million or
Tranco CSV). Prints the crawl id; follow it with ipv6matrix watch.

Options:
  --api HOST:PORT      the api service (default api.listen)
  --source PATH|URL    a list the server reads instead of a streamed file: a path under
                       its api.source_dir, or an http(s) URL
  --date YYYY-MM-DD    the crawl's date label (default: today, UTC)
  --request-id ID      names this submission (default: a new UUID); submitting again
                       with the same id answers the crawl already started, and
                       starts no second one
${commonUsage}`,
  options: {
    api: { type: "string" },
    source: { type: "string" },
    date: { type: "string" },
    "request-id": { type: "string" },
  },
  async run(values, positionals) {
    const source = values["source"] as string | undefined;
    if ((positionals.length !== 1) === (source === undefined))
      throw new UsageError("expected one domains file, or --source (see --help)");
    const config = configFrom(values);
    const date = values["date"] === undefined ? "" : dateOption(String(values["date"]));
    const file = positionals[0];
    if (file !== undefined) {
      const found = await stat(file).catch(() => {
        throw new DomainFileError(`domain file ${file}: no such file`);
      });
      // A folder would never end the stream: refused here, in one line.
      if (!found.isFile()) throw new DomainFileError(`domain file ${file}: not a file`);
    }
    const requestId = (values["request-id"] as string | undefined) ?? randomUUID();
    const client = crawlClient(values, config);
    try {
      const response = await new Promise<SubmitCrawlResponse>((resolve, reject) => {
        const call = client.submitCrawl((error: ServiceError | null, reply: SubmitCrawlResponse) =>
          error ? reject(new UsageError(error.details || error.message)) : resolve(reply),
        );
        (async () => {
          const options = {
            features: [],
            metrics: [],
            wwwPrefixes: [],
            ntpPrefixes: [],
            date,
            nameservers: [],
            pingCount: 0,
            tcpTimeoutSeconds: 0,
            smtpTimeoutSeconds: 0,
            traceMaxTtl: 0,
            traceTimeoutSeconds: 0,
            typedMetrics: [],
          };
          call.write({ options, source: source ?? "", domains: [], requestId });
          if (file !== undefined) {
            let chunk: string[] = [];
            for await (const line of createInterface({
              input: createReadStream(file, "utf8"),
              crlfDelay: Infinity,
            })) {
              chunk.push(line);
              if (chunk.length === 1000) {
                if (!call.write({ options: undefined, source: "", domains: chunk, requestId: "" }))
                  await new Promise((r) => call.once("drain", r));
                chunk = [];
              }
            }
            if (chunk.length > 0)
              call.write({ options: undefined, source: "", domains: chunk, requestId: "" });
          }
          call.end();
        })().catch((error: NodeJS.ErrnoException) => {
          // The stream is open: end it, or the process waits on it for ever.
          call.cancel();
          reject(new DomainFileError(`domain file ${file}: cannot read it (${error.code ?? error.message})`));
        });
      });
      process.stdout.write(`${response.crawl!.crawlId}\n`);
      return 0;
    } finally {
      client.close();
    }
  },
};
