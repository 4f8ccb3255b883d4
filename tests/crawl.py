"""Breadth-first through the portal from its home page, for the tests that check every page:
a few pages of each shape (an invoice, a meeting), since pages of one shape differ by their
data, not their code."""

import re
from collections.abc import Callable, Iterable

ROW = re.compile(r"/(?=[a-z0-9]*[0-9])[a-z0-9]+(?=/|$)")  # an id or a reference in a path
NOT_PAGES = re.compile(r"^/static/|/logout")  # and not the way out


def shape(path: str) -> str:
    return ROW.sub("/_", path.split("?")[0])


def crawl(
    visit: Callable[[str], Iterable[str]], per_shape: int, skip: re.Pattern = NOT_PAGES
) -> list[str]:
    """Visit "/", then each link found that `skip` does not match, at most `per_shape` pages
    of each shape; `visit(path)` returns the links of the page (none for a file). Returns the
    paths visited, in order."""
    queue, visited, per = ["/"], {}, {}
    while queue:
        path = queue.pop(0)
        if path in visited or skip.search(path) or per.get(shape(path), 0) >= per_shape:
            continue
        visited[path] = None
        per[shape(path)] = per.get(shape(path), 0) + 1
        queue += [link for link in visit(path) if link not in visited]
    return list(visited)
