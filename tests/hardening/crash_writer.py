"""The child process of the crash test: writes through the service layer, acknowledging each.

Run as ``python -m tests.hardening.crash_writer ROUND``. It prepares the database (migrations,
one organization with an owner) and then writes until it is killed, cycling through three
kinds of write, each in its own transaction:

- ``zone``: a zone saved through the model (``full_clean`` then ``save``, as the API does);
- ``import``: an inventory import (one transaction for a vendor and two assets);
- ``member``: a new user added as a member by ``phiward.core.members.add_member``.

A line ``ack <kind> <name>`` is written to stdout and flushed only after the transaction has
committed: whatever the parent reads was acknowledged.
"""

from __future__ import annotations

import sys


def main(round_number: int) -> None:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import transaction

    from phiward.core import members
    from phiward.core.models import Membership, Organization
    from phiward.core.permissions import Role
    from phiward.inventory.models import Zone, ZoneKind
    from phiward.inventory.transfer.service import import_inventory

    call_command("migrate", verbosity=0)
    org, _ = Organization.objects.get_or_create(slug="crash-clinic", name="Crash Clinic")
    owner, created = User.objects.get_or_create(username="crash-owner")
    if created:
        Membership.objects.create(user=owner, organization=org, role=Role.OWNER)
    print("ready", flush=True)

    n = 0
    while True:
        name = f"r{round_number}-{n:05d}"
        kind = ("zone", "import", "member")[n % 3]
        if kind == "zone":
            with transaction.atomic():
                zone = Zone(organization=org, name=f"Zone {name}", kind=ZoneKind.CLINICAL)
                zone.full_clean()
                zone.save()
        elif kind == "import":
            document = (
                "phiward_inventory: 1\n"
                f"vendors:\n- {{name: Vendor {name}, baa_status: signed}}\n"
                "assets:\n"
                f"- {{name: Asset {name} a, kind: workstation, vendor: Vendor {name}}}\n"
                f"- {{name: Asset {name} b, kind: server, vendor: Vendor {name}}}\n"
            )
            import_inventory(org, document.encode(), filename=f"{name}.yaml")
        else:
            members.add_member(
                org,
                username=f"user-{name}",
                role=Role.WORKFORCE,
                create=True,
                generate_password=False,
                by=owner,
            )
        sys.stdout.write(f"ack {kind} {name}\n")
        sys.stdout.flush()
        n += 1


if __name__ == "__main__":
    main(int(sys.argv[1]))
