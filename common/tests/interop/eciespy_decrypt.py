#!/usr/bin/env python3
"""Opens a Brook-wrapped room secret with Python's eciespy (an independent ecies.org
implementation): `eciespy_decrypt.py <member seed hex> <blob hex>` prints the secret hex.

    pip install eciespy==0.4.7
"""
import sys

from ecies import decrypt
from ecies.config import Config


def main():
    seed, blob = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2])
    config = Config(elliptic_curve="ed25519")
    print(decrypt(seed, blob, config=config).hex())


if __name__ == "__main__":
    main()
