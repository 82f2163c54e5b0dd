-- Consent proof without linking (issue 21): a record keeps what proves the decision and a keyed hash
-- of the signal (`consent/proof.py`), never a whole TC string, whose creation and update times (to
-- the tenth of a second) could link a person's records across a pooled-key rotation. Records at rest
-- from before keep the SHA-256 of their TC string in place of the string (`warehouse/columns.py`
-- does the same to records still in a spool).
-- up
ALTER TABLE consent_records ADD COLUMN signal_hash String DEFAULT '';
ALTER TABLE consent_records ADD COLUMN key_version UInt32 DEFAULT 0;
ALTER TABLE consent_records UPDATE signal_hash = concat('sha256:', lower(hex(SHA256(signal)))), signal = 'legacy record: the TC string replaced by its SHA-256' WHERE source = 'tcf' AND signal_hash = ''
-- down
ALTER TABLE consent_records DROP COLUMN key_version;
ALTER TABLE consent_records DROP COLUMN signal_hash
