"""The B2B story behind the generated extracts.

Accounts (about 15% ABM targets in three tiers) with contacts and leads; leads score up,
qualify, convert, recycle and reopen; campaigns, e-mails and web visits touch them;
opportunities move through stages and close; won business becomes subscriptions that renew,
expand, contract, churn and come back; customers answer NPS surveys; marketing and sales
spend money every month. ABM accounts are built to behave differently (higher win rate,
larger deals, longer cycles, more engaged people) so that every ABM vs non-ABM KPI has
something true to show.

Every random draw comes from a generator seeded by (seed, table or stage name), so the output
is a pure function of seed, scale and as-of date.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from abm_warehouse.raw.generator.defects import fmt_ts

SITE = "https://www.abmwarehouse-demo.com"
INDUSTRIES = (
    ("Software", 0.22),
    ("Financial Services", 0.15),
    ("Healthcare", 0.12),
    ("Manufacturing", 0.13),
    ("Retail", 0.12),
    ("Education", 0.08),
    ("Media", 0.08),
    ("Logistics", 0.10),
)
COUNTRIES = (
    ("US", "USD", 0.55),
    ("GB", "GBP", 0.12),
    ("DE", "EUR", 0.12),
    ("FR", "EUR", 0.06),
    ("CA", "CAD", 0.09),
    ("AU", "AUD", 0.06),
)
BASE_RATES = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "CAD": 1.36, "AUD": 1.52}
FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com")
FIRST = (
    "alex",
    "sam",
    "maria",
    "li",
    "noah",
    "emma",
    "omar",
    "sofia",
    "raj",
    "lena",
    "tom",
    "ana",
    "yuki",
    "ivan",
    "zoe",
    "paul",
    "nina",
    "ali",
    "kim",
    "eva",
)
LAST = (
    "smith",
    "garcia",
    "chen",
    "mueller",
    "rossi",
    "patel",
    "kim",
    "novak",
    "silva",
    "jones",
    "dubois",
    "tanaka",
    "berg",
    "khan",
    "lopez",
    "brown",
)
TITLES = (
    "VP Marketing",
    "Head of Demand Gen",
    "CMO",
    "Marketing Manager",
    "CFO",
    "CTO",
    "IT Director",
    "Sales Ops Manager",
    "Analyst",
    "RevOps Lead",
)
DEPARTMENTS = ("Marketing", "Finance", "IT", "Sales", "Operations")
LEAD_SOURCES = (
    "Web",
    "Paid Search",
    "Paid Social",
    "Event",
    "Webinar",
    "Referral",
    "Content Syndication",
    "Outbound",
)
STAGES = ("Prospecting", "Discovery", "Demo", "Proposal", "Negotiation")
STAGE_PROB = {
    "Prospecting": 10,
    "Discovery": 20,
    "Demo": 40,
    "Proposal": 60,
    "Negotiation": 80,
    "Closed Won": 100,
    "Closed Lost": 0,
}
CAMPAIGN_TYPES = (
    "Email",
    "Webinar",
    "Paid Search",
    "Paid Social",
    "Content Syndication",
    "Event",
    "ABM Ads",
    "Direct Mail",
)
KEYWORDS = (
    "abm software",
    "account based marketing",
    "b2b attribution",
    "marketing roi",
    "intent data",
    "lead scoring",
    "pipeline analytics",
    "mqa definition",
    "buying committee",
    "demand generation",
    "b2b funnel metrics",
    "marketing mix",
    "multi touch attribution",
    "customer ltv",
    "net revenue retention",
    "sales velocity",
    "abm platform",
    "crm analytics",
    "revenue operations",
    "b2b benchmarks",
)


def rng_for(seed: int, name: str) -> np.random.Generator:
    """An independent, stable random stream per (seed, name)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def d(value: date) -> str:
    return value.isoformat()


def b(value: bool) -> str:
    return "true" if value else "false"


def money(value: float) -> str:
    return f"{value:.2f}"


@dataclass
class Account:
    id: str
    domain: str
    tier: str | None
    industry: str
    employees: int
    country: str
    currency: str
    created: datetime
    owner: str
    propensity: float  # how engaged its people are (ABM higher)

    @property
    def is_abm(self) -> bool:
        return self.tier is not None


@dataclass
class Person:
    idx: int
    email: str
    first: str
    last: str
    title: str
    account: Account | None
    created: datetime
    source: str
    engagement: float
    lead_id: str | None = None
    contact_id: str | None = None
    converted: date | None = None
    mql_at: datetime | None = None


