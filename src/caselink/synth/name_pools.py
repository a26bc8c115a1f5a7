"""Pools of UK names, streets, towns and postcodes, built from Faker (en_GB) once per dataset.

Calling Faker per person record is far too slow for hundreds of thousands of records, so the
generator takes Faker's own name lists and a few thousand Faker-made streets, towns and
postcodes, seeded, and samples from them with numpy. Nicknames are the common English ones.
"""

from dataclasses import dataclass

import numpy as np
from faker import Faker

N_STREETS = 2000
N_TOWNS = 400
N_POSTCODES = 4000

# Common English short forms; the generator writes these in place of the full forename now and
# then, as people give them and officers record them.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby"),
    "William": ("Bill", "Will", "Billy"),
    "Richard": ("Rich", "Dick", "Richie"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "John": ("Jack", "Johnny"),
    "Michael": ("Mike", "Mick", "Mickey"),
    "Christopher": ("Chris",),
    "Thomas": ("Tom", "Tommy"),
    "Stephen": ("Steve",),
    "Steven": ("Steve",),
    "Andrew": ("Andy", "Drew"),
    "Daniel": ("Dan", "Danny"),
    "Peter": ("Pete",),
    "Matthew": ("Matt",),
    "Anthony": ("Tony", "Ant"),
    "Alexander": ("Alex", "Sandy"),
    "Benjamin": ("Ben",),
    "Philip": ("Phil",),
    "Joseph": ("Joe", "Joey"),
    "Jonathan": ("Jon", "Jonny"),
    "Nicholas": ("Nick", "Nicky"),
    "Timothy": ("Tim",),
    "Kenneth": ("Ken", "Kenny"),
    "Raymond": ("Ray",),
    "Geoffrey": ("Geoff",),
    "Samuel": ("Sam", "Sammy"),
    "Joshua": ("Josh",),
    "David": ("Dave", "Davey"),
    "Edward": ("Ed", "Eddie", "Ted"),
    "Charles": ("Charlie",),
    "Frederick": ("Fred", "Freddie"),
    "Henry": ("Harry", "Hal"),
    "Lewis": ("Lew",),
    "Gareth": ("Gaz",),
    "Gary": ("Gaz",),
    "Terence": ("Terry",),
    "Leonard": ("Len",),
    "Margaret": ("Maggie", "Peggy", "Meg"),
    "Elizabeth": ("Liz", "Beth", "Lizzie"),
    "Rebecca": ("Becky", "Becca"),
    "Jacqueline": ("Jackie",),
    "Victoria": ("Vicky", "Tori"),
    "Samantha": ("Sam", "Sammy"),
    "Jennifer": ("Jen", "Jenny"),
    "Katherine": ("Kate", "Kathy"),
    "Catherine": ("Cathy", "Kate"),
    "Deborah": ("Debbie", "Deb"),
    "Patricia": ("Pat", "Trish"),
    "Christine": ("Chris", "Chrissie"),
    "Nicola": ("Nicky",),
    "Jessica": ("Jess",),
    "Charlotte": ("Charlie", "Lottie"),
    "Susan": ("Sue", "Susie"),
    "Alexandra": ("Alex",),
    "Caroline": ("Caz", "Carrie"),
    "Barbara": ("Babs",),
    "Pamela": ("Pam",),
    "Gillian": ("Gill",),
    "Abigail": ("Abbie", "Abi"),
    "Kimberley": ("Kim",),
    "Natalie": ("Nat",),
    "Stephanie": ("Steph",),
    "Joanne": ("Jo",),
    "Amanda": ("Mandy",),
}


@dataclass(frozen=True, slots=True)
class NamePools:
    """Forenames (male ones first, then female), surnames with weights, and address parts."""

    forenames: np.ndarray
    n_male: int
    forename_weight: np.ndarray
    surnames: np.ndarray
    surname_weight: np.ndarray
    streets: np.ndarray
    towns: np.ndarray
    postcodes: np.ndarray
    nickname: np.ndarray  # per forename: one nickname or None

    def draw_forenames(self, male: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Forename indices (into ``forenames``) of the right sex, by popularity."""
        n = len(male)
        m_w = self.forename_weight[: self.n_male]
        f_w = self.forename_weight[self.n_male :]
        m = rng.choice(self.n_male, n, p=m_w / m_w.sum())
        f = self.n_male + rng.choice(len(f_w), n, p=f_w / f_w.sum())
        return np.where(male, m, f)

    def draw_surnames(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Surname indices by the frequency weights Faker's list carries."""
        w = self.surname_weight
        return rng.choice(len(self.surnames), n, p=w / w.sum())


def build_pools(seed: int) -> NamePools:
    """Build the pools from a Faker (en_GB) seeded with ``seed``: a few thousand Faker calls.

    Faker's en_GB forename lists come in order of popularity, so their weights fall with rank.
    """
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    person = next(p for p in fake.providers if type(p).__module__.endswith("person.en_GB"))
    male = list(person.first_names_male)
    female = list(person.first_names_female)
    forenames = np.array(male + female, dtype=object)
    weight = np.concatenate(
        [1.0 / (np.arange(len(male)) + 10.0), 1.0 / (np.arange(len(female)) + 10.0)]
    )
    surnames_map = dict(person.last_names)
    surnames = np.array(list(surnames_map), dtype=object)
    s_weight = np.array([float(surnames_map[s]) for s in surnames])
    streets = np.array(sorted({fake.street_name() for _ in range(N_STREETS)}), dtype=object)
    towns = np.array(sorted({fake.city() for _ in range(N_TOWNS)}), dtype=object)
    postcodes = np.array([fake.postcode() for _ in range(N_POSTCODES)], dtype=object)
    rng = np.random.default_rng(seed)
    nickname = np.array(
        [
            NICKNAMES[name][rng.integers(0, len(NICKNAMES[name]))] if name in NICKNAMES else None
            for name in forenames
        ],
        dtype=object,
    )
    return NamePools(
        forenames=forenames,
        n_male=len(male),
        forename_weight=weight,
        surnames=surnames,
        surname_weight=s_weight,
        streets=streets,
        towns=towns,
        postcodes=postcodes,
        nickname=nickname,
    )
