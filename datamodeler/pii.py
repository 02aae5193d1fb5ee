"""A PII classifier from column names and sampled values, and a scrubber of personal data inside free text.

Classes: email, phone, ip_address, name, birth_date, address, credential, national_id, payment_card, free_text.
``classify_column`` sets ``Column.pii`` from the name, then from values (a column named ``contact`` holding
``Ann Lee <ann@example.com>`` is an email column). ``find_spans`` / ``scrub_text`` find the same patterns inside
text (comments, descriptions, questions) and replace them by a placeholder such as ``<email>``. Every pattern
is validated (octets, Luhn, IBAN mod 97, SSN ranges, phone digit counts) so codes, dates, amounts, ids,
timestamps and version strings stay as they are. Pure functions, no IO.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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
PERSON_ROLE_WORDS = frozenset("""
manager owner contact rep representative agent author assignee reviewer approver creator salesperson seller
buyer requester reporter recipient sender driver supervisor employee customer member user person patient doctor
physician nurse teacher instructor student advisor consultant handler officer signatory witness by
""".split())
"""Name tokens of columns that may hold people's names (``account_manager``, ``created_by``, ``sales_rep``)."""
INTRODUCERS = PERSON_ROLE_WORDS | {"attn", "attention", "signed", "named", "mr", "mrs", "ms", "miss", "dr", "prof", "dear", "hi",
                                   "hello", "from", "to", "cc", "ask", "call", "email", "mail"}
"""Words that come before a person's name but are not part of it."""
ORGANISATION_WORDS = frozenset("""
team group department inc ltd llc gmbh corp co company platform service services system systems support engineering
finance sales marketing operations admin analytics data desk office unit
""".split())
"""Words that make a capitalised value an organisation, not a person (``Data Platform``, ``Acme Inc``)."""

VALUE_SHARE = 0.8  # share of sampled values that must look personal for a column to be classified by values
COVERED_SHARE = 0.7  # share of a value that personal spans must cover for the value to be of their kind
FREE_TEXT_SHARE = 0.1  # share of values that must contain personal spans for a text column to be free_text


@dataclass(frozen=True)
class Span:
    """A piece of personal data inside a text: ``text[start:end]`` is of ``kind``."""

    start: int
    end: int
    kind: str


# -- validators ---------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})")
_NANP = re.compile(r"^1?[2-9]\d{2}[2-9]\d{6}$")
_DATE_PREFIX = re.compile(r"^(19|20)\d{2}(0[1-9]|1[0-2])")


def luhn_valid(digits: str) -> bool:
    """The Luhn check digit of card numbers (and Canadian SINs) holds."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """The IBAN mod-97 checksum holds (ISO 13616)."""
    compact = text.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def phone_digits_valid(digits: str, formatted: bool) -> bool:
    """Digit counts of phone numbers: NANP (10, or 11 with a leading 1), else E.164's 8-15 (formatted only).

    A bare number is a phone only in the NANP shape or as 11-15 digits not starting with a date (``2024011…``).
    """
    if _NANP.match(digits):
        return True
    if formatted:
        return 8 <= len(digits) <= 15
    return 11 <= len(digits) <= 15 and digits[0] in "23456789" and not _DATE_PREFIX.match(digits)


def card_digits_valid(digits: str) -> bool:
    """13-19 digits, a card network's first digit (2-6) and a valid Luhn check digit."""
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits)


def ipv4_valid(text: str) -> bool:
    """Four octets up to 255; at least two of them with two digits, or a port (``1.2.3.4`` reads as a version)."""
    address, _, port = text.partition(":")
    octets = address.split(".")
    if len(octets) != 4 or any(not o.isdigit() or int(o) > 255 or (len(o) > 1 and o[0] == "0") for o in octets):
        return False
    return bool(port) or sum(len(o) >= 2 for o in octets) >= 2


def ipv6_valid(text: str) -> bool:
    """A real IPv6 address (``[addr]:port`` accepted) with at least three groups (``::1`` is not personal)."""
    address = text[1:].partition("]")[0] if text.startswith("[") else text
    try:
        ipaddress.IPv6Address(address.partition("%")[0])
    except ValueError:
        return False
    return sum(bool(group) for group in address.split(":")) >= 3


