-- Every pooled event references the consent record behind it (consent proof).
-- up
ALTER TABLE events ADD COLUMN consent_id String
-- down
ALTER TABLE events DROP COLUMN consent_id
