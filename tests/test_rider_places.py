"""Typed places: exact matches search, anything less offers choices (issue 9, part 4)."""

import pytest

from stationsite.geocode import Entry, match, pinyin, ranked

GAZETTEER = [
    Entry("西湖", "place", 30.2460, 120.1450, ("西湖风景名胜区", "West Lake"), "西湖区", "lake"),
    Entry("西湖区", "district", 30.27, 120.10, (), "西湖区"),
    Entry("杭州东站", "place", 30.2906, 120.2126, ("东站", "火车东站"), "上城区", "transit"),
    Entry("杭州站", "place", 30.2433, 120.1822, ("城站",), "上城区", "transit"),
    Entry("萧山区", "district", 30.18, 120.27, (), "萧山区"),
    Entry("湖滨公园", "place", 30.2588, 120.1622, ("湖滨", "Hubin Park"), "上城区", "park"),
    Entry("龙翔桥", "place", 30.2590, 120.1650, ("龙翔桥站",), "上城区", "metro"),
]


def names(query):
    return [(m.entry.name, m.how) for m in ranked(query, GAZETTEER)]


def test_exact_names_and_aliases_come_first():
    assert names("西湖")[0] == ("西湖", "exact")
    assert names("东站")[0] == ("杭州东站", "exact")
    assert names("湖滨公园")[0] == ("湖滨公园", "exact")


def test_a_homophone_typo_sounds_like_the_right_station_not_another():
    found = names("杭州冬站")
    assert found[0] == ("杭州东站", "sounds_like")
    assert ("杭州站", "partial") in found[1:] or ("杭州站", "fuzzy") in found[1:]


def test_pinyin_is_understood():
    assert pinyin("龙翔桥") == "longxiangqiao"
    assert names("longxiangqiao")[0] == ("龙翔桥", "exact")
    assert names("hubin")[0][0] == "湖滨公园"


def test_pinyin_with_the_place_type_suffix_and_spaces_is_understood():
    # the Chinese core leaves 站 out; pinyin typed in full used to find nothing or a far guess
    assert names("hangzhoudongzhan")[0] == ("杭州东站", "exact")
    assert names("Hangzhou Dong Zhan")[0] == ("杭州东站", "exact")
    assert names("longxiangqiao zhan")[0] == ("龙翔桥", "exact")


def test_a_longer_name_than_we_know_is_only_partial():
    found = names("西湖文化广场")
    assert found and all(how == "partial" for _name, how in found)
    assert names("萧山机场") == [("萧山区", "partial")]


def test_near_misses_are_fuzzy_and_nonsense_matches_nothing():
    assert names("龙翔")[0] == ("龙翔桥", "partial")
    assert match("龙祥桥", GAZETTEER[-1]).how in ("sounds_like", "fuzzy")
    assert names("火星") == []


def test_broad_kinds_are_marked():
    assert GAZETTEER[0].broad and GAZETTEER[1].broad
    assert not GAZETTEER[2].broad


def lookup(app, query):
    from stationsite.locator.queries import locate

    with app.app_context():
        return locate(query)


def test_locate_searches_only_from_one_exact_place(demo_app):
    found = lookup(demo_app, "杭州东站")
    assert found.place.name == "杭州东站" and found.choices == []
    district = lookup(demo_app, "西湖区")
    assert district.place.broad and district.choices  # a centre, said so, with nearer places


@pytest.mark.parametrize("query", ["西湖文化广场", "杭州冬站", "萧山机场", "xihu"])
def test_locate_never_guesses_silently(demo_app, query):
    found = lookup(demo_app, query)
    assert found.place is None and 1 <= len(found.choices) <= 5


def test_the_page_offers_choices_that_keep_the_filters(demo_client):
    page = demo_client.get(
        "/?q=%E6%9D%AD%E5%B7%9E%E5%86%AC%E7%AB%99&kind=toilet_station&lang=en"  # 杭州冬站
    ).get_data(as_text=True)
    assert "Which place do you mean?" in page
    choices = page.split('class="choices-list"')[1].split("</ul>")[0]
    first = choices.split("<li>")[1]
    assert "Hangzhou East Railway Station" in first and "sounds alike" in first
    assert "kind=toilet_station" in first and "near=" in first and "lat=30.29060" in first
    assert "top-result" not in page  # no stations "near" a guess


def test_a_picked_choice_searches_from_it_by_name(demo_client):
    page = demo_client.get(
        "/?lat=30.2906&lon=120.2126&near=%E6%9D%AD%E5%B7%9E%E4%B8%9C%E7%AB%99&lang=en"
    ).get_data(as_text=True)
    assert "&#9673; Hangzhou East Railway Station" in page  # near= carries the Chinese name
    assert "top-result" in page


def test_an_exact_place_says_what_it_matched(demo_client):
    page = demo_client.get("/?q=%E6%9D%AD%E5%B7%9E%E4%B8%9C%E7%AB%99&lang=en").get_data(
        as_text=True
    )
    assert '<span class="origin-kind">(transport hub · 上城区)</span>' in page


def test_a_district_says_it_is_a_large_area(demo_client):
    page = demo_client.get("/?q=%E8%A5%BF%E6%B9%96%E5%8C%BA&lang=en").get_data(as_text=True)
    assert "is a large area" in page and "Nearer places with that name" in page


def test_my_location_says_the_nearest_place_or_street(demo_client):
    page = demo_client.get("/?lat=30.2585&lon=120.1630&lang=en").get_data(as_text=True)
    assert "My location, near Hubin Park" in page
    far = demo_client.get("/?lat=39.9&lon=116.4&lang=en").get_data(as_text=True)
    assert "My location" in far and "My location, near" not in far
