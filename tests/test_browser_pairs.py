"""The review loop's defects of issue 29 in a real browser, in the Document pairs view: Debian's chromium
driven by Playwright, the app served by ``streamlit run`` on a copy of the samples (test_browser's
fixtures) with the mini corpus (tests/corpus_mini.py) copied in. One test per defect that shows on the
page; each checks both what the page shows and the corpus's tables (the AppTest and CLI versions are in
tests/test_review_loop.py).

The mini corpus's queue opens on the doubtful 2011-13828 (its original is not in the archive);
2011-13813's second candidate 2011-13816 is 2011-13827's source (auto); 2012-09446's candidates by final
score are not in the order of their lead rank.
"""

from __future__ import annotations

import re

import pytest
import test_browser as tb
from corpus_mini import mini_corpus

from workbench.corpus import open_corpus, pairs_frame, probability, review
from workbench.corpus import queue as pairqueue

pytestmark = pytest.mark.slow  # a Streamlit server and a browser

# test_browser's fixtures: one server per module on a copy of the samples, a fresh tab per test
_server, server, _browser, page = tb._server, tb.server, tb._browser, tb.page

PICK = "pair_pick_mini"


def _pairs(root):
    return pairs_frame(open_corpus(root, "mini")).set_index("tgt_id")


def _queue_order(root) -> list[str]:
    return pairqueue.queue(open_corpus(root, "mini"))["tgt_id"].tolist()


def _open_pairs(page, url: str, query: str = "") -> None:
    """Open the Document pairs view (``pairs`` is its address) and wait until it is drawn."""
    page.goto(url + "pairs" + query)
    page.get_by_text("pairs decided by a person").first.wait_for(timeout=120_000)
    tb._idle(page, 0)


def _go(page, view: str) -> None:
    """Switch to ``view`` with the row of views (not a word that happens to be on the page)."""
    tb._run(page, page.locator(".st-key-view").get_by_text(view, exact=True).click)


def _current(page) -> str:
    """The pair the queue shows (its target's id, from the pair box)."""
    return tb._shown(page, PICK).split(" · ")[0].strip()


def _place(page) -> str:
    return page.get_by_text(re.compile(r"^pair \d+ of \d+$")).first.inner_text()


def _badge(page) -> str:
    """The pair's line: decision, by whom, the reason, and the machine's p, score and margin."""
    return (
        page.locator("[data-testid=stMarkdownContainer]")
        .filter(has=page.locator(".wb-conf"))
        .filter(has_text=re.compile(r"· score .* · margin"))
        .first.inner_text()
    )


def _header(page) -> str:
    return page.locator("[data-testid=stProgress]").first.inner_text()


def _disabled(page, key: str) -> bool:
    return page.locator(f".st-key-{key} button").first.is_disabled()


def _stories_clear_the_next_row(page) -> None:
    """The two stories' leads end above what follows them (Streamlit's -1rem under a Markdown block and
    the app's small paragraph margins once let their last line run under "Both stories in full")."""
    bottom = max(
        box["y"] + box["height"]
        for box in (p.bounding_box() for p in page.locator(".st-key-pair_stories p").all() if p.is_visible())
    )
    below = page.locator(".st-key-pair_full").bounding_box()["y"]
    assert bottom <= below + 0.5, (bottom, below)


def _pick(page, tgt: str) -> None:
    tb._choose(page, PICK, tgt)
    assert _current(page) == tgt


# --- 2. a rejected pair is listed rejected by the person, counted, filterable and undoable --------------


def test_a_rejected_pair_is_listed_counted_filtered_and_forgotten(server, page):
    url, root = server
    mini_corpus(root)
    before = _pairs(root).loc["2011-13828"]
    wrong = before["src_id"]
    assert before["decision"] == "doubtful" and isinstance(wrong, str)
    _open_pairs(page, url)
    assert _current(page) == "2011-13828" and _place(page) == "pair 1 of 16"
    assert "0 of 16 pairs decided by a person" in _header(page) and "rejected" not in _header(page)
    assert _disabled(page, "pair_clear")
    tb._focus_page(page)
    tb._press(page, "x")  # X: reject
    page.get_by_text(f"Rejected {wrong} as the source of 2011-13828").first.wait_for()
    row = _pairs(root).loc["2011-13828"]
    assert [row["decision"], row["decided_by"], row["src_id"]] == ["rejected", "person", wrong]
    # listed as rejected by the person, the rejected source beside it; it stays in view, to be undone
    assert _current(page) == "2011-13828"
    badge = _badge(page)
    assert badge.startswith("rejected by person: a person rejected " + wrong), badge
    stories = page.locator(".st-key-pair_stories").inner_text()
    assert "rejected source (en)" in stories and wrong in stories
    _stories_clear_the_next_row(page)
    assert "rejected by a person" in page.locator(".st-key-pair_candidates").inner_text()
    header = _header(page)
    assert "1 of 16 pairs decided by a person" in header and "1 rejected" in header, header
    assert not _disabled(page, "pair_clear")
    assert _disabled(page, "pair_accept") and _disabled(page, "pair_reject")
    # filtered: only the rejected pairs
    for other in ("auto", "doubtful", "none", "accepted"):
        remove = page.locator(".st-key-pair_filter_mini").get_by_role("button", name=f"Remove {other}")
        tb._run(page, remove.click)
    assert _place(page) == "pair 1 of 1" and _current(page) == "2011-13828"
    assert "rejected by person" in _badge(page)
    # forgotten: the machine's decision again, and the pair leaves the rejected ones
    tb._click(page, "pair_clear")
    page.get_by_text(
        "2011-13828: your decision is forgotten; the pipeline's stands (doubtful)."
    ).first.wait_for()
    row = _pairs(root).loc["2011-13828"]
    assert [row["decision"], row["decided_by"], row["src_id"]] == ["doubtful", "machine", wrong]
    assert page.get_by_text("No pair has the decisions chosen in the sidebar.").first.is_visible()


