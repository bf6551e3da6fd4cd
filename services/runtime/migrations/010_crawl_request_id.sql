-- The client's request id of a submission (SubmitCrawlRequest.request_id), kept
-- with its crawl so a retried submission answers the crawl already started
-- instead of starting a second one. Empty for crawls submitted without one.
ALTER TABLE crawls ADD COLUMN IF NOT EXISTS request_id String DEFAULT '';
