"""The domain's allow-list, checked where import-linter cannot reach: it would have to
name every package the domain must not import."""

import sys

from tests.unit.test_layout import imported_top_levels


def test_the_domain_imports_only_the_standard_library_and_attrs():
    allowed = set(sys.stdlib_module_names) | {"attrs", "domain", "__future__"}
    offenders = {m: f for m, f in imported_top_levels("domain").items() if m not in allowed}
    assert offenders == {}
