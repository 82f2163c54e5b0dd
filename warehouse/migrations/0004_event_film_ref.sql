-- One reference per film across ticketing systems: normalised title and director (collector/films.py).
-- up
ALTER TABLE events ADD COLUMN film_ref String
-- down
ALTER TABLE events DROP COLUMN film_ref
