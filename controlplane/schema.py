"""SQL tables of the control plane (SQLAlchemy Core; SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
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

# -- partners: API keys, policies, exports, audit (migration 4) -------------------------------------
partner_policies = Table(
    "partner_policies",
    metadata,
    Column("partner_slug", String(64), primary_key=True),
    Column("min_audience", Integer, nullable=False, default=0),  # the destination's own minimum
    Column("rate_per_minute", Integer, nullable=False, default=60),
    Column("export_ttl_days", Integer, nullable=False, default=30),
)

partner_keys = Table(
    "partner_keys",
    metadata,
    Column("prefix", String(8), primary_key=True),
    Column("partner_slug", String(64), nullable=False, index=True),
    Column("secret_hash", String(64), nullable=False),
    Column("segments", Text, nullable=False),  # comma-separated segment ids, or "*"
    Column("formats", String(40), nullable=False),  # comma-separated: csv, jsonl
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=True),  # migration 6
)

exports = Table(
    "exports",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("partner_slug", String(64), nullable=False, index=True),
    Column("segment_key", String(220), nullable=False),
    Column("build_id", String(40), nullable=False),
    Column("previous_id", String(40), nullable=True),
    Column("members", BigInteger, nullable=False),
    Column("added", BigInteger, nullable=False),
    Column("removed", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("manifest", Text, nullable=False),  # canonical JSON, as signed
    Column("signature", String(120), nullable=False),
    # migration 6: the partner key version of its pseudonyms (None: made before lists were stored),
    # and when it was withdrawn (a newer key version, or made before lists were stored)
    Column("key_version", Integer, nullable=True),
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("partner_slug", String(64), nullable=False),  # "" when the caller was not identified
    Column("key_prefix", String(8), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(300), nullable=False),
    Column("status", Integer, nullable=False),
    Column("detail", String(300), nullable=False),
)

# -- partner ID sync (migration 5) -------------------------------------------------------------------
partner_sync = Table(
    "partner_sync",
    metadata,
    Column("partner_slug", String(64), primary_key=True),
    Column("url", String(512), nullable=False),  # a template with {xid} once (collector/idsync.py)
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# -- remuneration: distributors' campaigns (migration 7) ---------------------------------------------
campaigns = Table(
    "campaigns",
    metadata,
    Column("id", String(64), primary_key=True),  # a slug chosen by the SCARE
    Column("distributor", String(200), nullable=False),
    Column("siren", String(9), nullable=False),
    Column("film_title", String(300), nullable=False),
    Column("director", String(200), nullable=False, default=""),
    Column("visa", String(12), nullable=True),
    Column("film_ref", String(200), nullable=False),
    Column("partner_slug", String(64), nullable=False, index=True),
    Column("flight_start", Date, nullable=False),
    Column("flight_end", Date, nullable=False),
    Column("payment_cents", BigInteger, nullable=False),  # excluding VAT
    Column("vat_rate", String(80), nullable=False),  # exact decimal text (numbers.fraction_text)
    Column("fee_rate", String(80), nullable=False),
    Column("invoice", String(64), nullable=True),
    Column("approved_by", String(200), nullable=True),  # the SCARE's prior approval of the title
    Column("approved_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# -- remuneration: what each campaign delivered, and each cinema's frozen part (migration 8) ----------
campaign_exports = Table(
    "campaign_exports",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("export_id", String(40), primary_key=True),  # an export delivered to the campaign's partner
    Column("linked_at", DateTime(timezone=True), nullable=False),
    Column("linked_by", String(200), nullable=False),  # a staff member's name, or "partner:<slug>"
)

campaign_reports = Table(
    "campaign_reports",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("day", Date, primary_key=True),  # the agency's figures for one day of the flight
    Column("impressions", BigInteger, nullable=False),
    Column("clicks", BigInteger, nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("impressions >= 0 AND clicks >= 0 AND clicks <= impressions", name="report_figures"),
)

campaign_freezes = Table(
    "campaign_freezes",
    metadata,
    Column("campaign_id", String(64), primary_key=True),  # frozen once: the contributions never change
    Column("frozen_at", DateTime(timezone=True), nullable=False),
    Column("frozen_by", String(200), nullable=False),
    Column("visitors", BigInteger, nullable=False),  # distinct people counted, all cinemas together
    Column("exports", Text, nullable=False),  # the export ids counted, sorted, comma-separated
)

campaign_contributions = Table(
    "campaign_contributions",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("cinema_cnc", String(7), primary_key=True),
    Column("category", String(1), nullable=False),  # the cinema's category when frozen
    Column("contribution", String(80), nullable=False),  # exact: numbers.fraction_text
    Column("days", Integer, nullable=False),  # days of the flight since the cinema joined (attribution.py)
)

# -- remuneration: the double-entry ledger (migration 9) ---------------------------------------------
# Entries are never updated or deleted (triggers refuse it, controlplane/migrations.py); balances are
# derived from transfers; a correction is a reversal batch.
ledger_batches = Table(
    "ledger_batches",
    metadata,
    Column("id", String(80), primary_key=True),  # chosen by the caller: booking the same id books once
    Column("kind", String(20), nullable=False),  # distribution | receipt | payout | reversal
    Column("campaign_id", String(64), nullable=True, index=True),
    Column("reverses", String(80), nullable=True, unique=True),  # a batch is reversed at most once
    Column("booked_at", DateTime(timezone=True), nullable=False),
    Column("booked_by", String(200), nullable=False),
    Column("memo", Text, nullable=False),  # canonical JSON: policy, version, parameters, inputs hash…
    # how many transfers the batch booked and the SHA-256 of their canonical text: a transfer added to
    # a booked batch afterwards (INSERT is not refused by the triggers) is detected on every read
    Column("transfers", Integer, nullable=False),
    Column("transfers_sha256", String(64), nullable=False),
    Column("document", Text, nullable=True),  # a distribution's published root and statements (JSON)
)

# One row, written first by every booking: bookings are taken one at a time (a row lock on
# PostgreSQL, the write lock on SQLite), so the checks a booking makes (one live distribution per
# campaign, payouts within what is cleared) see every booking before it.
ledger_lock = Table(
    "ledger_lock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("bookings", BigInteger, nullable=False),
)

ledger_transfers = Table(
    "ledger_transfers",
    metadata,
    Column("id", String(100), primary_key=True),  # "<batch id>/<n>"
    Column("batch_id", String(80), nullable=False, index=True),
    Column("debit_account", String(80), nullable=False, index=True),
    Column("credit_account", String(80), nullable=False, index=True),
    Column("amount_cents", BigInteger, nullable=False),
    CheckConstraint("amount_cents > 0", name="transfer_positive"),
    CheckConstraint("debit_account <> credit_account", name="transfer_two_accounts"),
)

# -- remuneration: the cinemas' bank details, encrypted (migration 10) ------------------------------
bank_accounts = Table(
    "bank_accounts",
    metadata,
    Column("cinema_cnc", String(7), primary_key=True),  # cinemas.cnc_id
    # AES-256-GCM of the JSON {holder, iban, bic} under the key ring's "bank-details" key of this
    # version, with the cinema's CNC number as associated data (remuneration/bank_store.py)
    Column("key_version", Integer, nullable=False),
    Column("nonce", Text, nullable=False),  # base64
    Column("ciphertext", Text, nullable=False),  # base64
    Column("iban_masked", String(64), nullable=False),  # what listings show
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(200), nullable=False),
)


# -- the console: accounts, sessions, API tokens, audit log (migration 11) ---------------------------
console_users = Table(
    "console_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # admin/roles.py
    Column("cinema_cnc", String(7), nullable=True),  # a cinema user's one cinema
    Column("password_hash", String(200), nullable=True),  # Argon2id; None until the setup link is used
    Column("totp_sealed", Text, nullable=True),  # the TOTP secret, AES-GCM under the key ring
    Column("totp_enabled", Boolean, nullable=False, default=False),
    Column("totp_last_step", BigInteger, nullable=True),  # a code is accepted once
    Column("setup_hash", String(64), nullable=True, unique=True),  # SHA-256 of the one-time link's token
    Column("setup_expires_at", DateTime(timezone=True), nullable=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # SHA-256 of the cookie's value
    Column("user_id", Integer, nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

console_tokens = Table(
    "console_tokens",
    metadata,
    Column("prefix", String(16), primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

console_audit = Table(
    "console_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(64), nullable=False),  # a login, "" when not signed in; never an address
    Column("role", String(20), nullable=False),
    Column("action", String(80), nullable=False),  # METHOD endpoint, or a CLI command
    Column("object", String(300), nullable=False),
    Column("outcome", Integer, nullable=False),  # the HTTP status (CLI: 0)
)


# -- erasure requests: the register of the right to erasure (migration 12) ---------------------------
erasure_requests = Table(
    "erasure_requests",
    metadata,
    Column(
        "id", String(32), primary_key=True
    ),  # "ER-" + base32, printable (controlplane/erasure_requests.py)
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
    Column("channel", String(20), nullable=False),  # console | cli | api (issue 17: visitor)
    Column("requested_by", String(200), nullable=False),  # a console login, "cli:<who>", "" for a visitor
    Column("visitor_digest", String(64), nullable=False, index=True),  # SHA-256, never the pseudonym
    Column("status", String(20), nullable=False),  # received | done | failed
    Column("reason", Text, nullable=False, default=""),  # why it failed, in French
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("done", Text, nullable=False, default="{}"),  # what was done: JSON {step: count}
)


# -- scheduled jobs' runs (migration 13): what each job did, for the console's « Système » page --------
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(64), nullable=False),  # the scheduler's job id (runtime/jobs.py)
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(8), nullable=False),  # "ok" or "error"
    Column("summary", Text, nullable=False),  # what it did, one line each; never personal data
    Column("error", String(300), nullable=False),  # truncated, credentials masked
    Index("job_runs_by_job", "job", "started_at"),
)
