"""Schemathesis hooks for both API documents, loaded by ``tests/api/fuzzing.py`` (``SCHEMATHESIS_HOOKS``)."""
import schemathesis
from hypothesis import strategies as st

# "email" in these documents means an address the app can send to, which the email_validator
# package checks: schemathesis' own strategy also draws special-use domains (.test, .invalid...)
# that it refuses. Plain addresses at public suffixes stand for the valid ones: dots only between
# the local part's atoms, and no hyphen at either end of the domain's label, as the validator wants.
schemathesis.openapi.format("email", st.from_regex(
    r"\A[a-z0-9][a-z0-9_%+-]{0,20}(\.[a-z0-9_%+-]{1,10}){0,2}"
    r"@[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?\.(com|net|org|io|de|fr|co\.uk)\Z"))
