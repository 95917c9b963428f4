#!/usr/bin/env python3
"""Writes protocol/vectors/*.json: the merge, review, flag and validation test vectors.

Every expected result below is stated by hand from the rules in protocol/SPEC.md; nothing here runs a
merge. Only ids are computed (op ids, person keys, content versions), by this second, independent
implementation of the SPEC's encodings. Run from the repository root: python3 protocol/tools/make_vectors.py
"""
import hashlib, hmac, json, os

OUT = os.path.join(os.path.dirname(__file__), "..", "vectors")
T0 = 1709510400000  # 2024-03-04T00:00:00Z, a Monday
A, B, C, R, F = 0xA1, 0xB2, 0xC3, 0xD4, 0xF5  # laptops A, B, C; reviewer R; F has a clock years ahead


def oid(ms, replica, counter=0):
    return f"{T0 + ms:012x}-{counter:04x}-{replica:016x}"


def rep(replica):
    return f"{replica:016x}"


def resident_id(address, birth, seq):
    body = f"{address}{birth}{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


# The deployment's secret person keys are made under (SPEC §1): every vector names it as `person_secret`.
PERSON_SECRET = bytes(range(0x20, 0x40))


def person_key(rid):
    return hmac.new(PERSON_SECRET, ("sunsync-person-v2:" + rid).encode(), hashlib.sha256).hexdigest()[:20]


def content_version(ids):
    return hashlib.sha256(b"".join(bytes.fromhex(i.replace("-", "")) for i in sorted(ids))).hexdigest()[:32]


ORG, ORG2 = "MH-SB-001", "MH-RO-007"
RID1 = resident_id("310112", "19900315", 123)   # man, 34 in 2024
RID2 = resident_id("310112", "19850620", 246)   # woman, 38 in 2024
RID_OLD = resident_id("310112", "19580101", 135)  # man, 66 in 2024
CERT1, CERT2, CERT_OLD = RID1 + "52", RID2 + "61", RID_OLD + "41"
P1 = f"{ORG}/{person_key(RID1)}"
P2 = f"{ORG}/{person_key(RID2)}"
P1_AT_ORG2 = f"{ORG2}/{person_key(RID1)}"
P_OLD = f"{ORG}/{person_key(RID_OLD)}"


def day(participant, date):
    return f"{participant}/{date}"


def op(id, collection, record, field, value, pred=()):
    return {"id": id, "collection": collection, "record": record, "field": field, "value": value, "pred": list(pred)}


def date(text):
    return {"date": text}


def participant_ops(pid, cert, name, replica, ms, contract="part-time", start=None, end=None, active=None):
    ops = [op(oid(ms, replica), "participants", pid, "name", name),
           op(oid(ms, replica, 1), "participants", pid, "cert", cert),
           op(oid(ms, replica, 2), "participants", pid, "contract", contract)]
    if start:
        ops.append(op(oid(ms, replica, 3), "participants", pid, "contract_start", date(start)))
    if end:
        ops.append(op(oid(ms, replica, 4), "participants", pid, "contract_end", date(end)))
    if active is not None:
        ops.append(op(oid(ms, replica, 5), "participants", pid, "active", active))
    return ops


def participant_expect(name, cert, contract="part-time", start=None, end=None, active=None):
    fields = {"name": name, "cert": cert, "contract": contract}
    if start:
        fields["contract_start"] = date(start)
    if end:
        fields["contract_end"] = date(end)
    if active is not None:
        fields["active"] = active
    return {"fields": fields}


def org_ops(code, replica, ms, rate=None, rate_from=None):
    ops = [op(oid(ms, replica), "orgs", code, "name", "闵行区阳光基地"),
           op(oid(ms, replica, 1), "orgs", code, "kind", "sunshine-base"),
           op(oid(ms, replica, 2), "orgs", code, "district", "310112")]
    if rate is not None:
        ops.append(op(oid(ms, replica, 3), "orgs", code, "lunch_rate", rate))
    if rate_from:
        ops.append(op(oid(ms, replica, 4), "orgs", code, "lunch_rate_from", date(rate_from)))
    return ops


def org_expect(rate=None, rate_from=None):
    fields = {"name": "闵行区阳光基地", "kind": "sunshine-base", "district": "310112"}
    if rate is not None:
        fields["lunch_rate"] = rate
    if rate_from:
        fields["lunch_rate_from"] = date(rate_from)
    return {"fields": fields}


VECTORS = []


def vector(name, description, ops, expect, settings=None, new_records=None):
    v = {"name": name, "description": description, "person_secret": PERSON_SECRET.hex()}
    if settings:
        v["settings"] = settings
    v["ops"] = ops
    if new_records:
        v["new_records"] = new_records
    v["expect"] = expect
    VECTORS.append(v)


