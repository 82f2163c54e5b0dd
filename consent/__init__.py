"""Consent: normalise every signal into one decision per purpose (IO-free core)."""
