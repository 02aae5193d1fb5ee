"""The JSON answers the LLM tasks expect, as pydantic models keyed by the ``schema_name`` of ``complete_json``.

A new task adds one model and one line to ``RESPONSE_MODELS``; the client validates every answer against it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Answer(BaseModel):
    """Base of every answer: unknown keys are ignored, so chatty models do not fail validation."""

    model_config = ConfigDict(extra="ignore")


class EntityDoc(Answer):
    entity: str = Field(description="the entity name as given in the data block")
    name: str = Field(description="a short business name for the entity, singular, e.g. Member")
    description: str


class ColumnDoc(Answer):
    column: str
    description: str


class TableDoc(Answer):
    table: str = Field(description="schema.table exactly as given in the data block")
    description: str
    columns: list[ColumnDoc] = Field(default_factory=list)


class GlossaryTerm(Answer):
    term: str
    definition: str
    tables: list[str] = Field(default_factory=list)


class EntityDocs(Answer):
    """The answer to ``describe_entities``."""

    entities: list[EntityDoc] = Field(default_factory=list)
    tables: list[TableDoc] = Field(default_factory=list)
    glossary: list[GlossaryTerm] = Field(default_factory=list)


class RelationshipIdea(Answer):
    child_table: str
    child_columns: list[str]
    parent_table: str
    parent_columns: list[str]
    reason: str = ""


class RelationshipIdeas(Answer):
    """The answer to ``propose_relationships``."""

    relationships: list[RelationshipIdea] = Field(default_factory=list)


RESPONSE_MODELS: dict[str, type[Answer]] = {
    "describe_entities": EntityDocs,
    "propose_relationships": RelationshipIdeas,
}


def validate_answer(data: object, schema_name: str) -> dict:
    """The answer as a plain dict, validated against ``RESPONSE_MODELS[schema_name]`` when there is one.

    Raises ``ValueError`` naming the first offending field (``tables.0.description: Field required``).
    """
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    model = RESPONSE_MODELS.get(schema_name)
    if model is None:
        return data
    try:
        return model.model_validate(data).model_dump()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(root)"
        raise ValueError(f"does not match {schema_name}: {where}: {first['msg']}") from None
