"""The collector: the only component that sees raw IPs and user agents.

An IO-free pipeline (pipeline.py) takes each hit (GIF pixel, text/plain beacon) from a request
value to an outcome: it checks the site, decides the track from consent, minimises and
pseudonymises at the edge and builds the events; the app around it (app.py, served over RSGI or
WSGI) appends them to an EventSink (the durable spool, or Kafka in production) and counts.
"""
