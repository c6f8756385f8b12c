from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with one iteration, for tests only.

    The hash keeps the standard `pbkdf2_sha256$1$...` form, so a server process started by a
    test with the default hashers still verifies it (PBKDF2 reads the count from the hash).
    """

    iterations = 1
