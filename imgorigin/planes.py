"""The planes' routes, built once per worker by ``create_app`` from the composition root (``Services``).

Each route class is handed the collaborators its handlers use, and nothing else; no handler looks
anything up at request time. What a plane needs shows here, in one place.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from imgorigin.api import capabilities, openapi, v1_1
from imgorigin.api.account import AccountRoutes
from imgorigin.api.auth import AuthRoutes
from imgorigin.api.cloud import CloudRoutes
from imgorigin.api.common import Bearer, Links
from imgorigin.api.images import ImageRoutes
from imgorigin.api.keys import KeyRoutes
from imgorigin.api.search import SearchRoutes
from imgorigin.api.v1_1.auth import Callers
from imgorigin.api.v1_1.endpoint import Endpoints
from imgorigin.api.v1_1.manage import ManageRoutes
from imgorigin.api.v1_1.presets import PresetRoutes
from imgorigin.api.v1_1.resources import ResourceRoutes
from imgorigin.api.v1_1.transformations import TransformationRoutes
from imgorigin.api.v1_1.upload import UploadRoutes
from imgorigin.api.v1_1.usage import UsageRoutes
from imgorigin.clouds.assets import Assets
from imgorigin.clouds.eager import CloudEager
from imgorigin.clouds.named import NamedTransformations
from imgorigin.clouds.uploads import UploadStore
from imgorigin.delivery.cloud import CloudLayouts
from imgorigin.delivery.cloudroutes import CloudLayoutRoutes
from imgorigin.delivery.fetch import Fetcher
from imgorigin.delivery.routes import DeliveryRoutes, Responder
from imgorigin.ops.routes import OpsRoutes
from imgorigin.services.accounts import Accounts
from imgorigin.services.uploads import Uploads
from imgorigin.services.wiring import Control, Services


def cloud_layouts(services: Services) -> CloudLayouts:
    """What delivery shares on this node, for /t/, Cloudinary's layouts and the Upload API's eager field."""
    settings = services.settings
    responder = Responder(settings, services.renderer, services.cache, services.rate_limiter)
    return CloudLayouts(settings, services.transformations, services.published, services.rate_limiter,
                        services.renders, responder)


def delivery_routes(services: Services, layouts: CloudLayouts) -> list[BaseRoute]:
    """``/t/`` and Cloudinary's layouts: no database among them."""
    settings = services.settings
    fetcher = Fetcher(settings, services.source_limits, services.storage, services.cache, services.published,
                      services.publisher, services.slots)
    return [
        *DeliveryRoutes(services.signer, services.transformations, settings.allow_unsigned,
                        layouts.responder).routes(),
        *CloudLayoutRoutes(layouts, fetcher, settings.default_cloud).routes(),
    ]


def control_routes(services: Services, control: Control, layouts: CloudLayouts) -> list[BaseRoute]:
    """The JSON API and Cloudinary's Upload and Admin APIs."""
    settings, db, library = services.settings, control.db, control.library
    bearer = Bearer(settings.jwt_secret, db)
    links = Links(settings.public_url, settings.signing_secret)
    accounts = Accounts(db, library, services.publisher, settings.bcrypt_rounds)
    uploads = Uploads(db, library, services.transformations, services.slots, services.publisher, control.eager,
                      user_quota=settings.user_quota, eager_pending=settings.eager_pending)
    return [
        *AuthRoutes(settings, bearer, services.rate_limiter, accounts).routes(),
        *ImageRoutes(settings, bearer, links, library, uploads, services.transformations, services.renderer,
                     services.rate_limiter).routes(),
        *AccountRoutes(settings, bearer, accounts).routes(),
        *KeyRoutes(db, bearer, services.publisher, settings.key_secret).routes(),
        *CloudRoutes(db, bearer, services.transformations, services.publisher, settings.unsigned_policy).routes(),
        *openapi.routes,
        *capabilities.routes(services.background_remover, settings.max_upload_bytes),
        *SearchRoutes(db, bearer).routes(),
        *cloudinary_api_routes(services, control, links, layouts),
    ]


def cloudinary_api_routes(services: Services, control: Control, links: Links,
                          layouts: CloudLayouts) -> list[BaseRoute]:
    settings, db, library = services.settings, control.db, control.library
    assets = Assets(db, library, services.publisher)
    eager = CloudEager(db, services.renderer, control.eager, services.publisher, services.transformations,
                       services.published)
    uploads = UploadStore(db, library, services.source_limits, services.transformations.limits,
                          settings.render_timeout)
    endpoints = Endpoints(Callers(db, settings.key_secret), services.rate_limiter, settings.admin_api_rate,
                          settings.max_upload_bytes, settings.data_dir / "tmp")
    return v1_1.routes(
        endpoints,
        UploadRoutes(settings, db, library, uploads, eager, services.renderer, services.slots, services.rate_limiter,
                     links),
        ManageRoutes(db, assets, eager, links),
        ResourceRoutes(db, assets, links, settings.key_secret),
        TransformationRoutes(db, NamedTransformations(db, services.publisher, services.transformations)),
        PresetRoutes(db, eager),
        UsageRoutes(settings, db, services.cache, services.renders, services.storage),
    )


def ops_routes(services: Services) -> list[BaseRoute]:
    settings = services.settings
    return OpsRoutes(services.storage, services.database, settings.data_dir, settings.min_free_disk,
                     services.metrics).routes()