H1 = day(P1, "2024-03-04")
TODAY = {"today": "2024-03-31"}
# A participant registered whole (name, certificate, contract and its start): vectors that check flags start with one.
people = participant_ops(P1, CERT1, "张三", A, 10, start="2024-01-01")
people_expect = {f"participants/{P1}": participant_expect("张三", CERT1, start="2024-01-01")}

# --- merge -------------------------------------------------------------------------------------------
a1 = oid(1000, A)
vector("single-write", "One laptop records one day's hours; the record has one clean value.",
       [op(a1, "hours", H1, "minutes", 240)],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 240}, "review": "needs_review"}}})

a2 = oid(2000, A)
vector("sequential-edit", "An edit names the value it replaces in pred: one value remains, no conflict.",
       [op(a1, "hours", H1, "minutes", 240), op(a2, "hours", H1, "minutes", 210, [a1])],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 210}}}})

b2 = oid(2000, B)
vector("concurrent-edits-one-field",
       "Two laptops each replace the same value offline: both stay current (a conflict); the greater id is shown.",
       [op(a1, "hours", H1, "minutes", 240), op(a2, "hours", H1, "minutes", 210, [a1]), op(b2, "hours", H1, "minutes", 300, [a1])],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 300}, "conflicts": {"minutes": [b2, a2]}}}})

vector("edits-of-different-fields",
       "Concurrent edits of different fields of one record both apply, with no conflict.",
       [op(a1, "hours", H1, "minutes", 240), op(a2, "hours", H1, "minutes", 210, [a1]),
        op(b2, "hours", H1, "note", "下午请假")],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 210, "note": "下午请假"}}}})

b1 = oid(1000, B)
vector("same-day-two-laptops",
       "Two laptops enter the same participant's same day: the natural key makes it one record, and the different hours one conflict.",
       people + [op(a1, "hours", H1, "minutes", 240), op(b1, "hours", H1, "minutes", 180)],
       {"records": {**people_expect, f"hours/{H1}": {"fields": {"minutes": 180}, "conflicts": {"minutes": [b1, a1]}}},
        "flags": [{"kind": "conflict", "records": [f"hours/{H1}"], "replicas": [rep(A), rep(B)]}]},
       settings=TODAY)

vector("same-day-same-value",
       "Two laptops enter the same value for the same day: both ops stay current, but equal values are no conflict.",
       people + [op(a1, "hours", H1, "minutes", 240), op(b1, "hours", H1, "minutes", 240)],
       {"records": {**people_expect, f"hours/{H1}": {"fields": {"minutes": 240}}}, "flags": []},
       settings=TODAY)

a3 = oid(3000, A)
vector("conflict-resolved-by-write",
       "A write whose pred covers every current value resolves the conflict, wherever it is made.",
       [op(a1, "hours", H1, "minutes", 240), op(b1, "hours", H1, "minutes", 180),
        op(a3, "hours", H1, "minutes", 200, [b1, a1])],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 200}}}})

c1 = oid(1000, C)
vector("three-way-conflict-one-write",
       "Three laptops write the same field concurrently; one write that saw all three resolves it.",
       [op(a1, "hours", H1, "minutes", 240), op(b1, "hours", H1, "minutes", 180), op(c1, "hours", H1, "minutes", 120),
        op(a3, "hours", H1, "minutes", 200, [c1, b1, a1])],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 200}}}})

vector("partial-resolution",
       "A write that saw only two of three conflicting values leaves the third standing: still a conflict.",
       [op(a1, "hours", H1, "minutes", 240), op(b1, "hours", H1, "minutes", 180), op(c1, "hours", H1, "minutes", 120),
        op(a3, "hours", H1, "minutes", 200, [b1, a1])],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 200}, "conflicts": {"minutes": [a3, c1]}}}})

vector("delete-against-concurrent-edit",
       "One laptop deletes the day while another edits its hours: the delete and the edit both stand (different fields); nothing is lost, and a restore brings back the edited hours.",
       [op(a1, "hours", H1, "minutes", 240), op(oid(1000, A, 1), "hours", H1, "deleted", False),
        op(a2, "hours", H1, "deleted", True, [oid(1000, A, 1)]), op(b2, "hours", H1, "minutes", 300, [a1])],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 300, "deleted": True}}}})

vector("restore-after-delete",
       "Delete is a write of deleted = true; restore writes false naming the delete in pred.",
       [op(a1, "hours", H1, "minutes", 240), op(a2, "hours", H1, "deleted", True),
        op(a3, "hours", H1, "deleted", False, [a2])],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 240, "deleted": False}}}})

vector("concurrent-delete-and-restore",
       "A restore on one laptop and a second delete on another, both after the same delete: deleted is in conflict, shown by the greater id.",
       [op(a1, "hours", H1, "minutes", 240), op(a2, "hours", H1, "deleted", True),
        op(a3, "hours", H1, "deleted", False, [a2]), op(oid(3000, B), "hours", H1, "deleted", True, [a2])],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 240, "deleted": True},
                                    "conflicts": {"deleted": [oid(3000, B), a3]}}}})

