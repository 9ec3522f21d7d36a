#!/usr/bin/env python3
"""Known-answer vectors for Brook's room-secret KDF (docs/design.md §3), computed independently of
the Rust code with Python's `blake3` (PyPI) and the ed25519 public key from `cryptography`.

    pip install blake3 cryptography
    python3 common/tests/vectors/gen_kdf_vectors.py > common/tests/vectors/kdf.json
"""
import json

from blake3 import blake3
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CONTEXT = "river-rotate v1 2026-04 room-secret-root"
SEEDS = [bytes(32), bytes(range(32)), bytes([0xFF] * 32), blake3(b"brook kat seed").digest()]
VERSIONS = [0, 1, 2, 255, 256, 65536, 2**31, 2**32 - 1]


def public_key(seed):
    key = Ed25519PrivateKey.from_private_bytes(seed)
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def main():
    vectors = []
    for seed in SEEDS:
        root = blake3(seed, derive_key_context=CONTEXT).digest()
        owner_vk = public_key(seed)
        for version in VERSIONS:
            secret = blake3(owner_vk + version.to_bytes(4, "little"), key=root).digest()
            vectors.append({
                "seed": seed.hex(), "owner_vk": owner_vk.hex(), "root": root.hex(),
                "version": version, "secret": secret.hex(),
            })
    print(json.dumps({"context": CONTEXT, "generator": "python blake3 " + __import__("blake3").__version__,
                      "vectors": vectors}, indent=1))


if __name__ == "__main__":
    main()
