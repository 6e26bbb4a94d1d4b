"""Which customer field each column of an imported file feeds: the suggestion made from its headers
(Portuguese, Spanish and English names, accents and case aside) and the check of a mapping.

"Estado" is ambiguous (the address's state in Brazil and Mexico, a status in Spain): it means the
state, unless another column (UF) already holds the state, then the status. Likewise "celular"
feeds the phone, or the WhatsApp number when another column holds the phone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from resolvers.tags import tag_key


class TargetKind(StrEnum):
    FIELD = "field"
    TAGS = "tags"
    CUSTOM_FIELD = "custom_field"
    OWNER = "owner"  # the seller holding the customer, by email
    IGNORE = "ignore"


ADDRESS_PARTS = ("street", "number", "complement", "neighbourhood", "city", "state", "postalCode", "country")
STANDARD_FIELDS: tuple[str, ...] = (
    "name",
    "tradeName",
    "email",
    "phone",
    "whatsapp",
    "document",
    "status",
    "originChannel",
    *ADDRESS_PARTS,
)


@dataclass(frozen=True)
class ColumnTarget:
    kind: TargetKind
    field: str | None = None  # FIELD: a STANDARD_FIELDS name; CUSTOM_FIELD: the custom field key; else None


IGNORE = ColumnTarget(TargetKind.IGNORE)
TAGS = ColumnTarget(TargetKind.TAGS)
OWNER = ColumnTarget(TargetKind.OWNER)

_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
_TAG_COLUMN = re.compile(r"(tags?|etiquetas?|marcador(es)?|labels?)\d*")


def fold_header(text: str) -> str:
    """ "E-mail", "email" and " EMAIL " fold alike; so do "Razão Social" and "razao_social"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_ALPHANUMERIC.sub("", plain.casefold())


def _synonyms() -> dict[str, tuple[ColumnTarget, ...]]:
    def field(*names: str) -> tuple[ColumnTarget, ...]:
        return tuple(ColumnTarget(TargetKind.FIELD, name) for name in names)

    groups: list[tuple[tuple[ColumnTarget, ...], str]] = [
        (field("name"), "nome nomecompleto nomedocliente nomecliente nombre nombrecompleto name fullname cliente "
                        "customer customername razaosocial"),
        (field("tradeName"), "nomefantasia fantasia nombrefantasia nombrecomercial tradename"),
        (field("email"), "email emails mail correo correoelectronico emailaddress enderecodeemail"),
        (field("phone"), "telefone telefono phone fone tel telephone phonenumber numerodetelefone"),
        (field("phone", "whatsapp"), "celular telefonecelular movil mobile cellphone"),
        (field("whatsapp"), "whatsapp whats wpp zap zapzap wa telefonewhatsapp numerowhatsapp"),
        (field("document"), "cpf cnpj cpfcnpj cnpjcpf cpfoucnpj documento document doc taxid dni"),
        (field("status"), "status situacao situacion estatus"),
        (field("originChannel"), "origem origen origin canal channel canaldeorigem canaldeorigen originchannel "
                                 "source"),
        ((OWNER,), "vendedor vendedora responsavel responsable owner seller dono consultor emaildovendedor "
                   "vendedoremail owneremail"),
        (field("street"), "rua logradouro endereco calle direccion street address"),
        (field("number"), "numero number num nro no n"),
        (field("complement"), "complemento complement compl"),
        (field("neighbourhood"), "bairro barrio neighbourhood neighborhood"),
        (field("city"), "cidade ciudad city municipio"),
        (field("state"), "uf state provincia province"),
        (field("state", "status"), "estado"),
        (field("postalCode"), "cep codigopostal postalcode postal zip zipcode"),
        (field("country"), "pais country"),
    ]  # fmt: skip
    return {word: targets for targets, words in groups for word in words.split()}


_SYNONYMS = _synonyms()


