"""The durable local spool: append-only, fsync'd in small batches, bounded in size.

Collector processes append (one directory per process, one `os.write` per request so a
crash never leaves half a request); the writer drains segments into the warehouse and
checkpoints what it inserted.
"""
