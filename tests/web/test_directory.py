"""The directory, in French (the portal's language for members who chose none): each member
chooses to appear (a new card is hidden), shows their email and phone only if they tick
them, is found by words, skill and place; a hidden card, or a deactivated member's, is a 404
whatever URL is guessed. Photos are re-encoded; bad input gets its message and changes
nothing. Run on whichever database the suite runs on."""

import io
from html import unescape

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.directory import queries, services
from portal.directory.models import DirectoryCard
from portal.network.activity import SECTIONS, add_activity_section
from tests.helpers import login
from tests.unit.test_uploads import jpeg_with_gps, pdf_bytes


def card_input(**fields) -> services.CardInput:
    values = dict(
        listed=True,
        activity="Photographe",
        area="Lyon",
        presentation="Photos de mariage et de chantier.",
        skills="photo, vidéo",
        show_email=False,
        show_phone=False,
    )
    return services.CardInput(**(values | fields))


@pytest.fixture
def card_of(db_session):
    def make(member, **fields):
        card = services.save_card(db_session, member, card_input(**fields), None)
        db_session.commit()
        return card

    return make


@pytest.fixture
def photographer(make_member, card_of):
    member = make_member(email="lou@example.org", full_name="Lou Photographe")
    member.phone = "06 12 34 56 78"
    card_of(member)
    return member


def form(**fields) -> dict:
    values = dict(
        listed="y",
        activity="Traductrice",
        skills="traduction, anglais",
        area="Grenoble",
        presentation="Je traduis.",
    )
    return {k: v for k, v in (values | fields).items() if v is not None}


def card_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(DirectoryCard))


# --- choosing to appear ----------------------------------------------------------------------


