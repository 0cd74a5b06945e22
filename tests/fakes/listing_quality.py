"""What FakeListingGateway answers for a listing's health (§4.12) and for the category
predictor (§4.9): scored like the sandbox, over a few words per site."""

from __future__ import annotations

import re

from application.ports.listing_gateway import CategoryPrediction, HealthGoal, ListingHealth
from domain.listings import Listing

# §4.12: the goals of a listing's health, their weights, and the levels.
HEALTH_WEIGHTS = {
    "picture": 0.3,
    "technical_specification": 0.3,
    "description": 0.2,
    "video": 0.1,
    "upgrade_listing": 0.1,
}
HEALTH_LEVELS = (("professional", 0.8), ("standard", 0.5), ("basic", 0.0))
# §4.9: the predictor knows a few words; a title with none of them gets nothing.
PREDICTIONS = {
    "zapatillas": ("109027", "Zapatillas", "SNEAKERS", "Zapatillas"),
    "celular": ("1055", "Celulares y Smartphones", "CELLPHONES", "Celulares"),
}


def health_of(listing: Listing, description: str | None) -> ListingHealth:
    progress = {
        "picture": min(len(listing.pictures), 6) / 6,
        "technical_specification": min(len(listing.attributes), 5) / 5,
        "description": 1.0 if description else 0.0,
        "video": 1.0 if listing.video_id else 0.0,
        "upgrade_listing": 1.0 if listing.listing_type_id == "gold_pro" else 0.0,
    }
    health = round(sum(HEALTH_WEIGHTS[goal] * done for goal, done in progress.items()), 2)
    level = next(name for name, low in HEALTH_LEVELS if health >= low)
    goals = tuple(HealthGoal(goal, goal, done, done >= 1) for goal, done in progress.items())
    return ListingHealth(listing.item_id, health, level, goals)


def predictions(site_id: str, title: str) -> list[CategoryPrediction]:
    """Most likely first: the categories whose word the title has."""
    words = set(re.findall(r"\w+", title.casefold()))
    return [
        CategoryPrediction(f"{site_id}{number}", name, f"{site_id}-{domain}", domain_name)
        for word, (number, name, domain, domain_name) in PREDICTIONS.items()
        if word in words
    ]
