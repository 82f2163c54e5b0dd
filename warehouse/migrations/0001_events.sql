-- Events from the collector, both tracks. Partitioned by month, ordered for per-cinema
-- and per-visitor queries. ReplacingMergeTree collapses a retried event id on merge;
-- the writer already removes duplicates it can see.
-- up
CREATE TABLE IF NOT EXISTS events (
    event_id String,
    received_at DateTime,
    event_date Date,
    cinema_id UInt32,
    track Enum8('exempt' = 1, 'pooled' = 2),
    visitor String,
    key_version UInt16,
    event_name String,
    url_host String,
    url_path String,
    url_params String,
    referrer_host String,
    film_key String,
    film_title String,
    show_id String,
    show_start String,
    version String,
    quantity UInt16,
    value_cents Int64,
    currency String,
    order_hash String,
    region String,
    device_class String,
    browser_family String,
    os_family String,
    is_bot UInt8,
    consent_source String,
    consent_purposes String,
    consent_objection String,
    ingest_token String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(event_date)
ORDER BY (cinema_id, event_date, track, visitor, event_id)
-- down
DROP TABLE IF EXISTS events
