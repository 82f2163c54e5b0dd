-- What each partner received, as it received it (issue 21): each export's list of the partner's own
-- pseudonyms, stored once when the export is made, under the partner key version of that moment,
-- and served sorted by that pseudonym, so that nothing a partner receives is ordered by the pooled
-- pseudonym (two partners' lists of one segment no longer line up by position), and a list served
-- again is the list that was signed. `visitor` (the pooled pseudonym) stays inside: the guards judge
-- people, and erasures must find them. `export_removals`: pseudonyms a partner must delete because
-- the person withdrew or was erased, queued (export_id '') and then delivered with an export.
-- Exports made before this migration (export_members) are withdrawn: a partner's next export of a
-- segment replaces its previous list (docs/partners.md).
-- up
CREATE TABLE IF NOT EXISTS export_lists (
    created_on Date,
    partner_slug String,
    export_id String,
    visitor String,
    pseudonym String
) ENGINE = MergeTree()
PARTITION BY created_on
ORDER BY (export_id, pseudonym);
CREATE TABLE IF NOT EXISTS export_removals (
    created_on Date,
    partner_slug String,
    export_id String,
    pseudonym String
) ENGINE = MergeTree()
PARTITION BY created_on
ORDER BY (partner_slug, export_id, pseudonym)
-- down
DROP TABLE IF EXISTS export_removals;
DROP TABLE IF EXISTS export_lists
