"""Who may talk to the desk: only this PC's browser, opened at the address bloc-score printed.

As notebook servers do: a random token per start in the address the browser opens, exchanged at once for an
HttpOnly, SameSite=Strict cookie that every later request must carry; the Host header must name the loopback
address and this port (a web page cannot rebind a name of its own to 127.0.0.1 and read the desk), and a
request that says where it comes from (Origin) must come from the desk itself (no other site can make the
secretary's browser post to it). A state-changing request must say so.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field

COOKIE = "bloc_desk"
TOKEN_PARAMETER = "token"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Guard:
    """The desk's secret for this start and the addresses it answers on."""

    port: int
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def origins(self) -> frozenset[str]:
        return frozenset({f"http://{LOOPBACK}:{self.port}", f"http://localhost:{self.port}"})

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset({f"{LOOPBACK}:{self.port}", f"localhost:{self.port}"})

    @property
    def address(self) -> str:
        """What the browser opens: the token in it, once."""
        return f"http://{LOOPBACK}:{self.port}/?{TOKEN_PARAMETER}={self.token}"

    def host_ok(self, host: str | None) -> bool:
        return (host or "").casefold() in self.hosts

    def origin_ok(self, origin: str | None, *, changes: bool) -> bool:
        """No Origin is a browser's own navigation (a typed address, a bookmark), allowed only to read; a
        request that changes something carries one (every browser sends it with a POST) and it is ours."""
        if origin is None:
            return not changes
        return origin.casefold() in self.origins

    def token_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())
