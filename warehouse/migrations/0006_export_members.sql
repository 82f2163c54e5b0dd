-- The pooled visitors behind each partner export (never served as such: the API maps them to that
-- partner's pseudonyms), kept until the export expires; deltas compare two exports' members.
-- up
CREATE TABLE IF NOT EXISTS export_members (
    created_on Date,
    export_id String,
    visitor String
) ENGINE = MergeTree()
PARTITION BY created_on
ORDER BY (export_id, visitor)
-- down
DROP TABLE IF EXISTS export_members
