from __future__ import annotations

import random
from typing import Any

import attrs

from sandbox.catalogue_data import SITES, Site

# Demo sellers are spread over sites in this order, so that seller 1 sells on MLA,
# seller 2 on MCO (a currency without decimals), seller 3 on MLB (Portuguese), ...
SELLER_SITES = (
    "MLA",
    "MCO",
    "MLB",
    "MLM",
    "MLC",
    "MLU",
    "MPE",
    "MEC",
    "MBO",
    "MPY",
    "MCR",
    "MRD",
    "MPA",
    "MGT",
    "MHN",
    "MNI",
    "MSV",
    "MLV",
    "MCU",
    "MPT",
)

FIRST_NAMES = ("Lucía", "Mateo", "Valentina", "Santiago", "Camila", "Benjamín", "Julia", "Tomás")
LAST_NAMES = ("González", "Rodríguez", "Silva", "Pérez", "Gómez", "Fernández", "Souza", "López")
CITIES = {
    "MLA": ("AR-C", "Palermo", "1414"),
    "MLB": ("BR-SP", "São Paulo", "01310-100"),
    "MLM": ("MX-CMX", "Ciudad de México", "06600"),
    "MCO": ("CO-DC", "Bogotá", "110111"),
    "MLC": ("CL-RM", "Santiago", "8320000"),
    "MLU": ("UY-MO", "Montevideo", "11200"),
    "MPE": ("PE-LIM", "Lima", "15001"),
}


