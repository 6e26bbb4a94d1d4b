"""Suggesting and checking column mappings from headers in Portuguese, Spanish and English (pure)."""

from __future__ import annotations

import pytest

from resolvers.imports.mapping import (
    STANDARD_FIELDS,
    ColumnTarget,
    TargetKind,
    check_mapping,
    fold_header,
    split_tags,
    suggest_mapping,
)

IGNORE = ColumnTarget(TargetKind.IGNORE)
TAGS = ColumnTarget(TargetKind.TAGS)
OWNER = ColumnTarget(TargetKind.OWNER)


def field(name: str) -> ColumnTarget:
    return ColumnTarget(TargetKind.FIELD, name)


def custom(key: str) -> ColumnTarget:
    return ColumnTarget(TargetKind.CUSTOM_FIELD, key)


def test_fold_header_ignores_accents_case_punctuation_and_spacing() -> None:
    assert (
        fold_header("  Razão   Social ") == fold_header("razao_social") == fold_header("RAZAO-SOCIAL") == "razaosocial"
    )
    assert fold_header("E-mail") == fold_header("email") == "email"
    assert fold_header("Teléfono") == "telefono"
    assert fold_header("Nº") == "no"
    assert fold_header(" -- ") == ""


@pytest.mark.parametrize(
    ("header", "target"),
    [
        *[(h, field("name")) for h in ("nome", "Nome completo", "NOMBRE", "Name", "cliente", "Razão Social")],
        *[(h, field("tradeName")) for h in ("Nome Fantasia", "nombre comercial", "Trade name")],
        *[(h, field("email")) for h in ("e-mail", "E-Mail", "correo", "Correo electrónico", "email")],
        *[(h, field("phone")) for h in ("telefone", "Teléfono", "telefono", "phone", "Fone", "celular")],
        *[(h, field("whatsapp")) for h in ("WhatsApp", "zap", "wpp", "whats")],
        *[(h, field("document")) for h in ("CPF", "cnpj", "CPF/CNPJ", "documento", "Document")],
        *[(h, field("status")) for h in ("status", "Situação")],
        *[(h, field("originChannel")) for h in ("origem", "Canal", "origin", "channel", "Canal de origem")],
        *[(h, OWNER) for h in ("vendedor", "Responsável", "owner", "seller", "dono")],
        *[(h, field("street")) for h in ("rua", "Logradouro", "calle", "street")],
        *[(h, field("number")) for h in ("número", "numero", "Number", "Nº")],
        *[(h, field("complement")) for h in ("complemento",)],
        *[(h, field("neighbourhood")) for h in ("bairro", "barrio", "neighbourhood", "Neighborhood")],
        *[(h, field("city")) for h in ("cidade", "Ciudad", "city")],
        *[(h, field("state")) for h in ("UF", "estado", "state")],
        *[(h, field("postalCode")) for h in ("CEP", "Código Postal", "postal code", "zip")],
        *[(h, field("country")) for h in ("país", "pais", "Country")],
        *[(h, TAGS) for h in ("tag", "Tags", "etiqueta", "Etiquetas", "tag1", "Tag 2", "tag_10", "marcador")],
        *[(h, IGNORE) for h in ("", "   ", "observações", "tagarela", "id")],
    ],
)
def test_each_synonym_alone(header: str, target: ColumnTarget) -> None:
    assert suggest_mapping([header], []) == [target]


def test_every_standard_field_has_a_synonym() -> None:
    suggested = {t.field for h in ("nome", "nome fantasia", "email", "telefone", "whatsapp", "cpf", "status", "origem",
                                   "rua", "numero", "complemento", "bairro", "cidade", "uf", "cep", "pais")
                 for t in suggest_mapping([h], [])}  # fmt: skip
    assert suggested == set(STANDARD_FIELDS)


def test_a_whole_pt_br_sheet() -> None:
    headers = ["Nome", "E-mail", "Telefone", "Celular", "Tag1", "Tag2", "Vendedor", "Cidade", "UF", "Estado", "Obs"]
    assert suggest_mapping(headers, []) == [
        field("name"), field("email"), field("phone"), field("whatsapp"), TAGS, TAGS, OWNER,
        field("city"), field("state"), field("status"), IGNORE,
    ]  # fmt: skip


