-- Issue 19 (ntp6): the NTP probe of every address (services/prober/ntp/), one
-- NTPv4 client request (mode 3) to UDP 123 with one retry. ntp_answered: a
-- valid server reply (mode 4, our origin timestamp, stratum 1..15, leap not
-- 3); its stratum, offset ((t2-t1)+(t3-t4))/2 and round trip in ms; how it
-- failed ('' when answered or not measured; services/prober/failure.ts names
-- the closed set); ntp_measured 0 when the metric was off or the address not
-- probed. ntp_kiss (added beside the contract of _notes/READINESS.md): the
-- kiss code of a stratum-0 reply (RATE, DENY, ...), whose failure is
-- ntp_kiss_of_death. Rows written before this migration read as not measured.

ALTER TABLE addresses ADD COLUMN IF NOT EXISTS ntp_answered UInt8 AFTER smtp_ehlo;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS ntp_stratum UInt8 AFTER ntp_answered;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS ntp_offset_ms Float64 AFTER ntp_stratum;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS ntp_rtt_ms Float64 AFTER ntp_offset_ms;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS ntp_failure LowCardinality(String) AFTER ntp_rtt_ms;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS ntp_measured UInt8 AFTER ntp_failure;
ALTER TABLE addresses ADD COLUMN IF NOT EXISTS ntp_kiss LowCardinality(String) AFTER ntp_measured;