vector("duplicate-delivery",
       "The same ops delivered three times give the same state as once.",
       [op(a1, "hours", H1, "minutes", 240), op(a2, "hours", H1, "minutes", 210, [a1])] * 3,
       {"records": {f"hours/{H1}": {"fields": {"minutes": 210}}}})

vector("out-of-order-delivery",
       "An edit arrives before the op it replaces: the late op is never current.",
       [op(a2, "hours", H1, "minutes", 210, [a1]), op(a1, "hours", H1, "minutes", 240)],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 210}}}})

vector("chain-in-reverse-order",
       "Three successive edits delivered newest first, then oldest: only the newest is current.",
       [op(a3, "hours", H1, "minutes", 200, [a2]), op(a1, "hours", H1, "minutes", 240), op(a2, "hours", H1, "minutes", 210, [a1])],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 200}}}})

f1 = f"{T0 + 5 * 365 * 86400000:012x}-0000-{F:016x}"
vector("clock-years-ahead",
       "A laptop whose clock is five years ahead wrote a value. A later edit on a correct laptop that saw it replaces it by pred: causality, not clock readings, decides.",
       [op(f1, "hours", H1, "minutes", 480),
        op(f"{T0 + 5 * 365 * 86400000:012x}-0001-{A:016x}", "hours", H1, "minutes", 240, [f1])],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 240}}}})

vector("clock-years-ahead-concurrent",
       "A laptop whose clock is years ahead writes concurrently with a correct one: its id is greater so it is shown, but the other value is kept as a conflict, never silently lost.",
       [op(f1, "hours", H1, "minutes", 480), op(a1, "hours", H1, "minutes", 240)],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 480}, "conflicts": {"minutes": [f1, a1]}}}})

# --- review ------------------------------------------------------------------------------------------
base = [op(a1, "hours", H1, "minutes", 240), op(oid(1000, A, 1), "hours", H1, "project", "包装")]
v_base = content_version([a1, oid(1000, A, 1)])
r1 = oid(5000, R)
vector("approval-of-current-version",
       "The reviewer approves the exact content version: the record is approved.",
       base + [op(r1, "hours", H1, "review", f"approved {v_base}")],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 240, "project": "包装", "review": f"approved {v_base}"},
                                    "review": "approved", "content_version": v_base}}})

late = oid(4000, B)
vector("approval-invalidated-by-late-edit",
       "An edit made offline before the approval but synced after it changes the content version: the record needs review again.",
       base + [op(r1, "hours", H1, "review", f"approved {v_base}"), op(late, "hours", H1, "minutes", 300, [a1])],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 300, "project": "包装", "review": f"approved {v_base}"},
                                    "review": "needs_review", "content_version": content_version([late, oid(1000, A, 1)])}}})

vector("approval-invalidated-by-concurrent-entry",
       "Another laptop's entry of the same day, concurrent with the approved one, arrives later: a conflict, and the approval no longer holds.",
       base + [op(r1, "hours", H1, "review", f"approved {v_base}"), op(b1, "hours", H1, "minutes", 180)],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 180, "project": "包装", "review": f"approved {v_base}"},
                                    "conflicts": {"minutes": [b1, a1]}, "review": "needs_review"}}})

vector("review-note-does-not-change-version",
       "The reviewer's note is a review field, not content: writing it keeps the approval.",
       base + [op(r1, "hours", H1, "review", f"approved {v_base}"), op(oid(5000, R, 1), "hours", H1, "review_note", "已核对")],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 240, "project": "包装", "review": f"approved {v_base}", "review_note": "已核对"},
                                    "review": "approved"}}})

vector("rejection",
       "A rejection of the current version: the record is rejected until its content changes.",
       base + [op(r1, "hours", H1, "review", f"rejected {v_base}")],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 240, "project": "包装", "review": f"rejected {v_base}"},
                                    "review": "rejected"}}})

r2 = oid(5000, R + 1)
vector("concurrent-approve-and-reject",
       "Two reviewers decide differently at once: the review field is in conflict and the record needs review.",
       base + [op(r1, "hours", H1, "review", f"approved {v_base}"), op(r2, "hours", H1, "review", f"rejected {v_base}")],
       {"records": {f"hours/{H1}": {"fields": {"minutes": 240, "project": "包装", "review": f"rejected {v_base}"},
                                    "conflicts": {"review": [r2, r1]}, "review": "needs_review"}}})

# --- flags -------------------------------------------------------------------------------------------


def week_ops(minutes_by_day, replica_by_day, collection="hours", field="minutes", participant=P1):
    ops, records = [], {}
    for i, (d, m) in enumerate(minutes_by_day):
        rid = day(participant, d)
        ops.append(op(oid(20000 + i, replica_by_day[i]), collection, rid, field, m))
        records[f"{collection}/{rid}"] = {"fields": {field: m}}
    return ops, records


days = ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08", "2024-03-09"]
ops, recs = week_ops([(d, 270) for d in days], [A, A, A, B, B, B])  # 6 × 4.5 h = 27 h
vector("weekly-limit-two-laptops",
       "A part-time participant's week adds up to 27 h from entries on two laptops: one flag naming every day and both laptops.",
       people + ops, {"records": {**people_expect, **recs},
                      "flags": [{"kind": "weekly_hours_over_limit", "records": sorted(recs), "replicas": [rep(A), rep(B)]}]},
       settings=TODAY)

ops, recs = week_ops([(d, 240) for d in days], [A, A, A, B, B, B])  # exactly 24 h
vector("weekly-limit-exactly-24h", "Exactly 24 h in a week is within the limit: no flag.",
       people + ops, {"records": {**people_expect, **recs}, "flags": []}, settings=TODAY)

ops, recs = week_ops([("2024-03-08", 480), ("2024-03-09", 480), ("2024-03-10", 480), ("2024-03-11", 480)], [A, A, A, A])
vector("weekly-limit-counts-iso-weeks",
       "Weeks run Monday to Sunday: 24 h from Friday to Sunday and 8 h the next Monday cross no week's limit.",
       people + ops, {"records": {**people_expect, **recs}, "flags": []}, settings=TODAY)

full = participant_ops(P1, CERT1, "张三", A, 10, contract="full-time", start="2024-01-01")
ops, recs = week_ops([(d, 480) for d in days], [A] * 6)
vector("weekly-limit-not-for-full-time", "The part-time limit does not apply to a full-time contract.",
       full + ops, {"records": {f"participants/{P1}": participant_expect("张三", CERT1, "full-time", start="2024-01-01"), **recs},
                    "flags": []}, settings=TODAY)

L1 = day(P1, "2024-03-05")
vector("lunch-without-hours",
       "A lunch on a day with no hours is flagged; a lunch on a worked day is not.",
       people + [op(a1, "hours", H1, "minutes", 240), op(oid(1000, A, 1), "lunches", H1, "amount", 1500),
                 op(b1, "lunches", L1, "amount", 1500)],
       {"records": {**people_expect, f"hours/{H1}": {"fields": {"minutes": 240}},
                    f"lunches/{H1}": {"fields": {"amount": 1500}}, f"lunches/{L1}": {"fields": {"amount": 1500}}},
        "flags": [{"kind": "lunch_without_hours", "records": [f"lunches/{L1}"], "replicas": [rep(B)]}]},
       settings=TODAY)

vector("lunch-above-rate",
       "The org's lunch rate is 15 yuan from 2024-01-01: a 20-yuan lunch is flagged, a 15-yuan one is not.",
       org_ops(ORG, A, 5, rate=1500, rate_from="2024-01-01") + people
       + [op(a1, "hours", H1, "minutes", 240), op(oid(1000, A, 1), "lunches", H1, "amount", 2000),
          op(b1, "hours", L1, "minutes", 240), op(oid(1000, B, 1), "lunches", L1, "amount", 1500)],
       {"records": {f"orgs/{ORG}": org_expect(1500, "2024-01-01"), **people_expect,
                    f"hours/{H1}": {"fields": {"minutes": 240}}, f"lunches/{H1}": {"fields": {"amount": 2000}},
                    f"hours/{L1}": {"fields": {"minutes": 240}}, f"lunches/{L1}": {"fields": {"amount": 1500}}},
        "flags": [{"kind": "lunch_above_rate", "records": [f"lunches/{H1}"], "replicas": [rep(A)]}]},
       settings=TODAY)

contract = participant_ops(P1, CERT1, "张三", A, 10, start="2024-03-05", end="2024-12-31")
vector("outside-contract-and-future",
       "Work before the contract starts and work dated after today are each flagged.",
       contract + [op(a1, "hours", H1, "minutes", 240), op(b1, "hours", day(P1, "2024-04-02"), "minutes", 240)],
       {"records": {f"participants/{P1}": participant_expect("张三", CERT1, start="2024-03-05", end="2024-12-31"),
                    f"hours/{H1}": {"fields": {"minutes": 240}}, f"hours/{day(P1, '2024-04-02')}": {"fields": {"minutes": 240}}},
        "flags": [{"kind": "future_date", "records": [f"hours/{day(P1, '2024-04-02')}"], "replicas": [rep(B)]},
                  {"kind": "outside_contract", "records": [f"hours/{H1}", f"participants/{P1}"], "replicas": [rep(A)]}]},
       settings=TODAY)

HOLD = day(P_OLD, "2024-03-04")
vector("age-out-of-bounds",
       "A man born 1958-01-01 is 66 on 2024-03-04, above the configured bound of 60 in force then: flagged.",
       participant_ops(P_OLD, CERT_OLD, "李四", A, 10, start="2020-01-01") + [op(a1, "hours", HOLD, "minutes", 120)],
       {"records": {f"participants/{P_OLD}": participant_expect("李四", CERT_OLD, start="2020-01-01"), f"hours/{HOLD}": {"fields": {"minutes": 120}}},
        "flags": [{"kind": "age_out_of_bounds", "records": [f"hours/{HOLD}", f"participants/{P_OLD}"], "replicas": [rep(A)]}]},
       settings=TODAY)

