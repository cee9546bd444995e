"""The message full-text index: an FTS5 table kept by triggers on SQLite, a GIN expression index
on PostgreSQL (``search.engine`` queries the same expression)."""

from django.db import migrations

from search.migrations_support import run_on

SQLITE = [
    "CREATE VIRTUAL TABLE search_message_fts USING fts5("
    "content, content='conversations_message', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_message_ai AFTER INSERT ON conversations_message BEGIN "
    "INSERT INTO search_message_fts(rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER search_message_ad AFTER DELETE ON conversations_message BEGIN "
    "INSERT INTO search_message_fts(search_message_fts, rowid, content) "
    "VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER search_message_au AFTER UPDATE OF content ON conversations_message BEGIN "
    "INSERT INTO search_message_fts(search_message_fts, rowid, content) "
    "VALUES ('delete', old.id, old.content); "
    "INSERT INTO search_message_fts(rowid, content) VALUES (new.id, new.content); END",
    "INSERT INTO search_message_fts(search_message_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_message_ai",
    "DROP TRIGGER IF EXISTS search_message_ad",
    "DROP TRIGGER IF EXISTS search_message_au",
    "DROP TABLE IF EXISTS search_message_fts",
]
POSTGRES = [
    "CREATE INDEX IF NOT EXISTS search_message_tsv ON conversations_message "
    "USING gin (to_tsvector('simple', content))",
]
POSTGRES_DROP = ["DROP INDEX IF EXISTS search_message_tsv"]


class Migration(migrations.Migration):
    dependencies = [("conversations", "0006_message_created_at_default")]

    operations = [
        migrations.RunPython(
            run_on({"sqlite": SQLITE, "postgresql": POSTGRES}),
            run_on({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
