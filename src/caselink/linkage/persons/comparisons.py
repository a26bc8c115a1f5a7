"""The person model's specification: comparisons, blocking rules and training rules.

Built from Splink's comparison-level library so the same specification generates SQL for
DuckDB or Spark; ``model_settings`` returns it as a Splink settings dictionary, which is what a
run stores (with the trained parameters) in ``person_runs.model``. docs/persons.md explains
each comparison and rule and why it is there.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator

UNIQUE_ID = "unique_id"
# Carried through prediction so entities can be checked for people in more than one role.
RETAINED = ["role"]


def forename_comparison() -> ComparisonCreator:
    """Forename: exact (weighted by how common the name is), a known nickname (Bob and
    Robert), close spellings, or the other record's surname (names written the wrong way round).
    """
    forename = "forename_std"
    return cl.CustomComparison(
        output_column_name="forename",
        comparison_description="forename",
        comparison_levels=[
            cll.NullLevel(forename),
            cll.ExactMatchLevel(forename).configure(tf_adjustment_column=forename),
            cll.ArrayIntersectLevel("forename_alts", min_intersection=1).configure(
                label_for_charts="nickname of the same name"
            ),
            cll.JaroWinklerLevel(forename, 0.92),
            cll.JaroWinklerLevel(forename, 0.85),
            cll.CustomLevel(
                "forename_std_l = surname_std_r OR forename_std_r = surname_std_l",
                label_for_charts="forename is the other's surname",
            ),
            cll.ElseLevel(),
        ],
    )


def surname_comparison() -> ComparisonCreator:
    """Surname: exact (weighted by how common it is), close spellings, or the other record's
    forename."""
    surname = "surname_std"
    return cl.CustomComparison(
        output_column_name="surname",
        comparison_description="surname",
        comparison_levels=[
            cll.NullLevel(surname),
            cll.ExactMatchLevel(surname).configure(tf_adjustment_column=surname),
            cll.CustomLevel(
                "surname_std_l = forename_std_r OR surname_std_r = forename_std_l",
                label_for_charts="surname is the other's forename",
            ),
            cll.JaroWinklerLevel(surname, 0.92),
            cll.JaroWinklerLevel(surname, 0.85),
            cll.ElseLevel(),
        ],
    )


def alias_comparison() -> ComparisonCreator:
    """An alias recorded on one record is the other's name."""
    return cl.CustomComparison(
        output_column_name="alias",
        comparison_description="aliases",
        comparison_levels=[
            cll.CustomLevel(
                "alias_names_l IS NULL AND alias_names_r IS NULL", label_for_charts="no aliases"
            ).configure(is_null_level=True),
            # Splink's own level, not list_has_any: it is written for each backend, where
            # list_has_any translated to Spark SQL as an operator Spark does not have
            cll.ArrayIntersectLevel("alias_names", min_intersection=1).configure(
                label_for_charts="an alias in common"
            ),
            cll.CustomLevel(
                "list_contains(alias_names_l, full_name_r) "
                "OR list_contains(alias_names_r, full_name_l)",
                label_for_charts="one's name is the other's alias",
                base_dialect_str="duckdb",
            ),
            cll.ElseLevel(),
        ],
    )


def day_month_swapped(left: str, right: str) -> str:
    """SQL: two ISO dates of birth with the same year and day and month the other way round."""
    return (
        f"substr({left}, 1, 4) = substr({right}, 1, 4) "
        f"AND substr({left}, 6, 2) = substr({right}, 9, 2) "
        f"AND substr({left}, 9, 2) = substr({right}, 6, 2)"
    )


def dob_comparison() -> ComparisonCreator:
    """Date of birth: exact, day and month swapped, one keystroke, a year out, year only."""
    return cl.CustomComparison(
        output_column_name="dob",
        comparison_description="date of birth (ISO text after reading)",
        comparison_levels=[
            cll.Or(cll.NullLevel("dob_year")).configure(is_null_level=True),
            cll.ExactMatchLevel("dob").configure(label_for_charts="date of birth exact"),
            cll.CustomLevel(
                day_month_swapped("dob_l", "dob_r"),
                label_for_charts="day and month swapped",
            ),
            cll.LevenshteinLevel("dob", 1).configure(label_for_charts="one character differs"),
            # ISO text in each backend's own date format (Splink's default for it), so the
            # one specification runs on DuckDB and on Spark
            cll.AbsoluteDateDifferenceLevel(
                "dob", input_is_string=True, threshold=1, metric="year"
            ).configure(label_for_charts="within a year"),
            cll.And(cll.Or(cll.NullLevel("dob")), cll.ExactMatchLevel("dob_year")).configure(
                label_for_charts="year of birth only, same year"
            ),
            cll.ElseLevel(),
        ],
    )


