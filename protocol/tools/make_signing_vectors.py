#!/usr/bin/env python3
"""Writes protocol/vectors/signing/*.json: an op's signed encoding, its digest, a batch's message and its
Ed25519 signature (SPEC §9, signatures), computed here by a second, independent implementation: the
encoding from the SPEC's words, SHA-256 from hashlib, Ed25519 from RFC 8032 §6 (the reference code).
Run from the repository root: python3 protocol/tools/make_signing_vectors.py
"""
import hashlib, json, os, struct

OUT = os.path.join(os.path.dirname(__file__), "..", "vectors", "signing")

# --- Ed25519, RFC 8032 §6 ---------------------------------------------------------------------------
p = 2**255 - 19
q = 2**252 + 27742317777372353535851937790883648493
d = -121665 * pow(121666, p - 2, p) % p
I = pow(2, (p - 1) // 4, p)

def inv(x): return pow(x, p - 2, p)

def xrecover(y):
    xx = (y * y - 1) * inv(d * y * y + 1)
    x = pow(xx, (p + 3) // 8, p)
    if (x * x - xx) % p != 0: x = (x * I) % p
    if x % 2 != 0: x = p - x
    return x

By = 4 * inv(5) % p
B = (xrecover(By), By, 1, xrecover(By) * By % p)

def add(P, Q):
    A = (P[1] - P[0]) * (Q[1] - Q[0]) % p
    Bv = (P[1] + P[0]) * (Q[1] + Q[0]) % p
    C = 2 * P[3] * Q[3] * d % p
    D = 2 * P[2] * Q[2] % p
    E, F, G, H = Bv - A, D - C, D + C, Bv + A
    return (E * F % p, G * H % p, F * G % p, E * H % p)

def mul(s, P):
    Q = (0, 1, 1, 0)
    while s > 0:
        if s & 1: Q = add(Q, P)
        P = add(P, P)
        s >>= 1
    return Q

def compress(P):
    zi = inv(P[2]); x = P[0] * zi % p; y = P[1] * zi % p
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")

def sha512_int(m): return int.from_bytes(hashlib.sha512(m).digest(), "little")

def secret_expand(secret):
    h = hashlib.sha512(secret).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= (1 << 254)
    return a, h[32:]

def public_key(secret):
    a, _ = secret_expand(secret)
    return compress(mul(a, B))

def sign(secret, msg):
    a, prefix = secret_expand(secret)
    A = compress(mul(a, B))
    r = sha512_int(prefix + msg) % q
    Rs = compress(mul(r, B))
    h = sha512_int(Rs + A + msg) % q
    s = (r + h * a) % q
    return Rs + int.to_bytes(s, 32, "little")

# --- The SPEC's encoding ------------------------------------------------------------------------------
def op_id_bytes(text):
    ms, counter, replica = text.split("-")
    return int(ms, 16).to_bytes(6, "big") + int(counter, 16).to_bytes(2, "big") + int(replica, 16).to_bytes(8, "big")

def encode(op):
    out = b"sunsync-op-v1\x00" + op_id_bytes(op["id"])
    c, r, f = op["collection"].encode(), op["record"].encode(), op["field"].encode()
    out += bytes([len(c)]) + c + len(r).to_bytes(2, "big") + r + bytes([len(f)]) + f
    v = op["value"]
    if v is None: out += b"\x00"
    elif isinstance(v, bool): out += b"\x01" + (b"\x01" if v else b"\x00")
    elif isinstance(v, int): out += b"\x02" + struct.pack(">q", v)
    elif isinstance(v, str): t = v.encode(); out += b"\x03" + len(t).to_bytes(4, "big") + t
    else: out += b"\x04" + v["date"].encode()
    out += len(op["pred"]).to_bytes(2, "big") + b"".join(op_id_bytes(x) for x in op["pred"])
    return out

def vector(name, description, secret, ops):
    pub = public_key(secret)
    key_id = hashlib.sha256(pub).digest()[:8]
    encodings = [encode(o) for o in ops]
    digests = [hashlib.sha256(e).digest() for e in encodings]
    message = b"sunsync-batch-v1\x00" + key_id + len(ops).to_bytes(4, "big") + b"".join(digests)
    signature = sign(secret, message)
    return {"name": name, "description": description,
            "private_key": secret.hex(), "public_key": pub.hex(), "key": key_id.hex(),
            "ops": ops, "encodings": [e.hex() for e in encodings], "digests": [g.hex() for g in digests],
            "message": message.hex(), "signature": signature.hex()}

REC = "MH-SB-001/ad70a1271ab25a67e712"
A = "00000000000000a1"
VECTORS = [
    vector("one-op", "A laptop's push of one day's hours.", bytes(range(32)),
           [{"id": f"018e06c29be8-0000-{A}", "collection": "hours", "record": f"{REC}/2024-03-04", "field": "minutes", "value": 240, "pred": []}]),
    vector("every-kind-of-value", "A batch of one org: text (Chinese, a line break), a date, a bool, null, a negative integer, and preds.",
           hashlib.sha256(b"sunsync signing vector 2").digest(),
           [{"id": f"018e06c29be8-0000-{A}", "collection": "participants", "record": REC, "field": "name", "value": "张三", "pred": []},
            {"id": f"018e06c29be8-0001-{A}", "collection": "participants", "record": REC, "field": "contract_start", "value": {"date": "2024-01-01"}, "pred": []},
            {"id": f"018e06c29be8-0002-{A}", "collection": "participants", "record": REC, "field": "active", "value": False, "pred": []},
            {"id": f"018e06c29be9-0000-{A}", "collection": "hours", "record": f"{REC}/2024-03-04", "field": "note", "value": "上午\n下午", "pred": []},
            {"id": f"018e06c29bea-0000-{A}", "collection": "hours", "record": f"{REC}/2024-03-04", "field": "note", "value": None,
             "pred": [f"018e06c29be9-0000-{A}"]},
            {"id": f"018e06c29beb-0000-{A}", "collection": "lunches", "record": f"{REC}/2024-03-04", "field": "amount", "value": -1, "pred": []}]),
]

os.makedirs(OUT, exist_ok=True)
for i, v in enumerate(VECTORS, 1):
    with open(os.path.join(OUT, f"{i:03d}-{v['name']}.json"), "w", encoding="utf-8") as f:
        json.dump(v, f, ensure_ascii=False, indent=2)
        f.write("\n")
# The RFC 8032 test 1 key, as a check of this file's Ed25519.
assert public_key(bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")).hex() == \
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
assert sign(bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"), b"").hex().startswith("e5564300c360ac72")
print(f"wrote {len(VECTORS)} signing vectors to protocol/vectors/signing/")
