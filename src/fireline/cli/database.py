"""`fireline db`: upgrade, backup, restore and check the database.

These open the database themselves (``--database-url``) and never through the API: they must
work before a server runs, and `backup` and `check` run beside one. Only `upgrade` migrates;
the others take the database as they find it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fireline.cli.context import AsJson, DatabaseUrl

if TYPE_CHECKING:
    from fireline.storage.consistency import Report
    from fireline.storage.db import Database

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(
    database_url: DatabaseUrl = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the pending migrations; apply nothing.")
    ] = False,
) -> None:
    """Create or migrate the database schema to the current version."""
    if dry_run:
        from fireline.storage.migrate import pending

        with database_at(database_url) as database:
            steps = pending(database.engine)
        for revision, doc in steps:
            typer.echo(f"{revision}  {doc.splitlines()[0] if doc else ''}")
        typer.echo(f"{len(steps)} pending migrations" if steps else "database is up to date")
        return
    from fireline.cli.direct import opened
    from fireline.storage.db import enable_incremental_vacuum

    with opened(database_url) as core:
        if enable_incremental_vacuum(core.database.engine):
            typer.echo("SQLite file rewritten once (VACUUM) to give pruned rows' space back")
        typer.echo("database is up to date")


@db_app.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="The backup file to write (must not exist).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Copy the database consistently while Fireline runs (SQLite backup API, or pg_dump -Fc)."""
    from fireline.storage.backup import backup

    with database_at(database_url) as database:
        backup(database.engine, path)
    typer.echo(f"backup written to {path}")


@db_app.command("restore")
def db_restore(
    path: Annotated[Path, typer.Argument(help="A file written by `fireline db backup`.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Load a backup into an empty database (refuses one that has tables)."""
    from fireline.storage.backup import restore

    with database_at(database_url) as database:
        restore(path, database.engine)
    typer.echo(f"restored {path}; run `fireline db check` (and `db upgrade` if it says so)")


@db_app.command("check")
def db_check(database_url: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """Say whether the schema is current and the data consistent; exit 1 on any problem."""
    from fireline.storage.consistency import check

    with database_at(database_url) as database:
        report = check(database.engine)
    typer.echo(json.dumps(_document(report), indent=2) if as_json else _lines(report))
    if not report.ok:
        raise typer.Exit(1)


def _document(report: Report) -> dict[str, object]:
    return {
        "ok": report.ok,
        "revision": report.revision,
        "newest": report.newest,
        "checks": {
            name: {"ok": not found, "problems": found} for name, found in report.problems.items()
        },
    }


def _lines(report: Report) -> str:
    lines = [f"schema revision {report.revision or 'none'} (newest {report.newest})"]
    for name, found in report.problems.items():
        lines.append(f"{name:<11} {'ok' if not found else f'{len(found)} problems'}")
        lines += [f"  - {problem}" for problem in found]
    lines.append("database is consistent" if report.ok else "database has problems")
    return "\n".join(lines)


@contextmanager
def database_at(database_url: str | None) -> Iterator[Database]:
    """The database, as it is (not migrated)."""
    from fireline.config import Settings
    from fireline.storage.db import Database

    settings = Settings(database_url=database_url) if database_url else Settings()
    database = Database(settings.database_url)
    try:
        yield database
    finally:
        database.close()
