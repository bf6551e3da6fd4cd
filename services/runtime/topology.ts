// Who consumes which subject. Static on purpose: JetStream's interest retention
// keeps a message until every declared group has acknowledged it, so every
// group must exist before the first publish, and both transports build all of
// them at start from this table.

export const Subjects = {
  domains: "crawl.domains",
  hosts: "crawl.hosts",
  ips: "crawl.ips",
  reverse: "crawl.reverse",
  web: "crawl.web",
  results: "crawl.results",
  deadLetters: "crawl.deadletters",
} as const;
export type Subject = (typeof Subjects)[keyof typeof Subjects];

/** subject -> consumer groups. */
export type Topology = Readonly<Record<string, readonly string[]>>;

export const pipelineTopology: Topology = {
  [Subjects.domains]: ["resolver"],
  [Subjects.hosts]: ["resolver"],
  [Subjects.ips]: ["prober", "geo", "resolver"],
  [Subjects.reverse]: ["resolver"],
  [Subjects.web]: ["prober"],
  [Subjects.results]: ["aggregator"],
  [Subjects.deadLetters]: ["aggregator"],
};

export function groupsOf(topology: Topology, subject: string): readonly string[] {
  const groups = topology[subject];
  if (!groups)
    throw new Error(`subject ${subject} is not in the topology (${Object.keys(topology).join(", ")})`);
  return groups;
}
