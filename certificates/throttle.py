"""Rate limits of the public pages, per client address (django-ratelimit, counting in the shared cache).

Three counters, each with its rate in the settings (CERTIFICATE_RATE_LIMITS):

- `PUBLIC`: every request to a public page (`public_rate_limit`: verification by code, lookup, PDF check,
  credentials and status lists): generous, it only stops scraping and floods;
- `GUESSES`: a lookup by number, an unknown code of the QR code. Numbers follow each other, so an address
  gets 20 of them per 10 minutes, not enough to list the holders; a known code never counts here;
- `PDF_CHECKS`: an uploaded PDF read and its signature checked, up to 5 MB each.

The address counted is the client's as the login throttle sees it (`cqp_site.security.client_ip_address`):
the connection's, or behind PROXY_COUNT reverse proxies of ours the one the outermost saw, so that a forged
X-Forwarded-For gives no fresh address; an IPv6 client is counted by its /64 network, as django-ratelimit
does for its « ip » key. django-ratelimit hashes its cache keys: the cache keeps no one's address.
"""

import ipaddress
import math
import re
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage

from cqp_site.security import client_ip_address

PUBLIC = "certificates:public"
GUESSES = "certificates:guesses"
PDF_CHECKS = "certificates:pdf-checks"

IPV6_NETWORK = 64  # bits: what one client holds (RFC 6177), as django-ratelimit's RATELIMIT_IPV6_MASK
RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_key(group, request):
    """The client's address (the proxies' rule above); « unknown » when there is none, all such clients
    then counted together rather than failing."""
    try:
        address = ipaddress.ip_address(client_ip_address(request) or "")
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_NETWORK}", strict=False).network_address)
    return str(address)


def rate(group, request=None):
    """The rate of a counter, read from the settings when counting (« 20/10m »: 20 per 10 minutes)."""
    return settings.CERTIFICATE_RATE_LIMITS[group]


def limit_and_window(group):
    """The number of requests a counter allows, and its window in seconds."""
    count, multiplier, unit = RATE.match(rate(group)).groups()
    return int(count), int(multiplier or 1) * SECONDS[unit]


def count(request, group):
    """Counts this request against the client's counter; the seconds to wait when it is over, else None."""
    usage = get_usage(request, group=group, key=client_key, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, usage["time_left"])


def too_many_requests(request, group, wait):
    """The French page saying how long to wait (templates/429.html), with Retry-After."""
    limit, window = limit_and_window(group)
    context = {"minutes": max(1, math.ceil(wait / 60)), "limit": limit, "window": max(1, window // 60)}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


def refused(request, group):
    """Counts the request; the 429 page when the client is over the limit, else None."""
    wait = count(request, group)
    return too_many_requests(request, group, wait) if wait else None


def public_rate_limit(view):
    """For every public view: each request counts against the client's `PUBLIC` counter."""

    @wraps(view)
    def limited(request, *args, **kwargs):
        return refused(request, PUBLIC) or view(request, *args, **kwargs)

    return limited
