-- What each delivered person brought, kept with the list (issue 15): the cinemas where the member was
-- seen when the export was made (the internal cinema ids of segment_members.cinemas). A campaign's
-- contributions are frozen from the lists actually delivered for it, a person seen at k cinemas
-- counting 1/k at each (remuneration/contributions_sql.py). Lists made before this migration have no
-- cinemas and count for no one.
-- up
ALTER TABLE export_lists ADD COLUMN cinemas Array(UInt32) DEFAULT []
-- down
ALTER TABLE export_lists DROP COLUMN cinemas
