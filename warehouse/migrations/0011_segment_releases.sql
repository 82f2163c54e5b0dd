-- Differentially private releases of segment sizes (issue 21, segments/release.py): each release of a
-- segment key's published size (drawn by OpenDP when its exact count changed), and each build's
-- privacy spend for its worst-case person. A size is released again only when its count changed;
-- the budgets count the releases of the last year.
-- up
CREATE TABLE IF NOT EXISTS segment_releases (
    released_at DateTime,
    build_id String,
    segment_key String,
    exact UInt64,
    size UInt64,
    epsilon Float64
) ENGINE = MergeTree()
ORDER BY (segment_key, released_at);
CREATE TABLE IF NOT EXISTS privacy_spend (
    spent_at DateTime,
    build_id String,
    person_epsilon Float64
) ENGINE = MergeTree()
ORDER BY spent_at
-- down
DROP TABLE IF EXISTS privacy_spend;
DROP TABLE IF EXISTS segment_releases
