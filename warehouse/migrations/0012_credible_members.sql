-- Credible members (issue 21): a person counts toward a segment's size and every threshold only when
-- seen on at least two days (a crafted identifier posted once does not), so that fake visitors do
-- not cheaply lift a small segment past k. Members and export lists say so per row.
-- up
ALTER TABLE segment_members ADD COLUMN credible UInt8 DEFAULT 1;
ALTER TABLE segment_visitors ADD COLUMN credible UInt8 DEFAULT 1;
ALTER TABLE export_lists ADD COLUMN credible UInt8 DEFAULT 1
-- down
ALTER TABLE export_lists DROP COLUMN credible;
ALTER TABLE segment_visitors DROP COLUMN credible;
ALTER TABLE segment_members DROP COLUMN credible
