"""CRM opportunities (deals) and what follows them: roles, activities, stage history, and from a
won deal its subscriptions and invoices."""

from __future__ import annotations

from datetime import datetime, timedelta

from abm_warehouse.raw.generator.defects import fmt_ts
from abm_warehouse.raw.generator.story import (
    STAGE_PROB,
    STAGES,
    Account,
    Person,
    World,
    _sf_id,
    b,
    d,
    money,
    rng_for,
)


def opportunities(w: World) -> None:
    """Opportunities with stage history, contact roles, activities; and the revenue side."""
    rng = rng_for(w.seed, "opportunities")
    opps, hist, roles, tasks, events = [], [], [], [], []
    subs, invoices = [], []
    by_account: dict[str, list[Person]] = {}
    for p in w.persons:
        if p.account is not None and p.contact_id:
            by_account.setdefault(p.account.id, []).append(p)
    counters = {"opp": 0, "hist": 0, "role": 0, "task": 0, "event": 0, "sub": 0, "inv": 0}
    campaigns = [c["id"] for c in w.campaigns]
    leads_by_id = {lead["id"]: lead for lead in w.tables["lead"]}

    def nid(kind: str) -> int:
        counters[kind] += 1
        return counters[kind]

    for acc in w.accounts:
        people = by_account.get(acc.id, [])
        if not people:
            continue
        p_opp = 0.9 if acc.is_abm else 0.6
        if rng.random() > p_opp:
            continue
        first_person = min(people, key=lambda q: q.created)
        created = first_person.created + timedelta(days=float(rng.uniform(5, 90)))
        won_before = False
        customer_since = None
        for attempt in range(2):
            if created >= w.end - timedelta(days=2):
                break
            won, close, amount_usd = _deal(rng, acc, "New Business", created)
            opp = _opportunity(
                w, rng, acc, "New Business", created, close, won, amount_usd, nid("opp"), campaigns
            )
            opps.append(opp)
            converted = next((q for q in people if q.converted and q.lead_id), None)
            if converted is not None and attempt == 0:
                leads_by_id[converted.lead_id]["converted_opportunity_id"] = opp["id"]
            _history(w, rng, opp, created, close, won, nid, hist)
            _roles_and_activities(
                w, rng, acc, people, opp, created, close, nid, roles, tasks, events
            )
            if opp["is_won"] == "true":
                won_before = True
                customer_since = close
                break
            created = close + timedelta(days=float(rng.uniform(60, 240)))
        if won_before and customer_since is not None:
            _revenue(
                w,
                rng,
                acc,
                people,
                customer_since,
                opps,
                hist,
                roles,
                tasks,
                events,
                subs,
                invoices,
                nid,
                campaigns,
            )
    for o in opps:
        o.pop("_amount_usd", None)
    w.tables.update(
        opportunity=opps,
        opportunity_history=hist,
        opportunity_contact_role=roles,
        task=tasks,
        event=events,
        subscription=subs,
        invoice=invoices,
    )


def _deal(rng, acc: Account, kind: str, created: datetime):
    abm = acc.is_abm
    if kind == "New Business":
        p_win = 0.45 if abm else 0.22
        amount = float(rng.lognormal(10.4 if abm else 9.8, 0.5))
        cycle = float(rng.gamma(4.0, 22.0 if abm else 12.0))
    elif kind == "Expansion":
        p_win, amount = 0.55, float(rng.lognormal(9.3 if abm else 8.8, 0.5))
        cycle = float(rng.gamma(3.0, 12.0))
    else:
        p_win, amount, cycle = 0.85, float(rng.lognormal(9.8, 0.4)), float(rng.gamma(2.0, 10.0))
    won = rng.random() < p_win
    close = created + timedelta(days=max(3.0, cycle))
    return won, close, round(amount, -2)


def _opportunity(w, rng, acc, kind, created, close, won, amount_usd, n, campaigns):
    is_closed = close < w.end
    stage = (
        ("Closed Won" if won else "Closed Lost") if is_closed else STAGES[int(rng.integers(0, 5))]
    )
    local = amount_usd * w.rate(acc.currency, min(close, w.as_of).date())
    promo = f"PROMO{int(rng.integers(10, 40))}" if rng.random() < 0.12 else None
    return {
        "id": _sf_id("006", n),
        "account_id": acc.id,
        "name": f"{acc.domain} - {kind}",
        "type": kind,
        "stage_name": stage,
        "amount": money(local),
        "currency_iso_code": acc.currency,
        "probability": str(STAGE_PROB[stage]),
        "close_date": d(close.date()),
        "created_date": fmt_ts(created),
        "is_closed": b(is_closed),
        "is_won": b(is_closed and won),
        "lead_source": ("Web", "Event", "Outbound", "Partner")[n % 4],
        "campaign_id": campaigns[int(rng.integers(0, len(campaigns)))]
        if rng.random() < 0.6
        else None,
        "promo_code_c": promo,
        "owner_id": acc.owner,
        "last_modified_date": fmt_ts(min(close, w.as_of)),
        "is_deleted": "false",
        "_amount_usd": amount_usd,
    }