# -- detectors in text --------------------------------------------------------------------------

_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ'’"
_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
_PERSON = rf"{_WORD}(?:\s+(?:[{_UPPER}]\.\s+)?{_WORD}){{1,2}}"
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_DETECTORS: tuple[tuple[str, re.Pattern[str], Callable[[str], bool]], ...] = (
    ("email", re.compile(rf"(?<![\w.%+-]){_EMAIL}(?![\w-])"), lambda s: True),
    ("iban", re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])"), iban_valid),
    ("ip_address", re.compile(r"\[[0-9A-Fa-f:.%]+\](?::\d{1,5})?|(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])"),
     ipv6_valid),
    ("ip_address", re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])"), ipv4_valid),
    ("national_id", re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])"), lambda s: True),
    ("national_id", re.compile(r"(?<![\w-])[1-79]\d{2}-\d{3}-\d{3}(?![\w-])"), lambda s: luhn_valid(re.sub(r"\D", "", s))),
    ("payment_card", re.compile(r"(?<![\w-])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2}[ -]\d{1,4}(?:[ -]\d{3})?|\d{4}[ -]\d{6}[ -]\d{4,5})"
                                r"(?![\w-]|[ -]\d)"), lambda s: card_digits_valid(re.sub(r"\D", "", s))),
    ("phone", re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,6}(?![\w-])"), lambda s: _formatted_phone(s)),
    ("phone", re.compile(r"(?<![\w+-])(?:1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-])"), lambda s: _formatted_phone(s)),
    ("phone", re.compile(r"(?<![\w+-])0\d{1,4}(?:[ -]\d{2,8}){1,4}(?![\w-])"), lambda s: _formatted_phone(s) and len(re.sub(r"\D", "", s)) >= 10),
)
_DISPLAY_FORM = re.compile(rf"[^<>@\n]{{0,80}}<\s*{_EMAIL}\s*>")  # "Any Name <e-mail>", as mail headers write it
_PHONE_CONTEXT = re.compile(r"(?i)\b(?:phone|tel|mobile|cell|call|fax|sms|whatsapp|ph)\b\W{0,3}(\+?\d[\d .-]{6,17}\d)(?![\w-])")
_DISPLAY_NAME = re.compile(rf"({_PERSON})\s*[<(\[]\s*{_EMAIL}")
_INTRODUCED_NAME = re.compile(rf"(?:\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+|(?i:\b(?:owner|contact|manager|rep|agent|author|assignee|"
                              rf"attn|attention|by|signed|named)\b)\s*[:=-]?\s+)({_PERSON})")


def _formatted_phone(text: str) -> bool:
    return not _DATE.match(text.lstrip("+")) and phone_digits_valid(re.sub(r"\D", "", text), formatted=True)


def find_spans(text: str) -> list[Span]:
    """Personal data inside ``text``, left to right, without overlaps (the earlier detector wins a tie)."""
    found: list[Span] = []
    for kind, pattern, valid in _DETECTORS:
        found.extend(Span(m.start(), m.end(), kind) for m in pattern.finditer(text) if valid(m.group()))
    for match in _PHONE_CONTEXT.finditer(text):
        if phone_digits_valid(re.sub(r"\D", "", match.group(1)), formatted=True) and not _DATE.match(match.group(1)):
            found.append(Span(match.start(1), match.end(1), "phone"))
    for pattern in (_DISPLAY_NAME, _INTRODUCED_NAME):
        for match in pattern.finditer(text):
            start = match.start(1) + _introducer_length(match.group(1))
            if is_person_name(text[start:match.end(1)]):
                found.append(Span(start, match.end(1), "name"))
    return _without_overlaps(found)


def _introducer_length(words: str) -> int:
    """Characters of leading role words (``Contact Bob Stone <bob@x.io>`` names Bob Stone)."""
    length = 0
    for word in re.findall(r"\S+\s*", words):
        if word.strip().lower().rstrip(".:") not in INTRODUCERS:
            break
        length += len(word)
    return length


def _without_overlaps(spans: list[Span]) -> list[Span]:
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def scrub_text(text: str) -> str:
    """``text`` with every personal span replaced by ``<kind>``: ``call 415-555-0199`` -> ``call <phone>``."""
    spans = find_spans(text)
    if not spans:
        return text
    parts, last = [], 0
    for span in spans:
        parts.append(text[last:span.start] + f"<{span.kind}>")
        last = span.end
    return "".join(parts) + text[last:]


