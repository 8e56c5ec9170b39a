"""The shipped likert and bipolar instruments (BFI-44, SD3, OEJTS 1.2, IPIP-50 and its two parallel forms, the
paraphrase ``ipip50-paraphrase`` and the German ``ipip50-de``): contents, keys, and hand-worked scores.

Every expected number below is worked out by hand in the comment beside it, from the published key, so a
wrong key in a YAML file or a scoring change shows up as a failing number rather than passing silently.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from psychometrics.inventory import BipolarItem, LikertItem, list_inventories, load_inventory
from psychometrics.inventory._score import score_scales, type_codes

SHIPPED = {"bfi44": 44, "sd3": 27, "oejts": 32, "ipip50": 50, "ipip50-paraphrase": 50, "ipip50-de": 50}
# IPIP-50 and its parallel forms: every test of the IPIP key and scoring runs on all three.
IPIP50_FORMS = ["ipip50", "ipip50-paraphrase", "ipip50-de"]

# Published reverse-keyed (for OEJTS: subtracted) items, written out literally.
BFI44_REVERSE = {"2", "6", "8", "9", "12", "18", "21", "23", "24", "27", "31", "34", "35", "37", "41", "43"}
SD3_REVERSE = {"11", "15", "17", "20", "25"}
OEJTS_SUBTRACTED = {
    "IE": {"3", "7", "11", "19", "31"},
    "SN": {"24", "28"},
    "FT": {"2", "14", "18", "26", "30"},
    "JP": {"9", "17", "25"},
}
OEJTS_ADDED = {
    "IE": {"15", "23", "27"},
    "SN": {"4", "8", "12", "16", "20", "32"},
    "FT": {"6", "10", "22"},
    "JP": {"1", "5", "13", "21", "29"},
}
OEJTS_CONSTANTS = {"IE": 30, "SN": 12, "FT": 30, "JP": 18}
# IPIP-50: IPIP's own "-" keys for factors I, II, III, V; factor IV is keyed toward neuroticism here, so only
# its two "+"-keyed Emotional Stability items (9, 19) are reversed.
IPIP50_REVERSE = {
    "6", "16", "26", "36", "46",  # extraversion
    "2", "12", "22", "32",  # agreeableness
    "8", "18", "28", "38",  # conscientiousness
    "9", "19",  # neuroticism (= IPIP Emotional Stability + keyed)
    "10", "20", "30",  # intellect/imagination
}

BFI44_SCALES = {
    "extraversion": {"1", "6", "11", "16", "21", "26", "31", "36"},
    "agreeableness": {"2", "7", "12", "17", "22", "27", "32", "37", "42"},
    "conscientiousness": {"3", "8", "13", "18", "23", "28", "33", "38", "43"},
    "neuroticism": {"4", "9", "14", "19", "24", "29", "34", "39"},
    "openness": {"5", "10", "15", "20", "25", "30", "35", "40", "41", "44"},
}
SD3_SCALES = {
    "machiavellianism": {str(i) for i in range(1, 10)},
    "narcissism": {str(i) for i in range(10, 19)},
    "psychopathy": {str(i) for i in range(19, 28)},
}
# IPIP-50 cycles the factors: item i belongs to factor ((i - 1) % 5) + 1.
IPIP50_SCALES = {
    name: {str(i) for i in range(1, 51) if (i - 1) % 5 == k}
    for k, name in enumerate(["extraversion", "agreeableness", "conscientiousness", "neuroticism", "openness"])
}


def answers(values: dict[str, float], respondent: str = "r1") -> pd.DataFrame:
    """Long-format answers for one respondent."""
    return pd.DataFrame({"respondent": respondent, "item": list(values), "value": list(values.values())})


def all_items(inv_id: str, value) -> dict[str, float]:
    """Every item of ``inv_id`` answered by ``value(i)`` (a function of the item number) or a constant."""
    inv = load_inventory(inv_id)
    f = value if callable(value) else (lambda i: value)
    return {it.id: f(int(it.id)) for it in inv.items}


def scores_of(inv_id: str, values: dict[str, float]) -> pd.DataFrame:
    return score_scales(load_inventory(inv_id), answers(values)).set_index("scale")


# ---------------------------------------------------------------------------------------------------------------
# Loading and contents
# ---------------------------------------------------------------------------------------------------------------


def test_all_are_listed_and_load() -> None:
    listed = {inv.id: inv for inv in list_inventories()}
    for inv_id, n_items in SHIPPED.items():
        assert inv_id in listed
        inv = load_inventory(inv_id)
        assert inv.version == 1
        assert len(inv.items) == n_items
        # item ids are the item numbers, in the published order
        assert [it.id for it in inv.items] == [str(i) for i in range(1, n_items + 1)]
        assert [o.value for o in inv.response_options] == [1, 2, 3, 4, 5]
        assert inv.citation and inv.license and inv.instructions


@pytest.mark.parametrize(
    ("inv_id", "sizes"),
    [
        ("bfi44", {"extraversion": 8, "agreeableness": 9, "conscientiousness": 9, "neuroticism": 8, "openness": 10}),
        ("sd3", {"machiavellianism": 9, "narcissism": 9, "psychopathy": 9}),
        ("oejts", {"IE": 8, "SN": 8, "FT": 8, "JP": 8}),
        *[(form, {"extraversion": 10, "agreeableness": 10, "conscientiousness": 10, "neuroticism": 10,
                  "openness": 10}) for form in IPIP50_FORMS],
    ],
)
def test_scale_sizes_as_published(inv_id: str, sizes: dict[str, int]) -> None:
    inv = load_inventory(inv_id)
    assert [s.id for s in inv.scales] == list(sizes)
    assert {s.id: len(inv.items_of(s.id)) for s in inv.scales} == sizes


@pytest.mark.parametrize(
    ("inv_id", "membership"),
    [("bfi44", BFI44_SCALES), ("sd3", SD3_SCALES), *[(form, IPIP50_SCALES) for form in IPIP50_FORMS]],
)
def test_scale_membership_as_published(inv_id: str, membership: dict[str, set[str]]) -> None:
    inv = load_inventory(inv_id)
    assert {s.id: {it.id for it in inv.items_of(s.id)} for s in inv.scales} == membership


@pytest.mark.parametrize(
    ("inv_id", "reverse"),
    [("bfi44", BFI44_REVERSE), ("sd3", SD3_REVERSE), *[(form, IPIP50_REVERSE) for form in IPIP50_FORMS]],
)
def test_reverse_keys_as_published(inv_id: str, reverse: set[str]) -> None:
    inv = load_inventory(inv_id)
    assert {it.id for it in inv.items if it.reverse} == reverse


def test_oejts_signs_and_constants_as_published() -> None:
    inv = load_inventory("oejts")
    assert inv.kind == "bipolar" and inv.scoring == "signed_sum"
    assert all(isinstance(it, BipolarItem) for it in inv.items)
    for s in inv.scales:
        items = inv.items_of(s.id)
        assert {it.id for it in items if it.reverse} == OEJTS_SUBTRACTED[s.id]
        assert {it.id for it in items if not it.reverse} == OEJTS_ADDED[s.id]
        assert s.constant == OEJTS_CONSTANTS[s.id]
        assert s.letters is not None and s.letters.cutoff == 24
    letters = {s.id: (s.letters.low, s.letters.high) for s in inv.scales}
    assert letters == {"IE": ("I", "E"), "SN": ("S", "N"), "FT": ("F", "T"), "JP": ("J", "P")}


def test_oejts_pole_texts_spot_checks() -> None:
    inv = load_inventory("oejts")
    assert (inv.item("1").left, inv.item("1").right) == ("makes lists", "relies on memory")
    assert (inv.item("9").left, inv.item("9").right) == ("chaotic", "organized")
    assert (inv.item("14").left, inv.item("14").right) == ("wants people's respect", "wants their love")
    assert inv.item("18").right == "wants to be good at fixing people"
    assert inv.item("32").left == 'likes to know "who?", "what?", "when?"'


def test_oejts_is_only_called_mbti_style() -> None:
    inv = load_inventory("oejts")
    assert "MBTI-style" in inv.name
    for text in (inv.name, inv.citation, inv.license, inv.instructions):
        assert text.replace("MBTI-style", "").find("MBTI") == -1
    big_five = {"openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"}
    assert not {s.trait for s in inv.scales} & big_five


def test_traits_pair_across_instruments() -> None:
    big_five = ["extraversion", "agreeableness", "conscientiousness", "neuroticism", "openness"]
    for inv_id in ("bfi44", *IPIP50_FORMS):
        inv = load_inventory(inv_id)
        assert [s.trait for s in inv.scales] == big_five
        assert [s.id for s in inv.scales] == big_five
    assert [s.trait for s in load_inventory("sd3").scales] == ["machiavellianism", "narcissism", "psychopathy"]
    for form in IPIP50_FORMS:
        ipip = load_inventory(form)
        assert "NEUROTICISM" in (ipip.scale("neuroticism").description or "")
        assert ipip.scale("openness").name == "Intellect/Imagination (Openness)"


def test_item_wording_conventions() -> None:
    bfi = load_inventory("bfi44")
    assert bfi.stem == "I see myself as someone who..."
    assert bfi.item("1").text == "is talkative"
    for it in bfi.items:
        assert isinstance(it, LikertItem)
        assert it.text[0].islower() and not it.text.endswith(".")
    ipip = load_inventory("ipip50")
    assert ipip.stem is None
    assert ipip.item("1").text == "Am the life of the party."
    assert ipip.item("4").text == "Get stressed out easily."
    assert ipip.item("5").text == "Have a rich vocabulary."
    paraphrase, german = load_inventory("ipip50-paraphrase"), load_inventory("ipip50-de")
    assert paraphrase.stem is None and german.stem is None
    assert paraphrase.item("1").text == "Bring energy and fun to every get-together."
    assert paraphrase.item("19").text == "Rarely get sad or gloomy."
    assert german.item("1").text == "Ich bin die Stimmungskanone auf jeder Party."
    assert german.item("19").text == "Ich bin selten niedergeschlagen."
    assert [o.label for o in german.response_options][::4] == ["Sehr unzutreffend", "Sehr zutreffend"]
    sd3 = load_inventory("sd3")
    assert sd3.item("7").text == "There are things you should hide from other people to preserve your reputation."
    assert sd3.item("8").text == "Make sure your plans benefit yourself, not others."


# ---------------------------------------------------------------------------------------------------------------
# BFI-44: hand-worked scores (mean of keyed items; reverse = 6 - x)
# ---------------------------------------------------------------------------------------------------------------


def test_bfi44_all_fives() -> None:
    s = scores_of("bfi44", all_items("bfi44", 5))
    # E: 1,11,16,26,36 -> 5 each; 6R,21R,31R -> 6-5 = 1 each: (5*5 + 3*1) / 8 = 28/8 = 3.5
    assert s.loc["extraversion", "score"] == pytest.approx(3.5)
    # A: 7,17,22,32,42 -> 5; 2R,12R,27R,37R -> 1: (25 + 4) / 9 = 29/9
    assert s.loc["agreeableness", "score"] == pytest.approx(29 / 9)
    # C: 3,13,28,33,38 -> 5; 8R,18R,23R,43R -> 1: 29/9
    assert s.loc["conscientiousness", "score"] == pytest.approx(29 / 9)
    # N: 4,14,19,29,39 -> 5; 9R,24R,34R -> 1: 28/8 = 3.5
    assert s.loc["neuroticism", "score"] == pytest.approx(3.5)
    # O: 8 forward items -> 5; 35R,41R -> 1: (40 + 2) / 10 = 4.2
    assert s.loc["openness", "score"] == pytest.approx(4.2)
    assert (s["n_answered"] == s["n_items"]).all()


def test_bfi44_patterned_vector() -> None:
    # item i answered 1 + (i mod 5): items 1,6,11,... -> 2; 2,7,... -> 3; 3,8,... -> 4; 4,9,... -> 5; 5,10,... -> 1
    s = scores_of("bfi44", all_items("bfi44", lambda i: 1 + i % 5))
    # E (all i = 1 mod 5, answered 2): forward 1,11,16,26,36 -> 2; 6R,21R,31R -> 6-2 = 4: (10 + 12) / 8 = 2.75
    assert s.loc["extraversion", "score"] == pytest.approx(2.75)
    # A (i = 2 mod 5, answered 3): forward 3, reverse 6-3 = 3: 27/9 = 3.0
    assert s.loc["agreeableness", "score"] == pytest.approx(3.0)
    # C (i = 3 mod 5, answered 4): forward 3,13,28,33,38 -> 4; 8R,18R,23R,43R -> 2: (20 + 8) / 9 = 28/9
    assert s.loc["conscientiousness", "score"] == pytest.approx(28 / 9)
    # N (i = 4 mod 5, answered 5): forward 4,14,19,29,39 -> 5; 9R,24R,34R -> 1: (25 + 3) / 8 = 3.5
    assert s.loc["neuroticism", "score"] == pytest.approx(3.5)
    # O breaks the cycle at 41 and 44: 5,10,15,20,25,30,40 answered 1 -> 7; 35R answered 1 -> 5;
    #   41R answered 1 + 41%5 = 2 -> 4; 44 answered 1 + 44%5 = 5 -> 5: (7 + 5 + 4 + 5) / 10 = 2.1
    assert s.loc["openness", "score"] == pytest.approx(2.1)


def test_bfi44_missing_answers() -> None:
    # Only three extraversion items answered, one more given as NaN: 1 -> 4; 6R answered 2 -> 4; 11 -> 5
    values = {"1": 4, "6": 2, "11": 5, "16": np.nan}
    s = scores_of("bfi44", values)
    # E = (4 + 4 + 5) / 3 = 13/3 over 3 of 8 items
    assert s.loc["extraversion", "score"] == pytest.approx(13 / 3)
    assert s.loc["extraversion", "n_answered"] == 3
    assert s.loc["extraversion", "n_items"] == 8
    for scale in ("agreeableness", "conscientiousness", "neuroticism", "openness"):
        assert math.isnan(s.loc[scale, "score"])
        assert s.loc[scale, "n_answered"] == 0


# ---------------------------------------------------------------------------------------------------------------
# SD3: hand-worked scores (mean; reverse = 6 - x)
# ---------------------------------------------------------------------------------------------------------------


def test_sd3_all_ones() -> None:
    s = scores_of("sd3", all_items("sd3", 1))
    # Mach: no reverse items: 9/9 = 1.0
    assert s.loc["machiavellianism", "score"] == pytest.approx(1.0)
    # Narc: 6 forward -> 1; 11R,15R,17R -> 5: (6 + 15) / 9 = 21/9
    assert s.loc["narcissism", "score"] == pytest.approx(21 / 9)
    # Psych: 7 forward -> 1; 20R,25R -> 5: (7 + 10) / 9 = 17/9
    assert s.loc["psychopathy", "score"] == pytest.approx(17 / 9)


def test_sd3_patterned_vector() -> None:
    # item i answered ((i - 1) mod 5) + 1: 1..9 -> 1,2,3,4,5,1,2,3,4; 10..18 -> 5,1,2,3,4,5,1,2,3;
    # 19..27 -> 4,5,1,2,3,4,5,1,2
    s = scores_of("sd3", all_items("sd3", lambda i: (i - 1) % 5 + 1))
    # Mach: 1+2+3+4+5+1+2+3+4 = 25 -> 25/9
    assert s.loc["machiavellianism", "score"] == pytest.approx(25 / 9)
    # Narc: 10:5, 11R:1->5, 12:2, 13:3, 14:4, 15R:5->1, 16:1, 17R:2->4, 18:3 = 28 -> 28/9
    assert s.loc["narcissism", "score"] == pytest.approx(28 / 9)
    # Psych: 19:4, 20R:5->1, 21:1, 22:2, 23:3, 24:4, 25R:5->1, 26:1, 27:2 = 19 -> 19/9
    assert s.loc["psychopathy", "score"] == pytest.approx(19 / 9)


def test_sd3_missing_answers() -> None:
    # Only narcissism items 11 (answered 2, reversed -> 4) and 12 (answered 5): (4 + 5) / 2 = 4.5
    s = scores_of("sd3", {"11": 2, "12": 5})
    assert s.loc["narcissism", "score"] == pytest.approx(4.5)
    assert s.loc["narcissism", "n_answered"] == 2
    assert s.loc["narcissism", "n_items"] == 9
    assert math.isnan(s.loc["machiavellianism", "score"])
    assert math.isnan(s.loc["psychopathy", "score"])


# ---------------------------------------------------------------------------------------------------------------
# OEJTS 1.2: the four published formulas and the type letters
#   IE = 30 - Q3 - Q7 - Q11 + Q15 - Q19 + Q23 + Q27 - Q31
#   SN = 12 + Q4 + Q8 + Q12 + Q16 + Q20 - Q24 - Q28 + Q32
#   FT = 30 - Q2 + Q6 + Q10 - Q14 - Q18 + Q22 - Q26 - Q30
#   JP = 18 + Q1 + Q5 - Q9 + Q13 - Q17 + Q21 - Q25 + Q29
#   > 24 -> E / N / T / P, otherwise I / S / F / J
# ---------------------------------------------------------------------------------------------------------------


def oejts_scores(values: dict[str, float]) -> tuple[dict[str, float], dict[str, object], object]:
    inv = load_inventory("oejts")
    out = score_scales(inv, answers(values))
    code = type_codes(inv, out).loc["r1"]
    s = out.set_index("scale")
    return s["score"].to_dict(), s["letter"].to_dict(), code


def test_oejts_all_threes_is_the_boundary_24() -> None:
    score, letter, code = oejts_scores(all_items("oejts", 3))
    # IE = 30 + 3*(15+23+27 count 3) - 3*(5 subtracted) = 30 + 9 - 15 = 24; likewise
    # SN = 12 + 6*3 - 2*3 = 24; FT = 30 + 3*3 - 5*3 = 24; JP = 18 + 5*3 - 3*3 = 24
    assert score == {"IE": 24, "SN": 24, "FT": 24, "JP": 24}
    # exactly 24 is not above the cutoff -> the low letters
    assert letter == {"IE": "I", "SN": "S", "FT": "F", "JP": "J"}
    assert code == "ISFJ"


def test_oejts_all_ones_and_all_fives() -> None:
    score, _, code = oejts_scores(all_items("oejts", 1))
    # IE = 30 - 5*1 + 3*1 = 28 (E); SN = 12 + 6 - 2 = 16 (S); FT = 30 + 3 - 5 = 28 (T); JP = 18 + 5 - 3 = 20 (J)
    assert score == {"IE": 28, "SN": 16, "FT": 28, "JP": 20}
    assert code == "ESTJ"
    score, _, code = oejts_scores(all_items("oejts", 5))
    # IE = 30 - 25 + 15 = 20 (I); SN = 12 + 30 - 10 = 32 (N); FT = 30 + 15 - 25 = 20 (F); JP = 18 + 25 - 15 = 28 (P)
    assert score == {"IE": 20, "SN": 32, "FT": 20, "JP": 28}
    assert code == "INFP"


def test_oejts_boundary_25_gives_the_high_letter() -> None:
    values = all_items("oejts", 3)
    values.update({"15": 4, "4": 4, "6": 4, "9": 2})
    score, letter, code = oejts_scores(values)
    # IE = 24 + (Q15 4 - 3) = 25; SN = 24 + (Q4 4 - 3) = 25; FT = 24 + (Q6 4 - 3) = 25;
    # JP = 24 - (Q9 2 - 3) = 25 (Q9 is subtracted; with "+ Q9" it would be 23 and J)
    assert score == {"IE": 25, "SN": 25, "FT": 25, "JP": 25}
    assert letter == {"IE": "E", "SN": "N", "FT": "T", "JP": "P"}
    assert code == "ENTP"


def test_oejts_mixed_vector_and_a_nontrivial_24() -> None:
    # Q_i = ((i - 1) mod 5) + 1: Q1..Q32 = 1,2,3,4,5, 1,2,3,4,5, ... , 1,2
    score, _, code = oejts_scores(all_items("oejts", lambda i: (i - 1) % 5 + 1))
    # IE = 30 - Q3(3) - Q7(2) - Q11(1) + Q15(5) - Q19(4) + Q23(3) + Q27(2) - Q31(1) = 29 -> E
    # SN = 12 + Q4(4) + Q8(3) + Q12(2) + Q16(1) + Q20(5) - Q24(4) - Q28(3) + Q32(2) = 22 -> S
    # FT = 30 - Q2(2) + Q6(1) + Q10(5) - Q14(4) - Q18(3) + Q22(2) - Q26(1) - Q30(5) = 23 -> F
    # JP = 18 + Q1(1) + Q5(5) - Q9(4) + Q13(3) - Q17(2) + Q21(1) - Q25(5) + Q29(4) = 21 -> J
    assert score == {"IE": 29, "SN": 22, "FT": 23, "JP": 21}
    assert code == "ESFJ"
    values = all_items("oejts", 3)
    values.update({"3": 4, "15": 4})
    score, letter, _ = oejts_scores(values)
    # IE = 30 - 4 - 3 - 3 + 4 - 3 + 3 + 3 - 3 = 24 -> I (one step each way cancels)
    assert score["IE"] == 24 and letter["IE"] == "I"


def test_oejts_missing_item_gives_nan() -> None:
    inv = load_inventory("oejts")
    values = all_items("oejts", 3)
    del values["15"]  # a missing row
    values["24"] = np.nan  # and an explicit NaN
    out = score_scales(inv, answers(values)).set_index("scale")
    # IE lacks Q15, SN lacks Q24: the published sums need every item -> NaN, no letter
    assert math.isnan(out.loc["IE", "score"]) and pd.isna(out.loc["IE", "letter"])
    assert out.loc["IE", "n_answered"] == 7 and out.loc["IE", "n_items"] == 8
    assert math.isnan(out.loc["SN", "score"]) and pd.isna(out.loc["SN", "letter"])
    # the complete scales still score: FT = JP = 24 -> F, J
    assert out.loc["FT", "score"] == 24 and out.loc["FT", "letter"] == "F"
    assert out.loc["JP", "score"] == 24 and out.loc["JP", "letter"] == "J"
    codes = type_codes(inv, out.reset_index())
    assert pd.isna(codes.loc["r1"])


def test_oejts_matches_the_formulas_for_many_answer_sheets() -> None:
    inv = load_inventory("oejts")
    rng = np.random.default_rng(12)
    sheets = {f"r{k}": {str(i): int(rng.integers(1, 6)) for i in range(1, 33)} for k in range(40)}
    long = pd.concat([answers(v, respondent=r) for r, v in sheets.items()], ignore_index=True)
    got = score_scales(inv, long).set_index(["respondent", "scale"])["score"]
    for r, q in ((r, {int(k): v for k, v in v.items()}) for r, v in sheets.items()):
        expected = {
            "IE": 30 - q[3] - q[7] - q[11] + q[15] - q[19] + q[23] + q[27] - q[31],
            "SN": 12 + q[4] + q[8] + q[12] + q[16] + q[20] - q[24] - q[28] + q[32],
            "FT": 30 - q[2] + q[6] + q[10] - q[14] - q[18] + q[22] - q[26] - q[30],
            "JP": 18 + q[1] + q[5] - q[9] + q[13] - q[17] + q[21] - q[25] + q[29],
        }
        for scale, value in expected.items():
            assert got.loc[(r, scale)] == value


# ---------------------------------------------------------------------------------------------------------------
# IPIP-50: hand-worked scores (mean; reverse = 6 - x; factor IV keyed toward neuroticism)
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", IPIP50_FORMS)
def test_ipip50_all_fives(form: str) -> None:
    s = scores_of(form, all_items(form, 5))
    # E: 1,11,21,31,41 -> 5; 6R,16R,26R,36R,46R -> 1: (25 + 5) / 10 = 3.0
    assert s.loc["extraversion", "score"] == pytest.approx(3.0)
    # A: 7,17,27,37,42,47 -> 5; 2R,12R,22R,32R -> 1: (30 + 4) / 10 = 3.4
    assert s.loc["agreeableness", "score"] == pytest.approx(3.4)
    # C: 3,13,23,33,43,48 -> 5; 8R,18R,28R,38R -> 1: 3.4
    assert s.loc["conscientiousness", "score"] == pytest.approx(3.4)
    # N: 4,14,24,29,34,39,44,49 -> 5; 9R,19R -> 1: (40 + 2) / 10 = 4.2
    assert s.loc["neuroticism", "score"] == pytest.approx(4.2)
    # O: 5,15,25,35,40,45,50 -> 5; 10R,20R,30R -> 1: (35 + 3) / 10 = 3.8
    assert s.loc["openness", "score"] == pytest.approx(3.8)


@pytest.mark.parametrize("form", IPIP50_FORMS)
def test_ipip50_first_half_fives_second_half_ones(form: str) -> None:
    # items 1-25 answered 5, items 26-50 answered 1
    s = scores_of(form, all_items(form, lambda i: 5 if i <= 25 else 1))
    # E: 1:5, 6R:1, 11:5, 16R:1, 21:5, 26R:6-1=5, 31:1, 36R:5, 41:1, 46R:5 = 34 -> 3.4
    assert s.loc["extraversion", "score"] == pytest.approx(3.4)
    # A: 2R:1, 7:5, 12R:1, 17:5, 22R:1, 27:1, 32R:5, 37:1, 42:1, 47:1 = 22 -> 2.2
    assert s.loc["agreeableness", "score"] == pytest.approx(2.2)
    # C: 3:5, 8R:1, 13:5, 18R:1, 23:5, 28R:5, 33:1, 38R:5, 43:1, 48:1 = 30 -> 3.0
    assert s.loc["conscientiousness", "score"] == pytest.approx(3.0)
    # N: 4:5, 9R:1, 14:5, 19R:1, 24:5, 29:1, 34:1, 39:1, 44:1, 49:1 = 22 -> 2.2
    assert s.loc["neuroticism", "score"] == pytest.approx(2.2)
    # O: 5:5, 10R:1, 15:5, 20R:1, 25:5, 30R:5, 35:1, 40:1, 45:1, 50:1 = 26 -> 2.6
    assert s.loc["openness", "score"] == pytest.approx(2.6)


@pytest.mark.parametrize("form", IPIP50_FORMS)
def test_ipip50_missing_answers(form: str) -> None:
    # neuroticism items 4 (answered 2), 9R (answered 2 -> 4), 49 (answered 5): (2 + 4 + 5) / 3 = 11/3
    s = scores_of(form, {"4": 2, "9": 2, "49": 5})
    assert s.loc["neuroticism", "score"] == pytest.approx(11 / 3)
    assert s.loc["neuroticism", "n_answered"] == 3
    assert s.loc["neuroticism", "n_items"] == 10
    assert math.isnan(s.loc["extraversion", "score"])


@pytest.mark.parametrize("form", IPIP50_FORMS)
def test_ipip50_agrees_with_the_published_sum_formulas(form: str) -> None:
    # Second source: the Open-Source Psychometrics Project formulas for this item order (sums, 0-40).
    # Our mean of keyed items relates to them as mean = (formula + offset) / 10, where the offset turns the
    # formula's constant into "6 per reversed item" (E: 5 reversed -> 30 - 20 = 10; A and C: 4 -> 24 - 14 = 10;
    # O: 3 -> 18 - 8 = 10). Their factor IV formula is Emotional Stability (38 - (4) + (9) ...), so our
    # neuroticism mean is 6 - (ES + 10) / 10.
    inv = load_inventory(form)
    rng = np.random.default_rng(5)
    sheets = {f"r{k}": {str(i): int(rng.integers(1, 6)) for i in range(1, 51)} for k in range(30)}
    long = pd.concat([answers(v, respondent=r) for r, v in sheets.items()], ignore_index=True)
    got = score_scales(inv, long).set_index(["respondent", "scale"])["score"]
    for r, v in sheets.items():
        q = {int(k): x for k, x in v.items()}
        e = 20 + q[1] - q[6] + q[11] - q[16] + q[21] - q[26] + q[31] - q[36] + q[41] - q[46]
        a = 14 - q[2] + q[7] - q[12] + q[17] - q[22] + q[27] - q[32] + q[37] + q[42] + q[47]
        c = 14 + q[3] - q[8] + q[13] - q[18] + q[23] - q[28] + q[33] - q[38] + q[43] + q[48]
        es = 38 - q[4] + q[9] - q[14] + q[19] - q[24] - q[29] - q[34] - q[39] - q[44] - q[49]
        o = 8 + q[5] - q[10] + q[15] - q[20] + q[25] - q[30] + q[35] + q[40] + q[45] + q[50]
        assert got.loc[(r, "extraversion")] == pytest.approx((e + 10) / 10)
        assert got.loc[(r, "agreeableness")] == pytest.approx((a + 10) / 10)
        assert got.loc[(r, "conscientiousness")] == pytest.approx((c + 10) / 10)
        assert got.loc[(r, "neuroticism")] == pytest.approx(6 - (es + 10) / 10)
        assert got.loc[(r, "openness")] == pytest.approx((o + 10) / 10)
