"""Tests for workbench.text.segment (sentence segmentation on top of sentencex)."""

from dataclasses import FrozenInstanceError

import pytest

from workbench.text.segment import (
    Sentence,
    sentence_separator,
    sentences_from_lines,
    split_paragraphs,
    split_sentences,
)


def texts(text: str, lang: str) -> list[str]:
    return [s.text for s in split_sentences(text, lang)]


# --- paragraphs, whitespace, ids ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\n", " \t\r\n\u2028 ", "\ufeff", "\ufeff  \n"])
def test_empty_or_whitespace_gives_nothing(text):
    assert split_paragraphs(text) == []
    assert split_sentences(text, "en") == []


def test_split_paragraphs_normalises_newlines_bom_and_spaces():
    text = "\ufeff  Title \r\n\r\nFirst\t\tline  here.\rSecond\u2028Third\u2029\n   \nLast  "
    assert split_paragraphs(text) == ["Title", "First line here.", "Second", "Third", "Last"]


def test_crlf_and_bom_do_not_leak_into_sentences():
    got = split_sentences("\ufeffTitle\r\nOne.  Two.\r\n", "en")
    assert got == [
        Sentence("p1.s1", "Title", 1),
        Sentence("p2.s1", "One.", 2),
        Sentence("p2.s2", "Two.", 2),
    ]


def test_title_is_own_sentence_and_lines_are_hard_boundaries():
    text = "Kim Jong Il Visits Factory\nthe workers cheered and\nthe plan was fulfilled. It was good."
    got = split_sentences(text, "en")
    assert [(s.id, s.text, s.paragraph) for s in got] == [
        ("p1.s1", "Kim Jong Il Visits Factory", 1),
        ("p2.s1", "the workers cheered and", 2),
        ("p3.s1", "the plan was fulfilled.", 3),
        ("p3.s2", "It was good.", 3),
    ]


def test_blank_lines_do_not_count_as_paragraphs():
    got = split_sentences("A title\n\n\nBody one. Body two.\n\nEnd.", "en")
    assert [s.id for s in got] == ["p1.s1", "p2.s1", "p2.s2", "p3.s1"]


def test_ids_are_stable_and_local_to_paragraph():
    base = "Title\nFirst para. Still first.\nSecond para.\nThird para. More third. Last third."
    edited = base.replace("Second para.", "Second para was rewritten. Now it has two.")
    a, b = split_sentences(base, "en"), split_sentences(base, "en")
    assert a == b
    c = split_sentences(edited, "en")
    assert [s for s in a if s.paragraph != 3] == [s for s in c if s.paragraph != 3]
    assert [s for s in a if s.paragraph == 4] == [
        Sentence("p4.s1", "Third para.", 4),
        Sentence("p4.s2", "More third.", 4),
        Sentence("p4.s3", "Last third.", 4),
    ]
    assert [s.id for s in c if s.paragraph == 3] == ["p3.s1", "p3.s2"]


def test_sentence_is_frozen_with_slots():
    s = Sentence("p1.s1", "x", 1)
    with pytest.raises(FrozenInstanceError):
        s.text = "y"  # type: ignore[misc]
    assert not hasattr(s, "__dict__")


# --- sentences_from_lines ----------------------------------------------------------------------


def test_sentences_from_lines_keeps_every_line():
    text = "\ufeffOne.  Two.\r\n\n  three  \r\n\r\nfive\n"
    got = sentences_from_lines(text)
    assert got == [
        Sentence("p1.s1", "One.  Two.", 1),
        Sentence("p2.s1", "", 2),
        Sentence("p3.s1", "three", 3),
        Sentence("p4.s1", "", 4),
        Sentence("p5.s1", "five", 5),
    ]


def test_sentences_from_lines_without_final_newline_and_empty():
    assert [s.text for s in sentences_from_lines("a\n\nb")] == ["a", "", "b"]
    assert [s.text for s in sentences_from_lines("\n")] == [""]
    assert sentences_from_lines("") == []