def test_ambiguous_headers_give_way_whatever_the_column_order() -> None:
    assert suggest_mapping(["estado", "uf"], []) == [field("status"), field("state")]
    assert suggest_mapping(["celular", "whatsapp", "telefone"], []) == [IGNORE, field("whatsapp"), field("phone")]


def test_no_field_gets_two_columns() -> None:
    assert suggest_mapping(["nome", "Nome", "email", "correo", "vendedor", "dono"], []) == [
        field("name"), IGNORE, field("email"), IGNORE, OWNER, IGNORE,
    ]  # fmt: skip


CUSTOM = [
    ("plano", "Plano"),
    ("canal", "Canal de venda"),
    ("origem_lead", "Canal"),
    ("aniversario", "Data de nascimento"),
]


def test_custom_fields_by_label_or_key() -> None:
    headers = ["PLANO", "canal de venda", "Data de Nascimento", "aniversário", "desconhecido"]
    assert suggest_mapping(headers, CUSTOM) == [
        custom("plano"), custom("canal"), custom("aniversario"), IGNORE, IGNORE,
    ]  # fmt: skip
    assert suggest_mapping(["aniversario"], CUSTOM) == [custom("aniversario")]


def test_a_label_beats_a_synonym_but_a_key_does_not() -> None:
    # "Canal" is a synonym of originChannel and the label of origem_lead: the label wins.
    assert suggest_mapping(["canal"], CUSTOM) == [custom("origem_lead")]
    # "canal" is also a key, but only a label outranks a synonym.
    assert suggest_mapping(["canal"], [("canal", "Canal de venda")]) == [field("originChannel")]
    # With the synonym's field taken elsewhere, a key still maps.
    assert suggest_mapping(["origem", "canal"], [("canal", "Canal de venda")]) == [
        field("originChannel"),
        custom("canal"),
    ]


def test_check_accepts_a_good_mapping() -> None:
    headers = ["nome", "tag1", "tag2", "plano", "obs", "vendedor"]
    mapping = [field("name"), TAGS, TAGS, custom("plano"), IGNORE, OWNER]
    assert check_mapping(mapping, headers, {"plano"}) == []
    assert check_mapping(suggest_mapping(headers, [("plano", "Plano")]), headers, {"plano"}) == []


def test_check_reports_every_problem() -> None:
    headers = ["a", "b", "c", "d", "e", "f", "g", "h"]
    mapping = [
        field("email"), field("emial"), custom("gone"), field("email"), ColumnTarget(TargetKind.TAGS, "x"),
        OWNER, OWNER, ColumnTarget(TargetKind.FIELD),
    ]  # fmt: skip
    assert check_mapping(mapping, headers, {"plano"}) == [
        'Column 2 ("b") is mapped to "emial", which is not a customer field.',
        'Column 3 ("c") is mapped to "gone", which is not an active custom field.',
        'Columns 1 ("a") and 4 ("d") are both mapped to "email".',
        'Column 5 ("e") is mapped to tags, which takes no field name.',
        'Columns 6 ("f") and 7 ("g") are both mapped to the owner.',
        'Column 8 ("h") is mapped to a field without naming it.',
        "No column is mapped to the customer's name.",
    ]


def test_check_reports_a_custom_field_twice_and_a_wrong_length() -> None:
    assert check_mapping([field("name"), custom("plano"), custom("plano")], ["n", "p", "q"], {"plano"}) == [
        'Columns 2 ("p") and 3 ("q") are both mapped to the custom field "plano".'
    ]
    assert check_mapping([field("name")], ["nome", "email"], set()) == ["The mapping has 1 columns but the file has 2."]


def test_check_accepts_kinds_given_as_plain_strings() -> None:
    mapping = [ColumnTarget("field", "name"), ColumnTarget("tags"), ColumnTarget("ignore")]  # type: ignore[arg-type]
    assert check_mapping(mapping, ["nome", "tags", "x"], set()) == []


@pytest.mark.parametrize(
    ("cell", "tags"),
    [
        ("vip, atacado; Sul", ["vip", "atacado", "Sul"]),
        ("VIP;vip; Vip ,atacado", ["VIP", "atacado"]),
        (" ; ,, ", []),
        ("", []),
        ("Cliente antigo", ["Cliente antigo"]),
        ("São Paulo;são paulo", ["São Paulo"]),
    ],
)
def test_split_tags(cell: str, tags: list[str]) -> None:
    assert split_tags(cell) == tags