# -- whole values and columns -------------------------------------------------------------------


def is_person_name(value: str) -> bool:
    """Shaped like ``First Last`` (or ``Last, First``): two or three capitalised words, none an organisation word."""
    text = value.strip()
    if "," in text:
        last, _, first = text.partition(",")
        text = f"{first.strip()} {last.strip()}"
    if not re.fullmatch(_PERSON, text):
        return False
    return not any(word.lower().strip(".") in ORGANISATION_WORDS for word in text.split())


def value_kind(value: str, bare_numbers: bool = True) -> str | None:
    """The PII class of a whole value: personal spans cover most of it, or it is a bare phone/card number.

    ``bare_numbers=False`` leaves digit-only values to the column's classification: one ``2023000123`` may be a
    phone or an order number, and only the spread of a column's sampled values tells which.
    """
    text = str(value).strip()
    if not text:
        return None
    digits = text.lstrip("+")
    if digits.isdigit():
        if not bare_numbers and not text.startswith("+"):
            return None
        if card_digits_valid(digits) and len(digits) >= 15:
            return "payment_card"
        return "phone" if phone_digits_valid(digits, formatted=text.startswith("+")) else None
    if _DISPLAY_FORM.fullmatch(text):
        return "email"
    spans = find_spans(text)
    covered = sum(s.end - s.start for s in spans)
    if not spans or covered < COVERED_SHARE * len(text.replace(" ", "")):
        return None
    kinds = Counter(s.kind for s in spans if s.kind != "name")  # "Ann Lee <ann@x.io>" is an e-mail value
    kind = kinds.most_common(1)[0][0] if kinds else "name"
    return "payment_card" if kind == "iban" else kind  # as the name rule files `iban` columns


def classify_values(values: Iterable[str], column_name: str = "") -> str | None:
    """The PII class a column's sampled values show, or None: most look personal, some carry personal spans
    inside longer text (``free_text``), or a person-role column holds ``First Last`` names."""
    present = [str(v) for v in values if v is not None and str(v).strip()]
    if not present:
        return None
    kinds = Counter(kind for v in present if (kind := value_kind(v)))
    if kinds and sum(kinds.values()) >= VALUE_SHARE * len(present):
        kind = kinds.most_common(1)[0][0]
        return kind if kind != "phone" or _spread_out(present) else None
    if is_person_role(column_name) and sum(is_person_name(v) for v in present) >= VALUE_SHARE * len(present):
        return "name"
    spans = [find_spans(v) for v in present if len(v) > 20]
    with_spans = sum(bool(found) for found in spans)
    if not with_spans or with_spans < FREE_TEXT_SHARE * len(present):
        return None
    only_names = all(span.kind == "name" for found in spans for span in found)
    return "name" if only_names else "free_text"  # "Dr. Diana Rath", "Mr. Cristian Halvorson II"


def _spread_out(values: list[str]) -> bool:
    """Bare-digit "phones" that are one dense run (``2023000101``, ``2023000102`` …) are ids, not phones."""
    numbers = sorted(int(v.strip().lstrip("+")) for v in values if v.strip().lstrip("+").isdigit())
    if len(numbers) < 5:
        return True
    return numbers[-1] - numbers[0] > 100 * len(numbers)


def is_person_role(column_name: str) -> bool:
    """The column's name ends in a person role (``account_manager``, ``created_by``, ``owners``), so its values
    name people; ``customer_segment`` or ``owner_team`` do not."""
    parts = tokens(column_name)
    return bool(parts) and (parts[-1] in PERSON_ROLE_WORDS or parts[-1].rstrip("s") in PERSON_ROLE_WORDS)


def classify_column(name: str, type_: str, sample_values: list[str] | None = None) -> str | None:
    """The PII class of a column from its name, then from its sampled values; None when it does not look personal."""
    by_name = _classify_name(name)
    if by_name:
        return by_name
    if not sample_values or any(t in type_.lower() for t in ("bool", "float", "double", "real", "date", "time")):
        return None
    return classify_values(sample_values, name)


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
