"""Extensions, created unbound and bound to an app in `create_app`."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from portal.db import db as database

babel = Babel()
csrf = CSRFProtect()
htmx = Htmx()
login_manager = LoginManager()

# `database` is `portal.db.db`: named apart so `portal.db` stays the module.
__all__ = ["babel", "csrf", "database", "htmx", "login_manager"]
