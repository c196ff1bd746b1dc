"""Translation variants and the glossary, with real eflomal on a small synthetic parallel text whose answer
is known, and with hand-made word alignments whose renderings are known exactly; the TSV and TBX writers;
the symmetrisation and the cache."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import pytest
from tells_corpus import link, make_corpus

from workbench.corpus.folder import CorpusError
from workbench.corpus.variants import (
    TBX_NS,
    GlossaryEntry,
    WordAlignments,
    glossary,
    symmetrise,
    tokens,
    variants,
    word_alignments,
    write_glossary,
)

CITIES = ["Pyongyang", "Kaesong", "Wonsan", "Hamhung", "Nampho", "Sinuiju", "Chongjin", "Haeju"]
DAYS = [("Monday", "lunes"), ("Tuesday", "martes"), ("Friday", "viernes"), ("Sunday", "domingo")]
WHO = [
    ("The Supreme People's Assembly", "La Asamblea Popular Suprema"),
    ("The delegation", "La delegación"),
    ("The Korean People's Army", "El Ejército Popular de Corea"),
    ("The Cabinet", "El Consejo de Ministros"),
]
VERBS = [
    ("met in", "se reunió en"),
    ("opened a session in", "abrió una sesión en"),
    ("closed in", "clausuró en"),
]


def _parallel(n: int = 240) -> tuple[list[dict], dict[str, str]]:
    """Sentence pairs from templates; 'Supreme People's Assembly' is 'Asamblea Popular Suprema' in all
    but one, where it is 'Parlamento'."""
    rng = random.Random(7)
    links, dates, spa = [], {}, 0
    for k in range(n):
        (who_en, who_es), (verb_en, verb_es) = WHO[k % len(WHO)], rng.choice(VERBS)
        city, (day_en, day_es) = rng.choice(CITIES), rng.choice(DAYS)
        if who_en.startswith("The Supreme"):
            spa += 1
            if spa == 5:
                who_es = "El Parlamento"
        # a third of the Spanish sentences put the subject last, so that no word sits always beside it
        spanish_first = f"{verb_es.capitalize()} {city} el {day_es} {who_es[0].lower()}{who_es[1:]}"
        tgt_id = f"t{k // 4:03d}"
        dates[tgt_id] = f"2012-{1 + k // 40:02d}-{1 + k % 28:02d}"
        links.append(
            link(
                tgt_id,
                k % 4,
                [(f"p{k}", f"{who_en} {verb_en} {city} on {day_en}.")],
                [(f"p{k}", f"{who_es} {verb_es} {city} el {day_es}." if k % 3 else f"{spanish_first}.")],
                0.9,
            )
        )
    return links, dates


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    links, dates = _parallel()
    folder = make_corpus(tmp_path_factory.mktemp("variants") / "corpora" / "synthetic", links, dates)
    return folder, word_alignments(folder)


def test_tokens_keep_abbreviations_and_split_possessives():
    text = "The U.S. and EE.UU., the People's Army's co-operation."
    assert [text[a:b] for a, b in tokens(text)] == [
        "The",
        "U.S.",
        "and",
        "EE.UU.",
        ",",
        "the",
        "People",
        "'s",
        "Army",
        "'s",
        "co-operation",
        ".",
    ]


def test_symmetrise_grows_from_the_intersection():
    fwd = {(0, 0), (1, 1), (2, 3), (5, 6)}
    rev = {(0, 0), (1, 1), (1, 2), (3, 3), (5, 1)}
    # grown: (1, 2) next to (1, 1), then (2, 3) next to it, then (3, 3); final-and: (5, 6), whose words
    # are both unaligned, but not (5, 1), whose target word is aligned
    assert symmetrise(fwd, rev) == {(0, 0), (1, 1), (1, 2), (2, 3), (3, 3), (5, 6)}


# word by word: a source word is aligned to the first unused target word it may translate, or to nothing
LEXICON = {
    "the": {"la", "el"},
    "central": {"central"},
    "news": {"noticias"},
    "agency": {"agencia"},
    "released": {"publicó"},
    "said": {"dijo"},
    "a": {"un"},
    "report": {"informe"},
    "rodong": {"rodong"},
    "sinmun": {"sinmun"},
    "wrote": {"escribió"},
    "people's": {"popular"},
    "committee": {"comité", "comite", "junta"},
    "met": {"se", "reunió"},
    ".": {"."},
    ",": {","},
}
HAND = [
    # the term's name ends in two words the aligner leaves out ("Korean" is aligned to nothing)
    *[
        (
            "The Korean Central News Agency released a report.",
            "La Agencia Central de Noticias de Corea publicó un informe.",
        )
    ]
    * 4,
    ("The Korean Central News Agency said.", "La Agencia Central de Noticias dijo."),
    # a neighbour the Spanish adds in a minority of the occurrences is not part of the rendering
    *[("Rodong Sinmun wrote.", "Rodong Sinmun escribió.")] * 3,
    *[("Rodong Sinmun wrote.", "El diario Rodong Sinmun escribió.")] * 2,
    # renderings that differ only by accents (archives flatten them) are one
    *[("The People's Committee met.", "El Comité Popular se reunió.")] * 2,
    *[("The People's Committee met.", "El Comite Popular se reunió.")] * 2,
    *[("The People's Committee met.", "La Junta Popular se reunió.")] * 3,
]


def _hand_aligned(folder_path, hand=HAND, lexicon=LEXICON) -> tuple:
    links = [link(f"t{k:02d}", 0, [(f"e{k}", en)], [(f"s{k}", es)], 0.9) for k, (en, es) in enumerate(hand)]
    folder = make_corpus(folder_path, links)
    src_tokens = [tokens(en) for en, _ in hand]
    tgt_tokens = [tokens(es) for _, es in hand]
    src_words = [
        [en[a:b].casefold() for a, b in toks] for (en, _), toks in zip(hand, src_tokens, strict=True)
    ]
    pairs = []
    for (_, es), words, toks in zip(hand, src_words, tgt_tokens, strict=True):
        used, found = set(), []
        for i, word in enumerate(words):
            j = next(
                (
                    j
                    for j, (a, b) in enumerate(toks)
                    if j not in used and es[a:b].casefold() in lexicon.get(word, ())
                ),
                None,
            )
            if j is not None:
                used.add(j)
                found.append((i, j))
        pairs.append(found)
    wa = WordAlignments(
        [r["tgt_id"] for r in links],
        [r["src_id"] for r in links],
        [0] * len(links),
        [en for en, _ in hand],
        [es for _, es in hand],
        src_tokens,
        tgt_tokens,
        src_words,
        pairs,
    )
    return folder, wa


def test_variants_take_in_the_unaligned_words_of_a_name(tmp_path):
    folder, wa = _hand_aligned(tmp_path / "corpora" / "hand")
    kcna = variants(folder, "Korean Central News Agency", wa)
    assert [(v.rendering, v.count) for v in kcna.variants] == [
        ("Agencia Central de Noticias de Corea", 4),
        ("Agencia Central de Noticias", 1),  # nothing follows here: "dijo" renders another word
    ]
    example = kcna.variants[0].example
    assert (
        example.tgt_text[example.tgt_span[0] : example.tgt_span[1]] == "Agencia Central de Noticias de Corea"
    )
    rodong = variants(folder, "Rodong Sinmun", wa)
    assert [(v.rendering, v.count, v.share) for v in rodong.variants] == [("Rodong Sinmun", 5, 1.0)]
    committee = variants(folder, "people's committee", wa)
    assert [(v.rendering, v.count) for v in committee.variants] == [
        ("Comité Popular", 4),
        ("Junta Popular", 3),
    ]
    assert variants(folder, "people's committee", wa) == committee  # the same answer every time


def test_variants_take_in_the_head_noun_the_aligner_gave_a_neighbour(tmp_path):
    """The aligner links the head of the name, "Comité", to *chairman* beside it (as eflomal does in
    KCNA's "Chairman of the National Defence Commission"), so the aligned span stops short at "Defensa",
    which also renders *defence* alone; "Comité de" stands before it every time, and "Comité de Defensa"
    goes with the term more closely: the rendering takes it in, but not "presidente del" (4 of 6)."""
    hand = [
        *[("The chairman of the Defence Commission spoke.", "El presidente del Comité de Defensa habló.")]
        * 4,
        *[("The Defence Commission met.", "El Comité de Defensa se reunió.")] * 2,
        *[("They spoke of defence.", "Hablaron de la defensa.")] * 3,
        *[("The city grew.", "El crecimiento de la ciudad.")] * 12,  # "el" and "de" as common as articles
    ]
    lexicon = {"the": {"el"}, "defence": {"defensa"}, "chairman": {"comité"}, "spoke": {"habló", "hablaron"}}
    lexicon |= {"met": {"se", "reunió"}, ".": {"."}}
    folder, wa = _hand_aligned(tmp_path / "corpora" / "hand", hand, lexicon)
    found = variants(folder, "Defence Commission", wa)
    assert [(v.rendering, v.count) for v in found.variants] == [("Comité de Defensa", 6)]
    example = found.variants[0].example
    assert example.tgt_text[example.tgt_span[0] : example.tgt_span[1]] == "Comité de Defensa"


def test_variants_do_not_take_in_a_name_the_source_has_beside_the_term(tmp_path):
    """ "Dirigente" renders *general secretary*, and "Kim Jong Il" follows it every time, but the source has
    that name too, outside the term: the rendering does not take it in (it did, "Dirigente Kim Jong Il")."""
    hand = [
        *[("General Secretary Kim Jong Il visited.", "El Dirigente Kim Jong Il visitó.")] * 6,
        *[("The leader spoke.", "El Dirigente habló.")] * 6,
        *[("The city grew.", "El crecimiento de la ciudad.")] * 12,
    ]
    lexicon = {"general": {"dirigente"}, "secretary": {"dirigente"}, "leader": {"dirigente"}, "the": {"el"}}
    lexicon |= {"kim": {"kim"}, "jong": {"jong"}, "il": {"il"}, "visited": {"visitó"}, ".": {"."}}
    folder, wa = _hand_aligned(tmp_path / "corpora" / "hand", hand, lexicon)
    found = variants(folder, "General Secretary", wa)
    assert [(v.rendering, v.count) for v in found.variants] == [("Dirigente", 6)]


@pytest.mark.slow
def test_variants_of_a_term_with_a_known_answer(corpus):
    folder, wa = corpus
    result = variants(folder, "supreme people's assembly", wa)
    assert result.occurrences == 60
    top = result.variants[0]
    assert top.rendering == "Asamblea Popular Suprema"
    # eflomal samples: on so small a text a few occurrences take a neighbouring word along, never most
    assert top.count >= 40 and result.unaligned <= 2
    assert abs(sum(v.share for v in result.variants) - 1) < 1e-9
    dates = _parallel()[1]  # each story holds one sentence of the assembly
    assert min(dates.values()) <= top.first < top.last <= max(dates.values())
    assert any("Parlamento" in v.rendering for v in result.variants[1:])
    example = top.example
    assert example.src_text[example.src_span[0] : example.src_span[1]] == "Supreme People's Assembly"
    assert example.tgt_text[example.tgt_span[0] : example.tgt_span[1]] == "Asamblea Popular Suprema"
    army = variants(folder, "Korean People's Army", wa).variants[0]
    renderings = {v.rendering: v.share for v in variants(folder, "Korean People's Army", wa).variants}
    assert "Ejército" in army.rendering and renderings.get("Ejército Popular de Corea", 0) >= 0.3
    assert variants(folder, "Politburo", wa).occurrences == 0
    with pytest.raises(CorpusError, match="empty"):
        variants(folder, "  ", wa)


@pytest.mark.slow
def test_word_alignments_are_cached_until_the_links_change(corpus):
    folder, wa = corpus
    assert folder.table_path("wordalign").is_file()
    again = word_alignments(folder)
    assert again.seconds == 0.0 and again.pairs == wa.pairs
    links, dates = _parallel(40)
    make_corpus(folder.path.parent / "other", links, dates)
    (folder.path.parent / "other" / "wordalign.parquet").write_bytes(
        folder.table_path("wordalign").read_bytes()
    )
    fresh = word_alignments(type(folder).open(folder.path.parent / "other"))
    assert fresh.seconds > 0 and len(fresh) == 40  # another links table: learnt again


@pytest.mark.slow
def test_glossary_finds_the_institutions(corpus, tmp_path):
    folder, wa = corpus
    entries = {e.source: e for e in glossary(folder, min_count=10, wa=wa)}
    spa = entries["Supreme People's Assembly"]
    assert spa.target == "Asamblea Popular Suprema" and spa.count == 60 and spa.consistency >= 0.6
    assert entries["Korean People's Army"].target == "Ejército Popular de Corea"
    assert "Pyongyang" in entries  # a name, never in lower case
    assert "The" not in entries and "Monday" in entries
    out = tmp_path / "terms.tsv"
    assert write_glossary(list(entries.values()), out, "en", "es") == "tsv"
    lines = out.read_text("utf-8").splitlines()
    assert lines[0].split("\t") == ["en", "es", "count", "consistency", "renderings", "other_renderings"]
    assert any(line.startswith("Supreme People's Assembly\tAsamblea Popular Suprema\t60\t") for line in lines)


def test_tbx_is_well_formed_and_holds_every_term(tmp_path):
    entries = [
        GlossaryEntry(
            "Supreme People's Assembly", "Asamblea Popular Suprema", 60, 0.983, 2, (("Parlamento", 1),)
        ),
        GlossaryEntry('R&D <"lab">', "I+D & <laboratorio>", 3, 1.0, 1),
    ]
    out = tmp_path / "terms.tbx"
    assert write_glossary(entries, out, "en", "es", title="kcna") == "tbx"
    root = ET.parse(out).getroot()
    ns = {"t": TBX_NS}
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert root.tag == f"{{{TBX_NS}}}tbx" and root.get("type") == "TBX-Basic" and root.get(lang) == "en"
    concepts = root.findall("t:text/t:body/t:conceptEntry", ns)
    assert [c.get("id") for c in concepts] == ["c1", "c2"]
    terms = [
        {sec.get(lang): sec.find("t:termSec/t:term", ns).text for sec in c.findall("t:langSec", ns)}
        for c in concepts
    ]
    assert terms == [
        {"en": "Supreme People's Assembly", "es": "Asamblea Popular Suprema"},
        {"en": 'R&D <"lab">', "es": "I+D & <laboratorio>"},
    ]
    assert "count 60" in concepts[0].find("t:note", ns).text
    with pytest.raises(CorpusError, match="unknown glossary format"):
        write_glossary(entries, tmp_path / "terms.xlsx", "en", "es")
    with pytest.raises(CorpusError, match="does not exist"):
        write_glossary(entries, tmp_path / "missing" / "terms.tsv", "en", "es")