def place_comparison() -> ComparisonCreator:
    """Address and postcode together: people move, and the two say the same thing twice."""
    postcode, address = "postcode_std", "address_std"
    sector = "regexp_extract(postcode_std, '^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9]')"
    return cl.CustomComparison(
        output_column_name="place",
        comparison_description="postcode and address",
        comparison_levels=[
            cll.And(cll.Or(cll.NullLevel(postcode)), cll.Or(cll.NullLevel(address))).configure(
                is_null_level=True
            ),
            cll.And(cll.ExactMatchLevel(postcode), cll.ExactMatchLevel(address)).configure(
                label_for_charts="postcode and address exact"
            ),
            cll.ExactMatchLevel(postcode).configure(label_for_charts="postcode exact"),
            cll.JaroWinklerLevel(address, 0.9).configure(
                label_for_charts="address Jaro-Winkler >= 0.9"
            ),
            cll.CustomLevel(
                f"{sector.replace('postcode_std', 'postcode_std_l')} = "
                f"{sector.replace('postcode_std', 'postcode_std_r')} "
                f"AND {sector.replace('postcode_std', 'postcode_std_l')} <> ''",
                label_for_charts="postcode sector",
                base_dialect_str="duckdb",
            ),
            cll.ElseLevel(),
        ],
    )


def phone_comparison() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="phone",
        comparison_description="phone number (digits, UK national form)",
        comparison_levels=[
            cll.NullLevel("phone_std"),
            cll.ExactMatchLevel("phone_std").configure(label_for_charts="phone exact"),
            cll.LevenshteinLevel("phone_std", 1).configure(label_for_charts="one digit differs"),
            cll.ElseLevel(),
        ],
    )


def identifier_comparison() -> ComparisonCreator:
    """Identifiers such as a PNC ID: one in common is near-conclusive, two different ones
    are strong evidence of two people."""
    return cl.CustomComparison(
        output_column_name="identifiers",
        comparison_description="identifiers (PNC ID and others)",
        comparison_levels=[
            cll.NullLevel("identifiers"),
            cll.ArrayIntersectLevel("identifiers", min_intersection=1).configure(
                label_for_charts="an identifier in common"
            ),
            cll.ElseLevel(),
        ],
    )


def force_comparison() -> ComparisonCreator:
    """The force whose report records the person, and the roles: people are mostly named near
    home, so two records of one name in one force are likelier one person than across the
    country; and offending repeats, so two suspect records are likelier one person than, say,
    a complainant and a witness."""
    both_suspects = "role_l = 'suspect' AND role_r = 'suspect'"
    return cl.CustomComparison(
        output_column_name="force",
        comparison_description="recording force and roles",
        comparison_levels=[
            cll.NullLevel("force_std"),
            cll.And(cll.ExactMatchLevel("force_std"), cll.CustomLevel(both_suspects)).configure(
                label_for_charts="same force, both suspects"
            ),
            cll.ExactMatchLevel("force_std").configure(label_for_charts="same force"),
            cll.CustomLevel(both_suspects, label_for_charts="both suspects"),
            cll.ElseLevel(),
        ],
    )


def comparisons() -> list[ComparisonCreator]:
    return [
        forename_comparison(),
        surname_comparison(),
        dob_comparison(),
        place_comparison(),
        phone_comparison(),
        identifier_comparison(),
        alias_comparison(),
        force_comparison(),
    ]


# Pairs worth scoring: each block needs two fields to agree (or one rare one), so blocks stay
# small at a million records; between them they catch a typo, a nickname, a missing field or a
# move. Kept as column lists so a run can count each block's pairs before making them.
PREDICTION_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("first_identifier",),
    ("surname_std", "dob"),
    ("forename_key", "surname_std"),
    ("forename_key", "dob"),
    ("surname_std", "postcode_std"),
    ("forename_key", "postcode_std"),
    ("phone_std",),
    ("first_alias", "force_std"),
    ("dob", "postcode_std"),
    ("surname_std", "dob_year", "substr(forename_std, 1, 1)"),
)
# Forename and surname written the wrong way round.
SWAPPED_NAMES = "l.forename_std = r.surname_std AND l.surname_std = r.forename_std"


def prediction_blocking_rules(
    blocks: Sequence[tuple[str, ...]] = PREDICTION_BLOCKS, swapped: bool = True
) -> list[BlockingRuleCreator]:
    """The blocking rules of ``blocks`` (and of swapped names): the pairs a run scores."""
    rules: list[BlockingRuleCreator] = [block_on(*columns) for columns in blocks]
    if swapped:
        rules.append(CustomRule(SWAPPED_NAMES))
    return rules


