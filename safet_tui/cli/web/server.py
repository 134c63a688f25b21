"""textual-serve with a login in front: no desk starts before a visitor has logged in, and each
visitor's desk runs as the user and role they logged in as.

textual-serve's ``Server`` serves the page, the static files and the websocket that drives one
app process per visitor; this subclass puts its own routes around them: ``/login`` (a form with a
CSRF token bound to a cookie, failed logins throttled), ``/`` and ``/claim/<id>`` (the desk, or
the login when there is no session), ``/ws`` (refused without a session, or from a page of
another origin), ``/download/<key>`` (only with a session).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import secrets
import signal
import ssl
from collections.abc import Callable
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.web_runner import GracefulExit
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from safet_tui.cli.web.guard import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Network,
    Sessions,
    Throttle,
    client_address,
)
from safet_tui.cli.web.pages import login_page, logout_page
from safet_tui.service.users import Person

log = logging.getLogger("safet.serve")

#: a claim id in a deep link: what the desk's ``open`` takes, nothing that needs quoting
CLAIM_ID = re.compile(r"[A-Za-z0-9-]{1,40}")
# same-origin, not no-referrer: under no-referrer a browser posts the login form with "Origin: null"
_HEADERS = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'",
            "Referrer-Policy": "same-origin", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


class GuardedServer(Server):
    def __init__(self, *, command_for: Callable[[Person, str | None], str],
                 check: Callable[[str, str], Person | None], origins: frozenset[str],
                 lookup: Callable[[str], Person | None] | None = None,
                 public_url: str, host: str, port: int, ssl_context: ssl.SSLContext | None = None,
                 throttle: Throttle | None = None, trusted_proxies: tuple[Network, ...] = ()) -> None:
        super().__init__("safet", host=host, port=port, title="safet", public_url=public_url)
        self.command_for, self.check, self.origins = command_for, check, origins
        #: the user as the database has them now (removed, or another role, since the login)
        self.lookup = lookup
        self.ssl_context = ssl_context
        self.secure = ssl_context is not None or public_url.startswith("https:")
        self.sessions = Sessions()
        self.throttle = throttle or Throttle()
        #: the proxies whose X-Forwarded-For says who the visitor is (``--trusted-proxy``; none: no one's)
        self.trusted_proxies = trusted_proxies

    # -- routes ----------------------------------------------------------------------------
    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[_security_headers])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/claim/{claim_id}", self.handle_index, name="claim"),
            web.get("/login", self.handle_login_form, name="login"),
            web.post("/login", self.handle_login),
            web.get("/logout", self.handle_logout_form),
            web.post("/logout", self.handle_logout),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.get("/ws/claim/{claim_id}", self.handle_websocket, name="websocket_claim"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", self.statics_path, name="static"),
        ])
        app.on_startup.append(self.on_startup)
        return app

    async def on_startup(self, app: web.Application) -> None:
        log.info("serving the desk on %s", self.public_url)

    def serve(self, debug: bool = False) -> None:
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.request_exit)
            except NotImplementedError:  # pragma: no cover
                pass
        try:
            web.run_app(self._make_app(), host=self.host, port=self.port, ssl_context=self.ssl_context,
                        handle_signals=False, loop=loop, print=lambda *args: None)
        except GracefulExit:  # pragma: no cover
            pass

    # -- who is there ----------------------------------------------------------------------
    def visitor(self, request: web.Request) -> Person | None:
        return self.sessions.who(request.cookies.get(SESSION_COOKIE))

    def address_of(self, request: web.Request) -> str:
        """The visitor's address (see ``guard.client_address``): behind a trusted proxy, the one
        it forwarded for; otherwise the connection's, whatever the request's headers say."""
        return client_address(request.remote, request.headers.getall("X-Forwarded-For", []), self.trusted_proxies)

    def _same_origin(self, request: web.Request, required: bool) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return not required
        return origin.lower().rstrip("/") in self.origins

    def _cookie(self, response: web.StreamResponse, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(name, value, httponly=True, samesite="Strict", secure=self.secure, path="/",
                            max_age=max_age)

    # -- pages -----------------------------------------------------------------------------
    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        claim = request.match_info.get("claim_id")
        if claim is not None and not CLAIM_ID.fullmatch(claim):
            raise web.HTTPNotFound(text="no such claim id")
        if self.visitor(request) is None:
            target = f"/claim/{claim}" if claim else "/"
            raise web.HTTPSeeOther(f"/login?next={target}")
        router = request.app.router
        base = self._base_url(request)
        ws_path = (router["websocket_claim"].url_for(claim_id=claim) if claim
                   else router["websocket"].url_for())
        ws_base = ("wss:" if base.startswith("https:") else "ws:") + base.split(":", 1)[1]
        context: dict[str, Any] = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{ws_base}{ws_path}",
            "config": {"static": {"url": f"{base}{router['static'].url_for(filename='/')}".rstrip("/") + "/"}},
            "application": {"name": "safet"},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    def _base_url(self, request: web.Request) -> str:
        """The URL the visitor used when it is one of ours (localhost or 127.0.0.1), else the public one."""
        scheme = "https" if self.secure else "http"
        here = f"{scheme}://{request.host}".lower()
        return here if here in self.origins else self.public_url.rstrip("/")

    async def handle_login_form(self, request: web.Request) -> web.Response:
        return self._login_response(_next_path(request.query.get("next", "/")))

    def _login_response(self, next_path: str, error: str = "", status: int = 200) -> web.Response:
        csrf = secrets.token_urlsafe(24)
        response = web.Response(text=login_page(csrf, next_path, error), content_type="text/html",
                                status=status)
        self._cookie(response, CSRF_COOKIE, csrf, max_age=3600)
        return response

    async def handle_login(self, request: web.Request) -> web.Response:
        if not self._same_origin(request, required=False):
            raise web.HTTPForbidden(text="a login from another site's page is refused")
        form = await request.post()
        name, secret = str(form.get("name", ""))[:200], str(form.get("secret", ""))[:1000]
        next_path = _next_path(str(form.get("next", "/")))
        token, cookie = str(form.get("csrf", "")), request.cookies.get(CSRF_COOKIE, "")
        if not cookie or not hmac.compare_digest(token.encode(), cookie.encode()):
            return self._login_response(next_path, "The login form expired: please log in again.", 400)
        address = self.address_of(request)
        wait = self.throttle.wait(name, address)
        if wait > 0:
            return self._login_response(
                next_path, f"Too many failed logins: try again in {int(wait // 60) + 1} minutes.", 429)
        person = await asyncio.get_running_loop().run_in_executor(None, self.check, name, secret)
        if person is None:
            self.throttle.failed(name, address)
            log.warning("failed login for %r from %s", name, address)
            return self._login_response(next_path, "Wrong user name or password.", 401)
        self.sessions.end(request.cookies.get(SESSION_COOKIE))  # a fresh token on every login
        response = web.HTTPSeeOther(next_path)
        self._cookie(response, SESSION_COOKIE, self.sessions.start(person))
        response.del_cookie(CSRF_COOKIE, path="/")
        log.info("%s logged in (%s) from %s", person.name, person.role, address)
        raise response

    async def handle_logout_form(self, request: web.Request) -> web.Response:
        return web.Response(text=logout_page(), content_type="text/html")

    async def handle_logout(self, request: web.Request) -> web.Response:
        if not self._same_origin(request, required=True):
            raise web.HTTPForbidden(text="refused")
        self.sessions.end(request.cookies.get(SESSION_COOKIE))
        response = web.HTTPSeeOther("/login")
        response.del_cookie(SESSION_COOKIE, path="/")
        raise response

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        if self.visitor(request) is None:
            raise web.HTTPForbidden(text="log in first")
        return await super().handle_download(request)

    # -- the desk ----------------------------------------------------------------------------
    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if not self._same_origin(request, required=True):
            log.warning("websocket from origin %r refused", request.headers.get("Origin"))
            raise web.HTTPForbidden(text="a websocket from another origin is refused")
        person = self.visitor(request)
        if person is not None and self.lookup is not None:
            now = await asyncio.get_running_loop().run_in_executor(None, self.lookup, person.name)
            if now != person:  # removed or changed since the login: that session is over
                self.sessions.end_user(person.name)
                person = None
        if person is None:
            raise web.HTTPForbidden(text="log in first")
        claim = request.match_info.get("claim_id")
        if claim is not None and not CLAIM_ID.fullmatch(claim):
            raise web.HTTPNotFound(text="no such claim id")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            app_service = AppService(self.command_for(person, claim), write_bytes=websocket.send_bytes,
                                     write_str=websocket.send_str, close=websocket.close,  # type: ignore[arg-type]
                                     download_manager=self.download_manager, debug=self.debug)
            await app_service.start(width, height)
            try:
                await self._process_messages(websocket, app_service)
            finally:
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.exception(error)
        finally:
            if app_service is not None:
                await app_service.stop()
        return websocket


def _next_path(value: str) -> str:
    """Where to go after the login: the desk or one claim on it, never another site."""
    if value == "/" or re.fullmatch(r"/claim/[A-Za-z0-9-]{1,40}", value):
        return value
    return "/"


@web.middleware
async def _security_headers(request: web.Request, handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(_HEADERS)
        raise
    if not response.prepared:
        response.headers.update(_HEADERS if not request.path.startswith("/static/")
                                else {"X-Content-Type-Options": "nosniff"})
    return response