@dataclass
class World:
    """The in-memory entities (accounts, people, deals); events are streamed separately."""

    seed: int
    scale: float
    as_of: datetime  # last instant of as_of_date is as_of + 1 day
    start: datetime
    # more web sessions and e-mail recipients per person, without more people: reaches large
    # event volumes while memory (which follows the entities) stays put
    event_multiplier: int = 1
    users: list[dict] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    campaigns: list[dict] = field(default_factory=list)
    content: list[dict] = field(default_factory=list)
    forms: list[dict] = field(default_factory=list)
    rates: dict = field(default_factory=dict)  # (currency, month start) -> rate
    tables: dict = field(default_factory=dict)  # small tables: name -> list of rows

    @property
    def end(self) -> datetime:
        return self.as_of + timedelta(days=1)

    def loaded_at(self) -> str:
        return fmt_ts(self.as_of + timedelta(hours=30))  # the extract: next morning 06:00

    def rand_time(self, rng, lo: datetime, hi: datetime) -> datetime:
        span = max((hi - lo).total_seconds(), 1.0)
        t = lo + timedelta(seconds=float(rng.uniform(0, span)))
        return t.replace(microsecond=0)

    def rate(self, currency: str, day: date) -> float:
        return self.rates[(currency, date(day.year, day.month, 1))]


def _sf_id(prefix: str, n: int) -> str:
    return f"{prefix}{n:012d}"


def _months(start: datetime, end: datetime) -> Iterator[date]:
    m = date(start.year, start.month, 1)
    while m < end.date():
        yield m
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)


def build_world(
    seed: int, scale: float, as_of: date, years: int = 3, event_multiplier: int = 1
) -> World:
    as_of_dt = datetime(as_of.year, as_of.month, as_of.day)
    start = datetime(as_of.year - years, as_of.month, 1) + timedelta(days=31)
    start = start.replace(day=1)
    w = World(
        seed=seed, scale=scale, as_of=as_of_dt, start=start, event_multiplier=event_multiplier
    )
    _rates(w)
    _users(w)
    _accounts(w)
    _persons(w)
    _campaigns_and_content(w)
    return w


def _rates(w: World) -> None:
    rng = rng_for(w.seed, "rates")
    rows = []
    months = list(_months(w.start - timedelta(days=370), w.end + timedelta(days=40)))
    n = 0
    for cur, base in BASE_RATES.items():
        level = base
        for i, m in enumerate(months):
            if cur != "USD":
                level = level * float(np.exp(rng.normal(0, 0.012)))
            w.rates[(cur, m)] = round(level, 6)
            nxt = months[i + 1] if i + 1 < len(months) else None
            n += 1
            rows.append(
                {
                    "id": _sf_id("04w", n),
                    "iso_code": cur,
                    "conversion_rate": f"{w.rates[(cur, m)]:.6f}",
                    "start_date": d(m),
                    "next_start_date": d(nxt) if nxt else None,
                    "_loaded_at": w.loaded_at(),
                }
            )
    w.tables["dated_conversion_rate"] = rows


