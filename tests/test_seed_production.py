"""Production never gets the demo company, whoever asks for it."""

from __future__ import annotations

import pytest

from models import Tenant
from server import seed
from server.settings import Settings


async def test_seeding_the_demo_is_refused_outside_development(app, monkeypatch):
    production = Settings(env="production", jwt_secret="p" * 40)
    monkeypatch.setattr(seed, "get_settings", lambda: production)
    before = await Tenant.all().count()

    with pytest.raises(RuntimeError, match="only created in development"):
        await seed.seed_demo(app.state.policies.current)

    assert await Tenant.all().count() == before
