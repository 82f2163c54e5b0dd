"""Production transport, consumer side: a Kafka consumer group loading events into the ClickHouse server."""
