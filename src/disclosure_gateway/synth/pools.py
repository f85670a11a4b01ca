"""Pools the generator samples from: names (drawn once from seeded Faker), streets and real
city/state/ZIP triples. Built once per seed; every row afterwards samples with random.Random.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from random import Random

from faker import Faker

# Real city / state / ZIP triples; every ZIP's 3-digit prefix belongs to its state (USPS).
CITY_TRIPLES: tuple[tuple[str, str, str], ...] = (
    ("Houston", "TX", "77002"), ("Houston", "TX", "77036"), ("Houston", "TX", "77081"),
    ("Houston", "TX", "77011"), ("Houston", "TX", "77087"), ("Dallas", "TX", "75211"),
    ("Dallas", "TX", "75216"), ("Dallas", "TX", "75228"), ("San Antonio", "TX", "78207"),
    ("San Antonio", "TX", "78228"), ("San Antonio", "TX", "78237"), ("El Paso", "TX", "79905"),
    ("El Paso", "TX", "79924"), ("El Paso", "TX", "79936"), ("Austin", "TX", "78741"),
    ("Austin", "TX", "78753"), ("Fort Worth", "TX", "76106"), ("Fort Worth", "TX", "76119"),
    ("Brownsville", "TX", "78520"), ("McAllen", "TX", "78501"), ("Laredo", "TX", "78040"),
    ("Pasadena", "TX", "77506"), ("Irving", "TX", "75061"), ("Garland", "TX", "75040"),
    ("Los Angeles", "CA", "90011"), ("Los Angeles", "CA", "90022"), ("Los Angeles", "CA", "90001"),
    ("Los Angeles", "CA", "90044"), ("Santa Ana", "CA", "92701"), ("Santa Ana", "CA", "92704"),
    ("Anaheim", "CA", "92805"), ("San Diego", "CA", "92105"), ("San Diego", "CA", "92113"),
    ("San Jose", "CA", "95122"), ("San Jose", "CA", "95116"), ("Fresno", "CA", "93701"),
    ("Fresno", "CA", "93706"), ("Oakland", "CA", "94601"), ("Bakersfield", "CA", "93307"),
    ("Riverside", "CA", "92503"), ("Salinas", "CA", "93905"), ("Oxnard", "CA", "93030"),
    ("Stockton", "CA", "95206"), ("Sacramento", "CA", "95823"), ("San Francisco", "CA", "94110"),
    ("Vista", "CA", "92084"), ("Pomona", "CA", "91766"), ("Long Beach", "CA", "90805"),
    ("Phoenix", "AZ", "85009"), ("Phoenix", "AZ", "85031"), ("Phoenix", "AZ", "85033"),
    ("Phoenix", "AZ", "85041"), ("Tucson", "AZ", "85705"), ("Tucson", "AZ", "85713"),
    ("Mesa", "AZ", "85201"), ("Yuma", "AZ", "85364"), ("Albuquerque", "NM", "87105"),
    ("Albuquerque", "NM", "87121"), ("Las Cruces", "NM", "88001"), ("Las Vegas", "NV", "89101"),
    ("Las Vegas", "NV", "89115"), ("Reno", "NV", "89502"), ("Denver", "CO", "80219"),
    ("Denver", "CO", "80204"), ("Aurora", "CO", "80010"), ("Chicago", "IL", "60608"),
    ("Chicago", "IL", "60623"), ("Chicago", "IL", "60632"), ("Chicago", "IL", "60629"),
    ("Chicago", "IL", "60639"), ("Cicero", "IL", "60804"), ("Waukegan", "IL", "60085"),
    ("Aurora", "IL", "60505"), ("New York", "NY", "10032"), ("New York", "NY", "10033"),
    ("New York", "NY", "10040"), ("Bronx", "NY", "10458"), ("Bronx", "NY", "10453"),
    ("Brooklyn", "NY", "11220"), ("Brooklyn", "NY", "11221"), ("Corona", "NY", "11368"),
    ("Jackson Heights", "NY", "11372"), ("Flushing", "NY", "11355"), ("Yonkers", "NY", "10701"),
    ("Newark", "NJ", "07105"), ("Paterson", "NJ", "07501"), ("Union City", "NJ", "07087"),
    ("Elizabeth", "NJ", "07201"), ("Passaic", "NJ", "07055"), ("Perth Amboy", "NJ", "08861"),
    ("Miami", "FL", "33125"), ("Miami", "FL", "33135"), ("Miami", "FL", "33142"),
    ("Hialeah", "FL", "33010"), ("Hialeah", "FL", "33012"), ("Orlando", "FL", "32822"),
    ("Orlando", "FL", "32839"), ("Tampa", "FL", "33604"), ("Homestead", "FL", "33030"),
    ("Kissimmee", "FL", "34741"), ("Immokalee", "FL", "34142"), ("Jacksonville", "FL", "32210"),
    ("Atlanta", "GA", "30315"), ("Dalton", "GA", "30720"), ("Gainesville", "GA", "30501"),
    ("Norcross", "GA", "30093"), ("Charlotte", "NC", "28205"), ("Charlotte", "NC", "28212"),
    ("Raleigh", "NC", "27610"), ("Durham", "NC", "27707"), ("Greensboro", "NC", "27405"),
    ("Greenville", "SC", "29605"), ("Nashville", "TN", "37211"), ("Memphis", "TN", "38118"),
    ("Arlington", "VA", "22204"), ("Alexandria", "VA", "22304"), ("Manassas", "VA", "20110"),
    ("Woodbridge", "VA", "22191"), ("Silver Spring", "MD", "20906"), ("Hyattsville", "MD", "20783"),
    ("Baltimore", "MD", "21224"), ("Gaithersburg", "MD", "20877"), ("Washington", "DC", "20011"),
    ("Washington", "DC", "20010"), ("East Boston", "MA", "02128"), ("Chelsea", "MA", "02150"),
    ("Lawrence", "MA", "01841"), ("Lynn", "MA", "01902"), ("Worcester", "MA", "01603"),
    ("Providence", "RI", "02907"), ("Providence", "RI", "02909"), ("Hartford", "CT", "06106"),
    ("Bridgeport", "CT", "06608"), ("Stamford", "CT", "06902"), ("Philadelphia", "PA", "19120"),
    ("Philadelphia", "PA", "19140"), ("Reading", "PA", "19601"), ("Allentown", "PA", "18102"),
    ("Columbus", "OH", "43229"), ("Cleveland", "OH", "44102"), ("Cincinnati", "OH", "45238"),
    ("Detroit", "MI", "48209"), ("Grand Rapids", "MI", "49507"), ("Indianapolis", "IN", "46222"),
    ("Elkhart", "IN", "46516"), ("Milwaukee", "WI", "53204"), ("Milwaukee", "WI", "53215"),
    ("Minneapolis", "MN", "55407"), ("Saint Paul", "MN", "55106"), ("Des Moines", "IA", "50315"),
    ("Omaha", "NE", "68107"), ("Lincoln", "NE", "68504"), ("Wichita", "KS", "67211"),
    ("Kansas City", "KS", "66102"), ("Garden City", "KS", "67846"), ("Dodge City", "KS", "67801"),
    ("Kansas City", "MO", "64124"), ("Saint Louis", "MO", "63111"),
    ("Oklahoma City", "OK", "73109"), ("Tulsa", "OK", "74112"), ("Springdale", "AR", "72764"),
    ("Rogers", "AR", "72756"), ("New Orleans", "LA", "70119"), ("Kenner", "LA", "70062"),
    ("Baton Rouge", "LA", "70815"), ("Jackson", "MS", "39209"), ("Birmingham", "AL", "35206"),
    ("Albertville", "AL", "35950"), ("Louisville", "KY", "40214"), ("Lexington", "KY", "40505"),
    ("Salt Lake City", "UT", "84104"), ("West Valley City", "UT", "84119"),
    ("Provo", "UT", "84601"), ("Boise", "ID", "83704"), ("Nampa", "ID", "83651"),
    ("Caldwell", "ID", "83605"), ("Portland", "OR", "97266"), ("Portland", "OR", "97233"),
    ("Salem", "OR", "97301"), ("Hillsboro", "OR", "97123"), ("Seattle", "WA", "98108"),
    ("Seattle", "WA", "98118"), ("Yakima", "WA", "98902"), ("Pasco", "WA", "99301"),
    ("Wenatchee", "WA", "98801"), ("Tacoma", "WA", "98404"), ("Honolulu", "HI", "96817"),
    ("Anchorage", "AK", "99508"), ("San Juan", "PR", "00907"), ("Bayamon", "PR", "00961"),
    ("Carolina", "PR", "00983"), ("Wilmington", "DE", "19805"), ("Dover", "DE", "19901"),
    ("Charleston", "WV", "25302"), ("Manchester", "NH", "03102"), ("Burlington", "VT", "05401"),
    ("Portland", "ME", "04101"), ("Billings", "MT", "59101"), ("Cheyenne", "WY", "82001"),
    ("Fargo", "ND", "58102"), ("Sioux Falls", "SD", "57103"),
)  # fmt: skip

STATE_NAMES: dict[str, str] = {
    "TX": "Texas", "CA": "California", "AZ": "Arizona", "NM": "New Mexico", "NV": "Nevada",
    "CO": "Colorado", "IL": "Illinois", "NY": "New York", "NJ": "New Jersey", "FL": "Florida",
    "GA": "Georgia", "NC": "North Carolina", "WA": "Washington", "OR": "Oregon",
    "PA": "Pennsylvania", "MA": "Massachusetts", "VA": "Virginia", "MD": "Maryland",
}  # fmt: skip

# Street types (USPS Pub 28 abbreviation -> full word) and directionals.
STREET_TYPES: dict[str, str] = {
    "St": "Street", "Ave": "Avenue", "Blvd": "Boulevard", "Dr": "Drive", "Rd": "Road",
    "Ln": "Lane", "Ct": "Court", "Pl": "Place", "Way": "Way", "Pkwy": "Parkway",
    "Cir": "Circle", "Ter": "Terrace", "Trl": "Trail",
}  # fmt: skip
DIRECTIONALS: dict[str, str] = {"N": "North", "S": "South", "E": "East", "W": "West"}
SPANISH_TYPES: tuple[str, ...] = ("Calle", "Avenida", "Camino", "Via")

STREET_BASES: tuple[str, ...] = (
    "Main", "Oak", "Maple", "Cedar", "Elm", "Walnut", "Willow", "Cherry", "Magnolia",
    "Sycamore", "Birch", "Hickory", "Pecan", "Mesquite", "Cypress", "Laurel", "Chestnut",
    "Washington", "Lincoln", "Jefferson", "Madison", "Monroe", "Jackson", "Franklin", "Adams",
    "Grant", "Cesar Chavez", "Alamo", "Guadalupe", "Zarzamora", "Montezuma", "Las Palmas",
    "San Pedro", "Santa Rosa", "Los Altos", "Durango", "Nogalitos", "Frio", "Commerce",
    "Division", "Fulton", "Kedzie", "Pulaski", "Cicero", "Western", "Ashland", "Halsted",
    "Belmont", "Fullerton", "Irving", "Lawrence", "Devon", "Roosevelt", "Cermak", "Bryant",
    "Mission", "Valencia", "Guerrero", "Folsom", "Harrison", "Alvarado", "Figueroa", "Hoover",
    "Vermont", "Normandie", "Broadway", "Olympic", "Pico", "Whittier", "Atlantic", "Florence",
    "Gage", "Slauson", "Bell", "Ramona", "Dolores", "Lomita", "Sierra", "Nevada", "Arizona",
    "Colorado", "Dakota", "Kansas", "Wabash", "Market", "Church", "School", "College", "Front",
    "Water", "Bridge", "Spruce", "Poplar", "Locust", "Mulberry", "Juniper", "Aspen", "Sage",
    "Bluebonnet", "Primrose", "Jasmine", "Orchid", "Dahlia", "Azalea", "Gardenia",
)  # fmt: skip
SPANISH_STREET_BASES: tuple[str, ...] = (
    "Peña", "Juárez", "Hidalgo", "Morelos", "Zaragoza", "Allende", "Guerrero", "Obregón",
    "Madero", "Bolívar", "Colón", "Cortés", "Santa Fe", "del Sol", "Real", "Esperanza",
    "Los Robles", "Las Flores", "San Andrés", "Río Bravo", "Christina", "Escondido",
)  # fmt: skip
# Words that are themselves USPS street types or directionals: never a street's name.
_STREET_WORDS = frozenset(
    """
    ALLEY AVE AVENUE BEND BLVD BLUFF BRANCH BROOK BURG BYPASS CAMP CANYON CAPE CENTER CIRCLE
    CLIFF CLUB COMMON CORNER COURSE COURT COVE CREEK CREST CROSSING DALE DAM DIVIDE DRIVE
    ESTATE ESTATES EXPRESSWAY FALLS FERRY FIELD FIELDS FLAT FORD FOREST FORGE FORK FORT FREEWAY
    GARDEN GARDENS GATEWAY GLEN GREEN GROVE HARBOR HAVEN HEIGHTS HIGHWAY HILL HILLS HOLLOW
    INLET ISLAND ISLE JUNCTION KEY KNOLL LAKE LAKES LAND LANDING LANE LIGHT LOCK LODGE LOOP
    MALL MANOR MEADOW MEADOWS MILL MILLS MISSION MOUNT MOUNTAIN NECK ORCHARD OVAL PARK PARKWAY
    PASS PATH PIKE PINE PINES PLACE PLAIN PLAINS PLAZA POINT PORT PRAIRIE RADIAL RANCH RAPID
    RAPIDS REST RIDGE RIVER ROAD ROUTE ROW RUN SHOAL SHORE SHORES SKYWAY SPRING SPRINGS SQUARE
    STATION STREAM STREET SUMMIT TERRACE TRACE TRACK TRAIL TUNNEL TURNPIKE UNION VALLEY VIEW
    VILLAGE VILLE VISTA WALK WALL WAY WELL WELLS NORTH SOUTH EAST WEST SAINT ST APT UNIT SUITE
    BOX PO JR SR II III
    """.split()  # noqa: SIM905
)

HISPANIC_COMPOUND_FIRST: tuple[str, ...] = (
    "María José", "Juan Carlos", "José Luis", "María Guadalupe", "Luz María", "Juan Pablo",
    "María de los Ángeles", "José Antonio", "María Fernanda", "Ana María", "Miguel Ángel",
    "María del Carmen", "Jesús Alberto", "Juan Manuel", "María Elena", "José Francisco",
)  # fmt: skip
HISPANIC_PARTICLE_SURNAMES: tuple[str, ...] = (
    "de la Cruz", "del Río", "de León", "de los Santos", "de la Rosa", "de la Garza",
    "de Jesús", "del Valle",
)  # fmt: skip
COMMON_COMPLEX_SURNAMES: tuple[str, ...] = (
    "García", "Hernández", "Martínez", "López", "Rodríguez", "González", "Pérez", "Sánchez",
    "Nguyen", "Tran", "Smith", "Johnson", "Williams", "Kim", "Patel", "Ali",
)  # fmt: skip
ARABIC_FIRST: tuple[str, ...] = (
    "Mohammed", "Ahmed", "Omar", "Youssef", "Khalid", "Hassan", "Hussein", "Ibrahim", "Mustafa",
    "Tariq", "Samir", "Karim", "Fatima", "Aisha", "Layla", "Nour", "Amina", "Mariam", "Huda",
    "Rania", "Salma", "Yasmin", "Zainab", "Khadija",
)  # fmt: skip
ARABIC_LAST: tuple[str, ...] = (
    "Haddad", "Khoury", "Mansour", "Nasser", "Saleh", "Hamdan", "Al-Sayed", "Abdullah",
    "Farouk", "Aziz", "El-Amin", "Darwish", "Sabbagh", "Qureshi", "Rahman", "Hamid", "Yousef",
    "Bakr", "Shalabi", "Awad",
)  # fmt: skip
VIETNAMESE_FIRST_EXTRA: tuple[str, ...] = (
    "Tuấn", "Long", "Phong", "Sơn", "Hiếu", "Thu", "Hằng", "Trang", "Nhung", "Loan", "Tâm",
)  # fmt: skip
VIETNAMESE_LAST_EXTRA: tuple[str, ...] = ("Huỳnh", "Phan", "Võ", "Đỗ", "Hồ", "Ngô", "Lý", "Trương")

CULTURES: tuple[str, ...] = ("hispanic", "english", "vietnamese", "chinese", "indian", "arabic")
CULTURE_WEIGHTS: tuple[int, ...] = (34, 40, 7, 6, 7, 6)

POOL_SIZE = 2500


@dataclass(frozen=True, slots=True)
class NamePool:
    """First names (male, female), middle names and surnames of one culture."""

    male: tuple[str, ...]
    female: tuple[str, ...]
    middle: tuple[str, ...]
    surnames: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pools:
    names: dict[str, NamePool]
    streets: tuple[tuple[str, str, str, bool], ...]  # (predir, name, type, type_first)
    cities: tuple[tuple[str, str, str], ...]
    common_surnames: tuple[str, ...]


# Real names that read as placeholder text (the gateway's NAME_INVALID rule refuses them).
_PLACEHOLDER_LOOKALIKES = frozenset({"na", "none", "null", "test", "unk", "x", "nfn", "nmn"})


def _draw(fake: Faker, method: str, count: int) -> tuple[str, ...]:
    drawn = (getattr(fake, method)() for _ in range(count))
    return tuple(n for n in drawn if _usable(n))


def _usable(name: str) -> bool:
    return name.replace(" ", "").replace("-", "").isalpha() and (
        name.casefold() not in _PLACEHOLDER_LOOKALIKES
    )


def _hispanic(seed: int) -> NamePool:
    fake = Faker("es_MX")
    fake.seed_instance(seed)
    surnames = _draw(fake, "last_name", POOL_SIZE) + HISPANIC_PARTICLE_SURNAMES
    return NamePool(
        male=_draw(fake, "first_name_male", POOL_SIZE // 2) + HISPANIC_COMPOUND_FIRST[::2],
        female=_draw(fake, "first_name_female", POOL_SIZE // 2) + HISPANIC_COMPOUND_FIRST[1::2],
        middle=_draw(fake, "first_name", POOL_SIZE // 4),
        surnames=tuple(s.replace("Crúz", "Cruz") for s in surnames),
    )


def _faker_pool(locale: str, seed: int) -> NamePool:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return NamePool(
        male=_draw(fake, "first_name_male", POOL_SIZE // 2),
        female=_draw(fake, "first_name_female", POOL_SIZE // 2),
        middle=_draw(fake, "first_name", POOL_SIZE // 4),
        surnames=_draw(fake, "last_name", POOL_SIZE),
    )


def _listed_pool(rng: Random, first: tuple[str, ...], last: tuple[str, ...]) -> NamePool:
    half = len(first) // 2
    return NamePool(
        male=first[:half], female=first[half:], middle=tuple(rng.sample(first, half)), surnames=last
    )


def _vietnamese(seed: int) -> NamePool:
    from faker.providers.person.vi_VN import Provider as Vi

    fake = Faker("vi_VN")
    fake.seed_instance(seed)
    return NamePool(
        male=tuple(Vi.first_names_male) + VIETNAMESE_FIRST_EXTRA[:5],
        female=tuple(Vi.first_names_female) + VIETNAMESE_FIRST_EXTRA[5:],
        middle=tuple(Vi.middle_names),
        surnames=_draw(fake, "last_name", 400) + VIETNAMESE_LAST_EXTRA,
    )


def _chinese(rng: Random) -> NamePool:
    from faker.providers.person.zh_CN import Provider as Zh

    first = tuple(n for n in Zh.first_romanized_names if _usable(n))
    first += ("Wei", "Ming", "Hui", "Xiaoling", "Jun", "Lei")
    return _listed_pool(rng, first, tuple(Zh.last_romanized_names))


def _streets(rng: Random, seed: int) -> tuple[tuple[str, str, str, bool], ...]:
    fake = Faker("en_US")
    fake.seed_instance(seed + 1)
    extra = [n for n in _draw(fake, "last_name", 600) if n.upper() not in _STREET_WORDS]
    bases = sorted(set(STREET_BASES) | set(extra))
    ordinals = [_ordinal(i) for i in range(1, 61)]
    seen: set[tuple[str, str, str, bool]] = set()
    out: list[tuple[str, str, str, bool]] = []
    while len(out) < 1500:
        if rng.random() < 0.12:
            street = ("", rng.choice(SPANISH_STREET_BASES), rng.choice(SPANISH_TYPES), True)
        else:
            name = rng.choice(ordinals) if rng.random() < 0.12 else rng.choice(bases)
            predir = rng.choice(tuple(DIRECTIONALS)) if rng.random() < 0.25 else ""
            street = (predir, name, rng.choice(tuple(STREET_TYPES)), False)
        if street not in seen:
            seen.add(street)
            out.append(street)
    return tuple(out)


def _ordinal(i: int) -> str:
    suffix = "th" if 10 <= i % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(i % 10, "th")
    return f"{i}{suffix}"


@lru_cache(maxsize=4)
def build_pools(seed: int) -> Pools:
    """Every pool for one seed; deterministic (seeded Faker, then random.Random)."""
    rng = Random(f"pools:{seed}")
    en_in = _faker_pool("en_IN", seed)
    names = {
        "hispanic": _hispanic(seed),
        "english": _faker_pool("en_US", seed),
        "vietnamese": _vietnamese(seed),
        "chinese": _chinese(rng),
        "indian": en_in,
        "arabic": _listed_pool(rng, ARABIC_FIRST, ARABIC_LAST),
    }
    cities = tuple(dict.fromkeys(CITY_TRIPLES))
    return Pools(names, _streets(rng, seed), cities, COMMON_COMPLEX_SURNAMES)


def spanish_nicknames(text: str) -> dict[str, tuple[str, ...]]:
    """`name -> nicknames` from the text of data/nicknames_es.csv (header `name,nickname`)."""
    table: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        table.setdefault(row["name"].strip(), []).append(row["nickname"].strip())
    return {name: tuple(nicks) for name, nicks in table.items()}
