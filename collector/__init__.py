"""The collector: the only component that sees raw IPs and user agents.

A lean WSGI callable receives hits (GIF pixel, text/plain beacon), checks the site,
minimises and pseudonymises at the edge, decides the track from consent, and appends
events to an EventSink (the durable spool, or Kafka in production).
"""
