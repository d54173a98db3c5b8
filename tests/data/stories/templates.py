"""The events of the labelled set (make_set.py): companies, people, and for
each kind of event several headlines and several phrasings of each fact.

Every fact is a list of phrasings of the same information; a rewrite picks
another phrasing, so two reports of one event share the entities and numbers
but few of the words, while two events of one kind share the words but not
the entities and numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

COMPANIES = [
    # (name, short name, chief executive)
    ("Northwind Motors", "Northwind", "Dana Whitcombe"), ("Lumen Biosciences", "Lumen", "Rafael Ortiz"),
    ("Atlas Robotics", "Atlas", "Mei Tanaka"), ("Greenline Energy", "Greenline", "Oskar Lindqvist"),
    ("Meridian Bank", "Meridian", "Priya Raman"), ("Orbital Systems", "Orbital", "Jonah Feld"),
    ("Quarry Foods", "Quarry", "Ines Carvalho"), ("Halcyon Airways", "Halcyon", "Tomasz Nowak"),
    ("Tidewater Shipping", "Tidewater", "Grace Okafor"), ("Copperfield Mining", "Copperfield", "Liam Byrne"),
    ("Beacon Telecom", "Beacon", "Sofia Marchetti"), ("Pinecrest Pharma", "Pinecrest", "Ahmed Saleh"),
    ("Saltmarsh Games", "Saltmarsh", "Hana Kim"), ("Redwood Semiconductor", "Redwood", "Victor Almeida"),
    ("Keystone Insurance", "Keystone", "Claire Dubois"), ("Ironbark Steel", "Ironbark", "Magnus Berg"),
    ("Bluewater Cloud", "Bluewater", "Nadia Petrova"), ("Silverline Rail", "Silverline", "Kwame Mensah"),
    ("Driftwood Media", "Driftwood", "Elena Rossi"), ("Summit Retail", "Summit", "Derek Holloway"),
    ("Vantage Labs", "Vantage", "Anika Sharma"), ("Corvid Security", "Corvid", "Felix Wagner"),
    ("Nimbus Payments", "Nimbus", "Lucia Fernandez"), ("Everfield Farms", "Everfield", "Samuel Osei"),
    ("Kestrel Aerospace", "Kestrel", "Yara Haddad"), ("Brightwater Utilities", "Brightwater", "Owen Price"),
]
OFFICIALS = [
    "Commissioner Ana Kovac", "Senator Paul Ridley", "Minister Leila Haddad", "Judge Ruth Calloway",
    "Regulator chief Marco Bellini", "Governor Teresa Quinn",
]
REGULATORS = [
    "the Competition Authority", "the Data Protection Office", "the Financial Conduct Board",
    "the Transport Safety Agency", "the Energy Regulator", "the Consumer Watchdog",
]
PLACES = ["Rotterdam", "Osaka", "Denver", "Lyon", "Pune", "Gdansk", "Monterrey", "Leeds", "Porto", "Tampere"]
PRODUCTS = ["Aria X2", "Vela 7", "Nova Core", "Pulse One", "Strata 4", "Echo Max", "Terra S", "Helix Pro"]
QUARTERS = ["the third quarter", "the end of the year", "early next year", "the second half"]
UNIONS = ["the Transport Workers Union", "the United Steelworkers", "the Retail Staff Alliance", "the Pilots Association"]

FILLER = [
    "Shares of {co_short} were little changed in morning trading.",
    "A spokesperson for {co} declined to comment further.",
    "Analysts said the move had been widely expected.",
    "The company did not respond to a request for comment.",
    "The news comes during a difficult year for the sector.",
    "Investors will be watching the next set of results closely.",
    "It was not immediately clear how customers would be affected.",
    "The announcement was made in a statement to the stock exchange.",
]


@dataclass
class Slots:
    values: dict[str, str] = field(default_factory=dict)
    amounts: dict[str, float] = field(default_factory=dict)


def render_amount(value: float, style: int) -> str:
    if value >= 1e9:
        num, word, short = value / 1e9, "billion", "bn"
    else:
        num, word, short = value / 1e6, "million", "m"
    text = f"{num:.1f}".rstrip("0").rstrip(".") if num < 100 else f"{num:.0f}"
    if style == 0:
        return f"${text} {word}"
    if style == 1:
        return f"${text}{short}"
    return f"{text} {word} dollars"


def _amount(rng: random.Random) -> float:
    if rng.random() < 0.4:
        return rng.choice([1.2, 1.5, 2.4, 3.1, 4.8, 6.5, 7.2, 9.9, 12.5, 18.0]) * 1e9 + rng.randrange(0, 9) * 1e8
    return rng.randrange(12, 950) * 1e6


def make_slots(rng: random.Random, kind: str, *, like: Slots | None = None, same_numbers: bool = False) -> Slots:
    co, co_short, ceo = rng.choice(COMPANIES)
    co2, co2_short, _ = rng.choice([c for c in COMPANIES if c[0] != co])
    values = {
        "co": co, "co_short": co_short, "ceo": ceo, "ceo_last": ceo.split()[-1],
        "co2": co2, "co2_short": co2_short,
        "official": rng.choice(OFFICIALS), "regulator": rng.choice(REGULATORS),
        "place": rng.choice(PLACES), "product": rng.choice(PRODUCTS), "quarter": rng.choice(QUARTERS),
        "union": rng.choice(UNIONS),
        "n1": f"{rng.randrange(12, 990) * 1000:,}", "n2": f"{rng.randrange(120, 9900):,}",
        "pct": str(rng.randrange(11, 48)), "pct2": str(rng.randrange(51, 97)),
        "days": str(rng.choice([14, 21, 30, 45, 60, 90])),
    }
    amounts = {"amt": _amount(rng), "amt2": _amount(rng)}
    if like is not None:
        for key in ("co", "co_short", "ceo", "ceo_last", "official", "place", "regulator"):
            values[key] = like.values[key]
        if same_numbers:
            for key in ("n1", "n2", "pct", "pct2", "days", "co2", "co2_short", "product", "union"):
                values[key] = like.values[key]
            amounts = dict(like.amounts)
    return Slots(values, amounts)


TEMPLATES: dict[str, dict] = {
    "takeover": {
        "topics": ["Business", "Deals"],
        "titles": [
            "{co} to buy {co2} for {amt}",
            "{co2} agrees to {amt} takeover by {co_short}",
            "{co_short} snaps up rival {co2_short} in {amt} deal",
            "{co2} shareholders back sale to {co}",
            "Why {co_short} is paying {amt} for {co2_short}",
        ],
        "facts": [
            ["{co} said on {weekday} it would acquire {co2} for {amt} in cash.",
             "{co2} has agreed to be bought by {co} in an all-cash deal valued at {amt}.",
             "The {amt} purchase of {co2} by {co_short} was announced on {weekday}."],
            ["The offer is {pct}% above {co2_short}'s last closing share price.",
             "That is a premium of {pct} percent to where {co2_short} stock closed."],
            ["\"This brings together two teams that build the best products in the industry,\" said {ceo}, chief executive of {co_short}.",
             "{ceo}, who runs {co_short}, called the combination a chance to grow faster.",
             "{co_short} boss {ceo} said the companies fit together well."],
            ["The transaction is expected to close by {quarter}, subject to approval by {regulator}.",
             "Both boards have approved the deal, which still needs clearance from {regulator} and should complete in {quarter}."],
        ],
    },
    "fine": {
        "topics": ["Policy", "Privacy"],
        "titles": [
            "{co} fined {amt} over customer data",
            "{regulator} hits {co_short} with {amt} penalty",
            "{co_short} ordered to pay {amt} for privacy failings",
            "Record {amt} fine for {co_short} after data probe",
        ],
        "facts": [
            ["{regulator} fined {co} {amt} on {weekday} for collecting customer data without consent.",
             "{co} must pay {amt} after {regulator} found it gathered personal data without permission.",
             "A {amt} penalty was imposed on {co_short} by {regulator}, which said consent was never sought."],
            ["The investigation found the data of {n1} customers had been kept for years.",
             "Records on some {n1} customers were stored far longer than allowed, the probe found."],
            ["{official} said the penalty should send a message to the whole industry.",
             "\"No company is too big to follow the rules,\" {official} said."],
            ["{co_short} has {days} days to appeal and said it was reviewing the decision.",
             "The company, which can appeal within {days} days, said it disagreed with the findings."],
        ],
    },
    "recall": {
        "topics": ["Mobility", "Safety"],
        "titles": [
            "{co} recalls {n1} vehicles over brake fault",
            "{co_short} brake defect prompts recall of {n1} cars",
            "{n1} {co_short} models called back for brake repairs",
            "{co_short} issues recall after brake failures",
        ],
        "facts": [
            ["{co} is recalling {n1} vehicles because a faulty brake sensor can fail in cold weather.",
             "A brake sensor that may stop working in the cold has led {co_short} to call back {n1} cars.",
             "{n1} cars built by {co_short} are being recalled to replace a brake sensor that can fail at low temperatures."],
            ["The fault has been linked to {n2} complaints and several minor crashes.",
             "Owners filed {n2} complaints before the recall, according to {regulator}."],
            ["Dealers will replace the part free of charge starting next month.",
             "Drivers can have the sensor swapped at no cost from next month, the company said."],
            ["The affected cars were made at the {place} plant between 2019 and 2021.",
             "All of the vehicles came off the line in {place} in the past three years."],
        ],
    },
    "layoffs": {
        "topics": ["Business", "Jobs"],
        "titles": [
            "{co} to cut {n2} jobs as demand slows",
            "{co_short} announces {n2} layoffs",
            "{co_short} will shed {pct}% of its workforce",
            "Thousands of jobs go at {co_short} in restructuring",
        ],
        "facts": [
            ["{co} said on {weekday} it would cut {n2} jobs, about {pct}% of its staff.",
             "Some {n2} employees, or {pct} percent of the workforce, will lose their jobs at {co_short}.",
             "{co_short} is laying off {n2} people, roughly {pct} per cent of everyone it employs."],
            ["The cuts are expected to save {amt} a year.",
             "{co_short} expects annual savings of about {amt} from the plan."],
            ["{ceo} told staff in an email that the decision was painful but necessary.",
             "In a note to employees, {ceo} said the company had grown too quickly."],
            ["Most of the affected roles are in {place}.",
             "The site in {place} will bear the brunt of the cuts."],
        ],
    },
    "results": {
        "topics": ["Markets", "Finance"],
        "titles": [
            "{co} profit jumps {pct}% on strong demand",
            "{co_short} beats forecasts as revenue hits {amt}",
            "{co_short} shares rise after quarterly results",
            "{co_short} lifts outlook after a strong quarter",
        ],
        "facts": [
            ["{co} reported quarterly revenue of {amt}, up {pct}% from a year earlier.",
             "Revenue at {co_short} rose {pct} percent to {amt} in the quarter.",
             "{co_short} took in {amt} in the three months, {pct}% more than last year."],
            ["Net profit came to {amt2}, ahead of analyst estimates.",
             "Profit of {amt2} beat what analysts had expected."],
            ["{ceo} said demand in {place} had been especially strong.",
             "Chief executive {ceo} pointed to strong orders in {place}."],
            ["The shares rose {pct2}% at one point in early trading.",
             "Its stock gained as much as {pct2} percent after the release."],
        ],
    },
    "ceo_exit": {
        "topics": ["Business", "Leadership"],
        "titles": [
            "{co} chief executive {ceo} steps down",
            "{ceo} to leave {co_short} after board clash",
            "{co_short} boss {ceo_last} quits with immediate effect",
            "{co_short} names interim leader as {ceo_last} departs",
        ],
        "facts": [
            ["{ceo} is stepping down as chief executive of {co} with immediate effect, the company said on {weekday}.",
             "{co} announced on {weekday} that {ceo} had resigned as its chief executive.",
             "The departure of {ceo} from the top job at {co_short} was confirmed on {weekday}."],
            ["{ceo_last} had led the company for {n2} days after joining from {co2}.",
             "Before {co_short}, {ceo_last} worked at {co2}."],
            ["The board said it had started a search for a permanent successor.",
             "Directors will look for a new chief executive both inside and outside the company."],
            ["People familiar with the matter said {ceo_last} had clashed with the board over strategy in {place}.",
             "Disagreements over expansion in {place} preceded the exit, according to two people briefed on it."],
        ],
    },
    "breach": {
        "topics": ["Security", "Privacy"],
        "titles": [
            "{co} says hackers stole data of {n1} customers",
            "Cyberattack on {co_short} exposes {n1} accounts",
            "{co_short} confirms data breach",
            "{n1} {co_short} customers caught up in hack",
        ],
        "facts": [
            ["{co} said on {weekday} that hackers had accessed the personal data of {n1} customers.",
             "The details of {n1} people who use {co_short} were taken in a cyberattack, the company said.",
             "Attackers got into systems at {co_short} and copied records on {n1} customers."],
            ["Names, email addresses and partial card numbers were taken.",
             "The stolen data includes emails, names and the last digits of payment cards."],
            ["{co_short} said it had informed {regulator} and hired {co2} to investigate.",
             "{regulator} has been told, and {co2} is helping with the investigation."],
            ["Customers are being asked to change their passwords.",
             "The company urged users to reset their passwords as a precaution."],
        ],
    },
    "funding": {
        "topics": ["Startups", "Finance"],
        "titles": [
            "{co} raises {amt} in new funding round",
            "{co_short} valued at {amt2} after fresh investment",
            "Investors pour {amt} into {co_short}",
            "{co_short} lands {amt} to expand in {place}",
        ],
        "facts": [
            ["{co} has raised {amt} in a funding round led by {co2}.",
             "A {amt} investment led by {co2} was announced by {co_short} on {weekday}.",
             "{co2} led the {amt} round in {co_short}, the company said."],
            ["The deal values the company at {amt2}.",
             "That puts a value of {amt2} on {co_short}."],
            ["{ceo} said the money would pay for expansion in {place}.",
             "The cash will go toward a new office in {place}, according to {ceo}."],
            ["The company employs {n2} people.",
             "{co_short} has a staff of {n2}."],
        ],
    },
    "factory": {
        "topics": ["Manufacturing", "Energy"],
        "titles": [
            "{co} to build {amt} plant in {place}",
            "{co_short} picks {place} for new factory",
            "{place} wins {co_short} factory and {n2} jobs",
            "{co_short} bets {amt} on {place} site",
        ],
        "facts": [
            ["{co} will build a {amt} factory in {place}, creating {n2} jobs.",
             "A new {co_short} plant in {place} will cost {amt} and employ {n2} people.",
             "{co_short} chose {place} for a {amt} facility that is expected to bring {n2} jobs."],
            ["Production is due to start by {quarter}.",
             "The first products should come off the line in {quarter}."],
            ["{official} called the investment a vote of confidence in the region.",
             "\"This is great news for {place},\" {official} said."],
            ["The site will make parts for the {product}.",
             "It will produce components for {co_short}'s {product}."],
        ],
    },
    "outage": {
        "topics": ["Telecom", "Cloud"],
        "titles": [
            "{co} outage leaves {n1} customers offline",
            "{co_short} services down for hours",
            "{co_short} blames software update for outage",
            "{co_short} apologises after network failure",
        ],
        "facts": [
            ["A failure at {co} left {n1} customers without service for about {n2} minutes on {weekday}.",
             "{n1} {co_short} customers lost service on {weekday} in an outage that lasted {n2} minutes.",
             "For roughly {n2} minutes, {co_short} was unreachable for {n1} of its customers."],
            ["The company blamed a faulty software update.",
             "{co_short} said a bad update to its systems was the cause."],
            ["{ceo} apologised and promised compensation.",
             "Customers will be compensated, chief executive {ceo} said in an apology."],
            ["{regulator} said it would look into the incident.",
             "The incident is being examined by {regulator}."],
        ],
    },
    "lawsuit": {
        "topics": ["Law", "Business"],
        "titles": [
            "{co2} sues {co} over patents",
            "{co_short} faces {amt} patent lawsuit from {co2_short}",
            "{co2_short} takes {co_short} to court over {product} technology",
            "Patent fight between {co_short} and {co2_short} heads to court",
        ],
        "facts": [
            ["{co2} has filed a lawsuit accusing {co} of copying its patented technology.",
             "{co} is being sued by {co2}, which says the {product} copies its patents.",
             "A patent lawsuit filed by {co2} alleges that {co_short} used its inventions without a licence."],
            ["The complaint seeks {amt} in damages.",
             "{co2_short} wants {amt} in damages, according to the filing."],
            ["The case was filed in a court in {place}.",
             "Lawyers for {co2_short} filed the case in {place}."],
            ["{co_short} said the claims were without merit and it would fight them.",
             "A spokesperson for {co_short} called the lawsuit baseless."],
        ],
    },
    "launch": {
        "topics": ["Gadgets", "AI"],
        "titles": [
            "{co} unveils the {product}",
            "{co_short} launches {product} at {amt2}",
            "First look: {co_short}'s new {product}",
            "{co_short} bets on AI with the {product}",
        ],
        "facts": [
            ["{co} unveiled the {product} on {weekday}, its first device with a built-in AI assistant.",
             "The {product}, launched by {co_short} on {weekday}, comes with an assistant that runs on the device.",
             "{co_short} showed off the {product}, which has an on-device AI helper."],
            ["It will go on sale in {place} first, priced at {n2} dollars.",
             "The {product} costs {n2} dollars and goes on sale in {place} before other markets."],
            ["{ceo} said the company had spent {amt} developing it.",
             "Development cost {amt}, according to {ceo}."],
            ["Early reviewers praised its battery life.",
             "Its battery life won praise from early testers."],
        ],
    },
    "strike": {
        "topics": ["Labour", "Transport"],
        "titles": [
            "Workers at {co} walk out over pay",
            "{union} strike halts {co_short} operations",
            "{co_short} staff strike for {days} days",
            "{co_short} hit by strike in {place}",
        ],
        "facts": [
            ["{n2} workers at {co} went on strike on {weekday} after pay talks collapsed.",
             "Pay talks broke down and {n2} {co_short} employees walked out on {weekday}.",
             "A strike by {n2} staff began at {co_short} when negotiations over wages failed."],
            ["{union} is asking for a raise of {pct}%.",
             "The union, {union}, wants wages to rise {pct} percent."],
            ["The walkout is planned to last {days} days.",
             "Organisers said the action would run for {days} days."],
            ["Operations in {place} were the worst affected.",
             "{place} saw the biggest disruption."],
        ],
    },
    "contract": {
        "topics": ["Defence", "Government"],
        "titles": [
            "{co} wins {amt} government contract",
            "{co_short} lands {amt} deal to supply {place}",
            "{place} awards {co_short} {amt} contract",
            "{co_short} beats {co2_short} to major contract",
        ],
        "facts": [
            ["{co} has won a {amt} contract to supply equipment to the city of {place}.",
             "The city of {place} picked {co_short} for a contract worth {amt}.",
             "A {amt} supply deal with {place} was awarded to {co_short}."],
            ["{co2} had also bid for the work.",
             "Rival {co2_short} lost out in the final round of bidding."],
            ["The contract runs for {days} months with an option to extend.",
             "It covers {days} months and may be extended."],
            ["{official} said the deal would save taxpayers money.",
             "Taxpayers will benefit, according to {official}."],
        ],
    },
    "approval": {
        "topics": ["Health", "Biotech"],
        "titles": [
            "{co} drug wins approval",
            "Regulators clear {co_short} treatment for {product}",
            "{co_short} gets green light for new medicine",
            "{co_short} shares soar on drug approval",
        ],
        "facts": [
            ["{regulator} approved a new treatment from {co} on {weekday} after a trial of {n2} patients.",
             "A {co_short} medicine tested on {n2} patients was cleared by {regulator}.",
             "{co_short} won approval from {regulator} for a drug that was tried on {n2} people."],
            ["In the trial, the drug cut symptoms by {pct}%.",
             "Symptoms fell {pct} percent among patients who took it."],
            ["{ceo} said it would be available in {place} within weeks.",
             "Patients in {place} should get it within weeks, {ceo} said."],
            ["Analysts expect annual sales of {amt}.",
             "It could bring in {amt} a year, analysts estimate."],
        ],
    },
    "price": {
        "topics": ["Energy", "Consumers"],
        "titles": [
            "{co} raises prices by {pct}%",
            "{co_short} customers face {pct}% price rise",
            "Bills to go up at {co_short}",
            "{co_short} blames costs for price increase",
        ],
        "facts": [
            ["{co} will raise prices by {pct}% from next month, affecting {n1} customers.",
             "Prices at {co_short} are going up {pct} percent next month for {n1} customers.",
             "From next month {n1} {co_short} customers will pay {pct}% more."],
            ["The company blamed higher costs for energy and materials.",
             "{co_short} said its own costs had risen sharply."],
            ["{official} criticised the increase.",
             "The rise was condemned by {official}."],
            ["It is the second increase this year.",
             "Prices already went up once earlier in the year."],
        ],
    },
}
