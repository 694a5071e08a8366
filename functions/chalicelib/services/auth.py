"""Staff accounts: argon2 password hashes and signed, expiring bearer tokens (HS256 JWT).

Demo accounts (`demo-office`, `demo-clerk`, password `demo`) exist only in the local demo; a
deployed stage refuses to log them in and refuses to start while they exist (bootstrap.py).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:                      # imported on first use: keeps the cold start short
    from argon2 import PasswordHasher

from ..domain.errors import Invalid, Unauthorized
from .context import Actor
from .ports import Account, Store

# operator: the hotline's 话务员, who takes letters from the phone, SMS, fax… (services/channels.py)
# a `leader` account (domain/leaders.py) keeps its leader's id where a clerk keeps the department
ROLES = ("clerk", "office", "admin", "operator", "leader", "evaluator")
# an evaluator's kind (人大代表, 政协委员, expert) is kept in its department field
EVALUATOR_KINDS = ("deputy", "member", "expert")
TOKEN_HOURS = 8
_hasher: PasswordHasher | None = None
# verified against when the username is unknown, so both paths cost one argon2 check
# (made on first use: hashing at import would add ~0.1 s to every cold start)
_DUMMY_HASH: str | None = None


def configure_hasher(hasher: PasswordHasher) -> None:
    """Choose the argon2 parameters (tests use cheap ones; production keeps the defaults)."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = None


def _the_hasher() -> PasswordHasher:
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher
        _hasher = PasswordHasher()
    return _hasher


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _the_hasher().hash("not-a-real-password")
    return _DUMMY_HASH


def hash_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < 4 or len(password) > 200:
        raise Invalid("password_length", field="password")
    return _the_hasher().hash(password)


def new_account(username: str, password: str, role: str, department: str | None,
                now: datetime, *, demo: bool = False) -> Account:
    if not username or not username.replace("-", "").replace("_", "").isalnum() \
            or len(username) > 64:
        raise Invalid("username_chars", field="username")
    if role not in ROLES:
        raise Invalid("role_choice", field="role", roles=", ".join(ROLES))
    if role == "clerk" and not department:
        raise Invalid("clerk_needs_department", field="department")
    if role == "leader" and not department:
        raise Invalid("leader_needs_leader_id", field="leader")
    if role == "evaluator" and department not in EVALUATOR_KINDS:
        raise Invalid("evaluator_kind_choice", field="department")
    return Account(username=username, password_hash=hash_password(password), role=role,
                   department=department if role in ("clerk", "leader", "evaluator") else None,
                   created_at=now,
                   demo=demo)


class TokenSigner:
    def __init__(self, secret: str, clock: Callable[[], datetime]) -> None:
        if len(secret.encode()) < 32:
            raise ValueError("the token secret must be at least 32 bytes")
        self.secret = secret
        self.clock = clock

    def issue(self, account: Account) -> tuple[str, datetime]:
        import jwt
        now = self.clock().astimezone(UTC)
        expires = now + timedelta(hours=TOKEN_HOURS)
        token = jwt.encode({"sub": account.username, "role": account.role,
                            "dept": account.department, "ver": account.token_version,
                            "iat": int(now.timestamp()),
                            "exp": int(expires.timestamp())}, self.secret, algorithm="HS256")
        return token, expires

    def verify(self, token: str) -> Actor:
        """The actor a token names, if it is genuine and unexpired (not whether the account
        still accepts it: `current_actor`)."""
        return self._actor(self._claims(token))

    def _claims(self, token: str) -> dict[str, Any]:
        import jwt
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"],
                                options={"require": ["sub", "role", "exp"], "verify_exp": False,
                                         "verify_iat": False, "verify_nbf": False})
        except jwt.PyJWTError:
            raise Unauthorized("token_invalid") from None
        if claims["exp"] <= self.clock().timestamp():
            raise Unauthorized("token_expired")
        return claims

    @staticmethod
    def _actor(claims: dict[str, Any]) -> Actor:
        return Actor(claims["sub"], claims["role"], claims.get("dept"))


def current_actor(signer: TokenSigner, store: Store, token: str) -> Actor:
    """The actor of a staff request: a genuine, unexpired token whose account still exists, is
    not disabled and has not been reset since the token was issued (its `token_version` is the
    token's `ver`; a token from before versions existed counts as version 0). Anything else is
    401 `token_revoked`, so a password reset or disabling an account ends its sessions at once."""
    claims = signer._claims(token)
    account = store.get_account(str(claims["sub"]))
    version = claims.get("ver", 0)
    if account is None or account.disabled or isinstance(version, bool) \
            or not isinstance(version, int) or version != account.token_version \
            or (account.role, account.department) != (claims["role"], claims.get("dept")):
        raise Unauthorized("token_revoked")
    return signer._actor(claims)


def replace_account(store: Store, account: Account) -> Account:
    """Save `account` in place of the stored one of that name (a password reset, a new role):
    its token version moves past the old one's, so the old account's tokens stop working."""
    old = store.get_account(account.username)
    if old is not None:
        account.token_version = old.token_version + 1
    store.put_account(account)
    return account


def set_disabled(store: Store, username: str, disabled: bool) -> Account | None:
    """Disable (or enable again) an account; disabling revokes every token it holds. None when
    there is no such account."""
    account = store.get_account(username)
    if account is None:
        return None
    if account.disabled != disabled:
        account.disabled = disabled
        account.token_version += 1
        store.put_account(account)
    return account


def login(store: Store, signer: TokenSigner, payload: object, *, allow_demo: bool
          ) -> dict[str, Any]:
    """POST /api/staff/login."""
    if not isinstance(payload, dict):
        raise Invalid("body_not_object")
    username, password = payload.get("username"), payload.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username \
            or len(username) > 64 or len(password) > 200:
        raise Unauthorized("bad_credentials")
    account = store.get_account(username)
    from argon2.exceptions import InvalidHashError, VerificationError
    ok: bool
    try:
        ok = _the_hasher().verify(account.password_hash if account else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or account is None or account.disabled or (account.demo and not allow_demo):
        raise Unauthorized("bad_credentials")
    token, expires = signer.issue(account)
    return {"token": token, "expires": expires.isoformat(), "role": account.role,
            "department": account.department, "username": account.username}