# --- 3 and 8. an accepted pair keeps the machine's numbers; a reason prints the digits of its rule -----


def test_an_accepted_pair_keeps_the_machines_numbers(server, page):
    url, root = server
    mini_corpus(root)
    before = _pairs(root).loc["2012-09484"]
    assert before["decision"] == "auto"
    numbers = f"p {before['probability']:.3f} · score {before['score']:.2f} · margin {before['margin']:.2f}"
    _open_pairs(page, url)
    _pick(page, "2012-09484")
    assert numbers in _badge(page)
    tb._click(page, "pair_accept")
    page.get_by_text("Accepted 2012-09449 as the source of 2012-09484.").first.wait_for()
    after = _pairs(root).loc["2012-09484"]
    assert after["decision"] == "accepted" and after["decided_by"] == "person"
    for col in ("score", "margin", "probability"):
        assert after[col] == pytest.approx(before[col]), col
    assert _current(page) != "2012-09484"  # on to the next pair; back to it
    tb._click(page, "pair_prev")
    assert _current(page) == "2012-09484"
    badge = _badge(page)
    assert badge.startswith("accepted by person: decided by a person (the machine: "), badge
    assert numbers in badge, badge  # not "p – · score – · margin –"


def test_a_reason_prints_its_value_and_limit_with_the_digits_of_the_rule(server, page):
    url, root = server
    mini_corpus(root)
    folder = open_corpus(root, "mini")
    model = probability.from_manifest(folder.manifest)
    pairs = _pairs(root)
    _open_pairs(page, url)
    # the doubtful pair (p under the threshold) and a pair with no source (p under the floor)
    for tgt, limit in (("2011-13828", model.threshold), ("2012-09446", model.none_below)):
        _pick(page, tgt)
        badge = _badge(page)
        assert pairs.loc[tgt, "reason"] in badge, badge
        found = re.search(r"p (\d+\.\d+) under (\d+\.\d+)", badge)
        assert found, badge
        value, bound = found.groups()
        digits = len(value.split(".")[1])
        assert digits == len(bound.split(".")[1]) >= 3
        p = pairs.loc[tgt, "probability"]
        assert abs(float(value) - p) <= 0.5 * 10**-digits and abs(float(bound) - limit) <= 0.5 * 10**-digits
        assert float(value) < float(bound) and p < limit  # the printed comparison reads as the rule's


# --- 4. taking another story's source: what it does, asked first; the other story says why ------------


def test_taking_another_storys_source_asks_first_and_names_the_cause(server, page):
    url, root = server
    mini_corpus(root)
    before = _pairs(root)
    assert before.loc["2011-13827", ["src_id", "decision"]].tolist() == ["2011-13816", "auto"]
    view = pairqueue.pair_view(open_corpus(root, "mini"), "2011-13813")
    n = [c.story.doc_id for c in view.candidates].index("2011-13816") + 1
    _open_pairs(page, url)
    _pick(page, "2011-13813")
    tb._focus_page(page)
    tb._press(page, str(n))  # take candidate n
    ask = page.locator(".st-key-pair_take_confirm")
    ask.wait_for()
    said = ask.inner_text()
    assert "Taking 2011-13816 for 2011-13813 changes another story" in said, said
    effects = review.effects(open_corpus(root, "mini"), "2011-13813", "2011-13816")
    assert [e["tgt_id"] for e in effects] == ["2011-13827"]
    assert "2011-13827: auto with 2011-13816 → " in said, said  # (Markdown draws "->" as an arrow)
    assert all(review.describe_effect(e).replace("->", "→") in said for e in effects), said
    assert _pairs(root).equals(before)  # nothing is saved before the answer
    tb._click(page, "pair_take_no")  # Cancel: nothing changes, the question goes
    assert page.locator(".st-key-pair_take_confirm").count() == 0
    assert _pairs(root).equals(before)
    tb._click(page, f"pair_choose_{n}")
    ask.wait_for()
    tb._click(page, "pair_take_yes")
    page.get_by_text("Accepted 2011-13816 as the source of 2011-13813.").first.wait_for()
    after = _pairs(root)
    assert after.loc["2011-13813", ["src_id", "decision", "decided_by"]].tolist() == [
        "2011-13816",
        "accepted",
        "person",
    ]
    cause = "its source 2011-13816 was taken by 2011-13813 (a person's decision)"
    assert cause in after.loc["2011-13827", "reason"]
    assert after.loc["2011-13827", "src_id"] != "2011-13816"
    assert after.loc["2011-13827", "decision"] == effects[0]["after"]  # it did what it said it would
    _pick(page, "2011-13827")
    assert cause in _badge(page), _badge(page)