# --- English -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The U.S. imperialists staged another war drill.",
        "Mr. Kim met Rev. Moon and Gen. Park on Dec. 17 at the hall.",
        "The meeting opened on Jan. 1 in Pyongyang.",
        "No. 5 Factory overfulfilled its plan.",
        "The D.P.R.K. government and the DPRK people are one.",
        "The report was written by J. Smith and K. Lee.",
        "Dr. Who left the room.",
        "He waited... and then left.",
        "He paused … and went on.",
        "It was… unexpected.",
    ],
)
def test_english_no_false_splits(text):
    assert texts(text, "en") == [text]


def test_english_paragraph():
    text = (
        "Mr. Kim met Rev. J. Smith on Dec. 17 in the D.P.R.K. capital. "
        'The U.S. imperialists, he said, "will never win. Never." '
        "No. 5 Factory fulfilled its plan on Jan. 1... and then some. Dr. Who left."
    )
    assert texts(text, "en") == [
        "Mr. Kim met Rev. J. Smith on Dec. 17 in the D.P.R.K. capital.",
        'The U.S. imperialists, he said, "will never win. Never."',
        "No. 5 Factory fulfilled its plan on Jan. 1... and then some.",
        "Dr. Who left.",
    ]


def test_english_splits_real_boundaries():
    text = "The program will include Mts. Paektu and Chilbo. It is new! Is it? Yes."
    assert texts(text, "en") == [
        "The program will include Mts. Paektu and Chilbo.",
        "It is new!",
        "Is it?",
        "Yes.",
    ]


def test_english_quotes_and_brackets_are_not_split():
    text = "He said “Go. Now.” Then he left. (See above. Really.) The KPRA’s units didn’t stop."
    assert texts(text, "en") == [
        "He said “Go. Now.”",
        "Then he left.",
        "(See above. Really.) The KPRA’s units didn’t stop.",
    ]


def test_unbalanced_quote_does_not_swallow_paragraph():
    text = "He said “open quote. Next sentence. And (paren. Last."
    assert texts(text, "en") == ["He said “open quote.", "Next sentence.", "And (paren.", "Last."]


# --- Spanish -----------------------------------------------------------------------------------


def test_spanish_paragraph():
    text = (
        "Los EE.UU. y el Sr. Pérez llegaron el 17 de dic. a Pyongyang. ¿Qué buscan? ¡Nada bueno! Así lo dijo."
    )
    assert texts(text, "es") == [
        "Los EE.UU. y el Sr. Pérez llegaron el 17 de dic. a Pyongyang.",
        "¿Qué buscan?",
        "¡Nada bueno!",
        "Así lo dijo.",
    ]


def test_spanish_inner_question_dialogue_and_guillemets():
    text = "Le pregunté ¿vienes mañana? y dijo que sí. —¿Vienes? —preguntó. «Sí. Claro», dijo."
    assert texts(text, "es") == [
        "Le pregunté ¿vienes mañana? y dijo que sí.",
        "—¿Vienes? —preguntó.",
        "«Sí. Claro», dijo.",
    ]


# --- Korean ------------------------------------------------------------------------------------


def test_korean_quoted_title_is_one_sentence():
    text = "김정은동지께서 《로동신문》을 보시였다."
    assert texts(text, "ko") == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("그는 《좋다. 가자!》라고 말했다. 다음이다.", ["그는 《좋다. 가자!》라고 말했다.", "다음이다."]),
        (
            "그는 〈천리마. 시대〉는 좋다고 했다. 그렇습니까?",
            ["그는 〈천리마. 시대〉는 좋다고 했다.", "그렇습니까?"],
        ),
        (
            "그는 “조국을 위하여! 나아가자.”라고 말하였다. 끝.",
            ["그는 “조국을 위하여! 나아가자.”라고 말하였다.", "끝."],
        ),
        ("그는 “가자.” 그리고 갔다.", ["그는 “가자.”", "그리고 갔다."]),
        ("했다.그러나 그는 갔다.다음이다!그렇다.", ["했다.", "그러나 그는 갔다.", "다음이다!", "그렇다."]),
        ("정말인가? 그렇다! 좋다.", ["정말인가?", "그렇다!", "좋다."]),
    ],
)
def test_korean_cases(text, expected):
    assert texts(text, "ko") == expected


