"""The portal (同舟门户): one web application and one JSON API over the store, beside TAXII 2.1.

Registry pages and ``/api/v1`` over the AI-system registry, classifications as of any day,
signed evaluations and incidents; accounts with roles (public, provider, evaluator, regulator,
admin), argon2 passwords, TOTP for regulators and admins, API tokens that are also TAXII keys.
``tongzhou serve`` runs it; docs/portal.md has the permission table the tests enforce.

Entry points: :func:`tongzhou.portal.service.create_service` (the whole service on a store),
:func:`tongzhou.portal.app.create_portal_app` (the portal alone). Nothing is imported here: the
store's table registry imports ``tongzhou.portal._tables`` without pulling in FastAPI.
"""
