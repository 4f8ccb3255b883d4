"""Access control: who may see what. Another member's object is a 404, never a 403."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def staff_required(view):
    """The support team (staff or admin) only."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def owned_or_404(session, model, object_id: int, member_id_column: str = "member_id"):
    """The object with this id if it belongs to the current member (staff see all)."""
    obj = session.get(model, object_id)
    if obj is None:
        abort(404)
    if not current_user.is_staff and getattr(obj, member_id_column) != current_user.id:
        abort(404)
    return obj


def authored_or_404(obj):
    """`obj` if the current member is its author, to change it: staff, who see every one,
    get a 404 as well."""
    if obj.member_id != current_user.id:
        abort(404)
    return obj
