"""The raw extract contract, as data.

One registry of every raw table the warehouse accepts (see ``shared/raw-contract.md`` in the
specification): its source system, columns, column types, which columns are required, the
natural key used to de-duplicate re-extracts, the enum values it accepts and the defect
classes the generator injects into it.

A raw table arrives as one file (``<table>.parquet|csv``, re-exported whole) or as a folder of
delta files (``<table>/**/*.parquet|csv``, one file per sync, never rewritten): event tables
append, the other tables deliver a full row for every record changed since the last sync, and
``is_deleted = true`` removes a record. Every version is kept: the latest ``_loaded_at``, then
the latest ``last_modified_date``, wins (docs/operations.md, "Delta landing").

Everything else derives from this module:

* the generator writes exactly these tables and columns;
* ``abm-warehouse contract`` renders the dbt sources YAML (``models/staging/<system>/``) and
  the seed properties (``seeds/_raw_seeds.yml``) from it, and a test fails when the committed
  files drift from the registry;
* the staging macros read the column metadata (``meta.contract_type``, ``meta.required``,
  ``meta.accepted_values``) that this registry puts into the sources YAML.

Column types (``contract_type``):

``id``        text identifier; a NULL / blank value in the key column sends the row to quarantine
``string``    free text, trimmed
``email``     an e-mail address: lower-cased and trimmed in staging, NULL when malformed
``integer``   whole number, ``try_cast``; a value that does not parse sends the row to quarantine
``decimal``   number (``.`` decimal point), ``try_cast``; a value that does not parse (``1234,50``)
              sends the row to quarantine
``money``     non-negative amount; negative or non-numeric sends the row to quarantine
``boolean``   ``true``/``false``; a value that does not parse sends the row to quarantine
``date``      ISO date; a value that does not parse (``31/12/2025``, an Excel serial ``45678``)
              sends the row to quarantine
``timestamp`` ISO-8601 timestamp, UTC unless an offset is given; converted to UTC; a value that
              does not parse sends the row to quarantine
``currency``  ISO 4217 code; an unknown code is flagged (``has_unknown_currency``), not quarantined
``enum``      one of ``accepted_values``; an unknown value is flagged (``has_unknown_enum``)
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONTRACT_TYPES = (
    "id",
    "string",
    "email",
    "integer",
    "decimal",
    "money",
    "boolean",
    "date",
    "timestamp",
    "currency",
    "enum",
)

# Machine-readable quarantine reasons. A row gets the first reason that applies, in this order.
QUARANTINE_REASONS = (
    "repeated_header",  # the row repeats the header line (every column holds its own name)
    "missing_id",  # NULL / blank value in a key column
    # the latest versions of a record tie (same _loaded_at and last_modified_date) but differ:
    # each distinct one is quarantined, none is picked
    "conflicting_duplicate",
    "missing_required_value",  # NULL / blank value in another required column
    "invalid_timestamp",  # a date / timestamp column (or _loaded_at) has an unparseable value
    "invalid_amount",  # a money column is negative or not a number
    "invalid_value",  # an integer, decimal or boolean column has an unparseable value
    "soft_deleted",  # is_deleted = true on the winning (latest) version of the record
)

# Outcomes of a raw row: every raw row ends in exactly one of these.
ROW_OUTCOMES = ("staged", "quarantined", "superseded")

# Defect classes the generator injects (shared/raw-contract.md, "What bad input gets"),
# with the outcome each must have in staging.
DEFECT_CLASSES = {
    "duplicate_reextract": "superseded",  # an older copy of a record; the latest wins
    "soft_deleted": "quarantined",  # reason soft_deleted
    "null_id": "quarantined",  # reason missing_id
    "invalid_amount": "quarantined",  # reason invalid_amount (negative or non-numeric)
    "invalid_timestamp": "quarantined",  # reason invalid_timestamp (unparseable required ts)
    "messy_email": "staged",  # mixed case / padded: normalised in staging
    "malformed_email": "staged",  # staged with email NULL and has_invalid_email
    "orphan_foreign_key": "staged",  # staged; flagged downstream (has_missing_account, ...)
    "unknown_currency": "staged",  # staged with has_unknown_currency, converted amounts NULL
    "unknown_enum": "staged",  # staged with has_unknown_enum
    "timestamp_with_offset": "staged",  # converted to UTC
    "future_timestamp": "staged",  # staged with is_future_dated (after as_of_date)
    "late_arriving_event": "staged",  # counted for its own send / session
}

# The ISO 4217 codes the warehouse knows. An unknown code is flagged, not quarantined.
KNOWN_CURRENCIES = (
    "AUD", "BRL", "CAD", "CHF", "CNY", "DKK", "EUR", "GBP", "HKD", "INR", "JPY", "KRW",
    "MXN", "NOK", "NZD", "PLN", "SEK", "SGD", "USD", "ZAR",
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    accepted_values: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if self.type not in CONTRACT_TYPES:
            raise ValueError(f"{self.name}: unknown contract type {self.type!r}")
        if (self.type == "enum") != bool(self.accepted_values):
            raise ValueError(f"{self.name}: enum columns (and only they) list accepted values")


@dataclass(frozen=True)
class Table:
    system: str
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # timestamp used for freshness when the extract has no _loaded_at
    event_time: str
    defects: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.system}.{self.name} has no column {name}")

    @property
    def has_soft_delete(self) -> bool:
        return "is_deleted" in self.column_names

    @property
    def has_last_modified(self) -> bool:
        return "last_modified_date" in self.column_names


def _c(name: str, type_: str = "string", required: bool = False, values=(), description: str = ""):
    return Column(name, type_, required, tuple(values), description)


def _id(name: str = "id", description: str = "") -> Column:
    return _c(name, "id", True, description=description or "record id")


_DEL = _c("is_deleted", "boolean", description="soft delete flag")
_LMD = _c("last_modified_date", "timestamp", description="last change in the source system")
_COMMON_DEFECTS = ("duplicate_reextract", "null_id")

TABLES: tuple[Table, ...] = (
    # ------------------------------------------------------------------ salesforce
    Table(
        "salesforce",
        "account",
        "CRM accounts (companies), one row per account.",
        (
            _id(),
            _c("name", required=False),
            _c("website"),
            _c("industry"),
            _c("number_of_employees", "integer"),
            _c("annual_revenue", "money"),
            _c("billing_country"),
            _c("type"),
            _c("owner_id", "id"),
            _c("parent_id", "id"),
            _c(
                "abm_tier_c",
                "enum",
                values=("Tier 1", "Tier 2", "Tier 3"),
                description="ABM target tier; NULL = not a target account",
            ),
            _c("created_date", "timestamp", True),
            _LMD,
            _DEL,
        ),
        ("id",),
        "last_modified_date",
        _COMMON_DEFECTS
        + ("soft_deleted", "invalid_amount", "unknown_enum", "timestamp_with_offset"),
    ),
    Table(
        "salesforce",
        "contact",
        "CRM contacts, one row per contact.",
        (
            _id(),
            _c("account_id", "id"),
            _c("email", "email"),
            _c("first_name"),
            _c("last_name"),
            _c("title"),
            _c("department"),
            _c("lead_source"),
            _c("owner_id", "id"),
            _c("has_opted_out_of_email", "boolean"),
            _c("created_date", "timestamp", True),
            _LMD,
            _DEL,
        ),
        ("id",),
        "last_modified_date",
        _COMMON_DEFECTS
        + (
            "soft_deleted",
            "messy_email",
            "malformed_email",
            "orphan_foreign_key",
            "invalid_timestamp",
        ),
    ),
    Table(
        "salesforce",
        "lead",
        "CRM leads, one row per lead.",
        (
            _id(),
            _c("email", "email"),
            _c("first_name"),
            _c("last_name"),
            _c("company"),
            _c("website"),
            _c("title"),
            _c(
                "status",
                "enum",
                values=(
                    "Open",
                    "Working",
                    "Nurturing",
                    "Qualified",
                    "Unqualified",
                    "Recycled",
                    "Converted",
                ),
            ),
            _c("lead_source"),
            _c("is_converted", "boolean"),
            _c("converted_date", "date"),
            _c("converted_account_id", "id"),
            _c("converted_contact_id", "id"),
            _c("converted_opportunity_id", "id"),
            _c("owner_id", "id"),
            _c("created_date", "timestamp", True),
            _LMD,
            _DEL,
        ),
        ("id",),
        "last_modified_date",
        _COMMON_DEFECTS
        + ("soft_deleted", "messy_email", "malformed_email", "unknown_enum", "future_timestamp"),
    ),
    Table(
        "salesforce",
        "lead_history",
        "Field history of leads; status changes have field = Status.",
        (
            _id(),
            _c("lead_id", "id", True),
            _c("field"),
            _c("old_value"),
            _c("new_value"),
            _c("created_date", "timestamp", True),
        ),
        ("id",),
        "created_date",
        _COMMON_DEFECTS,
    ),
    Table(
        "salesforce",
        "opportunity",
        "CRM opportunities, one row per opportunity.",
        (
            _id(),
            _c("account_id", "id"),
            _c("name"),
            _c("type", "enum", values=("New Business", "Expansion", "Renewal")),
            _c("stage_name"),
            _c("amount", "money"),
            _c("currency_iso_code", "currency"),
            _c("probability", "decimal"),
            _c("close_date", "date"),
            _c("created_date", "timestamp", True),
            _c("is_closed", "boolean"),
            _c("is_won", "boolean"),
            _c("lead_source"),
            _c("campaign_id", "id"),
            _c("promo_code_c"),
            _c("owner_id", "id"),
            _LMD,
            _DEL,
        ),
        ("id",),
        "last_modified_date",
        _COMMON_DEFECTS
        + (
            "soft_deleted",
            "invalid_amount",
            "unknown_currency",
            "orphan_foreign_key",
            "unknown_enum",
        ),
    ),
    Table(
        "salesforce",
        "opportunity_history",
        "Stage / amount history of opportunities.",
        (
            _id(),
            _c("opportunity_id", "id", True),
            _c("stage_name"),
            _c("amount", "money"),
            _c("close_date", "date"),
            _c("probability", "decimal"),
            _c("created_date", "timestamp", True),
        ),
        ("id",),
        "created_date",
        _COMMON_DEFECTS + ("invalid_amount",),
    ),
    Table(
        "salesforce",
        "opportunity_contact_role",
        "Contacts' roles on opportunities.",
        (
            _id(),
            _c("opportunity_id", "id", True),
            _c("contact_id", "id"),
            _c("role"),
            _c("is_primary", "boolean"),
            _c("created_date", "timestamp", True),
        ),
        ("id",),
        "created_date",
        _COMMON_DEFECTS,
    ),
    Table(
        "salesforce",
        "campaign",
        "CRM campaigns.",
        (
            _id(),
            _c("name"),
            _c(
                "type",
                "enum",
                values=(
                    "Email",
                    "Webinar",
                    "Paid Search",
                    "Paid Social",
                    "Content Syndication",
                    "Event",
                    "ABM Ads",
                    "Direct Mail",
                ),
            ),
            _c("status"),
            _c("start_date", "date"),
            _c("end_date", "date"),
            _c("budgeted_cost", "money"),
            _c("actual_cost", "money"),
            _c("is_abm_c", "boolean"),
            _c("parent_id", "id"),
            _c("created_date", "timestamp", True),
        ),
        ("id",),
        "created_date",
        _COMMON_DEFECTS + ("invalid_amount",),
    ),
    Table(
        "salesforce",
        "campaign_member",
        "Leads and contacts in campaigns.",
        (
            _id(),
            _c("campaign_id", "id", True),
            _c("lead_id", "id"),
            _c("contact_id", "id"),
            _c("status", "enum", values=("Sent", "Responded", "Registered", "Attended")),
            _c("has_responded", "boolean"),
            _c("first_responded_date", "date"),
            _c("created_date", "timestamp", True),
        ),
        ("id",),
        "created_date",
        _COMMON_DEFECTS + ("unknown_enum",),
    ),
    Table(
        "salesforce",
        "task",
        "CRM tasks (calls, e-mails, other).",
        (
            _id(),
            _c("who_id", "id"),
            _c("what_id", "id"),
            _c("account_id", "id"),
            _c("type", "enum", values=("Call", "Email", "Other")),
            _c("subject"),
            _c("status"),
            _c("activity_date", "date"),
            _c("call_duration_in_seconds", "integer"),
            _c("created_date", "timestamp", True),
            _DEL,
        ),
        ("id",),
        "created_date",
        _COMMON_DEFECTS + ("soft_deleted",),
    ),
    Table(
        "salesforce",
        "event",
        "CRM calendar events (meetings, demos).",
        (
            _id(),
            _c("who_id", "id"),
            _c("what_id", "id"),
            _c("account_id", "id"),
            _c("type", "enum", values=("Meeting", "Demo")),
            _c("subject"),
            _c("start_date_time", "timestamp", True),
            _c("created_date", "timestamp", True),
            _DEL,
        ),
        ("id",),
        "created_date",
        _COMMON_DEFECTS + ("soft_deleted",),
    ),
    Table(
        "salesforce",
        "user",
        "CRM users (owners).",
        (
            _id(),
            _c("name"),
            _c("department", "enum", values=("Sales", "SDR", "Marketing")),
            _c("is_active", "boolean"),
        ),
        ("id",),
        "",
        ("duplicate_reextract",),
    ),
    Table(
        "salesforce",
        "dated_conversion_rate",
        "Dated currency conversion rates: units of iso_code per 1 USD, valid from start_date "
        "(inclusive) to next_start_date (exclusive).",
        (
            _id(),
            _c("iso_code", "currency", True),
            _c("conversion_rate", "decimal", True),
            _c("start_date", "date", True),
            _c("next_start_date", "date"),
        ),
        ("id",),
        "start_date",
        ("duplicate_reextract",),
    ),
    # ------------------------------------------------------------------ marketing automation
    Table(
        "marketing_automation",
        "email_campaign",
        "E-mail campaigns (one send to a list).",
        (
            _id(),
            _c("name"),
            _c("subject"),
            _c("program", "enum", values=("newsletter", "nurture", "abm", "product")),
            _c("campaign_id", "id"),
            _c("sent_at", "timestamp", True),
        ),
        ("id",),
        "sent_at",
        _COMMON_DEFECTS,
    ),
    Table(
        "marketing_automation",
        "email_event",
        "E-mail events, one row per event.",
        (
            _id(),
            _c(
                "type",
                "enum",
                values=(
                    "SENT",
                    "DELIVERED",
                    "OPEN",
                    "CLICK",
                    "BOUNCE",
                    "UNSUBSCRIBE",
                    "SPAMREPORT",
                ),
            ),
            _c("email_campaign_id", "id", True),
            _c("recipient", "email"),
            _c("url"),
            _c("created", "timestamp", True),
        ),
        ("id",),
        "created",
        _COMMON_DEFECTS
        + (
            "messy_email",
            "malformed_email",
            "late_arriving_event",
            "unknown_enum",
            "invalid_timestamp",
            "timestamp_with_offset",
        ),
    ),
    Table(
        "marketing_automation",
        "form",
        "Marketing forms.",
        (
            _id(),
            _c("name"),
            _c(
                "form_type",
                "enum",
                values=(
                    "contact",
                    "demo_request",
                    "content_download",
                    "webinar_registration",
                    "newsletter",
                ),
            ),
            _c("page_url"),
            _c("content_id", "id"),
        ),
        ("id",),
        "",
        ("duplicate_reextract",),
    ),
    Table(
        "marketing_automation",
        "form_submission",
        "Form submissions.",
        (
            _id(),
            _c("form_id", "id", True),
            _c("email", "email"),
            _c("page_url"),
            _c("anonymous_id", "id"),
            _c("utm_source"),
            _c("utm_medium"),
            _c("utm_campaign"),
            _c("submitted_at", "timestamp", True),
        ),
        ("id",),
        "submitted_at",
        _COMMON_DEFECTS + ("messy_email", "malformed_email", "timestamp_with_offset"),
    ),
    Table(
        "marketing_automation",
        "lead_score_change",
        "Lead-score changes of a person (by e-mail).",
        (
            _id(),
            _c("email", "email"),
            _c("score_delta", "integer", True),
            _c("reason"),
            _c("changed_at", "timestamp", True),
        ),
        ("id",),
        "changed_at",
        _COMMON_DEFECTS + ("messy_email",),
    ),
    Table(
        "marketing_automation",
        "nurture_enrollment",
        "Nurture program enrolments.",
        (
            _id(),
            _c("email", "email"),
            _c("program_name"),
            _c("enrolled_at", "timestamp", True),
            _c("exited_at", "timestamp"),
        ),
        ("id",),
        "enrolled_at",
        _COMMON_DEFECTS + ("messy_email",),
    ),
    # ------------------------------------------------------------------ web
    Table(
        "web",
        "web_event",
        "Web event stream, one row per event.",
        (
            _id("event_id"),
            _c("anonymous_id", "id", True),
            _c("event_type", "enum", values=("page_view", "cta_impression", "cta_click")),
            _c("page_url"),
            _c("page_title"),
            _c("content_id", "id"),
            _c("cta_id", "id"),
            _c("referrer"),
            _c("utm_source"),
            _c("utm_medium"),
            _c("utm_campaign"),
            _c("company_domain", description="reverse-IP company domain, may be NULL"),
            _c("occurred_at", "timestamp", True),
        ),
        ("event_id",),
        "occurred_at",
        (
            "duplicate_reextract",
            "null_id",
            "late_arriving_event",
            "unknown_enum",
            "invalid_timestamp",
            "timestamp_with_offset",
        ),
    ),
    Table(
        "web",
        "identify",
        "Identify calls linking an anonymous id to an e-mail.",
        (
            _c("anonymous_id", "id", True),
            _c("email", "email"),
            _c("identified_at", "timestamp", True),
        ),
        ("anonymous_id", "email", "identified_at"),
        "identified_at",
        ("duplicate_reextract", "messy_email"),
    ),
    Table(
        "web",
        "content_asset",
        "Content assets (blog posts, e-books, ...).",
        (
            _id(),
            _c("title"),
            _c(
                "asset_type",
                "enum",
                values=("blog", "ebook", "webinar", "case_study", "landing_page"),
            ),
            _c("topic"),
            _c("url"),
            _c("published_at", "timestamp"),
        ),
        ("id",),
        "published_at",
        ("duplicate_reextract",),
    ),
    # ------------------------------------------------------------------ ads
    Table(
        "ads",
        "ad_performance_daily",
        "Ad platform performance, one row per day, platform and ad campaign.",
        (
            _c("date", "date", True),
            _c("platform", "enum", True, values=("linkedin", "google", "meta")),
            _c("ad_campaign_id", "id", True),
            _c("campaign_id", "id"),
            _c("impressions", "integer"),
            _c("clicks", "integer"),
            _c("spend", "money"),
            _c("currency", "currency"),
        ),
        ("date", "platform", "ad_campaign_id"),
        "date",
        ("duplicate_reextract", "invalid_amount", "unknown_currency"),
    ),
    Table(
        "ads",
        "ad_company_daily",
        ("Company-level ABM ad reporting, one row per day, platform and company domain."),
        (
            _c("date", "date", True),
            _c("platform", "enum", True, values=("linkedin", "google", "meta")),
            _c("company_domain", "id", True),
            _c("impressions", "integer"),
            _c("clicks", "integer"),
        ),
        ("date", "platform", "company_domain"),
        "date",
        ("duplicate_reextract",),
    ),
    # ------------------------------------------------------------------ social
    Table(
        "social",
        "social_daily",
        "Organic social account metrics, one row per day and platform.",
        (
            _c("date", "date", True),
            _c("platform", "enum", True, values=("linkedin", "x", "youtube")),
            _c("followers", "integer"),
            _c("impressions", "integer"),
            _c("reach", "integer"),
            _c("likes", "integer"),
            _c("comments", "integer"),
            _c("shares", "integer"),
            _c("posts", "integer"),
        ),
        ("date", "platform"),
        "date",
        ("duplicate_reextract",),
    ),
    # ------------------------------------------------------------------ seo
    Table(
        "seo",
        "search_rank_daily",
        "Organic search rank, one row per day and keyword.",
        (
            _c("date", "date", True),
            _c("keyword", "id", True),
            _c("url"),
            _c("position", "decimal"),
            _c("search_volume", "integer"),
        ),
        ("date", "keyword"),
        "date",
        ("duplicate_reextract",),
    ),
    # ------------------------------------------------------------------ billing
    Table(
        "billing",
        "subscription",
        "Billing subscriptions (monthly or annual plans).",
        (
            _id(),
            _c("account_id", "id"),
            _c("plan"),
            _c("billing_interval", "enum", values=("month", "year")),
            _c("quantity", "integer"),
            _c("unit_amount", "money"),
            _c("currency", "currency"),
            _c("status"),
            _c("started_at", "timestamp", True),
            _c("canceled_at", "timestamp"),
            _c("ended_at", "timestamp"),
        ),
        ("id",),
        "started_at",
        _COMMON_DEFECTS + ("invalid_amount", "unknown_currency", "orphan_foreign_key"),
    ),
    Table(
        "billing",
        "invoice",
        "Invoices of subscriptions.",
        (
            _id(),
            _c("account_id", "id"),
            _c("subscription_id", "id"),
            _c("amount_due", "money"),
            _c("amount_paid", "money"),
            _c("currency", "currency"),
            _c("period_start", "timestamp"),
            _c("period_end", "timestamp"),
            _c("status", "enum", values=("paid", "open", "void", "uncollectible")),
            _c("paid_at", "timestamp"),
        ),
        ("id",),
        "period_start",
        _COMMON_DEFECTS + ("invalid_amount", "unknown_currency"),
    ),
    # ------------------------------------------------------------------ surveys
    Table(
        "surveys",
        "nps_response",
        "NPS survey responses.",
        (
            _id(),
            _c("email", "email"),
            _c("score", "integer", True),
            _c("comment"),
            _c("submitted_at", "timestamp", True),
        ),
        ("id",),
        "submitted_at",
        _COMMON_DEFECTS + ("messy_email",),
    ),
    # ------------------------------------------------------------------ finance
    Table(
        "finance",
        "spend_monthly",
        "Monthly spend by department, category and channel.",
        (
            _c("month", "date", True),
            _c("department", "enum", True, values=("marketing", "sales")),
            _c("category", "enum", True, values=("programs", "people", "tech")),
            _c("channel"),
            _c("amount", "money", True),
            _c("currency", "currency"),
        ),
        ("month", "department", "category", "channel"),
        "month",
        ("duplicate_reextract", "invalid_amount"),
    ),
)

SYSTEMS: tuple[str, ...] = tuple(dict.fromkeys(t.system for t in TABLES))

# Every raw table may carry the extract's load timestamp.
LOADED_AT = "_loaded_at"

# The event streams: the largest tables by far, delivered as loads with increasing
# `_loaded_at` (a load never arrives with load times below one already delivered). Their base
# models are incremental: each run re-stages only the keys with rows in loads newer than the
# model's newest (stage_raw_table's docs); the other tables are small enough to restage.
APPEND_ONLY_TABLES: tuple[str, ...] = ("web_event", "email_event")


# CRM tables whose history the marts read (ABM tier, lead status, opportunity stage): besides
# the latest version (stg_), every version the raw extracts hold is staged (stg_..._versions).
# A folder of daily deltas holds every change, so a build from scratch sees the same history a
# chain of daily refreshes (and their snapshots) saw; snapshots add what one file re-exported
# whole overwrites.
VERSIONED_TABLES: tuple[str, ...] = ("account", "lead", "opportunity")


def table(name: str) -> Table:
    """Return the contract of one raw table by its name (names are unique across systems)."""
    for t in TABLES:
        if t.name == name:
            return t
    raise KeyError(f"no raw table {name!r} in the contract")


def _validate() -> None:
    names = [t.name for t in TABLES]
    for name in VERSIONED_TABLES:  # versions are told apart by their last_modified_date
        if not table(name).has_last_modified or name in APPEND_ONLY_TABLES:
            raise ValueError(f"{name}: a versioned table needs last_modified_date")
    for name in APPEND_ONLY_TABLES:  # incremental staging needs one key column
        if len(table(name).key) != 1:
            raise ValueError(f"{name}: an append-only table needs a single-column key")
    if len(names) != len(set(names)):
        raise ValueError("raw table names must be unique across systems")
    for t in TABLES:
        for k in t.key:
            t.column(k)
        if t.event_time:
            t.column(t.event_time)
        for d in t.defects:
            if d not in DEFECT_CLASSES:
                raise ValueError(f"{t.name}: unknown defect class {d}")


_validate()
