"""SQL tables of the control plane (SQLAlchemy Core; SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

cinemas = Table(
    "cinemas",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cnc_id", String(7), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("town", String(200), nullable=False, default=""),
    Column("category", String(1), nullable=False),
    Column("labels", String(20), nullable=False, default=""),
    Column("domains", Text, nullable=False, default=""),
    Column("site_key", String(48), nullable=False, unique=True),
    Column("status", String(20), nullable=False, default="active"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

partners = Table(
    "partners",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("status", String(20), nullable=False, default="active"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

key_versions = Table(
    "key_versions",
    metadata,
    Column("purpose", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("retire_after", String(40), nullable=True),
    Column("destroyed", Boolean, nullable=False, default=False),
    UniqueConstraint("purpose", "version", name="uq_key_versions"),
)

ingest_state = Table(
    "ingest_state",
    metadata,
    Column("topic", String(200), nullable=False),
    Column("kafka_partition", Integer, nullable=False),
    Column("first_offset", BigInteger, nullable=False),
    Column("last_offset", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),  # "pending" | "inserted"
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("topic", "kafka_partition", name="uq_ingest_state"),
)