H2 = day(P1_AT_ORG2, "2024-03-04")
two_orgs = (participant_ops(P1, CERT1, "张三", A, 10, contract="part-time", start="2020-01-01")
            + participant_ops(P1_AT_ORG2, CERT1, "张三", C, 10, contract="part-time", start="2020-01-01"))
vector("double-claim-across-orgs",
       "The same person's lunch and hours on one day at two organizations, entered on different laptops: a double lunch claim, hours at several orgs, and active at both under open contracts.",
       two_orgs + [op(a1, "hours", H1, "minutes", 240), op(oid(1000, A, 1), "lunches", H1, "amount", 1500),
                   op(c1, "hours", H2, "minutes", 180), op(oid(1000, C, 1), "lunches", H2, "amount", 1200)],
       {"records": {f"participants/{P1}": participant_expect("张三", CERT1, start="2020-01-01"),
                    f"participants/{P1_AT_ORG2}": participant_expect("张三", CERT1, start="2020-01-01"),
                    f"hours/{H1}": {"fields": {"minutes": 240}}, f"lunches/{H1}": {"fields": {"amount": 1500}},
                    f"hours/{H2}": {"fields": {"minutes": 180}}, f"lunches/{H2}": {"fields": {"amount": 1200}}},
        "flags": [{"kind": "active_at_several_orgs", "records": sorted([f"participants/{P1}", f"participants/{P1_AT_ORG2}"]), "replicas": [rep(A), rep(C)]},
                  {"kind": "double_lunch_claim", "records": sorted([f"lunches/{H1}", f"lunches/{H2}"]), "replicas": [rep(A), rep(C)]},
                  {"kind": "hours_at_several_orgs", "records": sorted([f"hours/{H1}", f"hours/{H2}"]), "replicas": [rep(A), rep(C)]}]},
       settings=TODAY)

vector("deleted-entries-raise-no-flags",
       "A deleted lunch is not a claim: no lunch-without-hours flag.",
       people + [op(b1, "lunches", L1, "amount", 1500), op(b2, "lunches", L1, "deleted", True)],
       {"records": {**people_expect, f"lunches/{L1}": {"fields": {"amount": 1500, "deleted": True}}}, "flags": []},
       settings=TODAY)

# --- validation --------------------------------------------------------------------------------------
def refused(name, description, bad, code, good=()):
    records = {}
    for g in good:
        records.setdefault(f"{g['collection']}/{g['record']}", {"fields": {}})["fields"][g["field"]] = g["value"]
    vector(name, description, list(good) + [bad], {"rejected": {bad["id"]: code}, "records": records})


good = [op(a1, "hours", H1, "minutes", 240)]
refused("invalid-cert-check-character", "A certificate whose 身份证号 check character is wrong is refused.",
        op(oid(10, A), "participants", P1, "cert", RID1[:17] + ("0" if RID1[17] != "0" else "1") + "52"), "invalid_certificate", good)
bad_birth = resident_id("310112", "19900230", 123)
refused("invalid-cert-birth-date", "A certificate whose birth date (1990-02-30) does not exist is refused.",
        op(oid(10, A), "participants", f"{ORG}/{person_key(bad_birth)}", "cert", bad_birth + "52"), "invalid_certificate", good)
refused("invalid-cert-category", "Category 8 does not exist (1-7).",
        op(oid(10, A), "participants", P1, "cert", RID1 + "82"), "invalid_certificate", good)
refused("invalid-cert-level", "Level 5 does not exist (1-4).",
        op(oid(10, A), "participants", P1, "cert", RID1 + "55"), "invalid_certificate", good)
refused("cert-of-another-person", "A certificate whose 身份证号 does not match the participant record's id is refused.",
        op(oid(10, A), "participants", P1, "cert", CERT2), "invalid_record_id", good)
vector("cert-reissue-suffix-same-person",
       "A reissued certificate (suffix B1) with a new level is accepted on the same participant record: the person key ignores category, level and suffix.",
       participant_ops(P1, CERT1, "张三", A, 10) + [op(oid(2000, A), "participants", P1, "cert", RID1 + "53B1", [oid(10, A, 1)])],
       {"records": {f"participants/{P1}": participant_expect("张三", RID1 + "53B1")}})
refused("impossible-date-value", "2023-02-29 is not a real date.",
        op(oid(10, A), "participants", P1, "contract_start", date("2023-02-29")), "invalid_date", good)
refused("impossible-date-in-record-id", "An hours id dated 2024-13-01 is refused.",
        op(oid(10, A), "hours", day(P1, "2024-13-01"), "minutes", 60), "invalid_date", good)
