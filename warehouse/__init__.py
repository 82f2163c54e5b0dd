"""The warehouse: ClickHouse, embedded (chdb) or a server (clickhouse-driver), behind one interface."""
