"""Accounts for the people the certification is about (issue 17): a candidate, a tutor, a manager gets an
account from the admin and an invitation to choose their password (accounts.services.invite: a link that works
once, never a password by mail). The account's username is their address, as they know it."""

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts import services as account_services


def _account_for(record):
    """The record's account, opened if it has none: its address as username, no usable password until the
    invitation's link sets one. None without an address, or when the address is another account's username."""
    if record.user_id:
        return record.user
    address = record.email.strip().lower()
    if not address:
        return None
    User = get_user_model()
    if User.objects.filter(username__iexact=address).exists():
        return None
    user = User(username=address, email=address, first_name=record.first_name, last_name=record.last_name)
    user.set_unusable_password()
    user.save()
    record.user = user
    record.save(update_fields=["user"])
    return user


@transaction.atomic
def invite(records):
    """Open an account for each candidate or person that has none, and send each an invitation to choose their
    password. Returns (invited accounts, records left without an account: no address, or the address taken)."""
    accounts, without = [], []
    for record in records:
        user = _account_for(record)
        if user is None:
            without.append(record)
        else:
            accounts.append(user)
    invited, no_address, inactive = account_services.invite(accounts)
    return invited, without + no_address + inactive