refused("minutes-over-a-day", "1500 minutes (25 h) cannot be worked in one day.",
        op(oid(10, A), "hours", day(P1, "2024-03-05"), "minutes", 1500), "invalid_minutes", good)
refused("negative-minutes", "Negative minutes are refused.",
        op(oid(10, A), "hours", day(P1, "2024-03-05"), "minutes", -30), "invalid_minutes", good)
refused("negative-money", "A lunch of -15.00 yuan is refused.",
        op(oid(10, A), "lunches", H1, "amount", -1500), "invalid_money", good)
refused("unknown-field", "hours has no field 'salary'.",
        op(oid(10, A), "hours", H1, "salary", 100), "unknown_field", good)
refused("wrong-type", "minutes takes an integer, not text.",
        op(oid(10, A), "hours", H1, "minutes", "four hours"), "wrong_type", good)
refused("unknown-collection", "There is no collection 'payments'.",
        op(oid(10, A), "payments", H1, "amount", 100), "unknown_collection", good)
refused("malformed-record-id", "An hours id without a date is refused.",
        op(oid(10, A), "hours", P1, "minutes", 60), "invalid_record_id", good)
refused("malformed-op-id", "Op ids are lowercase hex in the fixed layout.",
        op("not-an-id", "hours", H1, "minutes", 60), "invalid_op_id", good)
refused("pred-not-earlier", "An op cannot replace an op with a greater id: its writer cannot have seen it.",
        op(oid(500, A), "hours", H1, "minutes", 60, [a1]), "invalid_op_id", good)
refused("required-field-cleared", "minutes is required: it cannot be set to null (delete the day instead).",
        op(oid(2000, A), "hours", H1, "minutes", None, [a1]), "wrong_type", good)
refused("unknown-contract-kind", "A contract is part-time or full-time.",
        op(oid(10, A), "participants", P1, "contract", "temporary"), "invalid_value", good)
vector("missing-required-fields",
       "A new participant without a certificate number or without its contract's start, and a new org without a district, are refused whole.",
       [], {"records": {}},
       new_records=[{"collection": "participants", "id": P1, "fields": {"name": "张三", "contract": "part-time"}, "error": "missing_field"},
                    {"collection": "orgs", "id": ORG, "fields": {"name": "基地", "kind": "sunshine-base"}, "error": "missing_field"},
                    {"collection": "participants", "id": P1, "fields": {"name": "张三", "cert": CERT1, "contract": "part-time"}, "error": "missing_field"},
                    {"collection": "participants", "id": P1, "fields": {"name": "张三", "cert": CERT1, "contract": "part-time",
                                                                       "contract_start": date("2024-01-01")}},
                    {"collection": "lunches", "id": H1, "fields": {"amount": 1500}}])

# --- rules' dated numbers and retirement ages (appended: earlier vectors keep their numbers) ------------
RID_M65 = resident_id("310112", "19650115", 111)  # man born 1965-01: 60 years 1 month, reached in 2025-02
RID_F75 = resident_id("310112", "19750210", 222)  # woman born 1975-02: 50 years 1 month, reached in 2025-03
RID_M64 = resident_id("310112", "19641205", 333)  # man born 1964-12: 60, before the rise, reached in 2024-12
P_M65, P_F75, P_M64 = (f"{ORG}/{person_key(r)}" for r in (RID_M65, RID_F75, RID_M64))
S0 = "2020-01-01"
edge_people = (participant_ops(P_M65, RID_M65 + "41", "赵一", A, 10, start=S0) + participant_ops(P_F75, RID_F75 + "52", "钱二", A, 20, start=S0)
               + participant_ops(P_M64, RID_M64 + "61", "孙三", A, 30, start=S0))
edge_expect = {f"participants/{P_M65}": participant_expect("赵一", RID_M65 + "41", start=S0),
               f"participants/{P_F75}": participant_expect("钱二", RID_F75 + "52", start=S0),
               f"participants/{P_M64}": participant_expect("孙三", RID_M64 + "61", start=S0)}
edge_days = [(P_M65, "2025-01-20"), (P_M65, "2025-02-03"), (P_M65, "2025-02-04"),
             (P_F75, "2025-02-26"), (P_F75, "2025-03-03"), (P_M64, "2024-11-29"), (P_M64, "2024-12-02")]
edge_ops = [op(oid(30000 + i, A), "hours", day(p, d), "minutes", 240) for i, (p, d) in enumerate(edge_days)]
edge_recs = {f"hours/{day(p, d)}": {"fields": {"minutes": 240}} for p, d in edge_days}
vector("retirement-age-by-birth-month",
       "Retirement ages rise by birth month from 2025-01-01 (men 60 by one month every four months, women 50 by one "
       "month every two): a man born 1965-01 reaches 60y1m in 2025-02, a woman born 1975-02 reaches 50y1m in 2025-03, a man "
       "born 1964-12 reaches 60 in 2024-12. Work from that month on is flagged, one flag per participant and month.",
       edge_people + edge_ops,
       {"records": {**edge_expect, **edge_recs},
        "flags": [{"kind": "age_out_of_bounds", "records": sorted([f"hours/{day(P_M65, '2025-02-03')}", f"hours/{day(P_M65, '2025-02-04')}", f"participants/{P_M65}"]), "replicas": [rep(A)]},
                  {"kind": "age_out_of_bounds", "records": [f"hours/{day(P_F75, '2025-03-03')}", f"participants/{P_F75}"], "replicas": [rep(A)]},
                  {"kind": "age_out_of_bounds", "records": [f"hours/{day(P_M64, '2024-12-02')}", f"participants/{P_M64}"], "replicas": [rep(A)]}]},
       settings={"today": "2025-12-31"})