def test_the_directory_is_for_members_only(client, photographer):
    for path in ("/directory/", f"/directory/{photographer.id}", "/directory/me"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


def test_a_new_card_is_hidden_until_its_member_chooses_to_appear(
    logged_in, db_session, entrepreneur, make_member, app
):
    response = logged_in.post("/directory/me", data=form(listed=None))
    assert response.status_code == 303
    other = app.test_client()
    login(other, make_member(email="x@example.org").email)
    assert other.get(f"/directory/{entrepreneur.id}").status_code == 404
    assert "Camille Durand" not in other.get("/directory/").text
    logged_in.post("/directory/me", data=form())
    page = other.get(f"/directory/{entrepreneur.id}")
    assert page.status_code == 200 and "Traductrice" in page.text
    assert "Camille Durand" in other.get("/directory/").text


def test_a_guessed_url_of_a_hidden_or_deactivated_member_is_a_404(
    logged_in, db_session, photographer, card_of, make_member
):
    assert logged_in.get(f"/directory/{photographer.id}").status_code == 200
    photographer.active = False
    db_session.commit()
    assert logged_in.get(f"/directory/{photographer.id}").status_code == 404
    assert "Lou Photographe" not in logged_in.get("/directory/").text
    hidden = make_member(email="h@example.org", full_name="Hidden One")
    card_of(hidden, listed=False)
    assert logged_in.get(f"/directory/{hidden.id}").status_code == 404
    assert logged_in.get("/directory/99999999999").status_code == 404


def test_email_and_phone_show_only_as_the_member_chose(
    logged_in, db_session, photographer, card_of
):
    page = logged_in.get(f"/directory/{photographer.id}").text
    assert "lou@example.org" not in page and "06 12 34 56 78" not in page
    card_of(photographer, show_email=True)
    page = logged_in.get(f"/directory/{photographer.id}").text
    assert 'href="mailto:lou@example.org"' in page and "06 12 34 56 78" not in page
    card_of(photographer, show_phone=True, show_email=False)
    page = logged_in.get(f"/directory/{photographer.id}").text
    assert "lou@example.org" not in page and 'href="tel:0612345678"' in page


def test_the_presentation_is_markdown_made_safe(logged_in, db_session, photographer, card_of):
    card_of(photographer, presentation="**Mariages**\n\n<script>alert(1)</script>")
    page = logged_in.get(f"/directory/{photographer.id}").text
    assert "<strong>Mariages</strong>" in page
    assert "<script>alert(1)" not in page


# --- search ----------------------------------------------------------------------------------


@pytest.fixture
def three_cards(make_member, card_of):
    lou = make_member(email="lou@example.org", full_name="Lou")
    card_of(lou, activity="Photographe de mariage", area="Lyon", skills="photo, vidéo")
    max_ = make_member(email="max@example.org", full_name="Max")
    card_of(
        max_,
        activity="Traducteur",
        area="Grenoble",
        skills="traduction",
        presentation="Je travaille souvent pour des clients de Lyon.",
    )
    eve = make_member(email="eve@example.org", full_name="Eve")
    card_of(eve, activity="Photographe culinaire", area="Grenoble", skills="photo")
    return lou, max_, eve


def names(entries) -> list[str]:
    return [entry.full_name for entry in entries]


def test_search_by_words_skill_and_place(db_session, three_cards):
    assert sorted(names(queries.search_directory(db_session, "photographe"))) == ["Eve", "Lou"]
    assert names(queries.search_directory(db_session, "tradu")) == ["Max"]  # a prefix
    assert sorted(names(queries.search_directory(db_session, skill="Photo"))) == ["Eve", "Lou"]
    assert names(queries.search_directory(db_session, skill="video")) == ["Lou"]  # "vidéo"
    # A place is looked for in the area only: Max's presentation names Lyon, his area does not.
    assert names(queries.search_directory(db_session, place="lyon")) == ["Lou"]
    assert names(queries.search_directory(db_session, "lyon")) != []  # words look everywhere
    assert names(queries.search_directory(db_session, "photo", "photo", "grenoble")) == ["Eve"]
    assert queries.search_directory(db_session, "plombier") == []


def test_search_words_are_never_full_text_syntax(db_session, three_cards):
    for query in ('"', "photo*", "AND OR NOT", "-", "a:b", "'; DROP TABLE x", "(", "\\"):
        queries.search_directory(db_session, query)
        queries.search_directory(db_session, place=query)


def test_the_directory_page_searches_and_answers_htmx_with_the_list_alone(logged_in, three_cards):
    page = logged_in.get("/directory/?q=photographe&place=grenoble")
    assert page.status_code == 200 and "Eve" in page.text and ">Lou<" not in page.text
    fragment = logged_in.get("/directory/?skill=traduction", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="directory-results"')
    assert "Max" in fragment.text and "HX-Request" in fragment.headers["Vary"]


def test_the_directory_is_in_french_with_its_navigation_entry(logged_in, photographer):
    page = logged_in.get("/directory/").text
    assert "<span>Annuaire</span>" in page and "Compétence" in page
    assert "Lou Photographe" in page


# --- my card: bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"skills": "photo, <b>vidéo</b>"}, "Écrivez chaque compétence en mots"),
        ({"skills": ", ".join(f"skill {n}" for n in range(13))}, "12 compétences au plus."),
        ({"skills": "x" * 41}, "Une compétence fait au plus 40 caractères."),
        ({"activity": ""}, "Indiquez votre activité"),
        ({"presentation": "x" * 2001}, "2000"),
    ],
)
def test_bad_card_input_gets_its_message_and_saves_nothing(logged_in, db_session, fields, message):
    response = logged_in.post("/directory/me", data=form(**fields))
    assert response.status_code == 200
    assert message in unescape(response.text)
    assert card_count(db_session) == 0


