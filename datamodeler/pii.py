"""A small PII classifier from column names and sampled value patterns; sets ``Column.pii``.

Classes: email, phone, ip_address, name, birth_date, address, credential, national_id, payment_card, free_text.
Columns classified here never get ``top_values`` stored and never reach an LLM prompt with their values.
"""

from __future__ import annotations

import re

from .identifiers import tokens

_NAME_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("email", ("email", "mail", "emailaddress", "e_mail")),
    ("phone", ("phone", "mobile", "fax", "telephone", "tel", "cell", "msisdn", "homephone")),
    ("ip_address", ("ip", "ipaddress", "ip_address", "ipv4", "ipv6")),
    ("birth_date", ("birthdate", "birth_date", "dob", "birthday", "date_of_birth")),
    ("credential", ("password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "salt", "hash")),
    ("national_id", ("ssn", "passport", "nationalid", "national_id", "taxid", "tax_id", "nin")),
    ("payment_card", ("iban", "creditcard", "cardnumber", "card_number", "ccnumber", "cc_number")),
    ("address", ("address", "street", "postalcode", "postal_code", "zip", "zipcode", "address1", "address2")),
    ("name", ("firstname", "lastname", "fullname", "surname", "givenname", "middlename", "contactname",
              "first_name", "last_name", "full_name", "username", "nickname", "displayname")),
    ("free_text", ("notes", "note", "comment", "comments", "message", "body", "bio", "remarks")),
)
_VALUE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")),
    ("ip_address", re.compile(r"^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]{6,39}$")),
    ("phone", re.compile(r"^\+?[\d\s().-]{7,20}$")),
)
_NON_PII_TYPES = ("int", "bool", "float", "double", "decimal", "numeric", "real", "money", "date", "time")
_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def classify_column(name: str, type_: str, sample_values: list[str] | None = None) -> str | None:
    """The PII class of a column from its name, then from value patterns; None when it does not look personal."""
    by_name = _classify_name(name)
    if by_name:
        return by_name
    if not sample_values or any(t in type_.lower() for t in _NON_PII_TYPES):
        return None
    return _classify_values(sample_values)


def _classify_name(name: str) -> str | None:
    parts = tokens(name)
    joined = "_".join(parts)
    compact = "".join(parts)
    for kind, words in _NAME_RULES:
        if any(w in (joined, compact) or w in parts for w in words):
            return kind
    if parts and parts[-1] == "name" and len(parts) >= 2 and parts[-2] in ("first", "last", "contact", "full", "user", "customer", "member", "person", "display"):
        return "name"
    return None


def _classify_values(values: list[str]) -> str | None:
    present = [v for v in values if v and not _DATE_LIKE.match(v)]
    if not present:
        return None
    for kind, pattern in _VALUE_RULES:
        if sum(bool(pattern.match(v)) for v in present) >= 0.8 * len(present):
            if kind == "phone" and all(v.replace(".", "").isdigit() for v in present):
                continue  # plain numbers are not phone numbers
            return kind
    return None
