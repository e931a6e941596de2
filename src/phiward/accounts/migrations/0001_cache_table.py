# The database cache table: rate limits (lockout), failed and used TOTP codes are shared by
# every worker process and by the CLI (`phiward user unlock`).

import io

from django.core.management import call_command
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def create_cache_table(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    call_command(
        "createcachetable",
        database=schema_editor.connection.alias,
        verbosity=0,
        stdout=io.StringIO(),
    )


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