def _candidates(header: str, custom_fields: Sequence[tuple[str, str]]) -> list[ColumnTarget]:
    """What a header could mean, best first: a custom field by label, a synonym, a custom field by key."""
    folded = fold_header(header)
    if not folded:
        return []
    found = [ColumnTarget(TargetKind.CUSTOM_FIELD, key) for key, label in custom_fields if fold_header(label) == folded]
    found += _SYNONYMS.get(folded, (TAGS,) if _TAG_COLUMN.fullmatch(folded) else ())
    found += [ColumnTarget(TargetKind.CUSTOM_FIELD, key) for key, _ in custom_fields if fold_header(key) == folded]
    return list(dict.fromkeys(found))


def suggest_mapping(headers: list[str], custom_fields: Sequence[tuple[str, str]]) -> list[ColumnTarget]:
    """One target per header, in order; ``custom_fields`` are (key, label) of the company's active fields.

    No field gets two columns: columns with a single meaning choose first, then the others take
    their first meaning still free (in column order); what is left, or unknown, is ignored.
    """
    options = [_candidates(header, custom_fields) for header in headers]
    chosen: list[ColumnTarget | None] = [None] * len(headers)
    taken: set[ColumnTarget] = set()
    for unambiguous_only in (True, False):
        for i, targets in enumerate(options):
            if chosen[i] is not None or (unambiguous_only and len(targets) != 1):
                continue
            target = next((t for t in targets if t.kind == TargetKind.TAGS or t not in taken), None)
            if target is not None:
                chosen[i] = target
                taken.add(target)
    return [target or IGNORE for target in chosen]


def check_mapping(mapping: list[ColumnTarget], headers: list[str], custom_field_keys: set[str]) -> list[str]:
    """The problems of a mapping, as sentences for the user; empty when it can be used."""
    if len(mapping) != len(headers):
        return [f"The mapping has {len(mapping)} columns but the file has {len(headers)}."]
    problems: list[str] = []
    first_column: dict[ColumnTarget, int] = {}
    for i, (target, header) in enumerate(zip(mapping, headers, strict=True)):
        column = f'Column {i + 1} ("{header}")'
        if target.kind in (TargetKind.FIELD, TargetKind.CUSTOM_FIELD) and not target.field:
            problems.append(f"{column} is mapped to a {target.kind.replace('_', ' ')} without naming it.")
        elif target.kind == TargetKind.FIELD and target.field not in STANDARD_FIELDS:
            problems.append(f'{column} is mapped to "{target.field}", which is not a customer field.')
        elif target.kind == TargetKind.CUSTOM_FIELD and target.field not in custom_field_keys:
            problems.append(f'{column} is mapped to "{target.field}", which is not an active custom field.')
        elif target.kind not in (TargetKind.FIELD, TargetKind.CUSTOM_FIELD) and target.field is not None:
            problems.append(f"{column} is mapped to {target.kind}, which takes no field name.")
        elif target.kind in (TargetKind.FIELD, TargetKind.CUSTOM_FIELD, TargetKind.OWNER):
            if target in first_column:
                j = first_column[target]
                problems.append(
                    f'Columns {j + 1} ("{headers[j]}") and {i + 1} ("{header}") are both mapped to {_describe(target)}.'
                )
            else:
                first_column[target] = i
    if ColumnTarget(TargetKind.FIELD, "name") not in mapping:
        problems.append("No column is mapped to the customer's name.")
    return problems


def _describe(target: ColumnTarget) -> str:
    if target.kind == TargetKind.OWNER:
        return "the owner"
    if target.kind == TargetKind.CUSTOM_FIELD:
        return f'the custom field "{target.field}"'
    return f'"{target.field}"'


def split_tags(cell: str) -> list[str]:
    """Tag names in a cell, split on commas and semicolons; a repeat (in any case) is dropped."""
    tags: dict[str, str] = {}
    for part in re.split(r"[,;]", cell):
        name = part.strip()
        if name:
            tags.setdefault(tag_key(name), name)
    return list(tags.values())
