from django.db import models

from . import crypto


class EncryptedCharField(models.TextField):
    """Holds plaintext in Python and AES-GCM ciphertext in the database."""

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else ""

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "weizhili.people.fields.EncryptedCharField", args, kwargs
