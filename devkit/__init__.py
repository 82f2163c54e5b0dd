"""artaud's development kit: the test harness (real services as processes) and the traffic simulator.

Not part of the production wheel: `pip install -e ./devkit` (the README's test command does it).
"""