L12 = day(P1, "2024-03-12")
dated_days = ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08",
              "2024-03-11", "2024-03-12", "2024-03-13", "2024-03-14", "2024-03-15"]
ops, recs = week_ops([(d, 264) for d in dated_days], [A] * 10)  # 5 × 4.4 h = 22 h a week
vector("dated-rules",
       "The rules' numbers are dated: the weekly limit is 24 h, then 20 h from the week of 2024-03-11; the lunch rate is "
       "15 yuan, then 18 from 2024-03-11. 22 h is flagged only in the second week; an 18-yuan lunch only before the rise.",
       people + ops + [op(oid(40000, A), "lunches", H1, "amount", 1800), op(oid(40001, A), "lunches", L12, "amount", 1800)],
       {"records": {**people_expect, **recs, f"lunches/{H1}": {"fields": {"amount": 1800}}, f"lunches/{L12}": {"fields": {"amount": 1800}}},
        "flags": [{"kind": "lunch_above_rate", "records": [f"lunches/{H1}"], "replicas": [rep(A)]},
                  {"kind": "weekly_hours_over_limit", "records": sorted(f"hours/{day(P1, d)}" for d in dated_days[5:]), "replicas": [rep(A)]}]},
       settings={"today": "2024-03-31",
                 "weekly_limit_minutes": [{"from": "1900-01-01", "value": 1440}, {"from": "2024-03-11", "value": 1200}],
                 "lunch_rates": {ORG: [{"from": "2024-01-01", "value": 1500}, {"from": "2024-03-11", "value": 1800}]}})

late = participant_ops(P1, CERT1, "张三", A, 10, start="2024-01-01", end="2024-02-29")
late_days = ["2024-03-04", "2024-03-05", "2024-04-01"]
ops, recs = week_ops([(d, 120) for d in late_days], [A, B, A])
vector("outside-contract-one-flag-per-month",
       "Work on three days after the contract ended, two in March (from two laptops) and one in April: one flag per month, "
       "naming that month's days.",
       late + ops,
       {"records": {f"participants/{P1}": participant_expect("张三", CERT1, start="2024-01-01", end="2024-02-29"), **recs},
        "flags": [{"kind": "outside_contract", "records": sorted([f"hours/{day(P1, '2024-03-04')}", f"hours/{day(P1, '2024-03-05')}"]) + [f"participants/{P1}"], "replicas": [rep(A), rep(B)]},
                  {"kind": "outside_contract", "records": [f"hours/{day(P1, '2024-04-01')}", f"participants/{P1}"], "replicas": [rep(A)]}]},
       settings={"today": "2024-04-30"})

# --- whole records, text, payments (appended: earlier vectors keep their numbers) ----------------------
H_P2 = day(P2, "2024-03-04")
vector("participant-not-registered-whole",
       "A participant with no contract start, and hours of a participant no one registered: neither counts. The participant "
       "record is flagged, and each one's days, one flag per participant and month (a server refuses such ops: §9).",
       participant_ops(P1, CERT1, "张三", A, 10) + [op(a1, "hours", H1, "minutes", 240), op(b1, "hours", H_P2, "minutes", 600)],
       {"records": {f"participants/{P1}": participant_expect("张三", CERT1), f"hours/{H1}": {"fields": {"minutes": 240}},
                    f"hours/{H_P2}": {"fields": {"minutes": 600}}},
        "flags": [{"kind": "incomplete_record", "records": [f"participants/{P1}"], "replicas": [rep(A)]},
                  {"kind": "incomplete_record", "records": [f"hours/{H1}", f"participants/{P1}"], "replicas": [rep(A)]},
                  {"kind": "incomplete_record", "records": [f"hours/{H_P2}"], "replicas": [rep(B)]}]},
       settings=TODAY)

noted = [op(a1, "hours", H1, "minutes", 240), op(oid(1000, A, 1), "hours", H1, "note", "上午\t包装\n下午请假")]
refused("control-characters-refused",
        "Text cannot carry control characters that drive a terminal (ESC, CR…): refused. A note may hold tabs and line breaks.",
        op(oid(10, A), "participants", P1, "name", "\u001b[2J张三\r"), "invalid_text", noted)
