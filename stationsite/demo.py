"""Demo data for Hangzhou (杭州): real districts, streets and parks; made-up names and phones.

`seed_demo()` is idempotent: stations are keyed by code, and history (visits, feedback) is
only generated for stations this run created.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from .catalogue import ensure_catalogue
from .extensions import db
from .locator.gazetteer import save_places
from .locator.places_io import read_csv
from .models import (
    Facility,
    FacilityState,
    Feedback,
    FeedbackCategory,
    FeedbackStatus,
    Place,
    Role,
    Station,
    StationFacility,
    StationKind,
    StationStatus,
    User,
    Visit,
    VisitorGroup,
    VisitSource,
)
from .reports import coverage, rollups

CITY = "杭州市"
DEMO_PASSWORD = "demo-password"

# code, zh name, en name, district, street, address, lat, lon, hours
TOILETS = [
    (
        "湖滨公园",
        "Hubin Park",
        "上城区",
        "湖滨街道",
        "湖滨路与平海路口",
        30.2585,
        120.1627,
        "Mo-Su 07:00-19:00",
    ),
    (
        "武林广场",
        "Wulin Square",
        "拱墅区",
        "武林街道",
        "武林广场东侧",
        30.2718,
        120.1652,
        "Mo-Su 07:00-19:00",
    ),
    (
        "吴山广场",
        "Wushan Square",
        "上城区",
        "清波街道",
        "吴山广场西侧",
        30.2452,
        120.1690,
        "Mo-Su 07:00-19:00",
    ),
    (
        "城站广场",
        "City Station Square",
        "上城区",
        "小营街道",
        "环城东路城站广场南侧",
        30.2436,
        120.1826,
        "Mo-Su 06:30-18:30",
    ),
    (
        "西溪湿地周家村",
        "Xixi Wetland Zhoujiacun",
        "西湖区",
        "蒋村街道",
        "天目山路西溪湿地周家村入口",
        30.2706,
        120.0845,
        "Mo-Su 07:00-19:00",
    ),
    (
        "文三路",
        "Wensan Road",
        "西湖区",
        "文新街道",
        "文三路与学院路交叉口",
        30.2792,
        120.1281,
        "Mo-Su 07:00-19:00",
    ),
    (
        "黄龙体育中心",
        "Huanglong Sports Centre",
        "西湖区",
        "西溪街道",
        "黄龙路黄龙体育中心东门",
        30.2689,
        120.1313,
        "Mo-Su 07:00-19:00",
    ),
    (
        "拱宸桥西",
        "Gongchen Bridge West",
        "拱墅区",
        "拱宸桥街道",
        "桥弄街运河步道旁",
        30.3190,
        120.1426,
        "Mo-Su 07:00-19:00",
    ),
    (
        "杭州东站东广场",
        "Hangzhou East Station",
        "上城区",
        "彭埠街道",
        "天城路杭州东站东广场",
        30.2908,
        120.2139,
        "Mo-Su 06:00-22:00",
    ),
    (
        "钱江新城城市阳台",
        "Qianjiang New City Balcony",
        "上城区",
        "四季青街道",
        "富春路城市阳台北侧",
        30.2445,
        120.2120,
        "Mo-Su 07:00-19:00",
    ),
    (
        "江南大道星光",
        "Jiangnan Avenue Xingguang",
        "滨江区",
        "西兴街道",
        "江南大道与星光大道交叉口",
        30.2075,
        120.2105,
        "Mo-Su 07:00-19:00",
    ),
    (
        "浦沿路",
        "Puyan Road",
        "滨江区",
        "浦沿街道",
        "浦沿路与东信大道交叉口",
        30.1860,
        120.1590,
        "Mo-Su 07:00-19:00",
    ),
    (
        "湘湖景区",
        "Xianghu Lake",
        "萧山区",
        "城厢街道",
        "湘湖路湘湖景区入口",
        30.1475,
        120.2330,
        "Mo-Su 07:00-19:00",
    ),
    (
        "北干山公园",
        "Beiganshan Park",
        "萧山区",
        "北干街道",
        "北干山南路公园入口",
        30.1800,
        120.2720,
        "Mo-Su 07:00-19:00",
    ),
    (
        "金沙湖公园",
        "Jinsha Lake Park",
        "钱塘区",
        "下沙街道",
        "金沙湖公园南门",
        30.3105,
        120.3010,
        "Mo-Su 07:00-19:00",
    ),
    (
        "海创园",
        "Dream Town Hub",
        "余杭区",
        "仓前街道",
        "文一西路海创园南侧",
        30.2940,
        120.0020,
        "Mo-Su 07:00-19:00",
    ),
    (
        "临平公园",
        "Linping Park",
        "临平区",
        "南苑街道",
        "临平公园北门",
        30.4180,
        120.2990,
        "Mo-Su 07:00-19:00",
    ),
    (
        "富春江滨",
        "Fuchun Riverside",
        "富阳区",
        "富春街道",
        "富春江滨江步道中段",
        30.0480,
        119.9580,
        "Mo-Su 07:00-19:00",
    ),
]

WARM = [
    (
        "湖滨商圈户外劳动者",
        "Hubin Outdoor Workers",
        "上城区",
        "湖滨街道",
        "延安路商圈东坡路口",
        30.2573,
        120.1670,
        "Mo-Su 09:00-22:00",
    ),
    (
        "凤起路邮政",
        "Fengqi Road Post",
        "拱墅区",
        "武林街道",
        "凤起路邮政网点一楼",
        30.2638,
        120.1698,
        "Mo-Fr 08:30-17:30; Sa,Su,PH 09:00-17:00",
    ),
    (
        "文新街道工会",
        "Wenxin Union",
        "西湖区",
        "文新街道",
        "文一西路社区服务中心",
        30.2870,
        120.1120,
        "Mo-Su 08:00-20:00",
    ),
    (
        "物联网街",
        "IoT Street",
        "滨江区",
        "长河街道",
        "物联网街与江汉路口",
        30.1915,
        120.2020,
        "24/7",
    ),
    (
        "萧山人民广场",
        "Xiaoshan People's Square",
        "萧山区",
        "城厢街道",
        "人民广场西侧服务亭",
        30.1640,
        120.2650,
        "Mo-Su 07:30-19:30",
    ),
    (
        "东站枢纽骑手",
        "East Station Riders",
        "上城区",
        "彭埠街道",
        "新塘路东站枢纽地面层",
        30.2935,
        120.2105,
        "Mo-Su 06:00-23:00",
    ),
    (
        "白杨环卫",
        "Baiyang Sanitation",
        "钱塘区",
        "白杨街道",
        "学源街环卫所",
        30.3190,
        120.3400,
        "Mo-Su 05:00-21:00",
    ),
    (
        "良渚文化村",
        "Liangzhu Village",
        "余杭区",
        "良渚街道",
        "良渚文化村村民广场",
        30.3760,
        120.0330,
        "Mo-Sa 08:00-18:00; Su,PH off",
    ),
    (
        "运河拱宸",
        "Grand Canal Gongchen",
        "拱墅区",
        "拱宸桥街道",
        "小河路运河文化广场",
        30.3225,
        120.1390,
        "Mo-Su 08:00-20:00",
    ),
    (
        "银湖街道",
        "Yinhu Street",
        "富阳区",
        "银湖街道",
        "银湖街道便民服务中心",
        30.1080,
        120.0330,
        "Mo-Fr 08:00-18:00; PH off",
    ),
    (
        "南苑夜班骑手",
        "Nanyuan Night Riders",
        "临平区",
        "南苑街道",
        "迎宾路南苑商业街",
        30.4120,
        120.3060,
        "Mo-Su 18:00-06:00",
    ),
    (
        "采荷",
        "Caihe",
        "上城区",
        "采荷街道",
        "凯旋路采荷社区服务中心",
        30.2595,
        120.1950,
        "Mo-Su 08:00-20:00",
    ),
]

# Parks, landmarks and transit hubs riders type: name, aliases, en, kind, district, lat, lon
PLACES_CSV = Path(__file__).parent / "data" / "demo_places.csv"  # through import-places' reader

TOILET_FACILITIES = [
    "toilet",
    "accessible_toilet",
    "drinking_water",
    "fridge",
    "microwave",
    "aed",
    "ebook_lending",
    "convenience_box",
    "umbrella_loan",
    "paper_dispenser",
    "guide_display",
    "seating",
    "phone_charging",
    "emergency_kit",
    "baby_care",
    "wifi",
]
WARM_FACILITIES = [
    "seating",
    "hot_water",
    "microwave",
    "umbrella_loan",
    "first_aid",
    "phone_charging",
    "air_conditioning",
    "drinking_water",
    "ebike_charging",
    "reading",
    "wifi",
    "policy_corner",
    "toilet",
    "fridge",
]
ALWAYS = {
    "toilet_station": {"toilet", "drinking_water", "seating"},
    "warm_station": {"seating", "hot_water", "microwave", "phone_charging", "first_aid"},
}

OPERATORS = {
    "toilet_station": "演示环境集团城市服务有限公司",
    "warm_station": "演示区总工会服务中心",
}

COMMENTS = {
    FeedbackCategory.PRAISE: [
        "热水很方便，冬天送餐能暖暖手",
        "管理员很热情，谢谢！",
        "干净整洁，点赞",
        "下雨天借到了伞，太及时了",
        "微波炉热饭很方便",
    ],
    FeedbackCategory.SUGGESTION: [
        "希望能多放几把椅子",
        "晚上能不能晚一点关门",
        "建议增加电动车充电桩",
        "门口指示牌不太明显",
    ],
    FeedbackCategory.CLEANLINESS: ["地面有点滑，注意打扫", "垃圾桶满了"],
    FeedbackCategory.FACILITY_FAULT: ["微波炉不加热", "直饮水机没有水", "充电线坏了"],
    FeedbackCategory.CLOSED_WHEN_OPEN: ["营业时间内门是锁着的"],
    FeedbackCategory.HOURS_WRONG: ["实际开门时间和公示的不一样"],
}
REPLIES = [
    "感谢反馈，已安排维修。",
    "谢谢您的建议，我们会研究改进。",
    "已通知保洁人员处理。",
    "感谢支持！",
]


def _station(kind: StationKind, index: int, row: tuple, rng: random.Random) -> Station:
    place, place_en, district, street, address, lat, lon, hours = row
    suffix = (
        ("公厕驿站", "toilet station")
        if kind is StationKind.TOILET
        else ("暖心驿站", "warm-heart station")
    )
    letter = "T" if kind is StationKind.TOILET else "W"
    return Station(
        code=f"HZ-{letter}-{index:03d}",
        kind=kind,
        name_zh=f"{place}{suffix[0]}（演示）",
        name_en=f"{place_en} {suffix[1]} (demo)",
        address=f"{CITY}{district}{address}",
        district=district,
        street=street,
        city=CITY,
        lat=lat,
        lon=lon,
        operator_org=OPERATORS[kind.value],
        phone=f"0571-0000{1000 + index + (0 if letter == 'T' else 500):04d}",
        opening_hours=hours,
        last_verified_at=datetime.now(UTC) - timedelta(days=rng.randint(1, 40)),
    )


def _facilities(station: Station, catalogue: dict[str, Facility], rng: random.Random) -> None:
    pool = TOILET_FACILITIES if station.kind is StationKind.TOILET else WARM_FACILITIES
    always = ALWAYS[station.kind.value]
    for code in pool:
        if code not in always and rng.random() < 0.35:
            continue
        item = StationFacility(facility=catalogue[code], state=FacilityState.WORKING)
        if code == "drinking_water" and station.kind is StationKind.TOILET:
            item.hours = "24/7"
        if code == "umbrella_loan":
            item.stock = rng.randint(3, 20)
        station.facilities.append(item)


def _special_cases(stations: dict[str, Station], catalogue: dict[str, Facility]) -> None:
    """The states every page should be able to show: a fault, a closure, a 24 h station."""
    now = datetime.now(UTC)
    for item in stations["HZ-W-003"].facilities:
        if item.facility.code == "microwave":
            item.state = FacilityState.OUT_OF_ORDER
            item.note = "加热故障，已报修 / Not heating; repair booked"
    for item in stations["HZ-T-005"].facilities:
        if item.facility.code == "microwave":
            item.state = FacilityState.OUT_OF_ORDER
    closed = stations["HZ-W-009"]
    closed.status = StationStatus.TEMPORARILY_CLOSED
    closed.closure_reason = "内部装修升级 / Renovation"
    closed.closed_until = (now + timedelta(days=3)).replace(
        hour=1, minute=0, second=0, microsecond=0
    )


# Check-ins by China-time hour, as hours from noon: 05:00-22:00 with peaks at 06:00
# (sanitation shifts), 11:00-13:00 and 17:00-19:00 (meal deliveries).
CHECKIN_HOURS = list(range(-7, 11))
CHECKIN_WEIGHTS = [2, 6, 4, 3, 3, 4, 9, 12, 10, 5, 4, 4, 6, 10, 11, 8, 4, 2]


def _history(stations: list[Station], catalogue: dict[str, Facility], rng: random.Random) -> None:
    now = datetime.now(UTC)
    groups = list(VisitorGroup)
    weights = [22, 30, 18, 8, 8, 12, 2]
    for station in stations:
        busy = rng.uniform(0.5, 2.0)
        for days_ago in range(1, 121):
            day = (now - timedelta(days=days_ago)).replace(
                hour=4, minute=0, second=0, microsecond=0
            )
            for group in set(rng.choices(groups, weights, k=3)):
                db.session.add(
                    Visit(
                        station=station,
                        visited_at=day,
                        visitor_group=group,
                        source=VisitSource.TALLY,
                        count=max(1, int(rng.gauss(6, 3) * busy)),
                    )
                )
            for _ in range(rng.choices((0, 1, 2, 3, 4, 5), (20, 25, 20, 15, 12, 8))[0]):
                # `day` is noon China time; riders check in around meals, sanitation at dawn
                hours_from_noon = rng.choices(CHECKIN_HOURS, CHECKIN_WEIGHTS)[0]
                when = day + timedelta(hours=hours_from_noon, minutes=rng.randint(0, 59))
                db.session.add(
                    Visit(
                        station=station,
                        visited_at=when,
                        source=VisitSource.CHECKIN,
                        visitor_group=rng.choices(groups, weights)[0],
                    )
                )
        for _ in range(rng.randint(3, 9)):
            db.session.add(_feedback(station, catalogue, rng, now))


def _feedback(
    station: Station, catalogue: dict[str, Facility], rng: random.Random, now: datetime
) -> Feedback:
    category = rng.choices(list(COMMENTS), [40, 20, 8, 15, 5, 4])[0]
    created = now - timedelta(days=rng.randint(1, 110), hours=rng.randint(0, 23))
    item = Feedback(
        station=station,
        visitor_group=rng.choices(list(VisitorGroup), [22, 30, 18, 8, 8, 12, 2])[0],
        rating={FeedbackCategory.PRAISE: rng.choice([4, 5, 5])}.get(category, rng.randint(2, 5)),
        category=category,
        comment=rng.choice(COMMENTS[category]),
        status=rng.choice(
            [FeedbackStatus.RESOLVED, FeedbackStatus.RESOLVED, FeedbackStatus.ACKNOWLEDGED]
        ),
        approved=rng.random() < 0.8,
        source="demo",
        created_at=created,
    )
    if category is FeedbackCategory.FACILITY_FAULT:
        item.facility = catalogue["microwave"]
    if rng.random() < 0.5:
        item.reply, item.replied_at = (
            rng.choice(REPLIES),
            created + timedelta(hours=rng.randint(2, 48)),
        )
    if item.status is FeedbackStatus.RESOLVED:
        item.resolved_at = created + timedelta(days=rng.randint(1, 5))
    return item


def _users(stations: dict[str, Station]) -> None:
    for username, role, codes in (
        ("demo-admin", Role.ADMIN, []),
        ("demo-operator", Role.OPERATOR, ["HZ-T-001", "HZ-T-002", "HZ-W-001", "HZ-W-003"]),
    ):
        if db.session.scalar(select(User).where(User.username == username)):
            continue
        user = User(username=username, role=role, display_name=f"{username}（演示）")
        user.set_password(DEMO_PASSWORD)
        user.stations = [stations[c] for c in codes if c in stations]
        db.session.add(user)


def _places() -> None:
    """The demo gazetteer, read and saved the way `import-places` does it."""
    rows, errors = read_csv(PLACES_CSV.read_text(encoding="utf-8"))
    if errors:
        raise ValueError(f"demo places: {errors}")
    existing = set(db.session.scalars(select(Place.name_zh)))
    save_places([row for row in rows if row.name_zh not in existing])


def seed_demo(seed: int = 20251001) -> int:
    """Create what is missing of the demo set; returns how many stations were created."""
    rng = random.Random(seed)
    catalogue = ensure_catalogue()
    existing = set(db.session.scalars(select(Station.code)))
    created: dict[str, Station] = {}
    for kind, rows in ((StationKind.TOILET, TOILETS), (StationKind.WARM, WARM)):
        for index, row in enumerate(rows, start=1):
            station = _station(kind, index, row, rng)
            if station.code in existing:
                continue
            _facilities(station, catalogue, rng)
            db.session.add(station)
            created[station.code] = station
    if {"HZ-W-003", "HZ-T-005", "HZ-W-009"} <= created.keys():
        _special_cases(created, catalogue)
    db.session.flush()
    _history(list(created.values()), catalogue, rng)
    everything = {s.code: s for s in db.session.scalars(select(Station))}
    _users(everything)
    _places()
    coverage.seed_demo_searches(rng)
    db.session.flush()
    rollups.rebuild()
    return len(created)


def station_count() -> int:
    return db.session.scalar(select(func.count(Station.id))) or 0
