"""CRM tables: leads and contacts with their funnel, campaign members, NPS, spend, account sync."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from abm_warehouse.raw.generator.defects import fmt_ts
from abm_warehouse.raw.generator.story import (
    Person,
    World,
    _sf_id,
    b,
    d,
    money,
    rng_for,
)

SCORE_REASONS = (
    ("page_view", 5),
    ("email_open", 3),
    ("email_click", 10),
    ("form_fill", 25),
    ("webinar", 30),
    ("event", 20),
)


def funnel(w: World) -> None:
    """Leads, contacts, lead history, score changes, nurture enrolments."""
    rng = rng_for(w.seed, "funnel")
    leads, contacts, history, scores, nurture = [], [], [], [], []
    h = s = ne = 0
    for p in w.persons:
        acc = p.account
        # --- lead score: activities over time; engaged people cross the MQL threshold
        n_act = int(rng.poisson(4 * p.engagement))
        t = p.created
        total = 0
        for _ in range(n_act):
            t = t + timedelta(hours=float(rng.exponential(24 * 20)))
            if t >= w.end:
                break
            reason, delta = SCORE_REASONS[int(rng.integers(0, len(SCORE_REASONS)))]
            if rng.random() < 0.08:
                reason, delta = "decay", -10
            s += 1
            total += delta
            scores.append(
                {
                    "id": f"LSC{s:010d}",
                    "email": p.email,
                    "score_delta": str(delta),
                    "reason": reason,
                    "changed_at": fmt_ts(t.replace(microsecond=0)),
                }
            )
            if p.mql_at is None and total >= 100:
                p.mql_at = t
        # --- nurture: a share of people, some before they qualify
        if rng.random() < 0.25:
            ne += 1
            enrolled = w.rand_time(rng, p.created, min(p.created + timedelta(days=60), w.end))
            exited = enrolled + timedelta(days=int(rng.integers(20, 120)))
            nurture.append(
                {
                    "id": f"NUR{ne:08d}",
                    "email": p.email,
                    "program_name": ("Onboarding nurture", "ABM nurture", "Re-engage")[ne % 3],
                    "enrolled_at": fmt_ts(enrolled),
                    "exited_at": fmt_ts(exited) if exited < w.end else None,
                }
            )
        # --- lead record for most people; contacts for people at accounts
        is_lead = acc is None or rng.random() < 0.75
        if is_lead:
            p.lead_id = _sf_id("00Q", p.idx)
            status, events = _lead_path(w, rng, p)
            for when, old, new in events:
                h += 1
                history.append(
                    {
                        "id": _sf_id("017", h),
                        "lead_id": p.lead_id,
                        "field": "Status",
                        "old_value": old,
                        "new_value": new,
                        "created_date": fmt_ts(when),
                    }
                )
        if acc is not None and (not is_lead or p.converted is not None or rng.random() < 0.5):
            p.contact_id = _sf_id("003", p.idx)
        if p.lead_id:
            leads.append(
                {
                    "id": p.lead_id,
                    "email": p.email,
                    "first_name": p.first.title(),
                    "last_name": p.last.title(),
                    "company": p.email.split("@")[1].split(".")[0].title(),
                    "website": f"https://www.{acc.domain}" if acc and rng.random() < 0.6 else None,
                    "title": p.title,
                    "status": status,
                    "lead_source": p.source,
                    "is_converted": b(p.converted is not None),
                    "converted_date": d(p.converted) if p.converted else None,
                    "converted_account_id": acc.id if p.converted and acc else None,
                    "converted_contact_id": p.contact_id if p.converted else None,
                    "converted_opportunity_id": None,
                    "owner_id": acc.owner if acc else w.users[0]["id"],
                    "created_date": fmt_ts(p.created),
                    "last_modified_date": fmt_ts(
                        max(p.created, w.as_of - timedelta(days=int(rng.integers(1, 300))))
                    ),
                    "is_deleted": "false",
                }
            )
        if p.contact_id:
            created = (
                datetime.combine(p.converted, datetime.min.time()) if p.converted else p.created
            )
            contacts.append(
                {
                    "id": p.contact_id,
                    "account_id": acc.id,
                    "email": p.email,
                    "first_name": p.first.title(),
                    "last_name": p.last.title(),
                    "title": p.title,
                    "department": ("Marketing", "Finance", "IT", "Sales")[p.idx % 4],
                    "lead_source": p.source,
                    "owner_id": acc.owner,
                    "has_opted_out_of_email": b(rng.random() < 0.04),
                    "created_date": fmt_ts(created),
                    "last_modified_date": fmt_ts(min(created + timedelta(days=30), w.as_of)),
                    "is_deleted": "false",
                }
            )
    w.tables.update(
        lead=leads,
        contact=contacts,
        lead_history=history,
        lead_score_change=scores,
        nurture_enrollment=nurture,
    )


def _lead_path(w: World, rng, p: Person):
    """Status changes of a lead: (when, old, new) and the current status."""
    events = []
    t = p.created + timedelta(days=float(rng.uniform(0.5, 10)))
    status = "Open"

    def move(new, when):
        nonlocal status
        if when < w.end:
            events.append((when.replace(microsecond=0), status, new))
            status = new

    move("Working", t)
    if p.mql_at is not None and rng.random() < 0.75:
        q = max(p.mql_at, t) + timedelta(days=float(rng.uniform(1, 20)))
        move("Qualified", q)
        if p.account is not None and rng.random() < 0.7:
            conv = q + timedelta(days=float(rng.uniform(1, 15)))
            if conv < w.end:
                move("Converted", conv)
                p.converted = conv.date()
    else:
        r = rng.random()
        t2 = t + timedelta(days=float(rng.uniform(5, 60)))
        if r < 0.35:
            move("Nurturing", t2)
        elif r < 0.55:
            move("Unqualified", t2)
        elif r < 0.85:
            move("Recycled", t2)
            if rng.random() < 0.45:  # reopened later
                move(
                    ("Open", "Working", "Nurturing")[int(rng.integers(0, 3))],
                    t2 + timedelta(days=float(rng.uniform(20, 200))),
                )
    return status, events


def campaign_members(w: World) -> None:
    rng = rng_for(w.seed, "campaign_members")
    rows, n = [], 0
    people = [p for p in w.persons if p.lead_id or p.contact_id]
    for c in w.campaigns:
        start = datetime.fromisoformat(c["start_date"])
        eligible = [p for p in people if p.created < start + timedelta(days=20)]
        if not eligible:
            continue
        k = min(len(eligible), int(rng.integers(15, 60) * max(w.scale, 0.2)))
        weights = [p.engagement for p in eligible]
        total = sum(weights)
        idx = rng.choice(len(eligible), size=k, replace=False, p=[x / total for x in weights])
        for i in idx:
            p = eligible[int(i)]
            n += 1
            responded = rng.random() < min(0.9, 0.25 * p.engagement)
            status = "Sent"
            if responded:
                status = (
                    "Attended"
                    if c["type"] in ("Webinar", "Event") and rng.random() < 0.6
                    else "Responded"
                )
            when = start + timedelta(days=float(rng.uniform(0, 20)))
            rows.append(
                {
                    "id": _sf_id("00v", n),
                    "campaign_id": c["id"],
                    "lead_id": p.lead_id if not p.contact_id else None,
                    "contact_id": p.contact_id,
                    "status": status,
                    "has_responded": b(responded),
                    "first_responded_date": d(when.date()) if responded and when < w.end else None,
                    "created_date": fmt_ts(start - timedelta(days=2)),
                }
            )
    w.tables["campaign_member"] = rows


def nps(w: World) -> None:
    rng = rng_for(w.seed, "nps")
    rows, n = [], 0
    customers = {s["account_id"] for s in w.tables["subscription"]}
    for p in w.persons:
        if p.account is None or p.account.id not in customers or not p.contact_id:
            continue
        t = max(p.created, w.start) + timedelta(days=float(rng.uniform(30, 200)))
        while t < w.end:
            if rng.random() < 0.5:
                n += 1
                base = 8.2 if p.account.is_abm else 7.2
                score = int(min(10, max(0, round(rng.normal(base, 2.0)))))
                rows.append(
                    {
                        "id": f"NPS{n:08d}",
                        "email": p.email,
                        "score": str(score),
                        "comment": None if rng.random() < 0.6 else "Good product",
                        "submitted_at": fmt_ts(t.replace(microsecond=0)),
                    }
                )
            t += timedelta(days=float(rng.uniform(80, 200)))
    w.tables["nps_response"] = rows


def spend(w: World) -> None:
    rng = rng_for(w.seed, "spend")
    rows = []
    channels = ("paid_search", "paid_social", "events", "content", "email", "abm")
    m = date(w.start.year, w.start.month, 1)
    while m <= w.as_of.date():
        for ch in channels:
            rows.append(
                {
                    "month": d(m),
                    "department": "marketing",
                    "category": "programs",
                    "channel": ch,
                    "amount": money(rng.uniform(4_000, 20_000) * w.scale),
                    "currency": "USD",
                }
            )
        for dept in ("marketing", "sales"):
            for cat in ("people", "tech"):
                base = (60_000 if dept == "sales" else 40_000) if cat == "people" else 8_000
                rows.append(
                    {
                        "month": d(m),
                        "department": dept,
                        "category": cat,
                        "channel": None,
                        "amount": money(base * w.scale * rng.uniform(0.9, 1.1)),
                        "currency": "EUR" if cat == "tech" and dept == "sales" else "USD",
                    }
                )
        rows.append(
            {
                "month": d(m),
                "department": "sales",
                "category": "programs",
                "channel": None,
                "amount": money(5_000 * w.scale),
                "currency": "USD",
            }
        )
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    w.tables["spend_monthly"] = rows


def account_sync(w: World) -> None:
    """Account type follows the revenue story (Customer / Former Customer / Prospect)."""
    subs = w.tables["subscription"]
    active = {s["account_id"] for s in subs if s["ended_at"] is None}
    ever = {s["account_id"] for s in subs}
    for row in w.tables["account"]:
        row["type"] = (
            "Customer"
            if row["id"] in active
            else "Former Customer"
            if row["id"] in ever
            else "Prospect"
        )
