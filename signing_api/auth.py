"""Sign-in: exchange a username and password for an API token; see and revoke your own."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from reelhouse import accounts, forwarding
from reelhouse.config import Settings
from reelhouse.db import ApiToken, User
from reelhouse.errors import AuthError
from signing_api import ratelimit
from signing_api.deps import Services, SvcDep, UserDep
from signing_api.errors import responses, unauthorized
from signing_api.hashing import SignInBusy

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
# What a sign-in answers when every password-hash slot stayed taken (`signing_api.hashing`).
BUSY = (503, "sign-in is busy; retry after `Retry-After` seconds (`signin_busy`)")


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenRequest(Credentials):
    name: str = Field("", max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$",
                      description="a label to recognise the token by (no control characters)")


class UserOut(BaseModel):
    username: str
    role: str
    disabled: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(username=user.username, role=user.role, disabled=user.disabled,
                   created_at=user.created_at)


class TokenOut(BaseModel):
    token: str
    token_id: str
    expires_at: datetime
    user: UserOut


def client_address(request: Request, settings: Settings) -> str:
    """The address a request came from: its peer, or behind `trusted_proxies` the address
    they forwarded (the dashboard forwards its visitor's)."""
    peer = request.client.host if request.client else "unknown"
    return forwarding.client_address(peer, request.headers.getlist("x-forwarded-for"),
                                     settings.trusted_networks)


def sign_in(svc: Services, address: str, username: str, password: str,
            name: str = "") -> tuple[str, ApiToken, User]:
    """A new token for valid credentials; attempts are counted first (`ratelimit.reserve`)."""
    # Counted before the password is checked, in a transaction of its own, so attempts
    # racing on other API processes see each other; a success is uncounted below.
    with svc.db.session() as session:
        attempt = ratelimit.reserve(session, svc.limits, username, address)
    try:
        # The slot is taken before a database connection, so waiters hold none.
        with svc.hashing.slot(), svc.db.session() as session:
            try:
                user = accounts.authenticate(session, username, password)
            except AuthError:
                raise unauthorized("wrong username or password") from None
            ratelimit.succeeded(session, attempt)
            token, row = accounts.issue_token(session, user, svc.settings.token_ttl_s, name)
    except SignInBusy:
        with svc.db.session() as session:  # no password was checked: it does not count
            ratelimit.withdraw(session, attempt)
        raise
    return token, row, user


@router.post("/token", response_model=TokenOut, status_code=201,
             responses=responses(400, (401, "wrong username or password"), 413, 429, BUSY))
def create_token(body: TokenRequest, request: Request, svc: SvcDep) -> TokenOut:
    """Exchange a username and password for an API token (shown once)."""
    token, row, user = sign_in(svc, client_address(request, svc.settings), body.username,
                               body.password, body.name)
    return TokenOut(token=token, token_id=row.id, expires_at=row.expires_at,
                    user=UserOut.of(user))


@router.delete("/token", status_code=204, responses=responses(401))
def revoke_current_token(request: Request, svc: SvcDep, _user: UserDep) -> Response:
    """Revoke the token this request was made with (sign out)."""
    with svc.db.session() as session:
        accounts.revoke_token(session, request.state.token_id)
    return Response(status_code=204)


@router.get("/me", response_model=UserOut, responses=responses(401))
def me(user: UserDep) -> UserOut:
    """Who the token belongs to."""
    return UserOut.of(user)
