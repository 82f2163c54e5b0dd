-- One person's pooled pseudonyms under two live key versions (issue 21): written by the collector for
-- each pooled hit during a pooled-key rotation's grace period (`visitor` under the newest version,
-- `linked` under an older one). Builds count the person once, withdrawals and erasures reach every
-- pseudonym; the rows of a version go when its key is destroyed (`warehouse/links.py`), after which
-- that version's pseudonyms cannot be linked to anyone any more.
-- up
CREATE TABLE IF NOT EXISTS visitor_links (
    visitor String,
    linked String,
    linked_on Date
) ENGINE = ReplacingMergeTree()
ORDER BY (linked, visitor)
-- down
DROP TABLE IF EXISTS visitor_links
