-- Segments: per build, every pooled visitor's consent as it stands (segment_visitors), the members of
-- each segment (segment_members), and what each build published or refused (segment_builds).
-- Suppressions: visitors who withdrew or were erased, left out of every later build and export.
-- up
CREATE TABLE IF NOT EXISTS suppressions (
    visitor String,
    kind String,
    suppressed_at DateTime,
    cinema_id UInt32
) ENGINE = ReplacingMergeTree()
ORDER BY visitor;
CREATE TABLE IF NOT EXISTS segment_visitors (
    built_on Date,
    build_id String,
    visitor String,
    purposes String,
    last_seen DateTime
) ENGINE = MergeTree()
PARTITION BY built_on
ORDER BY (build_id, visitor);
CREATE TABLE IF NOT EXISTS segment_members (
    built_on Date,
    build_id String,
    segment_key String,
    visitor String,
    cinemas Array(UInt32)
) ENGINE = MergeTree()
PARTITION BY built_on
ORDER BY (build_id, segment_key, visitor);
CREATE TABLE IF NOT EXISTS segment_builds (
    build_id String,
    built_at DateTime,
    segment_id String,
    segment_version UInt32,
    rule_hash String,
    segment_key String,
    members UInt64,
    cinemas UInt32,
    top_share Float64,
    published UInt8,
    published_size UInt64,
    refusal String
) ENGINE = MergeTree()
ORDER BY (build_id, segment_key)
-- down
DROP TABLE IF EXISTS segment_builds;
DROP TABLE IF EXISTS segment_members;
DROP TABLE IF EXISTS segment_visitors;
DROP TABLE IF EXISTS suppressions
