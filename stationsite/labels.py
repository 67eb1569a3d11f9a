"""Display names for the domain's codes, translated at render time."""

from flask_babel import lazy_gettext as _l

KIND = {
    "warm_station": _l("Warm-heart station"),
    "toilet_station": _l("Public-toilet station"),
}
KIND_SHORT = {"warm_station": _l("Warm-heart"), "toilet_station": _l("Toilet station")}
STATUS = {
    "open": _l("In service"),
    "temporarily_closed": _l("Temporarily closed"),
    "closed": _l("Closed for good"),
}
OPEN_STATE = {"open": _l("Open now"), "closed": _l("Closed now"), "unknown": _l("Hours unknown")}
FACILITY_STATE = {
    "working": _l("Working"),
    "out_of_order": _l("Out of order"),
    "removed": _l("Removed"),
}
VISITOR_GROUP = {
    "courier": _l("Courier"),
    "food_delivery": _l("Food-delivery rider"),
    "sanitation": _l("Sanitation worker"),
    "ride_hailing": _l("Ride-hailing or taxi driver"),
    "other_outdoor": _l("Other outdoor worker"),
    "citizen": _l("Citizen"),
    "other": _l("Other"),
}
FEEDBACK_CATEGORY = {
    "praise": _l("Praise"),
    "suggestion": _l("Suggestion"),
    "cleanliness": _l("Cleanliness"),
    "facility_fault": _l("Facility broken"),
    "missing_facility": _l("Facility missing"),
    "hours_wrong": _l("Opening hours wrong"),
    "closed_when_open": _l("Closed during opening hours"),
    "other": _l("Other"),
}
FEEDBACK_STATUS = {
    "new": _l("New"),
    "acknowledged": _l("Seen"),
    "resolved": _l("Resolved"),
    "rejected": _l("Rejected as spam"),
}
WEEKDAY = [_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun")]
