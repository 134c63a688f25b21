"""Subcommands of ``safet``. Each module has ``register(subparsers, common)`` that
only declares arguments (cheap at start-up) and a handler that imports what it needs."""

#: modules under safet_tui.cli.commands, in the order ``safet --help`` lists them
MODULES = ("desk", "demo", "importing", "exporting", "report", "notify", "database", "serve", "users")
