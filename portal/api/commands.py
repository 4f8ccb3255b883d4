"""`portal create-api-client`, `list-api-clients`, `revoke-api-client`,
`rebuild-feed-documents`."""

import json

import click
from flask import Blueprint

from portal.api.services import create_client, list_clients, revoke_client
from portal.cli import in_transaction
from portal.db import db, utcnow
from portal.sync import documents

bp = Blueprint("api_commands", __name__, cli_group=None)


@bp.cli.command("create-api-client")
@click.option("--name", required=True, help="Which program uses it.")
@click.option(
    "--scopes", default="sync:read sync:write", show_default=True, help="Space-separated."
)
@in_transaction
def create_api_client(name, scopes):
    """Create an API client; prints its id and secret once, as JSON."""
    client, secret = create_client(db.session, name, scopes)
    click.echo(json.dumps({"client_id": client.client_id, "client_secret": secret}))


@bp.cli.command("list-api-clients")
def list_api_clients():
    """List API clients (never their secrets)."""
    for client in list_clients(db.session):
        state = f"revoked {client.revoked_at:%Y-%m-%d %H:%M}" if client.revoked_at else "active"
        click.echo(f"{client.client_id}\t{client.name}\t{client.scopes}\t{state}")


@bp.cli.command("revoke-api-client")
@click.argument("client_id")
@in_transaction
def revoke_api_client(client_id):
    """Revoke an API client and its tokens."""
    client = revoke_client(db.session, client_id, utcnow())
    click.echo(f"Revoked {client.client_id} ({client.name}).")


@bp.cli.command("rebuild-feed-documents")
@in_transaction
def rebuild_feed_documents():
    """Write the change feed's kept documents again (after an upgrade, or rows written
    around the portal); the feed is the same without them, only slower to read."""
    for entity in sorted(documents.KEPT):
        documents.rebuild(db.session, entity)
        click.echo(f"Rebuilt the {entity} documents.")