def _history(w, rng, opp, created, close, won, nid, hist):
    end_stage = opp["stage_name"]
    path = list(STAGES)
    if end_stage in STAGES:
        path = path[: STAGES.index(end_stage) + 1]
    elif end_stage == "Closed Lost":
        path = path[: int(rng.integers(1, 6))] + ["Closed Lost"]
    else:
        path = path + ["Closed Won"]
    reopened = end_stage == "Closed Won" and rng.random() < 0.05
    if reopened:  # lost first, then reopened and won
        path = path[:-1] + ["Closed Lost", "Negotiation", "Closed Won"]
    span = (min(close, w.end - timedelta(hours=1)) - created).total_seconds()
    for i, stage in enumerate(path):
        when = created + timedelta(seconds=span * i / max(len(path) - 1, 1))
        if stage.startswith("Closed"):
            when = min(max(when, created), w.end - timedelta(hours=1))
        hist.append(
            {
                "id": _sf_id("008", nid("hist")),
                "opportunity_id": opp["id"],
                "stage_name": stage,
                "amount": opp["amount"],
                "close_date": opp["close_date"],
                "probability": str(STAGE_PROB[stage]),
                "created_date": fmt_ts(when.replace(microsecond=0)),
            }
        )


def _roles_and_activities(w, rng, acc, people, opp, created, close, nid, roles, tasks, events):
    k = min(len(people), int(rng.integers(3, 8) if acc.is_abm else rng.integers(1, 4)))
    chosen = [people[int(i)] for i in rng.choice(len(people), size=k, replace=False)]
    for j, p in enumerate(chosen):
        roles.append(
            {
                "id": _sf_id("00K", nid("role")),
                "opportunity_id": opp["id"],
                "contact_id": p.contact_id,
                "role": ("Decision Maker", "Economic Buyer", "Influencer", "Technical Buyer")[
                    j % 4
                ],
                "is_primary": b(j == 0),
                "created_date": fmt_ts(created + timedelta(hours=2 + j)),
            }
        )
    horizon = min(close, w.end - timedelta(hours=1))
    n_calls = int(rng.integers(2, 9) if acc.is_abm else rng.integers(1, 5))
    for _ in range(n_calls):
        when = w.rand_time(rng, created, max(horizon, created + timedelta(hours=1)))
        done = when < w.as_of
        tasks.append(
            {
                "id": _sf_id("00T", nid("task")),
                "who_id": chosen[0].contact_id,
                "what_id": opp["id"],
                "account_id": acc.id,
                "type": ("Call", "Call", "Email", "Other")[int(rng.integers(0, 4))],
                "subject": "Follow-up",
                "status": "Completed" if done else "Not Started",
                "activity_date": d(when.date()),
                "call_duration_in_seconds": str(int(rng.integers(60, 1800))) if done else None,
                "created_date": fmt_ts(when - timedelta(days=1)),
                "is_deleted": "false",
            }
        )
    n_meet = int(rng.integers(2, 6) if acc.is_abm else rng.integers(0, 3))
    n_demo = int(rng.integers(1, 3) if acc.is_abm else rng.integers(0, 2))
    for kind, n in (("Meeting", n_meet), ("Demo", n_demo)):
        for _ in range(n):
            booked = w.rand_time(rng, created, max(horizon, created + timedelta(hours=1)))
            start = booked + timedelta(days=float(rng.uniform(1, 14)))
            events.append(
                {
                    "id": _sf_id("00U", nid("event")),
                    "who_id": chosen[-1].contact_id,
                    "what_id": opp["id"],
                    "account_id": acc.id,
                    "type": kind,
                    "subject": f"{kind} with {acc.domain}",
                    "start_date_time": fmt_ts(start.replace(minute=0, second=0)),
                    "created_date": fmt_ts(booked),
                    "is_deleted": "false",
                }
            )


