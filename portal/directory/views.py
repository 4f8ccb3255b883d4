"""The directory: the URL map. Members find each other; each fills in their own card.

/directory/                    the list and its search (words, skill, place)
/directory/<member id>         a visible card (a hidden one is a 404)
/directory/<member id>/photo   its photo
/directory/me                  the member's own card (form)
/directory/me/photo/delete     remove one's photo
/directory/picker              the member picker fragment other forms reuse
"""

from flask import Blueprint, abort, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.db import db, id_from_text
from portal.directory import queries, services
from portal.directory.forms import CardForm
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.storage import storage
from portal.transaction import transaction
from portal.uploads import MAX_UPLOAD_BYTES
from portal.web.confirm import asks, unconfirmed
from portal.web.files import uploaded_file
from portal.web.forms import form_error
from portal.web.htmx import redirect_after_post, render

bp = Blueprint("directory", __name__, url_prefix="/directory")

MAX_PICKER_FIELD = 40


@bp.get("/")
@login_required
def index():
    words = request.args.get("q", "")[: queries.MAX_QUERY_LENGTH]
    skill = request.args.get("skill", "")[:40]
    place = request.args.get("place", "")[: queries.MAX_QUERY_LENGTH]
    entries = queries.search_directory(db.session, words, skill, place)
    return render(
        "directory/index.html",
        "directory/_results.html",
        entries=entries,
        words=words,
        skill=skill,
        place=place,
        searched=bool(words or skill or place),
        skills=queries.skill_counts(db.session),
        own_card=services.card_of(db.session, current_user),
    )


@bp.get("/<int:member_id>")
@login_required
def card(member_id: int):
    found = queries.visible_card(db.session, member_id)
    if found is None:
        abort(404)
    return render("directory/card.html", card=found)


@bp.get("/<int:member_id>/photo")
@login_required
def photo(member_id: int):
    found = queries.visible_card(db.session, member_id)
    # One's own photo shows on one's own form, listed or not.
    if found is None and member_id == current_user.id:
        found = services.card_of(db.session, current_user)
    if found is None or not found.photo_key or not storage().exists(found.photo_key):
        abort(404)
    return uploaded_file(storage().read(found.photo_key), "image/jpeg", f"member-{member_id}.jpg")


def _uploaded_photo() -> bytes | None:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    try:  # one byte more than allowed is enough to know it is too large
        return upload.stream.read(MAX_UPLOAD_BYTES + 1)
    finally:
        upload.close()


@bp.route("/me", methods=["GET", "POST"])
@transaction("write", lock="late")  # the photo is decoded before the write lock
@login_required
def edit():
    own = services.card_of(db.session, current_user)
    form = CardForm(obj=own)
    if own is not None and not form.is_submitted():
        form.skills.data = queries.SKILLS_SEPARATOR.join(own.skill_tags)
    if form.validate_on_submit():
        data = services.CardInput(
            listed=form.listed.data,
            activity=form.activity.data or "",
            area=form.area.data or "",
            presentation=form.presentation.data or "",
            skills=form.skills.data or "",
            show_email=form.show_email.data,
            show_phone=form.show_phone.data,
        )
        try:
            saved = services.save_card(db.session, current_user, data, _uploaded_photo())
        except DomainError as error:
            form_error(form, error)
        else:
            flash(
                _("Your card is saved and listed in the directory.")
                if saved.listed
                else _("Your card is saved. It is not shown in the directory."),
                "success",
            )
            return redirect_after_post(url_for("directory.edit"))
    return render("directory/edit.html", form=form, card=own)


@bp.post("/me/photo/delete")
@login_required
@asks(_l("Remove your photo from your card?"), _l("Remove"))
def remove_photo():
    own = services.card_of(db.session, current_user)
    if own is None or not own.photo_key:
        abort(404)
    if asked := unconfirmed(url_for("directory.edit")):
        return asked
    services.remove_photo(db.session, own)
    flash(_("Photo removed."), "success")
    return redirect_after_post(url_for("directory.edit"))


@bp.get("/picker")
@login_required
def picker():
    """The member picker alone, for htmx in another module's form: listed members matching
    `q`, as radio inputs named `field`; `exclude` leaves out one member (the one picking)."""
    field = request.args.get("field", "member_id")
    if not field.isidentifier() or len(field) > MAX_PICKER_FIELD:
        abort(400)
    exclude = id_from_text(request.args.get("exclude", ""))
    entries = services.listed_members(
        db.session, request.args.get("q", ""), exclude_member_id=exclude
    )
    response = make_response(
        render_template("directory/_picker.html", field=field, entries=entries, selected=None)
    )
    response.vary.add("HX-Request")
    return response