def _users(w: World) -> None:
    rng = rng_for(w.seed, "users")
    n = max(6, int(round(18 * w.scale**0.5)))
    depts = ["Sales"] * (n // 2) + ["SDR"] * (n // 4)
    depts += ["Marketing"] * (n - len(depts))
    for i, dept in enumerate(depts, 1):
        w.users.append(
            {
                "id": _sf_id("005", i),
                "name": f"{FIRST[i % len(FIRST)].title()} {LAST[i % len(LAST)].title()}",
                "department": dept,
                "is_active": b(rng.random() > 0.1),
                "_loaded_at": w.loaded_at(),
            }
        )
    w.tables["user"] = w.users


def _accounts(w: World) -> None:
    rng = rng_for(w.seed, "accounts")
    n = max(20, int(round(600 * w.scale)))
    industries, iw = zip(*INDUSTRIES, strict=True)
    iw = np.array(iw) / sum(iw)
    cw = np.array([c[2] for c in COUNTRIES])
    cw = cw / cw.sum()
    sales = [u["id"] for u in w.users if u["department"] == "Sales"]
    rows = []
    for i in range(1, n + 1):
        u = rng.random()
        tier = "Tier 1" if u < 0.03 else "Tier 2" if u < 0.08 else "Tier 3" if u < 0.15 else None
        industry = industries[int(rng.choice(len(industries), p=iw))]
        country, currency, _ = COUNTRIES[int(rng.choice(len(COUNTRIES), p=cw))]
        employees = int(np.clip(rng.lognormal(5.5 + (1.0 if tier else 0.0), 1.2), 5, 200_000))
        created = w.rand_time(rng, w.start - timedelta(days=400), w.end - timedelta(days=60))
        acc = Account(
            id=_sf_id("001", i),
            domain=f"{LAST[i % len(LAST)]}{i}-{industry.split()[0].lower()}.com",
            tier=tier,
            industry=industry,
            employees=employees,
            country=country,
            currency=currency,
            created=created,
            owner=sales[i % len(sales)],
            propensity=float(rng.uniform(1.6, 2.6) if tier else rng.uniform(0.6, 1.4)),
        )
        w.accounts.append(acc)
        revenue = employees * float(rng.uniform(80_000, 250_000))
        modified = w.rand_time(rng, created, w.end)
        rows.append(
            {
                "id": acc.id,
                "name": f"{LAST[i % len(LAST)].title()} {industry} {i}",
                "website": f"https://www.{acc.domain}",
                "industry": industry,
                "number_of_employees": str(employees),
                "annual_revenue": money(revenue),
                "billing_country": country,
                "type": "Prospect",
                "owner_id": acc.owner,
                "parent_id": _sf_id("001", i - 1) if i > 1 and rng.random() < 0.02 else None,
                "abm_tier_c": tier,
                "created_date": fmt_ts(created),
                "last_modified_date": fmt_ts(modified),
                "is_deleted": "false",
                "_loaded_at": w.loaded_at(),
            }
        )
    w.tables["account"] = rows


def _persons(w: World) -> None:
    """People at accounts (contacts, many of them converted leads) and leads without one."""
    rng = rng_for(w.seed, "persons")
    idx = 0
    for acc in w.accounts:
        k = int(rng.integers(6, 14) if acc.is_abm else rng.integers(2, 9))
        for _ in range(k):
            idx += 1
            w.persons.append(_person(w, rng, idx, acc, acc.domain))
    n_free = int(round(1500 * w.scale))
    for _ in range(n_free):
        idx += 1
        domain = FREE_MAIL[int(rng.integers(0, 3))] if rng.random() < 0.4 else f"startup{idx}.io"
        w.persons.append(_person(w, rng, idx, None, domain))


def _person(w: World, rng, idx: int, acc: Account | None, domain: str) -> Person:
    first, last = FIRST[int(rng.integers(0, len(FIRST)))], LAST[int(rng.integers(0, len(LAST)))]
    lo = max(w.start, acc.created) if acc else w.start
    created = w.rand_time(rng, lo, w.end - timedelta(days=5))
    engagement = (acc.propensity if acc else 0.5) * float(rng.uniform(0.5, 1.5))
    return Person(
        idx=idx,
        email=f"{first}.{last}{idx}@{domain}",
        first=first,
        last=last,
        title=TITLES[int(rng.integers(0, len(TITLES)))],
        account=acc,
        created=created,
        source=LEAD_SOURCES[int(rng.integers(0, len(LEAD_SOURCES)))],
        engagement=engagement,
    )


def _campaigns_and_content(w: World) -> None:
    rng = rng_for(w.seed, "campaigns")
    n = max(16, int(round(48 * w.scale**0.5)))
    rows = []
    for i in range(1, n + 1):
        ctype = CAMPAIGN_TYPES[(i - 1) % len(CAMPAIGN_TYPES)]
        start = w.rand_time(rng, w.start, w.end - timedelta(days=30))
        end = start + timedelta(days=int(rng.integers(14, 120)))
        budget = float(rng.uniform(2_000, 40_000))
        actual = budget * float(rng.uniform(0.7, 1.1)) if start < w.as_of else 0.0
        is_abm = ctype == "ABM Ads" or rng.random() < 0.15
        c = {
            "id": _sf_id("701", i),
            "name": f"{start:%Y-%m} {ctype} {i}",
            "type": ctype,
            "status": "Completed" if end < w.as_of else "In Progress",
            "start_date": d(start.date()),
            "end_date": d(end.date()),
            "budgeted_cost": money(budget),
            "actual_cost": money(actual),
            "is_abm_c": b(is_abm),
            "parent_id": None,
            "created_date": fmt_ts(start - timedelta(days=7)),
            "_loaded_at": w.loaded_at(),
        }
        rows.append(c)
    w.campaigns = rows
    w.tables["campaign"] = rows
    types = ("blog", "ebook", "webinar", "case_study", "landing_page")
    topics = ("abm", "attribution", "pipeline", "retention", "analytics")
    for i in range(1, 41):
        published = w.rand_time(rng, w.start - timedelta(days=90), w.end - timedelta(days=10))
        w.content.append(
            {
                "id": f"CA{i:04d}",
                "title": f"{topics[i % 5].title()} guide {i}",
                "asset_type": types[i % 5],
                "topic": topics[i % 5],
                "url": f"{SITE}/resources/{topics[i % 5]}-{i}",
                "published_at": fmt_ts(published),
                "_loaded_at": w.loaded_at(),
            }
        )
    w.tables["content_asset"] = w.content
    form_types = (
        "contact",
        "demo_request",
        "content_download",
        "webinar_registration",
        "newsletter",
    )
    for i in range(1, 11):
        ftype = form_types[i % 5]
        content = w.content[i * 3 % 40] if ftype == "content_download" else None
        page = content["url"] if content else f"{SITE}/{ftype.replace('_', '-')}"
        w.forms.append(
            {
                "id": f"FRM{i:03d}",
                "name": f"{ftype.replace('_', ' ').title()} form {i}",
                "form_type": ftype,
                "page_url": page,
                "content_id": content["id"] if content else None,
                "_loaded_at": w.loaded_at(),
            }
        )
    w.tables["form"] = w.forms
