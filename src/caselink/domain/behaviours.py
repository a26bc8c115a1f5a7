"""Behaviour taxonomy: codes grouped by domain, onto which any force's coding scheme maps.

The taxonomy is data (a TOML file shipped with caselink, replaceable by configuration). A
report's ``mo.<name>`` values are behaviours when ``<name>`` is a taxonomy domain, and free
categorical attributes otherwise, so a ViCLAS-style questionnaire fits without code changes.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from caselink.domain.errors import InvalidValue


@dataclass(frozen=True, slots=True, order=True)
class Behaviour:
    domain: str
    code: str


@dataclass(frozen=True, slots=True)
class BehaviourDomain:
    name: str
    title: str
    codes: Mapping[str, str]  # code -> label
    aliases: Mapping[str, str]  # another scheme's code -> our code


@dataclass(frozen=True, slots=True)
class Taxonomy:
    name: str
    domains: Mapping[str, BehaviourDomain]

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> "Taxonomy":
        """Build from the parsed taxonomy file: ``name`` and ``[domains.<name>]`` tables.

        Each domain has a ``title``, a ``codes`` table (code = label) and optionally an
        ``aliases`` table (foreign code = our code) for mapping another force's scheme.
        """
        name = str(data.get("name", "unnamed taxonomy"))
        raw_domains = data.get("domains")
        if not isinstance(raw_domains, Mapping) or not raw_domains:
            raise InvalidValue("taxonomy", name, "has no [domains.*] tables")
        domains: dict[str, BehaviourDomain] = {}
        for key, raw in raw_domains.items():
            if not isinstance(raw, Mapping) or not isinstance(raw.get("codes"), Mapping):
                raise InvalidValue("taxonomy", key, "a domain needs a codes table")
            codes = {str(c).lower(): str(label) for c, label in raw["codes"].items()}
            aliases = {
                str(a).lower(): str(c).lower() for a, c in dict(raw.get("aliases", {})).items()
            }
            for alias, target in aliases.items():
                if target not in codes:
                    raise InvalidValue(
                        "taxonomy", f"{key}.aliases.{alias}", f"points at unknown code {target!r}"
                    )
            domains[str(key)] = BehaviourDomain(
                str(key), str(raw.get("title", key)), codes, aliases
            )
        return cls(name, domains)

    def is_domain(self, name: str) -> bool:
        return name in self.domains

    def behaviour(self, domain: str, code: str) -> Behaviour:
        """The behaviour for a code (or a mapped alias) in a domain; an unknown code is refused."""
        d = self.domains[domain]
        key = code.strip().lower()
        key = d.aliases.get(key, key)
        if key not in d.codes:
            known = ", ".join(sorted(d.codes))
            raise InvalidValue(
                f"mo.{domain}", code, f"not a code of domain {domain} (known: {known})"
            )
        return Behaviour(domain, key)

    def label(self, behaviour: Behaviour) -> str:
        return self.domains[behaviour.domain].codes.get(behaviour.code, behaviour.code)
