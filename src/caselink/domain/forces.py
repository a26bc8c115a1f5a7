"""The 44 police force areas of England and Wales, spelt as in the Home Office tables."""

FORCES: tuple[str, ...] = (
    "Avon and Somerset",
    "Bedfordshire",
    "British Transport Police",
    "Cambridgeshire",
    "Cheshire",
    "Cleveland",
    "Cumbria",
    "Derbyshire",
    "Devon and Cornwall",
    "Dorset",
    "Durham",
    "Dyfed-Powys",
    "Essex",
    "Gloucestershire",
    "Greater Manchester",
    "Gwent",
    "Hampshire",
    "Hertfordshire",
    "Humberside",
    "Kent",
    "Lancashire",
    "Leicestershire",
    "Lincolnshire",
    "London, City of",
    "Merseyside",
    "Metropolitan Police",
    "Norfolk",
    "North Wales",
    "North Yorkshire",
    "Northamptonshire",
    "Northumbria",
    "Nottinghamshire",
    "South Wales",
    "South Yorkshire",
    "Staffordshire",
    "Suffolk",
    "Surrey",
    "Sussex",
    "Thames Valley",
    "Warwickshire",
    "West Mercia",
    "West Midlands",
    "West Yorkshire",
    "Wiltshire",
)

_BY_FOLDED = {name.casefold(): name for name in FORCES}
# police.uk and other sources spell some forces their own way.
_ALIASES = {
    "city of london police": "London, City of",
    "city of london": "London, City of",
    "metropolitan police service": "Metropolitan Police",
    "avon and somerset constabulary": "Avon and Somerset",
    "devon & cornwall police": "Devon and Cornwall",
    "devon & cornwall": "Devon and Cornwall",
    "dyfed-powys police": "Dyfed-Powys",
    "greater manchester police": "Greater Manchester",
}


def canonical_force(name: str) -> str | None:
    """The force's canonical name, or None when the name is not one of the 44 areas.

    Accepts any letter case, a trailing "Police"/"Constabulary", and the spellings police.uk uses.
    """
    folded = " ".join(name.split()).casefold()
    if folded in _BY_FOLDED:
        return _BY_FOLDED[folded]
    if folded in _ALIASES:
        return _ALIASES[folded]
    for suffix in (" police", " constabulary", " police service"):
        if folded.endswith(suffix) and folded[: -len(suffix)] in _BY_FOLDED:
            return _BY_FOLDED[folded[: -len(suffix)]]
    return None
