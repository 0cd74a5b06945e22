"""Errors raised by the domain model when an invariant would be broken."""


class DomainError(Exception):
    """Base of every error the domain raises."""


class InvalidValue(DomainError):
    """A value breaks a rule of the model; names the field and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidTransition(DomainError):
    """A status change that the life cycle of the thing does not allow."""

    def __init__(self, kind: str, current: str, target: str) -> None:
        super().__init__(f"{kind} cannot go from {current!r} to {target!r}")
        self.kind = kind
        self.current = current
        self.target = target


class CurrencyMismatch(DomainError):
    """Arithmetic or comparison between amounts of different currencies."""


class UnknownSite(InvalidValue):
    def __init__(self, site_id: str) -> None:
        super().__init__("site_id", f"unknown MercadoLibre site {site_id!r}")
        self.site_id = site_id


class UnknownCurrency(InvalidValue):
    def __init__(self, currency_id: str) -> None:
        super().__init__("currency_id", f"unknown currency {currency_id!r}")
        self.currency_id = currency_id
