"""The yardstick: a bare Flask "hello", served by the same gunicorn configuration as the
portal, so each page's throughput reads as a share of what the stack itself can do here."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
