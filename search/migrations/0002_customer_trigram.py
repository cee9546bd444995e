"""PostgreSQL only: trigram (pg_trgm) GIN indexes for the customer name/email search
(``UPPER(col) LIKE UPPER('%word%')``, what Django's ``icontains`` runs), and a
(business, id) index so "the newest messages of this business" is an index walk
(``search.engine``'s recent window). SQLite needs neither (small installs)."""

from django.db import migrations

from search.migrations_support import run_on

POSTGRES = [
    # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_customer_name_trgm ON conversations_customer "
    "USING gin ((UPPER(name::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_customer_email_trgm ON conversations_customer "
    "USING gin ((UPPER(email::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_message_business_id ON conversations_message "
    "(business_id, id)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS search_customer_name_trgm",
    "DROP INDEX IF EXISTS search_customer_email_trgm",
    "DROP INDEX IF EXISTS search_message_business_id",
]


class Migration(migrations.Migration):
    dependencies = [("search", "0001_message_index")]

    operations = [
        migrations.RunPython(run_on({"postgresql": POSTGRES}), run_on({"postgresql": POSTGRES_DROP}))
    ]