# Expectation maximisation runs once per block; a block cannot train the comparisons it blocks
# on, so between them every comparison is trained at least once.
TRAINING_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("forename_key", "surname_std"),
    ("dob", "postcode_std"),
    ("phone_std",),
)


def training_blocking_rules(
    blocks: Sequence[tuple[str, ...]] = TRAINING_BLOCKS,
) -> list[BlockingRuleCreator]:
    """The blocking rules expectation maximisation runs on, one session each."""
    return [block_on(*columns) for columns in blocks]


# Rules that admit almost no false matches, and how many true matches they are thought to find:
# used to estimate the prior (the chance two records picked at random are the same person).
DETERMINISTIC_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("first_identifier",),
    ("full_name", "dob"),
    ("surname_std", "dob", "postcode_std"),
)


def deterministic_rules(blocks: Sequence[tuple[str, ...]] = DETERMINISTIC_BLOCKS) -> list[str]:
    """The near-certain rules as SQL conditions on a pair (``l.`` and ``r.``)."""
    return [" AND ".join(f"l.{c} = r.{c}" for c in columns) for columns in blocks]


DETERMINISTIC_RULES = tuple(deterministic_rules())
DETERMINISTIC_RECALL = 0.7


@dataclass(frozen=True, slots=True)
class PersonModelSpec:
    """How a run trains and scores; stored with the run (``person_runs.figures['spec']``)."""

    # The threshold used when no target precision is given (``target_precision=None``);
    # otherwise the run chooses it from the model's own estimate of precision. The target is
    # 0.999 because the estimate flatters at scale: at a million synthetic records a target
    # of 0.995 chose 0.847 and measured 0.986; 0.999 chose 0.969 and measured 0.997.
    threshold: float = 0.95
    target_precision: float | None = 0.999
    # A pair inside an entity whose direct match probability is below ``weak_link`` flags the
    # entity (the model, asked about the two alone, thinks them likelier two people); below
    # ``split_below`` it splits the entity, whatever chain of links joined them. Measured,
    # splitting removed no false merge on any set and cost the synthetic truth recall (a
    # fifth of it at 0.5, a hundredth even at 1e-6): true records of one person often
    # disagree. So by default entities are flagged, and their weak pairs go first to the
    # analysts' review, whose "different" splits them in the next run.
    weak_link: float = 0.5
    split_below: float = 0.0
    # Entities up to this size have every pair inside them scored; larger ones are counted.
    check_max: int = 100
    # The most pairs one blocking rule may make; a rule past it is left out of the run (a
    # million records of one surname would make billions of pairs and exhaust memory).
    max_block_pairs: int = 25_000_000
    u_max_pairs: float = 5e6
    seed: int = 42
    em_max_iterations: int = 20
    deterministic_recall: float = DETERMINISTIC_RECALL
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError("the match threshold is a probability strictly between 0 and 1")
        if self.target_precision is not None and not 0.0 < self.target_precision < 1.0:
            raise ValueError("the target precision is a proportion strictly between 0 and 1")
        if not 0.0 <= self.split_below <= self.weak_link < 1.0:
            raise ValueError("0 <= split_below <= weak_link < 1: they are probabilities")
        if not 0.0 < self.deterministic_recall <= 1.0:
            raise ValueError("deterministic recall is a proportion in (0, 1]")

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "target_precision": self.target_precision,
            "weak_link": self.weak_link,
            "split_below": self.split_below,
            "check_max": self.check_max,
            "max_block_pairs": self.max_block_pairs,
            "u_max_pairs": self.u_max_pairs,
            "seed": self.seed,
            "em_max_iterations": self.em_max_iterations,
            "deterministic_recall": self.deterministic_recall,
            **self.extra,
        }


def settings_creator(
    spec: PersonModelSpec,
    blocks: Sequence[tuple[str, ...]] = PREDICTION_BLOCKS,
    swapped: bool = True,
) -> SettingsCreator:
    """The untrained Splink settings for ``spec``, scoring the pairs of ``blocks``."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID,
        comparisons=[*comparisons()],
        blocking_rules_to_generate_predictions=[*prediction_blocking_rules(blocks, swapped)],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=RETAINED,
        max_iterations=spec.em_max_iterations,
        em_convergence=0.001,
    )


def model_settings(spec: PersonModelSpec, dialect: str = "duckdb") -> dict[str, Any]:
    """The untrained model as a Splink settings dictionary (SQL in ``dialect``)."""
    settings: dict[str, Any] = settings_creator(spec).get_settings(dialect).as_dict()  # type: ignore[no-untyped-call]
    return settings
