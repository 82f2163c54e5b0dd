-- Each partner's view of each segment at each build (issue 19, segments/builder.py): how many members
-- an export to that partner would hold (exact, for the SCARE's staff), and the size the partner is
-- told, released like a segment's (segments/release.py, key "<segment key>@<partner>"). A partner
-- is listed a segment only where its view is published.
-- up
CREATE TABLE IF NOT EXISTS partner_views (
    build_id String,
    built_at DateTime,
    segment_key String,
    partner_slug String,
    members UInt64,
    published UInt8,
    published_size UInt64,
    refusal String
) ENGINE = MergeTree()
ORDER BY (partner_slug, segment_key, built_at)
-- down
DROP TABLE IF EXISTS partner_views
