"""Listing quality ("health", §4.12): a score from what the listing has and lacks."""

from __future__ import annotations

from typing import Any

from sandbox.catalogue import Category
from sandbox.errors import ApiError, bad_request

# §4.12 health levels [INF: the thresholds].
LEVELS = (("basic", 0.0, 0.49), ("standard", 0.5, 0.79), ("professional", 0.8, 1.0))
GOAL_NAMES = {
    "picture": "Agrega al menos 6 fotos",
    "technical_specification": "Completa la ficha técnica",
    "description": "Agrega una descripción",
    "video": "Agrega un video",
    "upgrade_listing": "Publica en Premium",
}
SUPPORTED_STATUSES = ("active", "paused")


def goals(item: dict[str, Any], category: Category, has_description: bool) -> list[dict]:
    """§4.12 goals. A met goal carries `completed` as the time it was met, as MercadoLibre
    answers (a timestamp, not a boolean), here the listing's last change [INF]; an open
    one carries null."""
    template = category.template
    attribute_ids = {a.id for a in template.attributes} if template else set()
    filled = {a["id"] for a in item.get("attributes", ())} & attribute_ids
    progress = {
        "picture": (min(len(item.get("pictures") or ()), 6), 6),
        "technical_specification": (len(filled), max(1, len(attribute_ids))),
        "description": (1 if has_description else 0, 1),
        "video": (1 if item.get("video_id") else 0, 1),
        "upgrade_listing": (1 if item.get("listing_type_id") == "gold_pro" else 0, 1),
    }
    return [
        {
            "id": goal,
            "name": GOAL_NAMES[goal],
            "progress": done,
            "progress_max": out_of,
            "apply": True,
            "completed": item.get("last_updated") if done >= out_of else None,
            "data": {},
        }
        for goal, (done, out_of) in progress.items()
    ]


def score(goal_list: list[dict]) -> float:
    weights = {
        "picture": 0.3,
        "technical_specification": 0.3,
        "description": 0.2,
        "video": 0.1,
        "upgrade_listing": 0.1,
    }
    total = sum(weights[g["id"]] * g["progress"] / g["progress_max"] for g in goal_list)
    return round(total, 2)


def level(health: float) -> str:
    return next(name for name, low, high in reversed(LEVELS) if health >= low)


def check_supported(item: dict[str, Any]) -> None:
    if item["status"] not in SUPPORTED_STATUSES or "deleted" in (item.get("sub_status") or ()):
        raise unsupported()


def unsupported() -> ApiError:
    """§4.12: inactive items have no health [INF: answered as 400]."""
    return bad_request("health is not supported for this item")


def health_json(item: dict[str, Any], category: Category, has_description: bool) -> dict:
    goal_list = goals(item, category, has_description)
    value = score(goal_list)
    return {"item_id": item["id"], "health": value, "level": level(value), "goals": goal_list}


def actions_json(item: dict[str, Any], category: Category, has_description: bool) -> dict:
    goal_list = goals(item, category, has_description)
    action_ids = {
        "picture": "picture",
        "technical_specification": "technical_specification",
        "video": "video",
        "upgrade_listing": "upgrade_listing",
        "description": "technical_specification",
    }
    actions = []
    for goal in goal_list:
        action = action_ids[goal["id"]]
        if not goal["completed"] and all(a["id"] != action for a in actions):
            actions.append({"id": action, "name": goal["name"]})
    return {"item_id": item["id"], "health": score(goal_list), "actions": actions}


def levels_json() -> list[dict[str, Any]]:
    return [{"level": name, "health_min": low, "health_max": high} for name, low, high in LEVELS]
