"""The Textual app: the SAFE-T desk."""

from __future__ import annotations

from textual.app import App

from .config import Config
from .service import Desk


class SafetApp(App):
    TITLE = "safet"

    def __init__(self, desk: Desk, config: Config | None = None, role: str = "seller",
                 open_claim: str | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.config = config or Config()
        self.role = role
        self.open_claim = open_claim