refused("bidi-override-refused", "Bidirectional overrides and isolates (U+202A-202E, U+2066-2069) reorder what a reader sees: refused.",
        op(oid(10, A), "participants", P1, "name", "张三\u202e"), "invalid_text", noted)
refused("length-counts-scalars",
        "Length limits count Unicode scalars: one letter with 2,000 combining marks is 2,001 characters, over the 2,000 allowed.",
        op(oid(1000, A, 2), "hours", H1, "note", "a" + "\u0301" * 2000), "invalid_text", noted)

def approve(record, collection, ids, ms, verdict="approved"):
    return op(oid(ms, R), collection, record, "review", f"{verdict} {content_version(ids)}")

D5, D6, D8 = (day(P1, d) for d in ("2024-03-05", "2024-03-06", "2024-03-08"))
pay_ops = people + participant_ops(P2, CERT2, "李四", B, 10) + [
    op(a1, "hours", H1, "minutes", 240), op(oid(1000, A, 1), "lunches", H1, "amount", 1500),
    op(oid(1001, A), "hours", D5, "minutes", 240), op(oid(1001, A, 1), "lunches", D5, "amount", 1500),
    op(oid(1002, A), "hours", D6, "minutes", 240), op(oid(1002, A, 1), "lunches", D6, "amount", 1500),
    op(oid(1003, A, 1), "lunches", D8, "amount", 1500),
    op(b1, "hours", H_P2, "minutes", 600),
    approve(H1, "hours", [a1], 5000), approve(H1, "lunches", [oid(1000, A, 1)], 5001),
    approve(D5, "lunches", [oid(1001, A, 1)], 5002),
    approve(D6, "hours", [oid(1002, A)], 5003, "rejected"), approve(D6, "lunches", [oid(1002, A, 1)], 5004),
    approve(D8, "lunches", [oid(1003, A, 1)], 5005),
    approve(H_P2, "hours", [b1], 5006)]
vector("payments-only-approved-days",
       "What is paid (§4): approved hours of a participant registered whole, and a lunch only beside its day's paid hours. "
       "Lunches approved on their own beside hours waiting, rejected or absent are left out, as are a phantom's approved hours.",
       pay_ops, {"payments": {"month": "2024-03", "total": {"days": 1, "minutes": 240, "lunches": 1, "lunch_fen": 1500},
                              "not_counted": {"needs_review": 1, "rejected": 1, "incomplete": 1, "hours_not_counted": 3}}},
       settings=TODAY)

# --- reveals (§1): who saw full certificate numbers, of whom, and why -----------------------------------
REVEAL = f"{ORG}/9f2c4e1a0b7d3c55"
P1_KEY, P2_KEY = P1.split("/")[1], P2.split("/")[1]
reveal_ops = [op(oid(3000, A), "reveals", REVEAL, "participants", f"{P1_KEY} {P2_KEY}"),
              op(oid(3000, A, 1), "reveals", REVEAL, "purpose", "核对残疾人证"),
              op(oid(3000, A, 2), "reveals", REVEAL, "what", "participant list --reveal")]
reveal_bad = [op(oid(3001, A), "reveals", f"{ORG}/9F2C4E1A0B7D3C55", "purpose", "核对"),
              op(oid(3001, A, 1), "reveals", f"{ORG}/0000000000000001", "participants", P1),
              op(oid(3001, A, 2), "reveals", f"{ORG}/0000000000000001", "participants", f"{P1_KEY}  {P2_KEY}"),
              op(oid(3001, A, 3), "reveals", f"{ORG}/0000000000000001", "purpose", "  "),
              op(oid(3001, A, 4), "reveals", f"{ORG}/0000000000000001", "device", "laptop-a")]
vector("reveal-record",
       "A reveal record names the participants whose full numbers were shown (person keys, space-separated) and why; "
       "its id is the org and 16 random lowercase hex digits. A malformed id or key list, an empty purpose and an unknown field are refused.",
       reveal_ops + reveal_bad,
       {"rejected": {reveal_bad[0]["id"]: "invalid_record_id", reveal_bad[1]["id"]: "invalid_value", reveal_bad[2]["id"]: "invalid_value",
                     reveal_bad[3]["id"]: "invalid_value", reveal_bad[4]["id"]: "unknown_field"},
        "records": {f"reveals/{REVEAL}": {"fields": {"participants": f"{P1_KEY} {P2_KEY}", "purpose": "核对残疾人证",
                                                        "what": "participant list --reveal"}}}})

os.makedirs(OUT, exist_ok=True)
for old in os.listdir(OUT):
    if old.endswith(".json"):
        os.remove(os.path.join(OUT, old))
for i, v in enumerate(VECTORS, 1):
    with open(os.path.join(OUT, f"{i:03d}-{v['name']}.json"), "w", encoding="utf-8") as f:
        json.dump(v, f, ensure_ascii=False, indent=2)
        f.write("\n")
print(f"wrote {len(VECTORS)} vectors to protocol/vectors/")
