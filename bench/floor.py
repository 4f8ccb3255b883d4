"""The portal's floor: the whole portal, plus one logged-in page that does nothing. Served
beside the pages, it shows what every entrepreneur page costs before its own work (session
cookie, login, CSRF, a transaction, security headers), as a share of the bare Flask hello."""

from flask_login import login_required

from portal import create_app

app = create_app()


@app.get("/bench/empty")
@login_required
def empty() -> str:
    return ""
