"""The knowledge-base list follows the one pagination convention (docs/api.md "Pagination"):
`limit` + opaque `cursor`, `next_cursor`/`next` null on the last page; `offset` still works
(deprecated) and also hands out a `next_cursor`."""

from ai.models import KnowledgeArticle
from tests.ai.test_ai_kb_api import URL, assert_error, client_for


def articles(tenant, n):
    return [
        KnowledgeArticle.objects.create(
            business=tenant.business, question=f"Q{i}?", answer=f"A{i}"
        ).pk
        for i in range(n)
    ]


def test_cursor_pages_walk_every_article_once(acme, globex):
    ids = articles(acme, 5)
    articles(globex, 3)  # another business's articles never show up
    client = client_for(acme)
    seen, page = [], client.get(URL, {"limit": 2}).json()
    while True:
        assert page["count"] == 5 and page["previous"] is None
        seen += [a["id"] for a in page["results"]]
        if page["next_cursor"] is None:
            assert page["next"] is None
            break
        assert f"cursor={page['next_cursor']}" in page["next"]
        page = client.get(page["next"]).json()
    assert seen == ids


def test_offset_still_works_and_leads_into_cursors(acme):
    ids = articles(acme, 5)
    client = client_for(acme)
    old = client.get(URL, {"limit": 2, "offset": 1}).json()
    assert [a["id"] for a in old["results"]] == ids[1:3]
    assert old["previous"] is not None and "offset=" in old["next"]
    rest = client.get(URL, {"limit": 10, "cursor": old["next_cursor"]}).json()
    assert [a["id"] for a in rest["results"]] == ids[3:]
    last = client.get(URL, {"limit": 2, "offset": 4}).json()
    assert last["next_cursor"] is None and last["next"] is None


def test_a_damaged_cursor_is_a_400(acme):
    assert_error(client_for(acme).get(URL, {"cursor": "%%%"}), 400, "INVALID_CURSOR")
