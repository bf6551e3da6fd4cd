-- Which probes reached the destination of a traceroute (SPEC 4 path, issue 15 item 1): icmp,
-- udp or tcp, empty when none did; and the port of a TCP or UDP trace (0 for ICMP). Rows
-- written before this migration read '' and 0: they were traced with ICMP echo only.

ALTER TABLE addresses ADD COLUMN IF NOT EXISTS trace_method LowCardinality(String) AFTER trace_reached;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS trace_port UInt16 AFTER trace_method;
