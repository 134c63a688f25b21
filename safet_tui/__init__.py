__version__ = "0.1.0"


def _peewee_without_postgres_drivers() -> None:
    """When peewee is first imported, import it without the PostgreSQL drivers it imports if they
    are installed (psycopg: ~12 MB of resident memory and ~50 ms of every start, for a desk that
    most often opens a SQLite file). ``safet_tui.postgres.connect`` hands psycopg to peewee when a
    PostgreSQL URL is opened. Nothing is imported here: the domain stays free of peewee."""
    import importlib.util
    import sys

    if "peewee" in sys.modules:
        return

    class Finder:
        @classmethod
        def find_spec(cls, name, path=None, target=None):
            if name != "peewee":
                return None
            sys.meta_path.remove(cls)  # once: the real finders find peewee itself
            spec = importlib.util.find_spec(name)
            loader = spec.loader if spec is not None else None
            if loader is None or not hasattr(loader, "exec_module"):
                return spec
            run = loader.exec_module

            def exec_module(module) -> None:
                blocked = [n for n in ("psycopg", "psycopg2") if n not in sys.modules]
                for n in blocked:
                    sys.modules[n] = None  # type: ignore[assignment]  # peewee's optional import fails
                try:
                    run(module)
                finally:
                    for n in blocked:
                        if sys.modules.get(n, False) is None:
                            del sys.modules[n]

            loader.exec_module = exec_module  # type: ignore[method-assign]  # this spec's loader only
            return spec

    sys.meta_path.insert(0, Finder)  # type: ignore[arg-type]


_peewee_without_postgres_drivers()
