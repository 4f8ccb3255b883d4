"""An entrepreneur's bottom bar holds six items on a phone; quotes and internal transfers live
under the invoices' item, one tap apart through the sales tabs."""

from tests.helpers import login


def _bar(page: str) -> str:
    return page[page.index('<nav class="nav"') : page.index("</nav>")]


def _links(nav: str) -> list[str]:
    return [part.split('"')[0] for part in nav.split('<li><a href="')[1:]]


def test_the_entrepreneurs_bar_has_six_items(logged_in):
    links = _links(_bar(logged_in.get("/").text))
    assert links == ["/", "/invoices", "/receipts", "/workshops", "/meetings/", "/directory/"]


def test_quotes_and_transfers_keep_the_invoices_item_marked(logged_in):
    for path in ("/quotes", "/transfers", "/customers"):
        nav = _bar(logged_in.get(path).text)
        marked = [part for part in nav.split("<li>") if "aria-current" in part]
        assert len(marked) == 1 and 'href="/invoices"' in marked[0], path


def test_the_sales_tabs_link_quotes_invoices_and_transfers_marking_the_current_one(logged_in):
    for path in ("/quotes", "/invoices", "/transfers"):
        page = logged_in.get(path).text
        tabs = page[page.index('<nav class="tabs"') :]
        tabs = tabs[: tabs.index("</nav>")]
        assert [part.split('"')[0] for part in tabs.split('<a href="')[1:]] == [
            "/quotes",
            "/invoices",
            "/transfers",
        ]
        current = [part for part in tabs.split("<a ")[1:] if "aria-current" in part]
        assert len(current) == 1 and f'href="{path}"' in current[0], path


def test_staff_see_no_sales_tabs(client, staff):
    assert login(client, staff.email).status_code == 303
    assert '<nav class="tabs"' not in client.get("/transfers").text