def test_korean_news_paragraph():
    text = (
        "조국해방을 위한 총공격\n"
        "《로동신문》은 9일 주체34(1945)년 8월 9일의 총공격명령에 대하여 론평하였다. "
        "론평은 “조국해방의 력사적위업은 위대한 수령님의 령도가 낳은 빛나는 결실이다.”라고 강조하였다. "
        "김정은동지께서는 〈조국을 위하여!〉라는 구호를 높이 드시였다.그러나 적들은 이를 외면하고있다. "
        "과연 그들이 무엇을 얻을수 있겠는가?"
    )
    assert [(s.id, s.text) for s in split_sentences(text, "ko")] == [
        ("p1.s1", "조국해방을 위한 총공격"),
        ("p2.s1", "《로동신문》은 9일 주체34(1945)년 8월 9일의 총공격명령에 대하여 론평하였다."),
        (
            "p2.s2",
            "론평은 “조국해방의 력사적위업은 위대한 수령님의 령도가 낳은 빛나는 결실이다.”라고 강조하였다.",
        ),
        ("p2.s3", "김정은동지께서는 〈조국을 위하여!〉라는 구호를 높이 드시였다."),
        ("p2.s4", "그러나 적들은 이를 외면하고있다."),
        ("p2.s5", "과연 그들이 무엇을 얻을수 있겠는가?"),
    ]


# --- Chinese -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "zh-Hans", "zh-TW", "zh_Hant"])
def test_chinese_paragraph(lang):
    text = (
        "朝鲜中央通讯社9日报道，《劳动新闻》发表评论。评论指出：“民族解放的历史伟业已经实现。”"
        "文章还说：「人民必胜！」各地举行了纪念活动。这是真的吗？是的；大家都很高兴。"
    )
    assert texts(text, lang) == [
        "朝鲜中央通讯社9日报道，《劳动新闻》发表评论。",
        "评论指出：“民族解放的历史伟业已经实现。”",
        "文章还说：「人民必胜！」",
        "各地举行了纪念活动。",
        "这是真的吗？",
        "是的；大家都很高兴。",
    ]


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_full_width_stop_before_latin_or_digits_ends_a_sentence(lang):
    # sentencex keeps "。arm" and "。2015" together; the Debian FAQ's Chinese has both
    text = "对 alpha 的支持被放弃。arm 也被放弃，因为它已被取代。2015 年 4 月发布。OK！x86 呢？"
    assert texts(text, lang) == [
        "对 alpha 的支持被放弃。",
        "arm 也被放弃，因为它已被取代。",
        "2015 年 4 月发布。",
        "OK！",
        "x86 呢？",
    ]
    assert texts("他说：“走吧。arm 好。”然后走了。", lang) == ["他说：“走吧。arm 好。”", "然后走了。"]


def test_chinese_terminal_inside_quotes_stays_inside():
    assert texts("《书。名》很好。『好。』对。", "zh") == ["《书。名》很好。", "『好。』对。"]


# --- Japanese ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "ja-JP"])
def test_japanese_quote_followed_by_particle(lang):
    assert texts("彼は「行く。」と言った。そして帰った。", lang) == [
        "彼は「行く。」と言った。",
        "そして帰った。",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("彼は『本。』を読んだ。次です！", ["彼は『本。』を読んだ。", "次です！"]),
        ("彼女は「本当？」って聞いた。はい。", ["彼女は「本当？」って聞いた。", "はい。"]),
        ("「行く。」「来る。」彼は言った。", ["「行く。」", "「来る。」", "彼は言った。"]),
    ],
)
def test_japanese_cases(text, expected):
    assert texts(text, "ja") == expected


def test_japanese_paragraph():
    text = (
        "労働新聞は９日、論評を掲載した。論評は「祖国解放の偉業は実現した。」と強調した。"
        "記者は『歴史は繰り返す。』という言葉を引用した（詳細は後述。）。本当だろうか？そうだ！"
    )
    assert texts(text, "ja") == [
        "労働新聞は９日、論評を掲載した。",
        "論評は「祖国解放の偉業は実現した。」と強調した。",
        "記者は『歴史は繰り返す。』という言葉を引用した（詳細は後述。）。",
        "本当だろうか？",
        "そうだ！",
    ]


