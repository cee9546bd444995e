"""Raw SQL per database vendor for the search migrations (full-text and trigram indexes are
engine-specific)."""


def run_on(statements_by_vendor: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run
