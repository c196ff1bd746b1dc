"""The one KEY=VALUE settings parser (``workbench.settings``): the aligner's ``--param``, the corpus's
``--set``."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from workbench.errors import WorkbenchError
from workbench.settings import SettingsError, apply_settings


@dataclass(frozen=True)
class Knobs:
    accept: float = 2.8
    top_k: int = 5
    serials: bool = True
    model: str = "use-m3"


def test_values_are_read_as_their_settings_types():
    got = apply_settings(Knobs(), ["accept=3", " top_k = 7 ", "serials=No", "model=e5-small", "top_k=8"])
    assert got == Knobs(accept=3.0, top_k=8, serials=False, model="e5-small")  # the last of a key wins
    assert type(got.accept) is float
    assert apply_settings(Knobs(), None) == apply_settings(Knobs(), []) == Knobs()
    assert apply_settings(Knobs(), ["model="]).model == ""


@pytest.mark.parametrize(
    ("item", "said"),
    [
        ("accept", "--set 'accept': a setting is KEY=VALUE; use KEY=VALUE with KEY one of accept, top_k"),
        ("=2", "a setting is KEY=VALUE"),
        ("acept=2", "--set 'acept=2': unknown setting 'acept'; use KEY=VALUE with KEY one of"),
        ("accept=high", "setting accept takes a float, not 'high'"),
        ("top_k=2.5", "setting top_k takes an int, not '2.5'"),
        ("serials=maybe", "setting serials takes a bool (true or false), not 'maybe'"),
        ("accept=nan", "setting accept = nan should be a finite number"),
        ("accept=-inf", "setting accept = -inf should be a finite number"),
        ("accept=1e999", "setting accept = inf should be a finite number"),
    ],
)
def test_a_bad_setting_is_refused_with_a_message(item, said):
    with pytest.raises(SettingsError) as caught:
        apply_settings(Knobs(), [item], option="--set")
    assert said in str(caught.value)
    assert isinstance(caught.value, WorkbenchError)


def test_the_caller_chooses_the_error():
    class KnobError(WorkbenchError):
        pass

    with pytest.raises(KnobError, match="--param 'accept=NaN'"):
        apply_settings(Knobs(), ["accept=NaN"], option="--param", error=KnobError)


def test_aligner_and_corpus_settings_use_it():
    from workbench.align.aligner import AlignError, AlignParams
    from workbench.corpus import CorpusError, parse_settings
    from workbench.corpus.pairing import PairParams

    with pytest.raises(AlignError, match="--param 'size_gain=1e999': setting size_gain = inf should be"):
        AlignParams().overridden(["size_gain=1e999"])
    with pytest.raises(CorpusError, match="--set 'accept=nan': setting accept = nan should be a finite"):
        parse_settings(PairParams(), ["accept=nan"])
    changed = parse_settings(PairParams(), ["accept=2.9", "serials=false"])
    assert changed == PairParams(accept=2.9, serials=False)
