"""The 21 regions (市州) of Sichuan in official order, seeded by the first migration.

Each row: code (pinyin), short name, full name, extra aliases. The short name, the full name,
the short name with 市/州, and the code are aliases too (see ``aliases_of``).
"""

from __future__ import annotations

REGIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("chengdu", "成都", "成都市", ("蓉城",)),
    ("zigong", "自贡", "自贡市", ("自貢",)),
    ("panzhihua", "攀枝花", "攀枝花市", ("攀市",)),
    ("luzhou", "泸州", "泸州市", ("瀘州",)),
    ("deyang", "德阳", "德阳市", ("德陽",)),
    ("mianyang", "绵阳", "绵阳市", ("綿陽",)),
    ("guangyuan", "广元", "广元市", ("廣元",)),
    ("suining", "遂宁", "遂宁市", ("遂寧",)),
    ("neijiang", "内江", "内江市", ("內江",)),
    ("leshan", "乐山", "乐山市", ("樂山",)),
    ("nanchong", "南充", "南充市", ()),
    ("meishan", "眉山", "眉山市", ()),
    ("yibin", "宜宾", "宜宾市", ("宜賓",)),
    ("guangan", "广安", "广安市", ("廣安",)),
    ("dazhou", "达州", "达州市", ("達州",)),
    ("yaan", "雅安", "雅安市", ()),
    ("bazhong", "巴中", "巴中市", ()),
    ("ziyang", "资阳", "资阳市", ("資陽",)),
    ("aba", "阿坝", "阿坝藏族羌族自治州", ("阿坝州", "阿壩", "阿壩州")),
    ("ganzi", "甘孜", "甘孜藏族自治州", ("甘孜州",)),
    ("liangshan", "凉山", "凉山彝族自治州", ("凉山州", "涼山", "涼山州")),
)


def aliases_of(code: str, name: str, full_name: str, extra: tuple[str, ...]) -> list[str]:
    """Every spelling that resolves to this region, without repeats."""
    suffixed = name + ("州" if full_name.endswith("州") else "市")
    candidates = [name, full_name, suffixed, code, *extra]
    return list(dict.fromkeys(candidates))