@attrs.define
class User:
    """A MercadoLibre account: a demo seller, a test user created through the admin API."""

    id: int
    nickname: str
    site_id: str
    first_name: str
    last_name: str
    registration_date: str
    # §4.2 seller.unable_to_list: switched off through the admin API to test that error.
    list_allowed: bool = True
    points: int = 100

    @property
    def site(self) -> Site:
        return SITES[self.site_id]

    @property
    def permalink(self) -> str:
        return f"http://perfil.{self.site.permalink_domain}/{self.nickname}"

    def _address(self) -> tuple[str, str, str]:
        return CITIES.get(self.site_id, (f"{self.site.country_id}-01", "Capital", "1000"))

    def reputation(self) -> dict[str, Any]:
        """§3 seller_reputation: level, power-seller status and the rates of the last 60
        days MercadoLibre measures it by (`metrics`: sales, claims, delayed handling,
        cancellations) [INF: the metrics' shape is the one MercadoLibre's reputation page
        documents; the reference lists only level_id and power_seller_status]. Fixed per
        user: a green platinum seller, one even-numbered id in three a yellow one."""
        completed = 40 + self.id % 200
        troubled = self.id % 3 == 0
        claims = 3 if troubled else self.id % 2
        delayed = 2 + self.id % 4
        cancelled = 2 if troubled else 0

        def metric(value: int) -> dict[str, Any]:
            return {"period": "60 days", "rate": round(value / completed, 4), "value": value}

        return {
            "level_id": "3_yellow" if troubled else "5_green",
            "power_seller_status": None if troubled else "platinum",
            "metrics": {
                "sales": {"period": "60 days", "completed": completed},
                "claims": metric(claims),
                "delayed_handling_time": metric(delayed),
                "cancellations": metric(cancelled),
            },
        }

    def public_json(self) -> dict[str, Any]:
        """§3 public shape (another user's view)."""
        state, city, _ = self._address()
        return {
            "id": self.id,
            "nickname": self.nickname,
            "registration_date": self.registration_date,
            "country_id": self.site.country_id,
            "address": {"city": city, "state": state},
            "user_type": "normal",
            "tags": ["normal", "test_user"],
            "logo": None,
            "points": self.points,
            "site_id": self.site_id,
            "permalink": self.permalink,
            "seller_reputation": {
                **self.reputation(),
                "transactions": {"period": "historic", "total": 0},
            },
            "buyer_reputation": {"tags": []},
            "status": {"site_status": "active"},
        }

    def private_json(self) -> dict[str, Any]:
        """§3 private shape (`/users/me`, or `/users/{id}` with the owner's token)."""
        state, city, zip_code = self._address()
        body = self.public_json()
        body.update(
            {
                "first_name": self.first_name,
                "last_name": self.last_name,
                "email": f"test_user_{self.id}@testuser.com",
                "identification": {
                    "type": self.site.identification_type,
                    "number": str(10_000_000 + self.id % 89_999_999),
                },
                "address": {
                    "state": state,
                    "city": city,
                    "address": "Test Address 123",
                    "zip_code": zip_code,
                },
                "phone": {
                    "area_code": "011",
                    "number": "4444-5555",
                    "extension": "",
                    "verified": False,
                },
                "alternative_phone": {"area_code": "", "number": "", "extension": ""},
                "tags": ["normal", "test_user", "user_info_verified"],
                "seller_experience": "ADVANCED",
                "seller_reputation": {
                    **self.reputation(),
                    "transactions": {
                        "period": "historic",
                        "total": 0,
                        "completed": 0,
                        "canceled": 0,
                        "ratings": {"positive": 0, "negative": 0, "neutral": 0},
                    },
                },
                "buyer_reputation": {
                    "canceled_transactions": 0,
                    "transactions": {
                        "period": "historic",
                        "total": None,
                        "completed": None,
                        "canceled": {"total": None, "paid": None},
                        "unrated": {"total": None, "paid": None},
                        "not_yet_rated": {"total": None, "paid": None, "units": None},
                    },
                    "tags": [],
                },
                "status": {
                    "site_status": "active",
                    "list": {
                        "allow": self.list_allowed,
                        "codes": [] if self.list_allowed else ["seller_unable_to_list"],
                        "immediate_payment": {"required": False, "reasons": []},
                    },
                    "buy": {
                        "allow": True,
                        "codes": [],
                        "immediate_payment": {"required": False, "reasons": []},
                    },
                    "sell": {
                        "allow": True,
                        "codes": [],
                        "immediate_payment": {"required": False, "reasons": []},
                    },
                    "billing": {"allow": True, "codes": []},
                    "mercadopago_tc_accepted": True,
                    "mercadopago_account_type": "personal",
                    "mercadoenvios": "accepted",
                    "immediate_payment": False,
                    "confirmed_email": True,
                    "user_type": "normal",
                    "required_action": "",
                },
                "credit": {"consumed": 100, "credit_level_id": f"{self.site_id}1"},
            }
        )
        return body

    def summary_json(self) -> dict[str, Any]:
        """The admin API's short form: `{id, nickname, site_id}`."""
        return {"id": self.id, "nickname": self.nickname, "site_id": self.site_id}


class UserDirectory:
    """All accounts of the sandbox, with deterministic ids and nicknames."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"{seed}:users")
        self._users: dict[int, User] = {}
        self.sellers: list[User] = []

    def __contains__(self, user_id: int) -> bool:
        return user_id in self._users

    def get(self, user_id: int) -> User | None:
        return self._users.get(user_id)

    def all(self) -> list[User]:
        return list(self._users.values())

    def create(self, site_id: str, nickname: str | None = None, *, seller: bool = False) -> User:
        """A new test user with a realistic 9-10 digit id (§0.3: ids exceed Int32)."""
        if site_id not in SITES:
            raise ValueError(f"unknown site {site_id}")
        rng = self._rng
        user_id = rng.randrange(100_000_000, 2_999_999_999)
        while user_id in self._users:
            user_id = rng.randrange(100_000_000, 2_999_999_999)
        if nickname is None:
            nickname = f"TEST{site_id}{rng.randrange(1_000_000, 9_999_999)}"
        year = rng.randrange(2012, 2024)
        user = User(
            id=user_id,
            nickname=nickname,
            site_id=site_id,
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            registration_date=f"{year}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}"
            "T11:31:42.000-04:00",
        )
        self._users[user_id] = user
        if seller:
            self.sellers.append(user)
        return user