# --- other languages ---------------------------------------------------------------------------


def test_german_low_high_quotes():
    text = "Er sagte: „Ich komme. Morgen.“ Dann ging er. »Ja. Gut.« Ende."
    assert texts(text, "de") == ["Er sagte: „Ich komme. Morgen.“", "Dann ging er.", "»Ja. Gut.«", "Ende."]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("is", "Hann fór. Hún kom.", ["Hann fór.", "Hún kom."]),
        ("pt-BR", "O Sr. Silva chegou. Ele foi.", ["O Sr. Silva chegou.", "Ele foi."]),
        ("EN_us", "Mr. Smith came. He left.", ["Mr. Smith came.", "He left."]),
    ],
)
def test_region_tags_and_small_languages(lang, text, expected):
    assert texts(text, lang) == expected


@pytest.mark.parametrize("lang", ["xx", "und", "", "tlh-Latn"])
def test_unknown_language_falls_back(lang):
    assert texts("Hello world. This is a test! Is it? 你好。再见！", lang) == [
        "Hello world.",
        "This is a test!",
        "Is it?",
        "你好。",
        "再见！",
    ]


@pytest.mark.parametrize(
    ("lang", "sep"), [("zh", ""), ("zh-Hant-TW", ""), ("ja", ""), ("ko", " "), ("en", " "), ("th", " ")]
)
def test_sentence_separator(lang, sep):
    assert sentence_separator(lang) == sep


# --- cases found in the KCNA archive (../shared/corpora/kcna-2011-2012) ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Ex-U.S. President Jimmy Carter criticized the Middle East policy.",
        "The DPRK-U.S. military talks were held in Bangkok from Oct. 18.",
        "The pro-U.S. politicians and conservative media attacked it.",
        "They shouted anti-U.S. slogans in front of the consulate.",
        "An all-people rally against the Korea-U.S. FTA took place.",
        "Vol. 3 consists of 4 chapters on the Songun exploits.",
        "The U. S. delegation arrived on Monday.",
    ],
)
def test_english_archive_cases_stay_whole(text):
    assert [s.text for s in split_sentences(text, "en")] == [text]


def test_paragraphs_of_bare_punctuation_give_no_sentences_and_keep_ids():
    # KCNA stories carry lines of a lone comma (scraping debris): no sentence, and the paragraphs after
    # them keep their numbers.
    text = "Kim Yong Nam will visit Tanzania.\n,\n\n* * *\nThe visit starts on Monday.\n-0-\n"
    assert [(s.id, s.text) for s in split_sentences(text, "en")] == [
        ("p1.s1", "Kim Yong Nam will visit Tanzania."),
        ("p4.s1", "The visit starts on Monday."),
        ("p5.s1", "-0-"),
    ]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("1. We will strictly preserve and implement the historic inter-Korean declarations.", "en"),
        ("(2) His bier will be placed at the Kumsusan Memorial Palace.", "en"),
        ("!Gloria eterna al amado camarada Kim Jong Il!", "es"),  # the archive lost the opening ¡
        ("3. ?Tiene la decision de arrepentirse de sus crimenes?", "es"),
        (", 1. We courteously propose having wide-ranging dialogue.", "en"),  # scraping debris
    ],
)
def test_a_list_number_or_a_lone_mark_starts_the_sentence_it_heads(text, lang):
    assert [s.text for s in split_sentences(text, lang)] == [text]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Criticó a los EE. UU. por sus maniobras. Habló de las conversaciones RPDC-EE.UU.\nTuvo lugar.",
            "es",
            [
                "Criticó a los EE. UU. por sus maniobras.",
                "Habló de las conversaciones RPDC-EE.UU.",
                "Tuvo lugar.",
            ],
        ),
        (
            "The points are these. 1. Peace. 2. Reunification.",
            "en",
            ["The points are these.", "1. Peace.", "2. Reunification."],
        ),
    ],
)
def test_archive_paragraphs_split_only_between_sentences(text, lang, expected):
    assert [s.text for s in split_sentences(text, lang)] == expected
