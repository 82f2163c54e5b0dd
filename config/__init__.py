"""Typed settings (defaults file + environment overrides) and secret keys."""
