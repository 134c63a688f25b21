"""The desk's cold start as a real process: ``safet --db PATH`` exactly as a user runs it,
headless, until the home screen is painted with the tab counts and the rows in view;
then it exits. Run by the suite:

    python -m bench.cold_start DB [WIDTH HEIGHT]

The only change to the real start-up is in this file: ``SafetApp`` is swapped for a
subclass that runs headless and exits after that paint (no hook in the app itself).
Prints one JSON line: the wall-clock time of that paint and the resident memory then.
"""

from __future__ import annotations

import json
import sys
import time

from .proc import rss_bytes


def main() -> int:
    db = sys.argv[1]
    size = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (160, 45)
    import safet_tui.app as app_module

    result: dict = {}

    from .probe import css_paths

    class HeadlessDesk(app_module.SafetApp):
        CSS_PATH = css_paths(app_module.SafetApp)

        def run(self, *args, **kwargs):
            kwargs.update(headless=True, size=size)
            return super().run(*args, **kwargs)

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            if result or renderable is None:
                return
            from .probe import home_ready

            if home_ready(self):
                from textual._compositor import CompositorUpdate

                if isinstance(renderable, CompositorUpdate):
                    renderable.render_segments(self.console)  # what a terminal would be sent
                result.update(paint_wall=time.time(), rss=rss_bytes())
                self.exit()

    app_module.SafetApp = HeadlessDesk
    from safet_tui.cli.main import main as safet

    # on PostgreSQL who you are is who you log in as (--user is refused there)
    code = safet(["--db", db] if "://" in db else ["--db", db, "--user", "bench"])
    print(json.dumps(result))
    return 0 if result and not code else 1


if __name__ == "__main__":
    sys.exit(main())
