"""Field encryption: envelope encryption of sensitive fields, key providers, rotation, backup.

``envelope`` (the ciphertext format), ``keys`` (key rings and providers) and ``keybackup`` are
pure; ``models``, ``service``, ``fields``, ``rotation`` and ``cli`` adapt them to Django.
"""
