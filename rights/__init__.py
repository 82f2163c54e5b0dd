"""The visitor's own page, « Vos données d'audience »: what the service holds under their pooled
pseudonyms, its download, consent withdrawal and erasure (docs/webmasters.md § 8)."""
