"""Argon2, as production hashes passwords, with the smallest cost it takes.

Django's default Argon2 cost (100 MB of memory, 2 passes, 8 lanes) takes about 0.3 s of processor
time per password, and the suite makes and checks a password for nearly every test user. The
algorithm, the code path and the stored format ("argon2$argon2id$…") stay the production ones;
the production settings themselves are checked in tests/wkp/test_settings.py.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 8  # KiB, the least Argon2 allows for one lane
    parallelism = 1
