"""Event streams (e-mail, web, forms, identify) in chunks, and the daily channel tables.

Event tables are yielded chunk by chunk (a batch of e-mail campaigns or of web visitors at a
time) so that memory stays bounded by one chunk at any scale.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import numpy as np

from abm_warehouse.raw.generator.defects import fmt_ts
from abm_warehouse.raw.generator.story import KEYWORDS, SITE, World, b, d, money, rng_for

PROGRAMS = ("newsletter", "nurture", "abm", "product")
PAGES = ("/", "/pricing", "/product", "/customers", "/about", "/blog", "/integrations")
# (channel, utm_source, utm_medium, referrer) - the landing event of a session carries them
CHANNELS = (
    ("organic_search", None, None, "https://www.google.com/"),
    ("organic_search_bing", None, None, "https://www.bing.com/search?q=abm"),
    ("paid_search", "google", "cpc", "https://www.google.com/"),
    ("paid_search_bing", "bing", "cpc", None),
    ("paid_social", "linkedin", "paid_social", "https://www.linkedin.com/"),
    ("organic_social", None, None, "https://www.linkedin.com/feed/"),
    ("organic_social_utm", "twitter", "social", None),
    ("email", "newsletter", "email", None),
    ("referral", None, None, "https://www.g2.com/products/abm"),
    ("referral_utm", "partner", "affiliate", None),
    ("direct", None, None, None),
    ("internal", None, None, SITE + "/blog"),
)
CHANNEL_WEIGHTS = np.array([18, 4, 10, 3, 8, 6, 2, 8, 6, 2, 25, 8], dtype=float)


def email_campaigns(w: World) -> list[dict]:
    rng = rng_for(w.seed, "email_campaigns")
    rows, n = [], 0
    crm = [c for c in w.campaigns if c["type"] == "Email"] or w.campaigns
    m = date(w.start.year, w.start.month, 1)
    while m <= w.as_of.date():
        for _ in range(4):
            n += 1
            sent = datetime(m.year, m.month, int(rng.integers(1, 28)), int(rng.integers(7, 17)))
            if sent >= w.end:
                continue
            program = PROGRAMS[n % 4]
            rows.append(
                {
                    "id": f"EC{n:06d}",
                    "name": f"{program.title()} {sent:%Y-%m} #{n}",
                    "subject": f"{program.title()} update {n}",
                    "program": program,
                    "campaign_id": crm[n % len(crm)]["id"],
                    "sent_at": fmt_ts(sent),
                    "_loaded_at": fmt_ts(sent + timedelta(hours=1)),
                }
            )
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return rows


def email_events(w: World, campaigns: list[dict], max_rows: int = 20_000) -> Iterator[list[dict]]:
    """SENT / DELIVERED / BOUNCE / OPEN / CLICK / UNSUBSCRIBE / SPAMREPORT per recipient."""
    rng = rng_for(w.seed, "email_events")
    persons = [p for p in w.persons]
    created = np.array([p.created.timestamp() for p in persons])
    weights = np.array([p.engagement for p in persons])
    n = 0
    chunk: list[dict] = []
    for c in campaigns:
        sent = datetime.strptime(c["sent_at"], "%Y-%m-%dT%H:%M:%SZ")
        eligible = np.flatnonzero(created < sent.timestamp())
        if len(eligible) == 0:
            continue
        k = min(len(eligible), int(rng.integers(60, 250) * w.scale * w.event_multiplier))
        p = weights[eligible] / weights[eligible].sum()
        chosen = rng.choice(eligible, size=k, replace=False, p=p)
        for j in np.sort(chosen):
            if len(chunk) >= max_rows:  # memory is bounded by a chunk, whatever the volume
                yield chunk
                chunk = []
            person = persons[int(j)]
            eng = person.engagement

            def ev(kind, when, url=None, c=c, person=person):
                nonlocal n
                n += 1
                when = when.replace(microsecond=0)
                return {
                    "id": f"EE{n:010d}",
                    "type": kind,
                    "email_campaign_id": c["id"],
                    "recipient": person.email,
                    "url": url,
                    "created": fmt_ts(when),
                    "_loaded_at": fmt_ts(when + timedelta(minutes=10)),
                }

            chunk.append(ev("SENT", sent))
            if rng.random() < 0.03:
                chunk.append(ev("BOUNCE", sent + timedelta(minutes=2)))
                continue
            chunk.append(ev("DELIVERED", sent + timedelta(minutes=1)))
            opened = rng.random() < min(0.85, 0.22 * eng)
            clicked = False
            if opened:
                late = rng.random() < 0.1
                t_open = sent + timedelta(
                    days=float(rng.uniform(3, 10)) if late else float(rng.exponential(0.3))
                )
                if t_open < w.end:
                    chunk.append(ev("OPEN", t_open))
                    if rng.random() < 0.3:
                        t2 = t_open + timedelta(hours=float(rng.uniform(1, 48)))
                        if t2 < w.end:
                            chunk.append(ev("OPEN", t2))
                    clicked = rng.random() < min(0.6, 0.2 * eng)
                    t_click = t_open + timedelta(minutes=float(rng.uniform(1, 30)))
            elif rng.random() < 0.03:  # click without a recorded open (images blocked)
                clicked = True
                t_click = sent + timedelta(hours=float(rng.uniform(1, 30)))
            if clicked and t_click < w.end:
                chunk.append(ev("CLICK", t_click, f"{SITE}/blog?utm_medium=email"))
            if rng.random() < 0.006:
                chunk.append(ev("UNSUBSCRIBE", sent + timedelta(hours=float(rng.uniform(1, 72)))))
            elif rng.random() < 0.001:
                chunk.append(ev("SPAMREPORT", sent + timedelta(hours=2)))
    if chunk:
        yield chunk


def web_streams(w: World, max_rows: int = 20_000) -> Iterator[dict[str, list[dict]]]:
    """Per batch of visitors: {'web_event': [...], 'identify': [...], 'form_submission': [...]}."""
    rng = rng_for(w.seed, "web")
    visitors = []  # (anonymous_id, person or None, company domain or None)
    v = 0
    for p in w.persons:
        if rng.random() < min(0.8, 0.3 * p.engagement):
            v += 1
            domain = p.account.domain if p.account and rng.random() < 0.5 else None
            visitors.append((f"anon-{v:09d}", p, domain))
    n_anon = int(round(len(visitors) * 2.5))
    for _ in range(n_anon):
        v += 1
        acc = w.accounts[int(rng.integers(0, len(w.accounts)))] if rng.random() < 0.2 else None
        visitors.append((f"anon-{v:09d}", None, acc.domain if acc else None))
    probs = CHANNEL_WEIGHTS / CHANNEL_WEIGHTS.sum()
    counters = {"event": 0, "submission": 0}
    out = {"web_event": [], "identify": [], "form_submission": []}
    for anon, person, domain in visitors:
        eng = person.engagement if person else 0.6
        lo = (person.created - timedelta(days=20)) if person else w.start
        lo = max(lo, w.start)
        n_sessions = (1 + int(rng.poisson(1.6 * eng))) * w.event_multiplier
        starts = sorted(w.rand_time(rng, lo, w.end - timedelta(hours=1)) for _ in range(n_sessions))
        if rng.random() < 0.03:  # a session that crosses midnight (and maybe month end)
            s0 = starts[0]
            starts[0] = s0.replace(hour=23, minute=50, second=0)
        identified = False
        for s_idx, start in enumerate(starts):
            ch = CHANNELS[int(rng.choice(len(CHANNELS), p=probs))]
            _, utm_source, utm_medium, referrer = ch
            utm_campaign = f"campaign-{int(rng.integers(1, 20))}" if utm_medium else None
            t = start
            n_events = 1 + int(rng.poisson(2.6 * min(eng, 2.0)))
            for e in range(n_events):
                page = _page(w, rng)
                counters["event"] += 1
                out["web_event"].append(
                    _event(
                        counters["event"],
                        anon,
                        "page_view",
                        page,
                        None,
                        t,
                        referrer if e == 0 else None,
                        (utm_source, utm_medium, utm_campaign) if e == 0 else (None,) * 3,
                        domain,
                    )
                )
                if rng.random() < 0.25:
                    cta = f"cta-{int(rng.integers(1, 9))}"
                    counters["event"] += 1
                    out["web_event"].append(
                        _event(
                            counters["event"],
                            anon,
                            "cta_impression",
                            page,
                            cta,
                            t + timedelta(seconds=3),
                            None,
                            (None,) * 3,
                            domain,
                        )
                    )
                    if rng.random() < 0.2:
                        counters["event"] += 1
                        out["web_event"].append(
                            _event(
                                counters["event"],
                                anon,
                                "cta_click",
                                page,
                                cta,
                                t + timedelta(seconds=9),
                                None,
                                (None,) * 3,
                                domain,
                            )
                        )
                gap = 1800 if rng.random() < 0.03 else float(rng.exponential(90)) + 5
                t = t + timedelta(seconds=int(gap))
                if t >= w.end:
                    break
            # people fill a form in one of their sessions after they exist
            if person and not identified and start >= person.created and rng.random() < 0.6:
                form = w.forms[int(rng.integers(0, len(w.forms)))]
                when = (t - timedelta(seconds=5)).replace(microsecond=0)
                if when >= start:
                    identified = True
                    counters["submission"] += 1
                    out["form_submission"].append(
                        {
                            "id": f"FS{counters['submission']:09d}",
                            "form_id": form["id"],
                            "email": person.email,
                            "page_url": form["page_url"],
                            "anonymous_id": anon,
                            "utm_source": utm_source,
                            "utm_medium": utm_medium,
                            "utm_campaign": utm_campaign,
                            "submitted_at": fmt_ts(when),
                            "_loaded_at": fmt_ts(when + timedelta(minutes=5)),
                        }
                    )
                    counters["event"] += 1
                    out["web_event"].append(
                        _event(
                            counters["event"],
                            anon,
                            "page_view",
                            (form["page_url"], form["name"], form["content_id"]),
                            None,
                            when - timedelta(seconds=40),
                            None,
                            (None,) * 3,
                            domain,
                        )
                    )
                    out["identify"].append(
                        {
                            "anonymous_id": anon,
                            "email": person.email,
                            "identified_at": fmt_ts(when),
                            "_loaded_at": fmt_ts(when + timedelta(minutes=5)),
                        }
                    )
            del s_idx
        if len(out["web_event"]) >= max_rows:  # bounded by a chunk, whatever the volume
            yield out
            out = {"web_event": [], "identify": [], "form_submission": []}
    if any(out.values()):
        yield out


def _page(w: World, rng):
    if rng.random() < 0.35:
        c = w.content[int(rng.integers(0, len(w.content)))]
        return (c["url"], c["title"], c["id"])
    path = PAGES[int(rng.integers(0, len(PAGES)))]
    return (SITE + path, path.strip("/").title() or "Home", None)


def _event(n, anon, kind, page, cta, t, referrer, utm, domain):
    url, title, content_id = page
    t = t.replace(microsecond=0)
    return {
        "event_id": f"WE{n:011d}",
        "anonymous_id": anon,
        "event_type": kind,
        "page_url": url,
        "page_title": title,
        "content_id": content_id,
        "cta_id": cta,
        "referrer": referrer,
        "utm_source": utm[0],
        "utm_medium": utm[1],
        "utm_campaign": utm[2],
        "company_domain": domain,
        "occurred_at": fmt_ts(t),
        "_loaded_at": fmt_ts(t + timedelta(minutes=15)),
    }


def _days(w: World) -> Iterator[date]:
    day = w.start.date()
    while day <= w.as_of.date():
        yield day
        day += timedelta(days=1)


def ad_performance(w: World) -> list[dict]:
    rng = rng_for(w.seed, "ads")
    by_type = {}
    for c in w.campaigns:
        by_type.setdefault(c["type"], []).append(c["id"])
    ads = [
        ("google", f"g-{i}", (by_type.get("Paid Search") or [None])[i % 2], "USD") for i in range(3)
    ]
    ads += [
        (
            "linkedin",
            f"li-{i}",
            (by_type.get("ABM Ads") or [None])[0]
            if i == 0
            else (by_type.get("Paid Social") or [None])[0],
            "USD",
        )
        for i in range(3)
    ]
    ads += [
        ("meta", f"fb-{i}", (by_type.get("Paid Social") or [None])[-1], "EUR") for i in range(2)
    ]
    rows = []
    for day in _days(w):
        for platform, ad_id, crm_id, cur in ads:
            imp = int(rng.poisson(1500 * w.scale * (0.5 if platform == "meta" else 1)))
            ctr = {"google": 0.035, "linkedin": 0.006, "meta": 0.012}[platform]
            clicks = int(rng.binomial(imp, ctr))
            cpc = {"google": 3.5, "linkedin": 9.0, "meta": 1.8}[platform]
            rows.append(
                {
                    "date": d(day),
                    "platform": platform,
                    "ad_campaign_id": ad_id,
                    "campaign_id": crm_id,
                    "impressions": str(imp),
                    "clicks": str(clicks),
                    "spend": money(clicks * cpc * float(rng.uniform(0.8, 1.2))),
                    "currency": cur,
                    "_loaded_at": fmt_ts(
                        datetime.combine(day, datetime.min.time()) + timedelta(hours=30)
                    ),
                }
            )
    return rows


def ad_company(w: World) -> Iterator[list[dict]]:
    """Company-level ad reporting, weekly rows per targeted account, one chunk per month."""
    rng = rng_for(w.seed, "ad_company")
    rows = []
    targets = [a for a in w.accounts if a.is_abm or rng.random() < 0.08]
    month = None
    for day in _days(w):
        if day.weekday() != 0:
            continue
        if month is not None and (day.year, day.month) != month and rows:
            yield rows
            rows = []
        month = (day.year, day.month)
        for a in targets:
            imp = int(rng.poisson(120 if a.is_abm else 20))
            if imp == 0:
                continue
            rows.append(
                {
                    "date": d(day),
                    "platform": "linkedin",
                    "company_domain": a.domain,
                    "impressions": str(imp),
                    "clicks": str(int(rng.binomial(imp, 0.01))),
                    "_loaded_at": fmt_ts(
                        datetime.combine(day, datetime.min.time()) + timedelta(hours=30)
                    ),
                }
            )
    if rows:
        yield rows


def social(w: World) -> list[dict]:
    rng = rng_for(w.seed, "social")
    rows = []
    followers = {"linkedin": 12000, "x": 5000, "youtube": 1500}
    for day in _days(w):
        for platform in ("linkedin", "x", "youtube"):
            followers[platform] += int(rng.integers(-2, 25))
            posts = int(rng.poisson(1.2))
            imp = int(rng.poisson(800 + 900 * posts))
            rows.append(
                {
                    "date": d(day),
                    "platform": platform,
                    "followers": str(followers[platform]),
                    "impressions": str(imp),
                    "reach": str(int(imp * 0.7)),
                    "likes": str(int(rng.binomial(imp, 0.02))),
                    "comments": str(int(rng.binomial(imp, 0.002))),
                    "shares": str(int(rng.binomial(imp, 0.003))),
                    "posts": str(posts),
                    "_loaded_at": fmt_ts(
                        datetime.combine(day, datetime.min.time()) + timedelta(hours=30)
                    ),
                }
            )
    return rows


def search_rank(w: World) -> list[dict]:
    rng = rng_for(w.seed, "seo")
    rows = []
    pos = {k: float(rng.uniform(3, 60)) for k in KEYWORDS}
    for day in _days(w):
        for i, k in enumerate(KEYWORDS):
            pos[k] = float(np.clip(pos[k] + rng.normal(-0.02, 0.8), 1, 100))
            rows.append(
                {
                    "date": d(day),
                    "keyword": k,
                    "url": f"{SITE}/resources/{i}",
                    "position": f"{pos[k]:.1f}",
                    "search_volume": str(int(200 + 37 * i)),
                    "_loaded_at": fmt_ts(
                        datetime.combine(day, datetime.min.time()) + timedelta(hours=30)
                    ),
                }
            )
    return rows


__all__ = ["b"]
