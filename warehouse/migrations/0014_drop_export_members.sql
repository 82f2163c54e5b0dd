-- The pooled pseudonyms behind exports made before export lists (migration 9): those exports are
-- withdrawn, and the table kept pooled pseudonyms, erased people's included, for 366 days (issue 21).
-- up
DROP TABLE IF EXISTS export_members
-- down
CREATE TABLE IF NOT EXISTS export_members (
    created_on Date,
    export_id String,
    visitor String
) ENGINE = MergeTree()
PARTITION BY created_on
ORDER BY (export_id, visitor)
