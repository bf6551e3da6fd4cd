-- Issue 15 items 8 and 9: every address of a host keeps whether it is valid
-- (SPEC 3; docs/decisions/010-address-validity.md) and, for IPv6, the
-- v6prefix.conf entry that classified it (UID and name). Arrays run parallel
-- to ipv4 / ipv6. Rows written before this migration (and legacy imports,
-- which know no validity) read as all valid and without a prefix entry.

ALTER TABLE hosts ADD COLUMN IF NOT EXISTS valid4 Array(UInt8) DEFAULT arrayMap(x -> toUInt8(1), ipv4);
ALTER TABLE hosts ADD COLUMN IF NOT EXISTS valid6 Array(UInt8) DEFAULT arrayMap(x -> toUInt8(1), ipv6);
ALTER TABLE hosts ADD COLUMN IF NOT EXISTS prefix_ids Array(String) DEFAULT arrayMap(x -> '', ipv6);
ALTER TABLE hosts ADD COLUMN IF NOT EXISTS prefix_names Array(String) DEFAULT arrayMap(x -> '', ipv6);