# --- 5. candidates by their final score, with every term of it -------------------------------------------


def _cards(page) -> list[tuple[str, str]]:
    """Each candidate's (story id, evidence line), top to bottom (each card has one of each)."""
    box = page.locator(".st-key-pair_candidates")
    ids = [t.split(" · ")[0].strip() for t in box.locator(".wb-sid").all_inner_texts()]
    lines = box.locator(".wb-ids").all_inner_texts()
    assert len(ids) == len(lines)
    return list(zip(ids, lines, strict=True))


NUMBER = re.compile(r"-?\d+\.\d+")


def test_candidates_are_in_final_score_order_with_every_term(server, page):
    url, root = server
    mini_corpus(root)
    view = pairqueue.pair_view(open_corpus(root, "mini"), "2012-09446")
    ranked = sorted(view.candidates, key=lambda c: (-c.score, c.rank))  # by final score (ties: by rank)
    by_score = [c.story.doc_id for c in ranked]
    assert [c.story.doc_id for c in sorted(view.candidates, key=lambda c: c.rank)] != by_score
    _open_pairs(page, url)
    _pick(page, "2012-09446")
    cards = _cards(page)
    assert [sid for sid, _ in cards] == by_score[:9]
    finals = []
    for (_, line), c in zip(cards, ranked, strict=False):
        found = re.fullmatch(r"p (\d\.\d{3}) · final (-?\d+\.\d\d) = (.*)", line.replace("\n", " "))
        assert found, line
        p, final, terms = found.groups()
        assert float(p) == pytest.approx(c.probability, abs=5e-4), line
        assert float(final) == pytest.approx(c.score, abs=5e-3), line
        parts = terms.split(" + ")
        names = [part.split()[0].rstrip(":") for part in parts]
        assert names[:5] == ["lead", "names", "numbers", "length", "sentences"], line
        shown = [float(NUMBER.findall(part)[-1]) for part in parts]  # each term's value ends its part
        assert sum(shown) == pytest.approx(float(final), abs=0.005 * (len(shown) + 1)), line
        assert shown[4] == pytest.approx(c.terms["match_tgt"], abs=5e-3), line  # the sentence rescore
        finals.append(float(final))
    assert finals == sorted(finals, reverse=True) and len(finals) == min(len(view.candidates), 9)
    assert any(c.terms["match_tgt"] > 0.3 for c in view.candidates)  # a rescore that counts


# --- 7. the reviewer's place: kept across views, in the address, over a reload -------------------------


def test_the_queue_opens_where_the_reviewer_was(server, page):
    url, root = server
    mini_corpus(root)
    order = _queue_order(root)
    _open_pairs(page, url)
    assert _current(page) == order[0]
    tb._focus_page(page)
    for _ in range(4):
        tb._press(page, "j")
    fifth = order[4]
    assert _current(page) == fifth and _place(page) == "pair 5 of 16"
    tb._click(page, "pair_none")  # work on it: no translation (the queue goes on to the 6th) ...
    page.get_by_text(f"{fifth}: no translation in the archive.").first.wait_for()
    assert _pairs(root).loc[fifth, "decided_by"] == "person"
    tb._click(page, "pair_prev")  # ... and back to the 5th
    assert _current(page) == fifth
    tb._wait_until(lambda: f"pair={fifth}" in page.url, 30, "the address to name the pair")
    _go(page, "Review")
    page.get_by_text("beads reviewed").first.wait_for(timeout=60_000)
    _go(page, "Document pairs")
    page.get_by_text("pairs decided by a person").first.wait_for()
    assert _current(page) == fifth and _place(page) == "pair 5 of 16"
    tb._wait_until(lambda: f"pair={fifth}" in page.url, 30, "the address to name the pair")
    # a reload (a new session) opens the pair of the address
    assert page.url.startswith(url + "pairs?")
    page.reload()
    page.get_by_text("pairs decided by a person").first.wait_for(timeout=120_000)
    tb._idle(page, 0)
    assert _current(page) == fifth and _place(page) == "pair 5 of 16"
