"""The query that reads what was delivered for a campaign (a query builder: SQL text by design,
every value through artaud.warehouse.sql). IO-free."""

from __future__ import annotations

from artaud.warehouse.sql import identifier, quote_list


def delivered_counts_sql(database: str, export_ids: list[str]) -> tuple[str, str]:
    """Two queries over the delivered lists: (cinema id, k, n) rows, and the number of people."""
    database = identifier(database)
    people = (
        f"SELECT visitor, groupUniqArrayArray(cinemas) AS cs FROM {database}.export_lists "
        f"WHERE export_id IN ({quote_list(export_ids)}) AND credible = 1 "
        f"AND visitor NOT IN (SELECT visitor FROM {database}.suppressions) GROUP BY visitor"
    )
    counts = (
        f"SELECT c, length(cs) AS k, count() FROM ({people}) ARRAY JOIN cs AS c GROUP BY c, k ORDER BY c, k"
    )
    total = f"SELECT count() FROM ({people}) WHERE length(cs) > 0"
    return counts, total


def lists_kept_sql(database: str, export_ids: list[str]) -> str:
    """Per linked export still in the warehouse: its rows, and how many have no cinemas (a list made
    before lists kept them). An export absent from the answer has no list any more (dropped after
    its retention, `segments/catalog.py`)."""
    database = identifier(database)
    return (
        f"SELECT export_id, count(), countIf(length(cinemas) = 0) FROM {database}.export_lists "
        f"WHERE export_id IN ({quote_list(export_ids)}) GROUP BY export_id ORDER BY export_id"
    )
