__version__ = "0.1.0"


def _peewee_without_postgres_drivers() -> None:
    """Import peewee without the PostgreSQL drivers it imports if installed (psycopg: ~12 MB of
    resident memory and ~50 ms of every start, for a desk that most often opens a SQLite file).
    ``safet_tui.postgres.connect`` hands psycopg to peewee when a PostgreSQL URL is opened."""
    import sys

    if "peewee" in sys.modules:
        return
    blocked = [name for name in ("psycopg", "psycopg2") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # peewee's optional import fails
    try:
        import peewee  # noqa: F401
    finally:
        for name in blocked:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


_peewee_without_postgres_drivers()
