-- Issue 15 items 2 and 10. The SMTP outcome of an address, kept apart from
-- the TCP state of port 25 (tcp25, from the handshake alone): the last step of
-- the dialogue tried (connect, greeting, ehlo, starttls, tls; '' when not
-- probed), how it failed ('' when it succeeded; services/prober/failure.ts
-- names the closed set), and whether the server greeted and answered EHLO,
-- which is what smtp4 / smtp6 and Reachability's SMTP row count (SPEC 4).
-- And the RCODE behind every DNS outcome OTHER (0 otherwise), which the
-- closed set of outcomes alone would lose.

ALTER TABLE addresses ADD COLUMN IF NOT EXISTS smtp_step LowCardinality(String) AFTER starttls;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS smtp_failure LowCardinality(String) AFTER smtp_step;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS smtp_ehlo UInt8 AFTER smtp_failure;

ALTER TABLE jobs ADD COLUMN IF NOT EXISTS rcode UInt16 AFTER outcome;
ALTER TABLE soa ADD COLUMN IF NOT EXISTS rcode UInt16 AFTER outcome;
ALTER TABLE hosts ADD COLUMN IF NOT EXISTS a_rcode UInt16 AFTER aaaa_outcome;
ALTER TABLE hosts ADD COLUMN IF NOT EXISTS aaaa_rcode UInt16 AFTER a_rcode;
ALTER TABLE reverse ADD COLUMN IF NOT EXISTS rcode UInt16 AFTER outcome;