def test_a_card_photo_is_reencoded_and_a_pdf_refused(app, logged_in, db_session, entrepreneur):
    data = form(file=(io.BytesIO(pdf_bytes()), "me.pdf"))
    response = logged_in.post("/directory/me", data=data, content_type="multipart/form-data")
    assert "Envoyez une photo (JPEG, PNG ou HEIC)." in response.text
    assert card_count(db_session) == 0
    data = form(file=(io.BytesIO(jpeg_with_gps()), "me.jpg"))
    response = logged_in.post("/directory/me", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    photo = logged_in.get(f"/directory/{entrepreneur.id}/photo")
    assert photo.mimetype == "image/jpeg" and photo.headers["Cache-Control"] == "private, no-store"
    assert b"PhoneMaker" not in photo.data and b"Exif" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as image:
        assert max(image.size) <= 320


def test_a_hidden_members_photo_is_a_404_to_others_but_not_to_them(
    app, logged_in, db_session, entrepreneur, make_member
):
    data = form(listed=None, file=(io.BytesIO(jpeg_with_gps((600, 400))), "me.jpg"))
    logged_in.post("/directory/me", data=data, content_type="multipart/form-data")
    assert logged_in.get(f"/directory/{entrepreneur.id}/photo").status_code == 200
    other = app.test_client()
    login(other, make_member(email="o@example.org").email)
    assert other.get(f"/directory/{entrepreneur.id}/photo").status_code == 404


def test_removing_ones_photo_asks_first(logged_in, db_session, entrepreneur):
    data = form(file=(io.BytesIO(jpeg_with_gps((600, 400))), "me.jpg"))
    logged_in.post("/directory/me", data=data, content_type="multipart/form-data")
    page = logged_in.post("/directory/me/photo/delete")
    assert "Retirer votre photo de votre fiche\u202f?" in unescape(page.text)
    db_session.expire_all()
    assert db_session.scalar(select(DirectoryCard.photo_key)) is not None
    logged_in.post("/directory/me/photo/delete", data={"confirmed": "1"})
    db_session.expire_all()
    assert db_session.scalar(select(DirectoryCard.photo_key)) is None
    assert logged_in.post("/directory/me/photo/delete").status_code == 404


# --- the picker other modules reuse ----------------------------------------------------------


def test_the_picker_lists_listed_active_members_only(logged_in, db_session, three_cards, card_of):
    lou, max_, eve = three_cards
    card_of(eve, listed=False)
    page = logged_in.get(f"/directory/picker?field=contractor_id&exclude={max_.id}").text
    assert f'name="contractor_id" value="{lou.id}"' in page
    assert f'value="{max_.id}"' not in page and f'value="{eve.id}"' not in page
    assert logged_in.get("/directory/picker?field=a%22b").status_code == 400
    assert services.listed_member(db_session, lou.id) == lou
    assert services.listed_member(db_session, eve.id) is None
    assert [e.full_name for e in services.listed_members(db_session, "tradu")] == ["Max"]


# --- the support team's view -----------------------------------------------------------------


def test_staff_see_skills_counted_and_who_is_listed(app, client, staff, three_cards, logged_in):
    assert logged_in.get("/network/activity").status_code == 403
    client = app.test_client()
    login(client, staff.email)
    assert 'href="/network/activity"' in client.get("/staff/members").text  # their way in
    page = client.get("/network/activity").text
    assert '<a href="/directory/?skill=photo">photo</a></td><td class="num">2</td>' in page
    assert "3 membres dans l&#39;annuaire" in page or "3 membres dans l'annuaire" in page


def test_other_modules_add_their_section_to_the_staff_page(client, staff, three_cards):
    """A module registers a partial and its loader; the page renders it with that context."""
    lou = three_cards[0]
    before = list(SECTIONS)

    def load(session):
        return {"field": "chosen", "entries": queries.search_directory(session, "mariage")}

    add_activity_section("directory/_picker.html", load)
    add_activity_section("directory/_picker.html", load)  # registered once
    try:
        login(client, staff.email)
        page = client.get("/network/activity").text
        assert page.count(f'name="chosen" value="{lou.id}"') == 1
    finally:
        SECTIONS[:] = before
