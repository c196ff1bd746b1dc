"""The quick cases of the fault campaign of issue 28 (``benchmarks/fault_campaign.py``): corpus export of
odd story ids and text, regexes and pastes that must not hang, bead numbers that are no numbers."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from workbench.export.formats import Row, WriteReport, open_writer

ODD = "Odd \u200fmark <b>x</b> ]]> a\tb\x00c\x01d."


def _row(article: str, text: str) -> Row:
    return Row(
        article=article,
        source_lang="en",
        target_lang="es",
        source_version=f"{article}\x02",
        target_version="es\x1f",
        source_ids=["s1"],
        target_ids=["t1"],
        source_text=text,
        target_text=text,
        score=0.5,
        status="auto",
        kind="human",
        origin="corpus \x0b",
        official=False,
        source_sha="x",
        source_kind="source",
        source_origin="o",
        position=0,
        modified="2011-01-01T00:00:00Z",
        extra={"pair_decision": "auto\x03"},
    )


def test_a_control_character_in_a_story_id_makes_well_formed_tmx():
    out, report = io.BytesIO(), WriteReport("tmx")
    writer = open_writer("tmx", out, report)
    writer.write_article([_row("mini/2012-09445\x01<]]>\u200f", ODD)])
    writer.close()
    root = ET.fromstring(out.getvalue())  # ill-formed XML raises here
    tu = root.find("body/tu")
    assert tu.get("tuid") == "mini/2012-09445\ufffd<]]>\u200f:s1"
    assert [s.text for s in root.iter("seg")] == [ODD.replace("\x00", "\ufffd").replace("\x01", "\ufffd")] * 2
    assert report.replaced_chars > 0
