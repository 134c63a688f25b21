"""The login page: plain HTML, no script; every value put into it is escaped."""

from __future__ import annotations

from html import escape

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>safet — log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; background: #1e1e2e; color: #e0e0e0; display: flex;
  justify-content: center; align-items: center; height: 100vh; margin: 0; }}
form {{ background: #2a2a3c; padding: 2em; border-radius: 8px; min-width: 18em; }}
label {{ display: block; margin: .8em 0 .2em; }}
input[type=text], input[type=password] {{ width: 100%; box-sizing: border-box; padding: .4em; }}
button {{ margin-top: 1.2em; padding: .5em 1.5em; }}
.error {{ color: #ff8080; }}
</style></head>
<body><form method="post" action="/login">
<h1>safet</h1>
{error}
<input type="hidden" name="csrf" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<label for="name">User</label><input type="text" id="name" name="name" autocomplete="username" autofocus required>
<label for="secret">Password or token</label>
<input type="password" id="secret" name="secret" autocomplete="current-password" required>
<button type="submit" id="login">Log in</button>
</form></body></html>
"""


def logout_page() -> str:
    """A button that logs out (a POST from this page, so no other site can log you out)."""
    form = ('<form method="post" action="/logout"><h1>safet</h1>'
            '<button type="submit" id="logout">Log out</button></form>')
    start = _PAGE.index("<body>") + len("<body>")
    return _PAGE[:start].format() + form + "</body></html>\n"


def login_page(csrf: str, next_path: str, error: str = "") -> str:
    shown = f'<p class="error" id="error">{escape(error)}</p>' if error else ""
    return _PAGE.format(error=shown, csrf=escape(csrf, quote=True), next=escape(next_path, quote=True))
