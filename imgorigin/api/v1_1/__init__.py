"""Cloudinary's Upload and Admin APIs at ``/v1_1/<cloud>/...``, so a site's backend keeps its SDK code.

Upload API (signed parameters): ``image/upload`` and ``auto/upload``, ``image/destroy``, ``image/rename``,
``image/explicit``, ``image/tags``, ``image/download``. Admin API (HTTP Basic): ``resources/image[...]``,
``folders``, ``transformations``, ``upload_presets``, ``usage``, ``ping``. See docs/migration.md.
"""

from __future__ import annotations

from functools import partial

from starlette import routing
from starlette.routing import BaseRoute

from imgorigin.api.v1_1.endpoint import Endpoints
from imgorigin.api.v1_1.manage import ManageRoutes
from imgorigin.api.v1_1.presets import PresetRoutes
from imgorigin.api.v1_1.resources import ResourceRoutes
from imgorigin.api.v1_1.transformations import TransformationRoutes
from imgorigin.api.v1_1.upload import UploadRoutes
from imgorigin.api.v1_1.usage import UsageRoutes

_C = "/v1_1/{cloud}"
# Out of the OpenAPI document: this API's reference is Cloudinary's own (see docs/migration.md).
Route = partial(routing.Route, include_in_schema=False)


def routes(endpoints: Endpoints, upload: UploadRoutes, manage: ManageRoutes, resources: ResourceRoutes,
           transformations: TransformationRoutes, presets: PresetRoutes, usage: UsageRoutes) -> list[BaseRoute]:
    """The routes of both APIs, from handler objects built once (``imgorigin/planes.py``)."""
    admin, upload_api = endpoints.admin, endpoints.upload_api
    uploads = upload_api(upload.upload, file_field=True, unsigned_ok=True)
    return [
        Route(f"{_C}/image/upload", uploads, methods=["POST"]),
        Route(f"{_C}/auto/upload", uploads, methods=["POST"]),
        Route(f"{_C}/image/destroy", upload_api(manage.destroy), methods=["POST"]),
        Route(f"{_C}/image/rename", upload_api(manage.rename), methods=["POST"]),
        Route(f"{_C}/image/explicit", upload_api(manage.explicit), methods=["POST"]),
        Route(f"{_C}/image/tags", upload_api(manage.tags), methods=["POST"]),
        Route(f"{_C}/image/download", upload_api(upload.download), methods=["GET", "POST"]),
        Route(f"{_C}/resources/{{resource_type}}", admin(resources.list_resources), methods=["GET"]),
        Route(f"{_C}/resources/{{resource_type}}/tags/{{tag:path}}", admin(resources.by_tag), methods=["GET"]),
        Route(f"{_C}/resources/{{resource_type}}/{{type}}", admin(resources.list_resources), methods=["GET"]),
        Route(f"{_C}/resources/{{resource_type}}/{{type}}", admin(resources.delete), methods=["DELETE"]),
        Route(f"{_C}/resources/{{resource_type}}/{{type}}/{{public_id:path}}", admin(resources.show),
              methods=["GET"]),
        Route(f"{_C}/folders", admin(resources.folders), methods=["GET"]),
        Route(f"{_C}/folders/{{path:path}}", admin(resources.folders), methods=["GET"]),
        Route(f"{_C}/transformations", admin(transformations.get), methods=["GET"]),
        Route(f"{_C}/transformations", admin(transformations.create), methods=["POST"]),
        Route(f"{_C}/transformations", admin(transformations.update), methods=["PUT"]),
        Route(f"{_C}/transformations", admin(transformations.delete), methods=["DELETE"]),
        Route(f"{_C}/transformations/{{name}}", admin(transformations.get), methods=["GET"]),
        Route(f"{_C}/transformations/{{name}}", admin(transformations.create), methods=["POST"]),
        Route(f"{_C}/transformations/{{name}}", admin(transformations.update), methods=["PUT"]),
        Route(f"{_C}/transformations/{{name}}", admin(transformations.delete), methods=["DELETE"]),
        Route(f"{_C}/upload_presets", admin(presets.list_presets), methods=["GET"]),
        Route(f"{_C}/upload_presets", admin(presets.create), methods=["POST"]),
        Route(f"{_C}/upload_presets/{{name}}", admin(presets.show), methods=["GET"]),
        Route(f"{_C}/upload_presets/{{name}}", admin(presets.update), methods=["PUT"]),
        Route(f"{_C}/upload_presets/{{name}}", admin(presets.delete), methods=["DELETE"]),
        Route(f"{_C}/usage", admin(usage.usage), methods=["GET"]),
        Route(f"{_C}/ping", admin(usage.ping), methods=["GET"]),
    ]
