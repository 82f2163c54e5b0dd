"""artaud — Art & Essai AUDience: the composition root (CLI, wiring, the main job)."""

__version__ = "0.1.0"
