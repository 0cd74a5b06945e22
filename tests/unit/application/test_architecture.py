"""The application's allow-list, checked where import-linter cannot reach: the standard
library, attrs and the inner layers, nothing else (no framework, no adapter)."""

import sys

from tests.unit.test_layout import imported_top_levels


def test_the_application_imports_only_the_standard_library_attrs_and_the_domain():
    allowed = set(sys.stdlib_module_names) | {"attrs", "domain", "application", "__future__"}
    found = imported_top_levels("application")
    offenders = {m: f for m, f in found.items() if m not in allowed}
    assert offenders == {}