def _revenue(
    w, rng, acc, people, since, opps, hist, roles, tasks, events, subs, invoices, nid, campaigns
):
    """Subscriptions from the won deal: renewals, expansions, contractions, churn, comeback."""
    won = opps[-1]
    annual = rng.random() < 0.35
    monthly_usd = won["_amount_usd"] / 12.0
    start = since
    monthly_churn = 0.012 if acc.is_abm else 0.025
    seats = int(rng.integers(10, 60) if acc.is_abm else rng.integers(3, 25))
    t = start
    segments = []  # (start, end, seats, annual)
    current_seats = seats
    while t < w.end:
        step = timedelta(days=365 if annual else 30)
        nxt = t + step
        churned = rng.random() < (0.18 if annual else monthly_churn) * (0.7 if acc.is_abm else 1)
        if churned:
            segments.append((t, nxt, current_seats))
            t = nxt
            break
        r = rng.random()
        if r < 0.06 and nxt < w.end:  # expansion deal, more seats from the next period
            exp_created = nxt - timedelta(days=float(rng.uniform(20, 60)))
            exp_won, exp_close, amount = _deal(rng, acc, "Expansion", exp_created)
            exp_close = min(exp_close, nxt - timedelta(days=1))
            opp = _opportunity(
                w,
                rng,
                acc,
                "Expansion",
                exp_created,
                exp_close,
                exp_won,
                amount,
                nid("opp"),
                campaigns,
            )
            opps.append(opp)
            _history(w, rng, opp, exp_created, exp_close, exp_won, nid, hist)
            _roles_and_activities(
                w, rng, acc, people, opp, exp_created, exp_close, nid, roles, tasks, events
            )
            if opp["is_won"] == "true":
                segments.append((t, nxt, current_seats))
                current_seats += max(1, int(round(current_seats * rng.uniform(0.2, 0.6))))
                t = nxt
                continue
        elif r < 0.09:  # contraction
            segments.append((t, nxt, current_seats))
            current_seats = max(1, int(round(current_seats * rng.uniform(0.5, 0.85))))
            t = nxt
            continue
        # renewal of an annual plan has its own opportunity
        if annual and nxt < w.end and rng.random() < 0.8:
            ren_created = nxt - timedelta(days=45)
            opp = _opportunity(
                w,
                rng,
                acc,
                "Renewal",
                ren_created,
                nxt - timedelta(days=3),
                True,
                won["_amount_usd"],
                nid("opp"),
                campaigns,
            )
            opps.append(opp)
            _history(w, rng, opp, ren_created, nxt - timedelta(days=3), True, nid, hist)
        if segments and segments[-1][1] == t and segments[-1][2] == current_seats:
            segments[-1] = (segments[-1][0], nxt, current_seats)
        else:
            segments.append((t, nxt, current_seats))
        t = nxt
    churned_at = t if t < w.end else None
    if churned_at is not None and rng.random() < 0.25:  # reactivation later
        back = churned_at + timedelta(days=float(rng.uniform(60, 240)))
        if back < w.end - timedelta(days=10):
            segments.append((back, w.end + timedelta(days=400), max(1, seats // 2)))
    unit_month = monthly_usd / seats
    for seg_start, seg_end, n_seats in segments:
        sid = f"sub_{nid('sub'):08d}"
        local_rate = w.rate(acc.currency, min(seg_start, w.as_of).date())
        unit = unit_month * (12 if annual else 1) * local_rate
        ended = seg_end if seg_end <= w.end else None
        subs.append(
            {
                "id": sid,
                "account_id": acc.id,
                "plan": "Enterprise" if acc.is_abm else "Growth",
                "billing_interval": "year" if annual else "month",
                "quantity": str(n_seats),
                "unit_amount": money(unit),
                "currency": acc.currency,
                "status": "canceled" if ended else "active",
                "started_at": fmt_ts(seg_start),
                "canceled_at": fmt_ts(ended - timedelta(days=10)) if ended else None,
                "ended_at": fmt_ts(ended) if ended else None,
            }
        )
        p_start = seg_start
        while p_start < min(seg_end, w.end):
            p_end = p_start + timedelta(days=365 if annual else 30)
            due = unit * n_seats
            r = rng.random()
            recent = p_start > w.as_of - timedelta(days=15)
            status = (
                "open"
                if recent
                else "paid"
                if r < 0.95
                else "uncollectible"
                if r < 0.98
                else "void"
            )
            paid_at = (
                p_start + timedelta(days=float(rng.uniform(0, 12))) if status == "paid" else None
            )
            invoices.append(
                {
                    "id": f"in_{nid('inv'):09d}",
                    "account_id": acc.id,
                    "subscription_id": sid,
                    "amount_due": money(due),
                    "amount_paid": money(due if status == "paid" else 0),
                    "currency": acc.currency,
                    "period_start": fmt_ts(p_start),
                    "period_end": fmt_ts(p_end),
                    "status": status,
                    "paid_at": fmt_ts(min(paid_at, w.as_of)) if paid_at else None,
                }
            )
            p_start = p_end
