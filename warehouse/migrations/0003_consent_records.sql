-- Consent records: the proof behind pooled events (source, the signal as received, the decision per
-- purpose, the policy version, when and at which cinema). Identical records share one id.
-- up
CREATE TABLE IF NOT EXISTS consent_records (
    consent_id String,
    recorded_at DateTime,
    record_date Date,
    cinema_id UInt32,
    source String,
    signal String,
    purposes String,
    policy_version String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(record_date)
ORDER BY (cinema_id, consent_id)
-- down
DROP TABLE IF EXISTS consent_records
