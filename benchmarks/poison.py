"""Malformed and hostile messages for the fuzz run, one family per way a message can be bad.

Each `Poison` is a raw stream entry (its fields, not only a body) aimed at one input stream,
with the article id it carries when it carries one, so that its fate can be traced: a
receipt for that id, or a dead letter naming its entry id.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import orjson

from services.common.broker import DATA_FIELD

Target = Literal["inbox", "articles", "facts"]
_DATA = DATA_FIELD.encode()
MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Poison:
    family: str
    target: Target
    fields: dict[bytes, bytes]
    article_id: str | None
    """the id a worker will read from it, if it gets that far"""


def _words(rng: random.Random, n: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    return " ".join(
        "".join(rng.choice(alphabet) for _ in range(rng.randint(2, 9))) for _ in range(n)
    )


def _figures_text(rng: random.Random) -> str:
    """Words and figures in no particular language, the shape of a news sentence."""
    return f"{_words(rng, 4)} {rng.randint(2, 9000)} {_words(rng, 6)}. {_words(rng, 12)}."


def _soup(rng: random.Random, size: int) -> str:
    tags = ["div", "p", "span", "script", "table", "td", "a", "b", "style", "iframe"]
    out: list[str] = []
    length = 0
    while length < size:
        tag = rng.choice(tags)
        piece = rng.choice([
            f"<{tag} class='x{rng.randint(0, 99)}'>",
            f"</{tag}>",
            f"<{tag}/>",
            "<!-- " + _words(rng, 3),
            "&nbsp;&amp;&#x27;&#99999999;",
            _figures_text(rng),
            "<![CDATA[" + _words(rng, 2) + "]]>",
        ])
        out.append(piece)
        length += len(piece)
    return "".join(out)


def _article(aid: str, rng: random.Random, **over: object) -> dict[str, object]:
    body: dict[str, object] = {
        "id": aid, "url": f"https://fuzz.example/{aid}", "lang": rng.choice(["en", "fr", "es"]),
        "published": "2025-03-04", "title": _words(rng, 4), "text": _figures_text(rng),
    }
    body.update(over)
    return {k: v for k, v in body.items() if v is not _DROP}


_DROP = object()


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _facts(aid: str, rng: random.Random, **over: object) -> dict[str, object]:
    fact = {
        "type": "casualty", "category": "killed", "group": "protesters",
        "min": rng.randint(1, 50), "max": None, "qualifier": "exact",
        "quote": "q", "start": 0, "end": 1, "rule": "fuzz",
    }
    body: dict[str, object] = {
        "article_id": aid, "url": None, "lang": "en", "day": "2025-03-04", "country": "NG",
        "facts": [fact],
    }
    body.update(over)
    return {k: v for k, v in body.items() if v is not _DROP}


Maker = Callable[[str, random.Random], tuple[bytes, str | None]]


def _json(body: object) -> bytes:
    return orjson.dumps(body)


# Families common to every stream: bodies that are not the message at all.
def _common(base: Callable[..., dict[str, object]]) -> dict[str, Maker]:
    return {
        "invalid_json": lambda a, r: (_json(base(a, r))[: r.randint(1, 30)], None),
        "junk_text": lambda a, r: (_words(r, 5).encode(), None),
        "invalid_utf8": lambda a, r: (
            _json(base(a, r)).replace(b'"text":"', b'"text":"\xff\xfe\xc3(') + b"\x80", a),
        "not_an_object": lambda a, r: (r.choice([b"null", b"[]", b"42", b'"text"', b"true"]),
                                       None),
        "empty_body": lambda a, r: (b"", None),
        "deep_nesting": lambda a, r: (
            _json(base(a, r))[:-1] + b',"x":' + _nested(r.choice([100, 5000, 100_000])).encode()
            + b"}", a),
        "deep_body": lambda a, r: (_nested(r.choice([600, 50_000])).encode(), None),
        "wrong_types": lambda a, r: (_json(base(a, r, **{
            r.choice(list(base(a, r))): r.choice([123, [1, 2], {"a": 1}, True, 1e308])})), a),
        "huge_number_json": lambda a, r: (
            _json(base(a, r))[:-1] + b',"n":' + b"9" * r.choice([30, 5000]) + b"}", a),
        "lone_surrogate": lambda a, r: (
            _json(base(a, r)).replace(b'"text":"', b'"text":"\\ud800 \\udfff '), a),
    }


def _inbox() -> dict[str, Maker]:
    def sized(n: int) -> Maker:
        def make(a: str, r: random.Random) -> tuple[bytes, str | None]:
            line = _figures_text(r) + " "
            return _json(_article(a, r, text=(line * (n // len(line) + 1))[:n])), a

        return make

    return {
        **_common(_article),
        "empty_text": lambda a, r: (_json(_article(a, r, text=r.choice(["", " ", "\n\t "]))), a),
        "control_text": lambda a, r: (_json(_article(a, r, text="\x00\x01\x7f\u200b\ufeff")), a),
        "text_5mb": sized(5 * MB),
        "text_1mb": sized(1 * MB),
        "html_soup": lambda a, r: (_json(_article(a, r, text=_soup(r, r.choice([500, 50_000])))),
                                   a),
        "unsupported_lang": lambda a, r: (_json(_article(
            a, r, lang=r.choice(["de", "zz", "ar", "x-klingon", ""]),
            text=r.choice(["Крупные протесты 12 человек", "抗议活动中有 12 人死亡",
                           _figures_text(r)]))), a),
        "no_lang": lambda a, r: (_json(_article(a, r, lang=_DROP)), a),
        "huge_number_text": lambda a, r: (_json(_article(
            a, r, text=f"{'9' * r.choice([20, 400])} {_words(r, 3)} {'1' * 30},000.5")), a),
        "bad_date": lambda a, r: (_json(_article(a, r, published="yesterday")), a),
        "impossible_date": lambda a, r: (_json(_article(
            a, r, published=r.choice(["2025-13-45", "2025-02-30", "0000-00"]))), a),
        "long_id": lambda a, r: (_json(_article("L" * 500 + a, r)), None),
        "extra_fields": lambda a, r: (_json(_article(a, r, schema_version=99, more={"x": 1})), a),
        "missing_text": lambda a, r: (_json(_article(a, r, text=_DROP)), a),
    }


def _articles() -> dict[str, Maker]:
    def article(a: str, r: random.Random, **over: object) -> dict[str, object]:
        return _article(a, r, **{"ingested_at": 1.7e9, **over})

    return {
        **_common(article),
        "wrong_schema_version": lambda a, r: (_json(article(a, r, schema_version=2)), a),
        "extra_field": lambda a, r: (_json(article(a, r, surprise=1)), a),
        "text_5mb": lambda a, r: (_json(article(a, r, text="x " * (5 * MB // 2))), a),
        "html_soup": lambda a, r: (_json(article(a, r, text=_soup(r, 20_000))), a),
        "unsupported_lang": lambda a, r: (_json(article(a, r, lang="zz")), a),
        "bad_published": lambda a, r: (_json(article(
            a, r, published=r.choice(["soon", "2025-13-45", "2025-02-30", "99999-01-01"]))), a),
        "empty_text": lambda a, r: (_json(article(a, r, text="")), a),
        "nan_time": lambda a, r: (_json(article(a, r))[:-1] + b',"ingested_at":NaN}', a),
    }


def _facts_stream() -> dict[str, Maker]:
    def fact(r: random.Random, **over: object) -> dict[str, object]:
        base = _facts("", r)["facts"]
        assert isinstance(base, list)
        return {**base[0], **over}

    return {
        **_common(_facts),
        "wrong_schema_version": lambda a, r: (_json(_facts(a, r, schema_version=3)), a),
        "min_above_max": lambda a, r: (_json(_facts(a, r, facts=[fact(r, min=9, max=2)])), a),
        "negative": lambda a, r: (_json(_facts(a, r, facts=[fact(r, min=-4)])), a),
        "huge_figure": lambda a, r: (_json(_facts(a, r, facts=[fact(r, min=10**18)])), a),
        "bad_category": lambda a, r: (_json(_facts(a, r, facts=[fact(r, category="eaten")])),
                                      a),
        "bad_day": lambda a, r: (_json(_facts(a, r, day=r.choice(["2025-13-45", "soon"]))), a),
        "bad_published": lambda a, r: (_json(_facts(
            a, r, day=None, published=r.choice(["soon", "2025-13-45", "2025-02-30"]))), a),
        "bad_country": lambda a, r: (_json(_facts(a, r, country="Atlantis")), a),
        "many_facts": lambda a, r: (_json(_facts(a, r, facts=[fact(r)] * 5000)), a),
        "no_facts": lambda a, r: (_json(_facts(a, r, facts=[])), a),
        "infinite_time": lambda a, r: (
            _json(_facts(a, r))[:-1] + r.choice([b',"ingested_at":Infinity}',
                                                 b',"extracted_at":NaN}']), a),
    }


FAMILIES: dict[Target, dict[str, Maker]] = {
    "inbox": _inbox(), "articles": _articles(), "facts": _facts_stream(),
}
BIG = frozenset({"text_5mb", "text_1mb", "many_facts", "deep_nesting"})


def poisons(count: int, seed: int = 3, tag: str = "fz", big_share: float = 0.004,
            targets: tuple[Target, ...] = ("inbox", "articles", "facts")) -> Iterator[Poison]:
    """`count` malformed messages over the input streams in turn; heavy ones kept rare."""
    rng = random.Random(seed)
    for n in range(count):
        target = targets[n % len(targets)]
        family = rng.choice(sorted(FAMILIES[target]))
        while family in BIG and rng.random() > big_share * len(FAMILIES[target]):
            family = rng.choice(sorted(FAMILIES[target]))
        aid = f"{tag}-{n:06d}"
        body, article_id = FAMILIES[target][family](aid, rng)
        fields = {_DATA: body}
        if family == "empty_body" and rng.random() < 0.5:
            fields = {b"other": b"field"}  # an entry without the data field at all
        yield Poison(family, target, fields, article_id)
