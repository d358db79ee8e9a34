"""Named, renewable leases for jobs only one worker may run at a time."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobLease(models.Model):
    """A named, renewable lease: only its holder runs that job (the poll sweep).

    The holder renews it while it works; a worker killed mid-job stops renewing, so
    its lease runs out soon and the watchdog's next sweep takes over.
    """

    name = models.CharField(_("name"), max_length=40, primary_key=True)
    held_until = models.DateTimeField(_("held until"))
    holder = models.CharField(_("holder"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("job lease")
        verbose_name_plural = _("job leases")

    def __str__(self) -> str:
        return f"{self.name} until {self.held_until}"

    @classmethod
    def acquire(cls, name: str, seconds: float) -> str | None:
        """A holder token when the lease was free, else None."""
        now = timezone.now()
        cls.objects.get_or_create(name=name, defaults={"held_until": now - timedelta(seconds=1)})
        token = uuid.uuid4().hex
        taken = cls.objects.filter(name=name, held_until__lt=now).update(
            held_until=now + timedelta(seconds=seconds), holder=token
        )
        return token if taken else None

    @classmethod
    def renew(cls, name: str, token: str, seconds: float) -> bool:
        """Extend our lease; False when it is no longer ours (it ran out and was taken)."""
        until = timezone.now() + timedelta(seconds=seconds)
        return bool(cls.objects.filter(name=name, holder=token).update(held_until=until))

    @classmethod
    def release(cls, name: str, token: str) -> None:
        cls.objects.filter(name=name, holder=token).update(
            held_until=timezone.now() - timedelta(seconds=1)
        )

    @classmethod
    def is_held(cls, name: str) -> bool:
        return cls.objects.filter(name=name, held_until__gte=timezone.now()).exists()
