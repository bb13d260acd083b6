"""Issue 16 item 8: the Spanish reads as written in Spanish, one term per idea (CLINICAL.md,
"Spanish text"). Every visitor-facing Spanish string of the shipped content is scanned: the
calques and second terms a bilingual clinician struck out must not come back, and the chosen
term for each idea is the one used. The lists are typed in here on purpose (docs/clinical-
rules.md has the same table)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.content import Content

ROOT = Path(__file__).resolve().parents[2]
SPANISH = ROOT / "resources" / "content" / "es"

# Struck out -> why (what is used instead). Matched as whole words, case-insensitively.
FORBIDDEN = {
    "bienvenido": 'masculine; "Le damos la bienvenida"',
    "registro": 'the check-in is "el cuestionario"',
    "evaluación": 'screening is "prueba de detección"',
    "tamizaje": 'screening is "prueba de detección"',
    "examen de detección": 'screening is "prueba de detección"',
    "para nada": 'calque of "not at all"; option 0 is "Ningún día", a fit answer "Nada"',
    "omitir": 'skipping is "saltar"; the state is "sin contestar"',
    "omitió": 'skipping is "saltar"; the state is "sin contestar"',
    "omitieron": 'skipping is "saltar"; the state is "sin contestar"',
    "no respondida": 'the state is "sin contestar"',
    "primer nombre": 'calque of "first name"; "su nombre"',
    "está viendo a": 'calque of "seeing a therapist"; "¿Recibe ahora terapia o consejería?"',
    "sus sentimientos": 'calque of "your feelings"; "por cómo se ha sentido"',
    "hay ayuda disponible": 'calque of "help is available"; "Podemos ayudarle"',
    "lado a lado": 'calque of "side by side"; "comparados"',
    "terapia regular": 'calque of "regular therapy"; "terapia periódica"',
    "ambulatoria regular": 'calque; "habitual"',
    "destrezas": 'one word for skills: "habilidades"',
    "ptsd": 'the Spanish acronym is "TEPT"',
    "mostrador": 'the front desk is "la recepción"',
    "empleados": 'staff is "el personal"',
}
# Idea -> the term used for it, and a key whose text must carry it.
CHOSEN = {
    "screening": ("prueba de detección", ("results", "not_a_diagnosis")),
    "the check-in": ("cuestionario", ("ui", "welcome", "checkin")),
    "welcome": ("Le damos la bienvenida", ("ui", "welcome", "greeting")),
    "clinician": ("profesional clínico", ("results", "clinician_decides")),
    "skipped": ("Sin contestar", ("ui", "report", "skipped")),
}


def _strings(value: object, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key == "source":
                continue  # where a text came from, written for the clinic in English
            yield from _strings(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _strings(inner, (*path, str(index)))


def spanish_texts() -> list[tuple[str, str]]:
    """(file: key path, text) for every string of every Spanish content file."""
    found = []
    for path in sorted(SPANISH.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for keys, text in _strings(data, ()):
            found.append((f"{path.name}: {'.'.join(keys)}", text))
    return found


def test_the_scan_sees_every_spanish_file() -> None:
    files = {where.split(":")[0] for where, _ in spanish_texts()}
    expected = {"fit.toml", "instruments.toml", "programs.toml", "results.toml", "safety.toml"}
    assert files >= expected | {"ui.toml"}
    assert len(spanish_texts()) > 150


@pytest.mark.parametrize("term", sorted(FORBIDDEN))
def test_no_calque_or_second_term(term: str) -> None:
    pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
    hits = [where for where, text in spanish_texts() if pattern.search(text)]
    assert not hits, f"{term!r} ({FORBIDDEN[term]}) in {hits}"


@pytest.mark.parametrize("idea", sorted(CHOSEN))
def test_the_chosen_term_is_the_one_used(content: Content, idea: str) -> None:
    term, (part, *keys) = CHOSEN[idea]
    lc = content["es"]
    text = (
        lc.strings(".".join(keys)) if part == "ui" else str(getattr(lc.screening.results, keys[0]))
    )
    assert term in text, (idea, text)


def test_usted_throughout() -> None:
    """No informal "tú" forms in what the visitor reads."""
    informal = re.compile(r"(?<!\w)(tú|tu|tienes|puedes|quieres|eres|estás|te)(?!\w)", re.I)
    hits = [(where, text) for where, text in spanish_texts() if informal.search(text)]
    assert not hits
