"""The archive pipeline's parts, without a model: reading archives, cleaning, evidence, blocking,
scoring, assignment and decisions, the corpus folder and its resumable parts."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from workbench.corpus import evidence, pairing, probability
from workbench.corpus.archive import ArchiveError, Columns, read_archive
from workbench.corpus.documents import ImportParams, clean_batch, mark_duplicates
from workbench.corpus.folder import CorpusError, CorpusFolder, StageWork, resolve, validate_name
from workbench.errors import WorkbenchError

MINI = Path(__file__).parent / "fixtures" / "kcna-mini" / "stories.parquet"


@pytest.fixture(scope="module")
def mini() -> pd.DataFrame:
    return pd.read_parquet(MINI)


# --- reading an archive ----------------------------------------------------------------------------


def test_read_archive_derives_the_2012_dates_from_the_index_page(mini):
    stories = read_archive(MINI)
    assert len(stories) == len(mini) == 98
    by_id = stories.set_index("id")
    assert by_id.loc["2011-13810", "date"] == date(2011, 1, 26)
    assert by_id.loc["2011-13810", "date_source"] == "column"
    assert by_id.loc["2012-09481", "date"] == date(2012, 10, 8)  # news08/20121008-..ss.html
    assert by_id.loc["2012-09481", "date_source"] == "derived"
    assert stories["date"].notna().all()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_jsonl_and_csv_archives_read_as_parquet_does(mini, tmp_path, fmt):
    path = tmp_path / f"stories.{fmt}"
    if fmt == "jsonl":
        mini.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        mini.to_csv(path, index=False)
    got = read_archive(path)
    want = read_archive(MINI)
    pd.testing.assert_frame_equal(
        got[["id", "label", "date", "title", "text"]], want[["id", "label", "date", "title", "text"]]
    )


def test_other_column_names_map_with_columns(mini, tmp_path):
    renamed = mini.rename(columns={"id": "uid", "story": "body", "language": "lang"})
    path = tmp_path / "a.parquet"
    renamed.to_parquet(path)
    with pytest.raises(ArchiveError, match="no column --id-col 'id'.*Its columns are: uid"):
        read_archive(path)
    got = read_archive(path, Columns(id="uid", text="body", language="lang"))
    assert got["id"].tolist() == mini["id"].tolist()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x00\x01\x02binary", "a.bin", "neither Parquet, JSONL nor CSV"),
        (b"PK\x03\x04 zip", "a.parquet", "not a Parquet file"),
        (b"hello", "a.txt", "cannot tell the format"),
        (b"", "a.csv", "cannot read|no stories"),
        (b"id,language,story\n", "a.csv", "no stories"),
        (b'{"id": 1, "language": "en"', "a.jsonl", "cannot read"),
    ],
)
def test_bad_archive_files_get_a_clear_message(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ArchiveError, match=message):
        read_archive(path, Columns(date=None, title=None, date_from=None))


def test_an_archive_error_is_a_user_error():
    assert issubclass(ArchiveError, WorkbenchError)


def test_duplicate_ids_are_named(mini, tmp_path):
    doubled = pd.concat([mini, mini.iloc[[3, 5]]])
    path = tmp_path / "a.parquet"
    doubled.to_parquet(path)
    with pytest.raises(ArchiveError, match=rf"2 id\(s\) occur more than once.*{mini.iloc[3]['id']}"):
        read_archive(path)


def test_unparseable_dates_name_the_rows(mini, tmp_path):
    broken = mini.copy()
    broken.loc[2, "date"] = "26/01/2011 or so"
    path = tmp_path / "a.parquet"
    broken.to_parquet(path)
    with pytest.raises(ArchiveError, match=rf"cannot be read as a date in 1 row\(s\): {broken.loc[2, 'id']}"):
        read_archive(path)


def test_a_date_pattern_needs_three_groups(tmp_path):
    with pytest.raises(ArchiveError, match="three groups"):
        read_archive(MINI, Columns(date_pattern=r"(\d{8})"))


def test_a_folder_or_a_missing_file_is_named(tmp_path):
    with pytest.raises(ArchiveError, match="is a folder"):
        read_archive(tmp_path)
    with pytest.raises(ArchiveError, match="no such file"):
        read_archive(tmp_path / "none.parquet")


# --- cleaning ---------------------------------------------------------------------------------------


def test_stories_labelled_english_that_are_spanish_are_relabelled():
    cleaned = clean_batch(read_archive(MINI)).set_index("doc_id")
    relabelled = cleaned[cleaned["language"] != cleaned["label"]]
    assert (
        len(relabelled) == 10 and set(relabelled["label"]) == {"en"} and set(relabelled["language"]) == {"es"}
    )
    assert all("relabelled" in f for f in relabelled["flags"])
    assert cleaned.loc["2011-13799", "language"] == "en"  # an English story keeps its label


def test_the_title_is_the_first_sentence_and_the_ids_are_the_workbench_ids():
    cleaned = clean_batch(read_archive(MINI)).set_index("doc_id")
    row = cleaned.loc["2012-09483"]
    assert row["sent_ids"][0] == "p1.s1" and row["sent_texts"][0] == row["title"]
    assert row["n_sentences"] == len(row["sent_ids"]) and all(i.startswith("p") for i in row["sent_ids"])


def test_empty_and_over_long_stories_are_flagged():
    stories = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "row": [0, 1, 2],
            "label": ["en"] * 3,
            "title": ["Title", "", "Long"],
            "text": ["", "  \n ,\n", "word " * 500],
            "date": [date(2011, 1, 1)] * 3,
            "date_source": ["column"] * 3,
        }
    )
    flags = dict(
        zip(stories["id"], clean_batch(stories, ImportParams(max_sentence_chars=1000))["flags"], strict=True)
    )
    assert "empty" in flags["a"] and "empty" in flags["b"]
    assert "long-sentence" in flags["c"] and "empty" not in flags["c"]


def test_exact_and_near_duplicates_are_flagged_within_a_language_and_day():
    docs = mark_duplicates(clean_batch(read_archive(MINI))).set_index("doc_id")
    assert docs.loc["2011-13829", "duplicate_of"] == "2011-13828"  # the same Spanish text twice
    assert pd.isna(docs.loc["2011-13828", "duplicate_of"])
    # the shorter of two versions of one story of the same day
    assert docs.loc["2011-11204", "near_duplicate_of"] == "2011-11218"
    assert (
        "near-duplicate" in docs.loc["2011-11204", "flags"] and "duplicate" in docs.loc["2011-13829", "flags"]
    )
    flagged = docs[docs["duplicate_of"].notna() | docs["near_duplicate_of"].notna()]
    assert sorted(flagged.index) == ["2011-11204", "2011-13829"]


# --- evidence ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        ("4,850 tons", "4 850 toneladas"),
        ("4,850 tons", "4 mil 850 toneladas"),
        ("8.4 million people", "8 millones 400 mil personas"),
        ("the 36th anniversary", "el 36o aniversario"),
        ("1.5 percent", "1,5 por ciento"),
        ("9.44 billion", "9 mil 440 millones"),
        ("December 15, 2011", "15 de diciembre de 2011"),
    ],
)
def test_numbers_written_either_way_are_the_same(english, spanish):
    assert evidence.numbers(english) == evidence.numbers(spanish) != set()


def test_words_of_the_target_language_are_no_names():
    en = [{"Kim", "Jong", "Il", "Hollande"}, {"Kim", "Yong", "Nam"}, {"Kim", "Republica"}] + [{"Kim"}] * 20
    es = [{"Kim", "Hollande", "Republica", "Corea"}] * 3 + [{"Republica", "Corea"}] * 20
    weights = evidence.name_weights(en, es)
    assert "Republica" not in weights and "Corea" not in weights  # Spanish words
    assert weights["Kim"] == 0.0  # in every English story: says nothing
    assert weights["Hollande"] == pytest.approx(np.log(23))
    target = {"Kim", "Hollande", "Republica"}
    assert evidence.name_overlap(target, {"Kim", "Hollande"}, weights) == pytest.approx(1.0)
    assert evidence.name_overlap(target, {"Kim"}, weights) < 0.1


# --- candidates, assignment and decisions -----------------------------------------------------------


def _docs(rows: list[tuple[str, str, date]], dim: int = 8, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(len(rows), dim))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return pd.DataFrame(
        {
            "doc_id": [r[0] for r in rows],
            "language": [r[1] for r in rows],
            "date": [r[2] for r in rows],
            "n_chars": [1000] * len(rows),
            "vector": list(vectors.astype(np.float32)),
            "numbers": [[] for _ in rows],
            "names": [[] for _ in rows],
            "near_duplicate_of": [None] * len(rows),
        }
    )


def test_blocks_hold_the_sources_of_the_date_window_only():
    rows = [(f"en-{d}", "en", date(2012, 1, d)) for d in range(1, 11)] + [("es-5", "es", date(2012, 1, 5))]
    docs = _docs(rows)
    blocks = list(pairing.blocks(docs, pairing.PairParams(before=3, after=1)))
    assert len(blocks) == 1
    day, targets, sources = blocks[0]
    assert day == date(2012, 1, 5) and targets["doc_id"].tolist() == ["es-5"]
    assert sources["doc_id"].tolist() == ["en-2", "en-3", "en-4", "en-5", "en-6"]


def test_an_empty_block_gives_no_candidates():
    docs = _docs([("es-1", "es", date(2012, 1, 1))])
    ((_, targets, sources),) = pairing.blocks(docs, pairing.PairParams())
    assert sources.empty
    assert pairing.score_block(targets, sources, pairing.PairParams(), {}).empty


def test_score_block_ranks_the_most_similar_source_first_and_breaks_ties_by_archive_order():
    docs = _docs(
        [("en-a", "en", date(2012, 1, 1)), ("en-b", "en", date(2012, 1, 1)), ("es", "es", date(2012, 1, 1))]
    )
    same = docs["vector"][0]
    docs.at[1, "vector"] = same  # two identical sources: a tie
    docs.at[2, "vector"] = same
    ((_, targets, sources),) = pairing.blocks(docs, pairing.PairParams())
    cands = pairing.score_block(targets, sources, pairing.PairParams(), {})
    assert cands["src_id"].tolist() == ["en-a", "en-b"] and cands["rank"].tolist() == [1, 2]
    assert cands["sim"].iloc[0] == pytest.approx(1.0)


def test_the_ratio_margin_lets_a_specific_source_beat_a_hub_that_resembles_every_target():
    # en-hub is close to all four targets; en-own is a little less close to es-1 but to nothing else
    base = np.eye(8, dtype=np.float32)
    hub = base[:4].sum(axis=0) / 2
    own = 0.45 * base[0] + 0.893 * base[5]
    rows = [("en-hub", "en", date(2012, 1, 1)), ("en-own", "en", date(2012, 1, 1))]
    rows += [(f"es-{i}", "es", date(2012, 1, 1)) for i in range(1, 5)]
    docs = _docs(rows)
    docs["vector"] = [hub, own / np.linalg.norm(own), *base[:4]]
    for neighbours, best in ((0, "en-hub"), (4, "en-own")):
        params = pairing.PairParams(neighbours=neighbours)
        cands = pairing.BlockScorer(params, {})(docs)
        top = cands[(cands["tgt_id"] == "es-1") & (cands["rank"] == 1)].iloc[0]
        assert top["src_id"] == best
        assert cands["sim"].max() == pytest.approx(0.5)  # the cosine itself is kept either way


def test_candidates_do_not_depend_on_how_the_dates_are_cut_into_batches():
    rng = np.random.default_rng(3)
    rows = [(f"en-{d}-{k}", "en", date(2012, 1, d)) for d in range(1, 21) for k in range(3)]
    rows += [
        (f"es-{d}-{k}", "es", date(2012, 1, d))
        for d in range(1, 21, 2)
        for k in range(int(rng.integers(1, 3)))
    ]
    docs = _docs(rows, seed=4)
    params = pairing.PairParams()
    scorer = pairing.BlockScorer(params, {})

    def candidates(days):
        found = [scorer(batch) for _, batch in pairing.block_batches(docs, params, days=days)]
        return pd.concat(found, ignore_index=True).sort_values(["tgt_id", "rank"]).reset_index(drop=True)

    whole = candidates(1000)
    assert whole["ratio"].ne(whole["sim"]).all()
    for days in (1, 3):
        pd.testing.assert_frame_equal(candidates(days), whole)


def _candidates(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """(tgt, src, final score) -> candidate rows whose final score is that (score and nothing rescored)."""
    out = pd.DataFrame(rows, columns=["tgt_id", "src_id", "score"])
    out["rank"] = out.groupby("tgt_id")["score"].rank(ascending=False, method="first").astype(int)
    out["names"] = 0.0
    out["ratio"], out["numbers"], out["length"], out["day_diff"] = out["score"], 0.0, 0.0, 0
    for col in pairing.RESCORED:
        out[col] = np.nan
    return out


def _targets(ids: list[str], why: dict | None = None) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": ids, "why": [(why or {}).get(i) for i in ids]})


PARAMS = pairing.PairParams()
# a pair probability that reads like the old cut-offs (a score near 1.0, a margin near 0.2): only the lead
# term (here the whole score) and the margin count
MODEL = probability.PairModel(
    coef=[10.0 * (f in ("lead", "margin")) for f in probability.FEATURES],
    intercept=-20.0,
    mean=[0.0] * len(probability.FEATURES),
    scale=[1.0] * len(probability.FEATURES),
    threshold=0.5,
    none_below=0.001,
)


def test_assignment_is_one_to_one_the_best_edge_first():
    # es-1 and es-2 both like en-a best; es-2 likes it more, so es-1 takes its second choice
    cands = _candidates(
        [("es-1", "en-a", 1.6), ("es-1", "en-b", 1.5), ("es-2", "en-a", 1.9), ("es-2", "en-c", 0.8)]
    )
    pairs = pairing.assign(_targets(["es-1", "es-2"]), cands, PARAMS, model=MODEL).set_index("tgt_id")
    assert pairs.loc["es-2", "src_id"] == "en-a" and pairs.loc["es-2", "decision"] == "auto"
    assert pairs.loc["es-1", "src_id"] == "en-b"
    assert pairs.loc["es-1", "decision"] == "doubtful"  # it lost its best candidate
    assert "went to es-2" in pairs.loc["es-1", "reason"]


def test_a_low_margin_is_doubtful_and_a_low_score_is_none():
    cands = _candidates(
        [("es-1", "en-a", 1.5), ("es-1", "en-b", 1.4), ("es-2", "en-c", 0.3), ("es-3", "en-d", 1.5)]
    )
    pairs = pairing.assign(_targets(["es-1", "es-2", "es-3", "es-4"]), cands, PARAMS, model=MODEL).set_index(
        "tgt_id"
    )
    assert pairs.loc["es-1", "decision"] == "doubtful" and "under 0.500" in pairs.loc["es-1", "reason"]
    assert pairs.loc["es-2", "decision"] == "none" and pd.isna(pairs.loc["es-2", "src_id"])
    assert pairs.loc["es-2", "best_candidate"] == "en-c"
    assert pairs.loc["es-3", "decision"] == "auto"  # no rival at all: a clear margin
    assert pairs.loc["es-4", "decision"] == "none" and "no en story dated" in pairs.loc["es-4", "reason"]


def test_a_near_duplicate_of_the_best_candidate_is_no_rival():
    # a flash report (en-flash) and the full story (en-full): both match, the full one better
    cands = _candidates([("es-1", "en-full", 1.6), ("es-1", "en-flash", 1.55)])
    plain = pairing.assign(_targets(["es-1"]), cands, PARAMS, model=MODEL).iloc[0]
    assert plain["decision"] == "doubtful"
    family = {"en-flash": "en-full"}
    pair = pairing.assign(_targets(["es-1"]), cands, PARAMS, family, model=MODEL).iloc[0]
    assert pair["src_id"] == "en-full" and pair["decision"] == "auto"


@pytest.mark.parametrize(
    ("title", "serial"),
    [
        ("Politica hostil de EE.UU. es escollo (II)", "politica hostil de ee uu es escollo"),
        ("Texto integro de rueda de prensa (3)", "texto integro de rueda de prensa"),
        ("Worthwhile Life [12]", "worthwhile life"),
        ("Kim Jong Un visita la unidad 1973", None),
        ("Celebran el Dia del Sol (foto)", None),
        ("(2)", None),
        (None, None),
    ],
)
def test_a_numbered_part_names_its_serial(title, serial):
    assert pairing.serial_of(title) == serial


def test_the_parts_of_a_serial_share_the_full_text_they_were_cut_from():
    # part (I) and part (II) both translate the same full English memorandum; es-x is another story
    cands = _candidates(
        [("es-1", "en-full", 1.6), ("es-1", "en-b", 0.4), ("es-2", "en-full", 1.9), ("es-x", "en-full", 1.7)]
    )
    targets = _targets(["es-1", "es-2", "es-x"])
    plain = pairing.assign(targets, cands, PARAMS, model=MODEL).set_index("tgt_id")
    assert plain.loc["es-2", "src_id"] == "en-full"
    assert plain.loc["es-1", "decision"] == "none" and plain.loc["es-x", "decision"] == "none"
    serial = {"es-1": "memorandum", "es-2": "memorandum"}
    pairs = pairing.assign(targets, cands, PARAMS, serial=serial, model=MODEL).set_index("tgt_id")
    assert (pairs.loc[["es-1", "es-2"], "src_id"] == "en-full").all()
    assert (pairs.loc[["es-1", "es-2"], "decision"] == "auto").all()
    assert pairs.loc["es-x", "decision"] == "none"  # not a part of the serial: still one-to-one
    off = pairing.assign(
        targets, cands, dataclasses.replace(PARAMS, serials=False), serial=serial, model=MODEL
    )
    assert off.set_index("tgt_id").loc["es-1", "decision"] == "none"


def test_a_target_that_cannot_be_paired_says_why():
    cands = _candidates([("es-1", "en-a", 1.6)])
    pairs = pairing.assign(
        _targets(["es-1", "es-dup"], {"es-dup": "an exact duplicate of es-1"}), cands, PARAMS, model=MODEL
    )
    row = pairs.set_index("tgt_id").loc["es-dup"]
    assert row["decision"] == "none" and row["reason"] == "an exact duplicate of es-1"


def test_a_persons_decisions_are_kept_as_they_are_and_their_sources_reserved():
    cands = _candidates(
        [("es-1", "en-a", 1.9), ("es-2", "en-a", 1.8), ("es-2", "en-b", 1.0), ("es-3", "en-c", 1.9)]
    )
    person = pd.DataFrame(
        [
            {"tgt_id": "es-2", "decision": "accepted", "src_id": "en-a"},  # the person gives en-a to es-2
            {"tgt_id": "es-3", "decision": "rejected", "src_id": "en-c"},
        ]
    )
    pairs = pairing.assign(
        _targets(["es-1", "es-2", "es-3"]), cands, PARAMS, person=person, model=MODEL
    ).set_index("tgt_id")
    assert pairs.loc["es-2", "src_id"] == "en-a" and pairs.loc["es-2", "decision"] == "accepted"
    assert pairs.loc["es-2", "decided_by"] == "person"
    assert pairs.loc["es-1", "src_id"] != "en-a"  # reserved for es-2
    # a rejected pair is listed as such, by the person, with the source rejected and the machine's numbers
    assert pairs.loc["es-3", ["decision", "decided_by", "src_id"]].tolist() == ["rejected", "person", "en-c"]
    assert pairs.loc["es-3", "score"] == pairs.loc["es-3", "score"]
    assert "rejected en-c" in pairs.loc["es-3", "reason"]
    # an acceptance keeps the machine's score, margin and probability of that pair
    assert pairs.loc["es-2", "score"] == pytest.approx(1.8)
    assert pairs.loc["es-2", "margin"] == pytest.approx(0.8)
    assert 0 <= pairs.loc["es-2", "probability"] <= 1
    # the story whose source a person took says so
    assert "its source en-a was taken by es-2 (a person's decision)" in pairs.loc["es-1", "reason"]


def test_a_reason_prints_the_digits_its_rule_needs():
    assert pairing.apart(0.195, 0.2) == ("0.195", "0.200")
    assert pairing.apart(0.19996, 0.2) == ("0.19996", "0.20000")
    assert pairing.apart(0.8996, 0.9) == ("0.8996", "0.9000")


# --- the corpus folder ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../x", "a/b", "/abs", "~user", "Bad Name", "a.", ""])
def test_a_corpus_name_that_looks_like_a_path_or_is_odd_is_refused(name):
    with pytest.raises(CorpusError):
        validate_name(name)


def test_resolve_takes_a_name_or_a_folder(tmp_path):
    assert resolve(tmp_path, "kcna") == tmp_path / "corpora" / "kcna"
    assert resolve(tmp_path, str(tmp_path / "elsewhere")) == (tmp_path / "elsewhere").resolve()


def test_a_missing_or_broken_corpus_says_what_to_do(tmp_path):
    with pytest.raises(CorpusError, match="no corpus in"):
        CorpusFolder.open(tmp_path / "nothing")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{not json")
    with pytest.raises(CorpusError, match="cannot be read"):
        CorpusFolder.open(tmp_path / "bad")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "file.txt").write_text("mine")
    with pytest.raises(CorpusError, match="holds other files"):
        CorpusFolder.create(tmp_path / "other", "other")


def test_stage_parts_survive_a_restart_and_other_parameters_discard_them(tmp_path):
    work = StageWork(tmp_path / "w", "print-1")
    work.add(pa.table({"x": [1, 2], "_key": ["a", "b"]}))
    again = StageWork(tmp_path / "w", "print-1")
    assert again.done() == {"a", "b"}
    assert again.read().column("x").to_pylist() == [1, 2]
    (tmp_path / "w" / "part-000099-abc.parquet").write_bytes(b"torn")  # a part that cannot be read is redone
    assert StageWork(tmp_path / "w", "print-1").done() == {"a", "b"}
    assert StageWork(tmp_path / "w", "print-2").done() == set()


def test_pair_languages_refused_where_another_model_knows_them_and_warned_where_none_does(caplog):
    from workbench.corpus.pipeline import check_languages

    with pytest.raises(CorpusError, match="use-m3 does not know 'is'.*--model e5-small"):
        check_languages(pairing.PairParams(src="en", tgt="is"))
    check_languages(pairing.PairParams(src="en", tgt="is", model="e5-small"))
    check_languages(pairing.PairParams(src="en", tgt="zh-TW"))  # use-m3 knows Chinese, in any script
    with caplog.at_level("WARNING"):
        check_languages(pairing.PairParams(src="en", tgt="qq", model="e5-small"))
    assert "e5-small was not trained on 'qq'" in caplog.text
