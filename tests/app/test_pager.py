"""The pager every list uses: it keeps the filters, and on a page with two
lists (the supervision desk) each list turns its own page only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Page:
    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def pager(app, *args, **kwargs) -> str:
    with app.test_request_context():
        return str(app.jinja_env.get_template("_pager.html").module.pager(*args, **kwargs))


def test_the_pager_keeps_the_filters(app):
    html = pager(app, Page(2, 3), "workbench.index", tab="open", category="garbage")
    assert 'href="/workbench?tab=open&amp;category=garbage&amp;page=1"' in html
    assert 'href="/workbench?tab=open&amp;category=garbage&amp;page=3"' in html


def test_a_second_list_turns_its_own_page_and_keeps_the_first(app):
    html = pager(app, Page(1, 2), "supervision.index", param="ext_page", page=3,
                 held_page=None, unit="water")
    assert 'href="/supervision?page=3&amp;unit=water&amp;ext_page=2"' in html
    assert "held_page" not in html


def test_one_page_needs_no_pager(app):
    assert "pager" not in pager(app, Page(1, 1), "workbench.index")
