"""Shared names for the locale and observability tests (issue 6): paths and credentials."""

from __future__ import annotations

from support.api import GET as GET  # the paths, re-exported for this folder
from support.api import LIST as LIST
from support.api import SAVE as SAVE
from support.api import TJE0, TJE0_BASIC
from support.api import error_message as error_message

AUTH = TJE0_BASIC  # tje0:Tje0, the demo admin
PASSWORD = TJE0[1]
