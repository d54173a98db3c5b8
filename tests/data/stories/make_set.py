"""Write the labelled set of stories: seed-format documents plus labels.json.

    .venv/bin/python tests/data/stories/make_set.py            # seed 1, into tests/data/stories/docs
    .venv/bin/python tests/data/stories/make_set.py --seed 2 --out /tmp/stories2   # a set to tune on

Every story is one event (a takeover, a fine, a recall...) with its own
companies, people, numbers and day, covered by 1-9 providers. Its articles are:

* the first report (often a wire's);
* near-copies: syndicated wire text with small edits (a prefix on the
  headline, a dropped or added sentence, an excerpt cut at 200 characters,
  the same provider's "UPDATE" republication);
* rewrites: another headline, the facts said in other words and another
  order, the amounts written another way ("$1.2 billion", "$1.2bn", "1.2
  billion dollars"), a subset of the facts;

and the set holds hard negatives on purpose: another story about the same
company or person on the same day ("siblings"), the same kind of event at
another company on the same day ("twins"), and the same event repeating at
the same company a week or more later, with the same wording and sometimes
the same numbers ("repeats": only the 72 h window tells them apart). Some
articles carry the aggregator's ``related`` list: mostly the story's other
articles, sometimes another story's. Only example.com/.org/.net hosts.

Deterministic: the same ``--seed`` writes the same bytes. labels.json maps
each file name to its story label.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from templates import FILLER, TEMPLATES, Slots, make_slots, render_amount

HERE = Path(__file__).resolve().parent
START = datetime(2022, 3, 1, 6, 0, tzinfo=timezone.utc)
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

PROVIDERS = [
    ("Harbor Wire", "harborwire.example.com", True), ("Meridian Press Agency", "mpa.example.org", True),
    ("Global Newswire", "globalnews.example.net", True),
    ("The Lantern Tribune", "lantern.example.com", False), ("Granite Business Journal", "granitebj.example.org", False),
    ("Saltmarsh Daily", "saltmarsh.example.net", False), ("Redwood Ledger", "redwoodledger.example.com", False),
    ("Keystone Markets", "keystone.example.org", False), ("Copperfield Herald", "copperfield.example.net", False),
    ("Halcyon Tech Review", "halcyon.example.com", False), ("Ironbark Post", "ironbark.example.org", False),
    ("Bluewater Chronicle", "bluewater.example.net", False), ("Silverline Observer", "silverline.example.com", False),
    ("Driftwood Gazette", "driftwood.example.org", False), ("Summit Bulletin", "summit.example.net", False),
    ("Wayfarer Times", "wayfarer.example.com", False), ("Pinecrest Report", "pinecrest.example.org", False),
    ("Almanac & Byte", "almanacbyte.example.net", False), ("Beacon Policy Monitor", "beaconpolicy.example.com", False),
    ("Tidewater Dispatch", "tidewater.example.org", False), ("Quarry Science Review", "quarrysci.example.net", False),
    ("Eastbridge Security Weekly", "eastbridge.example.com", False), ("Northwind Health Observer", "nwhealth.example.org", False),
    ("Orbital Markets", "orbitalmarkets.example.net", False), ("Lumen Daily", "lumendaily.example.com", False),
    ("Foundry Times", "foundry.example.org", False), ("Sprocket News", "sprocket.example.net", False),
    ("Atlas Business", "atlasbiz.example.com", False), ("Greenline Energy Report", "greenline.example.org", False),
    ("Circuit Chronicle", "circuit.example.net", False), ("Lockstep Finance", "lockstep.example.com", False),
    ("Harborlight Herald", "harborlight.example.org", False), ("Cinder Street Journal", "cinder.example.net", False),
    ("Mosaic Media", "mosaic.example.com", False), ("Fathom Weekly", "fathom.example.org", False),
    ("Tallgrass Times", "tallgrass.example.net", False),
]


def _slug(text: str) -> str:
    out: list[str] = []
    for ch in text.lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")[:70].rstrip("-")


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class Doc:
    __slots__ = ("name", "label", "title", "excerpt", "body", "when", "provider", "url", "related", "topics", "quality")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)
        self.related = []


# --------------------------------------------------------------------------
# writing one article of a story

def _fill(text: str, slots: Slots, style: int, when: datetime) -> str:
    values = dict(slots.values)
    for key, amount in slots.amounts.items():
        values[key] = render_amount(amount, style)
    values["weekday"] = WEEKDAYS[when.weekday()]
    return _sentence_case(text.format(**values))


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _original(rng: random.Random, template: dict, slots: Slots, when: datetime) -> tuple[str, list[str]]:
    style = rng.randrange(3)
    title = _fill(rng.choice(template["titles"]), slots, style, when)
    facts = [_fill(rng.choice(variants), slots, style, when) for variants in template["facts"]]
    return title, facts


def _near_copy(rng: random.Random, title: str, facts: list[str], slots: Slots, same_provider: bool) -> tuple[str, list[str]]:
    """Syndicated text with small edits."""
    facts = list(facts)
    roll = rng.random()
    if same_provider:
        title = rng.choice(["UPDATE 1-", "UPDATE 2-", "CORRECTED-"]) + title
    elif roll < 0.3:
        title = rng.choice(["EXCLUSIVE: ", "BREAKING: ", "", "Report: "]) + title
    elif roll < 0.5:
        title = title + rng.choice([" - sources", " (wire)", " | Markets", " - report"])
    elif roll < 0.7:
        title = title.replace(" to ", " set to ", 1) if " to " in title else title.upper()[:1] + title[1:]
    edit = rng.random()
    if edit < 0.35 and len(facts) > 2:
        del facts[rng.randrange(1, len(facts))]
    elif edit < 0.7:
        facts.insert(rng.randrange(1, len(facts) + 1), rng.choice(FILLER).format(**slots.values))
    else:
        facts[-1] = facts[-1].replace(" said", " told reporters", 1)
    return title, facts


def _rewrite(rng: random.Random, template: dict, slots: Slots, when: datetime, used_titles: set[int]) -> tuple[str, list[str]]:
    """The same news in other words: another headline, other phrasings and order."""
    style = rng.randrange(3)
    choices = [i for i in range(len(template["titles"])) if i not in used_titles] or list(range(len(template["titles"])))
    pick = rng.choice(choices)
    used_titles.add(pick)
    title = _fill(template["titles"][pick], slots, style, when)
    n = len(template["facts"])
    keep = sorted(rng.sample(range(n), rng.randint(min(2, n), n)))
    if 0 not in keep and rng.random() < 0.7:
        keep = [0, *keep]
    facts = [_fill(rng.choice(template["facts"][i]), slots, style, when) for i in keep]
    if len(facts) > 2 and rng.random() < 0.5:
        rest = facts[1:]
        rng.shuffle(rest)
        facts = [facts[0], *rest]
    if rng.random() < 0.3:
        facts.append(rng.choice(FILLER).format(**slots.values))
    return title, facts


def _excerpt_and_body(rng: random.Random, facts: list[str]) -> tuple[str, str]:
    cut = rng.random()
    if cut < 0.3:
        excerpt = " ".join(facts)[:200]                    # the aggregator's hard cut
        body = ""
    elif cut < 0.6:
        k = rng.randint(1, min(3, len(facts)))
        excerpt = " ".join(facts[:k])
        body = " ".join(facts[k:]) if rng.random() < 0.5 else ""
    else:
        excerpt = " ".join(facts[:2])
        body = ""
    return excerpt, body


# --------------------------------------------------------------------------
# the set

def build(seed: int) -> list[Doc]:
    rng = random.Random(f"stories:{seed}")
    wires = [p for p in PROVIDERS if p[2]]
    docs: list[Doc] = []
    story_no = 0
    kinds = list(TEMPLATES)

    def story(kind: str, slots: Slots, when: datetime, size: int) -> list[Doc]:
        nonlocal story_no
        label = f"s{story_no:03d}-{kind}"
        story_no += 1
        template = TEMPLATES[kind]
        providers = rng.sample(PROVIDERS, min(size, len(PROVIDERS)))
        if size > 1 and rng.random() < 0.6:
            wire = rng.choice(wires)
            providers = [wire] + [p for p in providers if p != wire][: size - 1]
        out: list[Doc] = []
        used: set[int] = set()
        first_title, first_facts = _original(rng, template, slots, when)
        for k in range(size):
            offset = 0 if k == 0 else int(abs(rng.gauss(0, 14)) * 60) + rng.randrange(10, 120)
            offset = min(offset, 60 * 60)            # at most 60 h after the first report
            at = when + timedelta(minutes=offset)
            provider = providers[k % len(providers)]
            same_provider = False
            if k == 0:
                title, facts = first_title, first_facts
            elif k >= 2 and rng.random() < 0.08:
                # the same provider republishes its own report, updated
                provider = out[rng.randrange(len(out))].provider
                same_provider = True
                title, facts = _near_copy(rng, first_title, first_facts, slots, True)
            elif rng.random() < 0.4:
                base = out[rng.randrange(len(out))]
                title, facts = _near_copy(rng, base.title if rng.random() < 0.7 else first_title,
                                          first_facts, slots, False)
            else:
                title, facts = _rewrite(rng, template, slots, at, used)
            excerpt, body = _excerpt_and_body(rng, facts)
            name = hashlib.sha256(f"{seed}:{label}:{k}".encode()).hexdigest()[:16] + ".txt"   # says nothing of the label
            url = f"https://{provider[1]}/{at:%Y/%m/%d}/{_slug(title)}-{story_no * 100 + k}"
            doc = Doc(name=name, label=label, title=title, excerpt=excerpt, body=body, when=at,
                      provider=provider, url=url, topics=template["topics"], quality=rng.randint(20, 90))
            out.append(doc)
        return out

    day = START
    while story_no < 108:
        for _ in range(rng.randint(2, 3)):
            kind = rng.choice(kinds)
            slots = make_slots(rng, kind)
            when = day + timedelta(minutes=rng.randrange(0, 14 * 60))
            size = rng.choice([1, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9])
            group = story(kind, slots, when, size)
            docs += group
            roll = rng.random()
            if roll < 0.35:
                # a sibling: another story about the same company or person, same day
                other = rng.choice([k for k in kinds if k != kind])
                sib = make_slots(rng, other, like=slots)
                docs += story(other, sib, when + timedelta(minutes=rng.randrange(-180, 300)), rng.randint(2, 5))
            elif roll < 0.55:
                # a twin: the same kind of event at another company, same day
                docs += story(kind, make_slots(rng, kind), when + timedelta(minutes=rng.randrange(-120, 240)),
                              rng.randint(2, 5))
            elif roll < 0.75:
                # a repeat: the same event at the same company, a week or more later
                again = make_slots(rng, kind, like=slots, same_numbers=rng.random() < 0.5)
                later = when + timedelta(days=rng.randint(5, 16), minutes=rng.randrange(-300, 300))
                docs += story(kind, again, later, rng.randint(2, 5))
        day += timedelta(days=1)

    # the aggregator's related coverage: mostly the story's own, sometimes not
    by_label: dict[str, list[Doc]] = {}
    for doc in docs:
        by_label.setdefault(doc.label, []).append(doc)
    for doc in docs:
        if rng.random() < 0.35:
            mates = [d for d in by_label[doc.label] if d is not doc]
            for _ in range(rng.randint(1, 3)):
                roll = rng.random()
                if mates and roll < 0.6:
                    doc.related.append(rng.choice(mates))
                elif roll < 0.85:
                    near = [d for d in docs if d.label != doc.label and abs((d.when - doc.when).total_seconds()) < 86400 * 2]
                    if near:
                        doc.related.append(rng.choice(near))
                else:
                    doc.related.append(None)        # outside coverage, not in the set
    return docs


def render(doc: Doc, rng: random.Random) -> str:
    name, domain, _ = doc.provider
    lines = [
        "---",
        "category: news",
        f"title: {_q(doc.title)}",
        f"excerpt: {_q(doc.excerpt)}",
        f"publishedDateTime: {doc.when:%Y-%m-%dT%H:%M:%SZ}",
        f"originalUrl: {_q(doc.url)}",
        f"webUrl: {_q(doc.url)}",
        "type: article",
        f"quality: {doc.quality}",
        "heat: -1",
        "published: true",
        "",
        "provider:",
        f"  name: {_q(name)}",
        f"  domain: {domain}",
        "",
        "topics:",
        *(f"  - {t}" for t in doc.topics),
    ]
    if doc.related:
        lines += ["", "related:"]
        for other in doc.related:
            if other is None:
                pname, pdomain, _ = rng.choice(PROVIDERS)
                title = "Analysis: " + rng.choice(FILLER).format(co="the company", co_short="the company")[:60]
                lines += [
                    f"  - title: {_q(title)}",
                    f"    excerpt: {_q(title)}",
                    f"    publishedDateTime: {doc.when - timedelta(hours=rng.randint(1, 40)):%Y-%m-%dT%H:%M:%SZ}",
                    f"    webUrl: {_q(f'https://{pdomain}/analysis/{rng.getrandbits(40):010x}')}",
                ]
            else:
                pname, pdomain, _ = other.provider
                lines += [
                    f"  - title: {_q(other.title)}",
                    f"    excerpt: {_q(other.excerpt[:160])}",
                    f"    publishedDateTime: {other.when:%Y-%m-%dT%H:%M:%SZ}",
                    f"    webUrl: {_q(other.url)}",
                ]
            lines += ["    type: article", "    provider:", f"      name: {_q(pname)}", f"      domain: {pdomain}"]
    lines += ["---", ""]
    text = "\n".join(lines)
    if doc.body:
        text += doc.body + "\n"
    return text


def write(out: Path, seed: int) -> dict[str, str]:
    docs = build(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = random.Random(f"render:{seed}")
    labels = {}
    for doc in docs:
        (out / doc.name).write_text(render(doc, rng), encoding="utf-8", newline="\n")
        labels[doc.name] = doc.label
    return labels


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=HERE / "docs")
    args = p.parse_args(argv)
    labels = write(args.out, args.seed)
    target = HERE / "labels.json" if args.out == HERE / "docs" else args.out.parent / f"{args.out.name}.labels.json"
    target.write_text(json.dumps(labels, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    stories = len(set(labels.values()))
    print(f"{len(labels)} articles in {stories} stories -> {args.out} ({target.name})")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
