"""The config file (TOML): theme, keymap, attachment limit, policies, refresh, debounces, notifications.

Found at ``--config``, else ``SAFET_CONFIG``, else ``config.toml`` in the user
config directory. A missing file means defaults; a broken one is an error that
names the file, line and column.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from safet_tui.domain.marketplaces import Policies, PolicyError, build_policies
from safet_tui.notify.settings import NotifySettings, SettingsError, parse_notifications


class ConfigError(ValueError):
    pass


@dataclass
class Config:
    path: Path | None = None
    theme: str = "textual-dark"
    keymap: dict[str, str] = field(default_factory=dict)
    attachment_limit: int = 25 * 1024 * 1024
    refresh_interval: float = 2.0
    policies: Policies = field(default_factory=Policies)
    animations: bool = False
    #: seconds the cursor rests on a row before its preview loads (0: load at once)
    preview_delay: float = 0.08
    #: the filter searches at once; a key typed while a search is running waits for it to land,
    #: or this many seconds at most (0: never waits)
    filter_delay: float = 0.12
    #: ``[canned_replies]``: reply text per claim reason code ("default": any other reason),
    #: over the shipped ones (see widgets/canned.py)
    canned_replies: dict[str, str] = field(default_factory=dict)
    #: e-mail notifications and the desk's alerts (``[notifications]``, see safet_tui.notify.settings)
    notifications: NotifySettings = field(default_factory=NotifySettings)
    #: seconds after the last key in a reply, appeal or new claim before its draft is saved
    draft_delay: float = 0.4
    #: false: the text cursor stays lit (over SSH a blinking cursor repaints twice a second)
    cursor_blink: bool = True


def default_config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("safet")) / "config.toml"


def load_config(path: str | os.PathLike | None = None) -> Config:
    explicit = path or os.environ.get("SAFET_CONFIG")
    p = Path(explicit).expanduser() if explicit else default_config_path()
    if not p.exists():
        if explicit:
            raise ConfigError(f"{p}: config file not found")
        return Config()
    import tomllib  # only with a config file to read

    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read: {exc}") from exc
    return parse_config(data, p)


#: binding ids of the claim actions before they were declared once for the list and the thread:
#: a keymap written for the old ids keeps working
RENAMED_BINDINGS = {
    f"{screen}.{action}": f"claim.{action}"
    for screen in ("desk", "thread")
    for action in ("reply", "appeal", "attach", "copy_claim", "copy_order")
}


def parse_config(data: dict, path: Path | None = None) -> Config:
    where = str(path) if path else "config"
    cfg = Config(path=path)
    known = {"theme", "keymap", "attachment_limit_mb", "refresh_interval", "policies", "animations",
             "preview_delay", "filter_delay", "canned_replies", "notifications", "draft_delay",
             "cursor_blink"}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    if "theme" in data:
        cfg.theme = _typed(data, "theme", str, where)
    if "keymap" in data:
        keymap = _typed(data, "keymap", dict, where)
        for k, v in keymap.items():
            if not isinstance(v, str):
                raise ConfigError(f"{where}: keymap.{k} must be a string of keys, like \"ctrl+r\"")
        cfg.keymap = {RENAMED_BINDINGS.get(k, k): v for k, v in keymap.items()}
    if "attachment_limit_mb" in data:
        mb = data["attachment_limit_mb"]
        if not isinstance(mb, int | float) or isinstance(mb, bool) or mb <= 0:
            raise ConfigError(f"{where}: attachment_limit_mb must be a positive number")
        cfg.attachment_limit = int(mb * 1024 * 1024)
    if "refresh_interval" in data:
        sec = data["refresh_interval"]
        if not isinstance(sec, int | float) or isinstance(sec, bool) or sec <= 0:
            raise ConfigError(f"{where}: refresh_interval must be a positive number of seconds")
        cfg.refresh_interval = float(sec)
    for key in ("preview_delay", "filter_delay", "draft_delay"):
        if key in data:
            sec = data[key]
            if not isinstance(sec, int | float) or isinstance(sec, bool) or not 0 <= sec <= 5:
                raise ConfigError(f"{where}: {key} must be a number of seconds from 0 to 5")
            setattr(cfg, key, float(sec))
    if "canned_replies" in data:
        cfg.canned_replies = _canned(_typed(data, "canned_replies", dict, where), where)
    if "cursor_blink" in data:
        cfg.cursor_blink = _typed(data, "cursor_blink", bool, where)
    if "animations" in data:
        cfg.animations = bool(_typed(data, "animations", bool, where))
    if "policies" in data:
        try:
            cfg.policies = Policies(build_policies(_typed(data, "policies", dict, where)))
        except PolicyError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
    if "notifications" in data:
        try:
            cfg.notifications = parse_notifications(data["notifications"], where)
        except SettingsError as exc:
            raise ConfigError(str(exc)) from None
    return cfg


def _canned(table: dict, where: str) -> dict[str, str]:
    """Reply texts by reason code; an unknown code is an error that lists the known ones."""
    from safet_tui.domain.reasons import REASONS_BY_CODE

    known = {*REASONS_BY_CODE, "default"}
    for code, text in table.items():
        if code not in known:
            raise ConfigError(f"{where}: canned_replies.{code} is not a claim reason; use one of "
                              + ", ".join(sorted(known)))
        if not isinstance(text, str):
            raise ConfigError(f"{where}: canned_replies.{code} must be a string (the reply's text)")
    return dict(table)


def _typed(data: dict, key: str, kind: type, where: str):
    value = data[key]
    if not isinstance(value, kind):
        raise ConfigError(f"{where}: {key} must be a {kind.__name__}")
    return value
