"""BOLT 11 payment requests signed by the simulated node's key, so real clients can decode them.

Only what simnet's invoices need: the ``lnbc`` prefix with an amount, the payment hash (``p``),
payment secret (``s``), description (``d``), expiry (``x``), final CLTV delta (``c``) and
feature bits (``9``), and a recoverable secp256k1 signature (RFC 6979 nonces, low-s). The curve
arithmetic is plain Python: it signs a handful of invoices, never a hot path.
"""

from __future__ import annotations

import hashlib
import hmac

# secp256k1
_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_G = (
    0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
    0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8,
)
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_TAG = {"p": 1, "s": 16, "d": 13, "x": 6, "c": 24, "9": 5}
# var_onion_optin (8) and payment_secret (14), both required: what LND sets on its invoices
_FEATURE_BITS = (1 << 14) | (1 << 8)
Point = tuple[int, int] | None


def _add(a: Point, b: Point) -> Point:
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % _P == 0:
        return None
    if a == b:
        slope = 3 * a[0] * a[0] * pow(2 * a[1], -1, _P) % _P
    else:
        slope = (b[1] - a[1]) * pow(b[0] - a[0], -1, _P) % _P
    x = (slope * slope - a[0] - b[0]) % _P
    return x, (slope * (a[0] - x) - a[1]) % _P


def _mul(k: int, point: Point = _G) -> Point:
    result: Point = None
    addend = point
    while k:
        if k & 1:
            result = _add(result, addend)
        addend = _add(addend, addend)
        k >>= 1
    return result


def node_private_key(seed: int) -> int:
    """The simulated node's identity key, derived from the seed."""
    digest = hashlib.sha256(f"lnpilot-simnet-node-key/{seed}".encode()).digest()
    return int.from_bytes(digest, "big") % (_N - 1) + 1


def public_key(private_key: int) -> bytes:
    point = _mul(private_key)
    assert point is not None  # a key in [1, N) never maps to infinity
    return bytes([2 + (point[1] & 1)]) + point[0].to_bytes(32, "big")


def _nonce(private_key: int, digest: bytes) -> int:
    """RFC 6979 deterministic k (HMAC-SHA256)."""
    x = private_key.to_bytes(32, "big")
    h = (int.from_bytes(digest, "big") % _N).to_bytes(32, "big")
    v, k = b"\x01" * 32, b"\x00" * 32
    k = hmac.new(k, v + b"\x00" + x + h, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    k = hmac.new(k, v + b"\x01" + x + h, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    while True:
        v = hmac.new(k, v, hashlib.sha256).digest()
        candidate = int.from_bytes(v, "big")
        if 1 <= candidate < _N:
            return candidate
        k = hmac.new(k, v + b"\x00", hashlib.sha256).digest()  # pragma: no cover - probability ~2^-128
        v = hmac.new(k, v, hashlib.sha256).digest()  # pragma: no cover


def sign_recoverable(digest: bytes, private_key: int) -> bytes:
    """64-byte ``r || s`` (low s) followed by the recovery id."""
    z = int.from_bytes(digest, "big")
    k = _nonce(private_key, digest)
    point = _mul(k)
    assert point is not None
    r = point[0] % _N
    s = pow(k, -1, _N) * (z + r * private_key) % _N
    recovery = (point[1] & 1) | (2 if point[0] >= _N else 0)
    if s > _N // 2:
        s, recovery = _N - s, recovery ^ 1
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([recovery])


def _words(data: bytes) -> list[int]:
    """8-bit bytes to 5-bit words, zero-padded at the end."""
    acc, bits, out = 0, 0, []
    for byte in data:
        acc, bits = (acc << 8) | byte, bits + 8
        while bits >= 5:
            bits -= 5
            out.append((acc >> bits) & 31)
    if bits:
        out.append((acc << (5 - bits)) & 31)
    return out


def _bytes(words: list[int]) -> bytes:
    acc, bits, out = 0, 0, bytearray()
    for word in words:
        acc, bits = (acc << 5) | word, bits + 5
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits:
        out.append((acc << (8 - bits)) & 0xFF)
    return bytes(out)


def _int_words(value: int, length: int = 0) -> list[int]:
    words = []
    while value:
        words.append(value & 31)
        value >>= 5
    words.reverse()
    return [0] * (length - len(words)) + words if length else (words or [0])


def _field(tag: str, words: list[int]) -> list[int]:
    return [_TAG[tag], *_int_words(len(words), 2), *words]


def _polymod(values: list[int]) -> int:
    generators = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate(generators):
            if (top >> i) & 1:
                checksum ^= gen
    return checksum


def _bech32(hrp: str, data: list[int]) -> str:
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    mod = _polymod([*expanded, *data, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(mod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[w] for w in [*data, *checksum])


def _amount(amount_msat: int) -> str:
    """The human-readable amount: bitcoin with the largest exact multiplier."""
    if amount_msat <= 0:
        return ""
    for unit, msat in (("m", 100_000_000), ("u", 100_000), ("n", 100)):
        if amount_msat % msat == 0:
            return f"{amount_msat // msat}{unit}"
    return f"{amount_msat * 10}p"


def encode_invoice(
    *,
    private_key: int,
    payment_hash: bytes,
    payment_secret: bytes,
    amount_msat: int,
    timestamp_s: int,
    description: str,
    expiry_s: int,
    min_final_cltv: int,
) -> str:
    hrp = "lnbc" + _amount(amount_msat)
    data = _int_words(timestamp_s, 7)
    data += _field("p", _words(payment_hash))
    data += _field("s", _words(payment_secret))
    data += _field("d", _words(description.encode()))
    data += _field("x", _int_words(expiry_s))
    data += _field("c", _int_words(min_final_cltv))
    data += _field("9", _int_words(_FEATURE_BITS))
    digest = hashlib.sha256(hrp.encode() + _bytes(data)).digest()
    return _bech32(hrp, data + _words(sign_recoverable(digest, private_key)))
