"""Production transport, producer side: the spool forwarded to Kafka (schema, forwarder, topics)."""
